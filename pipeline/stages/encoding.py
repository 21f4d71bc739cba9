"""encoding: repair what went wrong between the OCR engine and the file.

Restoring, not flattening: curly quotes, dashes, accents and æ/œ stay as printed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..edits import Edit
from ..rules import Context, rule


@dataclass(frozen=True)
class Settings:
    """Tunable values of the encoding stage (``[tool.ocrmend.encoding]``)."""


_SOFT_HYPHEN = re.compile("\N{SOFT HYPHEN}")


@rule("encoding.soft_hyphen")
def soft_hyphen(text: str, ctx: Context) -> Iterator[Edit]:
    """Remove soft hyphens (U+00AD): invisible break hints, never printed letters.

    >>> from pipeline.rules import try_rule
    >>> try_rule(soft_hyphen, "con\\N{SOFT HYPHEN}tinuous")
    'continuous'
    >>> try_rule(soft_hyphen, "well-known")
    'well-known'
    """
    for m in _SOFT_HYPHEN.finditer(text):
        yield Edit(m.start(), m.end(), "", "soft hyphen (U+00AD) is an invisible break hint")


RULES = (soft_hyphen,)
