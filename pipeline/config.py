"""The configuration: one frozen object, read from ``[tool.ocrmend]`` in a ``pyproject.toml``
or from an ``ocrmend.toml``, overridden by command-line flags.

Every field is documented here and in the README. Stage tuning lives in each stage's own
``Settings`` dataclass; its values come from the table ``[tool.ocrmend.<stage>]``.
"""
from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({k: (_frozen(v) if isinstance(v, Mapping) else v) for k, v in d.items()})


@dataclass(frozen=True)
class Config:
    """Everything that changes what ocrmend does to a text.

    select:        rule-id prefixes to run (empty: all), e.g. ``("layout", "dehyphenate")``
    ignore:        rule-id prefixes not to run, e.g. ``("reflow.unwrap_lines",)``
    keep:          block kinds to keep in place in the clean text (``header``, ``footer``,
                   ``page_number``, ``fragment``, ``caption``, ``footnote``,
                   ``footnote_marker``, ``emphasis``)
    unsafe_fixes:  also apply edits marked ``unsafe`` (otherwise they become flags)
    dictionaries:  extra word lists (one word a line; ``#`` comments) added to the
                   ``dictionaries/`` folder beside the input tree
    encoding:      force the input encoding instead of detecting it
    max_bytes:     inputs larger than this are refused (default 256 MiB)
    stages:        per-stage settings, ``{"dehyphenate": {"min_ratio": 5.0}}``
    """

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    keep: frozenset[str] = frozenset()
    unsafe_fixes: bool = False
    dictionaries: tuple[str, ...] = ()
    encoding: str | None = None
    max_bytes: int = 256 * 1024 * 1024
    stages: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))

    def rule_enabled(self, rule_id: str) -> bool:
        def matches(prefix: str) -> bool:
            return rule_id == prefix or rule_id.startswith(prefix.rstrip(".") + ".")

        if self.select and not any(matches(p) for p in self.select):
            return False
        return not any(matches(p) for p in self.ignore)

    def stage_settings(self, stage: str, cls: type) -> Any:
        """The stage's ``Settings`` dataclass filled from ``[tool.ocrmend.<stage>]``."""
        values = dict(self.stages.get(stage, {}))
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ConfigError(
                f"unknown setting(s) {', '.join(sorted(unknown))} for stage '{stage}'; "
                f"known: {', '.join(sorted(names))}"
            )
        return cls(**values)

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **changes)

    def fingerprint(self) -> dict[str, Any]:
        """A JSON-able summary (it goes into every output, so a run can be reproduced)."""
        return {
            "select": list(self.select),
            "ignore": list(self.ignore),
            "keep": sorted(self.keep),
            "unsafe_fixes": self.unsafe_fixes,
            "dictionaries": list(self.dictionaries),
            "encoding": self.encoding,
            "stages": {k: dict(v) for k, v in sorted(self.stages.items())},
        }


_LIST_FIELDS = ("select", "ignore", "dictionaries")
_KEEP_KINDS = {"header", "footer", "page_number", "fragment", "caption", "footnote", "footnote_marker", "emphasis"}


def _split(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(v.strip() for v in value if str(v).strip())


def from_mapping(data: Mapping[str, Any], base: Config | None = None) -> Config:
    """Build a config from a mapping (a TOML table or keyword arguments)."""
    base = base or Config()
    known = {f.name for f in dataclasses.fields(Config)}
    changes: dict[str, Any] = {}
    stage_tables: dict[str, Any] = {k: dict(v) for k, v in base.stages.items()}
    for key, value in data.items():
        key = key.replace("-", "_")
        if isinstance(value, Mapping) and key not in known:
            stage_tables.setdefault(key, {}).update(value)
            continue
        if key not in known:
            raise ConfigError(f"unknown configuration key '{key}'; known: {', '.join(sorted(known))}")
        if key in _LIST_FIELDS:
            changes[key] = _split(value)
        elif key == "keep":
            kinds = frozenset(_split(value))
            bad = kinds - _KEEP_KINDS
            if bad:
                raise ConfigError(f"--keep: unknown kind(s) {', '.join(sorted(bad))}; use {', '.join(sorted(_KEEP_KINDS))}")
            changes[key] = kinds
        elif key == "stages":
            for st, table in value.items():
                stage_tables.setdefault(st, {}).update(table)
        elif key == "unsafe_fixes":
            changes[key] = bool(value)
        elif key == "max_bytes":
            changes[key] = int(value)
        else:
            changes[key] = value
    changes["stages"] = _frozen(stage_tables)
    return dataclasses.replace(base, **changes)


def load(path: str | Path | None = None, start: str | Path = ".") -> Config:
    """Read the config from ``path``, or the nearest ``ocrmend.toml`` / ``pyproject.toml``
    with a ``[tool.ocrmend]`` table at or above ``start``; defaults when there is none."""
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{p}: config file not found") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{p}: cannot read config: {exc}") from None
        table = data.get("tool", {}).get("ocrmend", data) if p.name == "pyproject.toml" else data
        return from_mapping(table)
    here = Path(start).resolve()
    for d in (here, *here.parents):
        for name in ("ocrmend.toml", "pyproject.toml"):
            f = d / name
            if f.is_file():
                try:
                    data = tomllib.loads(f.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                    raise ConfigError(f"{f}: cannot read config: {exc}") from None
                if name == "ocrmend.toml":
                    return from_mapping(data)
                if "ocrmend" in data.get("tool", {}):
                    return from_mapping(data["tool"]["ocrmend"])
    return Config()
