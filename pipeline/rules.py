"""Rules: small pure functions with a dotted id that propose edits, flags and regions.

A rule has the signature ``rule(text, ctx) -> Iterable[Edit | Flag | Region]``; it reads
the current text and a read-only :class:`Context`, and never changes anything itself.
``@rule("stage.name")`` registers the id; a stage lists its rules, in order, in ``RULES``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Union

from .edits import Edit, Flag, Region, Safety

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config
    from .document import Document
    from .lexicon import Lexicon

Proposal = Union[Edit, Flag, Region]
RuleFunc = Callable[[str, "Context"], Iterable[Proposal]]


def rule(rule_id: str, *, safety: Safety = "safe") -> Callable[[RuleFunc], RuleFunc]:
    """Register a function as the rule ``rule_id`` (``stage.name``)."""
    if rule_id.count(".") != 1:
        raise ValueError(f"rule id must be 'stage.name', got {rule_id!r}")

    def mark(func: RuleFunc) -> RuleFunc:
        func.rule_id = rule_id  # type: ignore[attr-defined]
        func.rule_safety = safety  # type: ignore[attr-defined]
        return func

    return mark


def rule_id(func: RuleFunc) -> str:
    return func.rule_id  # type: ignore[attr-defined,no-any-return]


def rule_doc(func: RuleFunc) -> str:
    """The first line of the rule's docstring."""
    return (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""


@dataclass(frozen=True)
class Context:
    """What a rule may read besides the text: the document (regions, pages, raw text),
    the config, its stage's settings and the lexicon (loaded on first use)."""

    doc: "Document"
    config: "Config"
    settings: Any

    @property
    def lexicon(self) -> "Lexicon":
        from .lexicon import get_lexicon

        return get_lexicon(self.config.dictionaries)


def try_rule(func: RuleFunc, text: str, **config: Any) -> str:
    """Run one rule alone on ``text`` and return the text it leaves (for doctests).

    >>> from pipeline.stages.encoding import soft_hyphen
    >>> try_rule(soft_hyphen, "illu\\N{SOFT HYPHEN}sions")
    'illusions'
    """
    from .config import from_mapping
    from .runner import run_rules

    doc = run_rules(text, [func], from_mapping(config) if config else None)
    return doc.text


def try_regions(func: RuleFunc, text: str, **config: Any) -> list[tuple[str, str]]:
    """Run one rule alone and list the ``(kind, text)`` of the regions it found."""
    from .config import from_mapping
    from .runner import run_rules

    doc = run_rules(text, [func], from_mapping(config) if config else None)
    return [(r.kind, r.text) for r in doc.regions]


def try_flags(func: RuleFunc, text: str, **config: Any) -> list[str]:
    """Run one rule alone and list the text of each flag it raised."""
    from .config import from_mapping
    from .runner import run_rules

    doc = run_rules(text, [func], from_mapping(config) if config else None)
    return [f.text for f in doc.flags]
