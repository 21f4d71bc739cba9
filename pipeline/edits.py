"""What rules propose (edits, flags, regions) and what the runner records (changes).

Rules never change text. They return :class:`Edit`, :class:`Flag` and :class:`Region`
proposals with spans in the text they were given; the runner checks and applies them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping

Safety = Literal["safe", "unsafe", "suggest"]

#: Block kinds that are taken out of the body text by default (``--keep`` puts them back).
REMOVED_KINDS = frozenset(
    {"header", "footer", "page_number", "fragment", "caption", "footnote", "footnote_marker", "emphasis"}
)
#: Block kinds that stay in the body text and type a paragraph.
BODY_KINDS = frozenset({"paragraph", "heading", "epigraph", "list", "verse", "table", "code", "math"})


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``replacement``.

    ``removes`` names the block kind the edit takes out of the body (a running head, a
    caption ...); ``--keep KIND`` skips such edits, leaving the block in place.
    """

    start: int
    end: int
    replacement: str
    reason: str
    confidence: float = 1.0
    safety: Safety = "safe"
    removes: str | None = None


@dataclass(frozen=True)
class Flag:
    """Something a person should look at; never changes text."""

    start: int
    end: int
    reason: str
    severity: Literal["info", "warning", "error"] = "warning"
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    """A typed stretch of the text (a heading, a running head, a fragment ...).

    Regions become blocks of the JSON output; ``attrs`` carries kind-specific facts.
    """

    kind: str
    start: int
    end: int
    attrs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    """An applied edit: one line of the change log."""

    id: str
    stage: str
    rule: str
    at: tuple[int, int]
    raw: tuple[int, int] | None
    before: str
    after: str
    reason: str
    confidence: float
    safety: str
    page: int | None = None
    removes: str | None = None

    def to_record(self) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "kind": "change",
            "id": self.id,
            "stage": self.stage,
            "rule": self.rule,
            "at": list(self.at),
            "raw": list(self.raw) if self.raw is not None else None,
            "page": self.page,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "safety": self.safety,
        }
        if self.removes:
            rec["removes"] = self.removes
        return rec


@dataclass(frozen=True, slots=True)
class FlagRecord:
    """A flag as recorded: spans in raw text, its stage and rule."""

    id: str
    stage: str
    rule: str
    raw: tuple[int, int]
    text: str
    reason: str
    severity: str
    suggestions: tuple[str, ...]
    page: int | None = None

    def to_record(self) -> dict[str, Any]:
        return {
            "kind": "flag",
            "id": self.id,
            "stage": self.stage,
            "rule": self.rule,
            "raw": list(self.raw),
            "page": self.page,
            "text": self.text,
            "reason": self.reason,
            "severity": self.severity,
            "suggestions": list(self.suggestions),
        }
