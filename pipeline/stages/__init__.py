"""The stages, in their one fixed order. Config can switch rules off; it cannot reorder them.

Each stage is a module here with ``RULES`` (its rules in order) and, optionally, a frozen
``Settings`` dataclass of its tunable values (``[tool.ocrmend.<stage>]``).
"""
from __future__ import annotations

import importlib
from types import ModuleType

#: The stages in order (``ocr`` does something only for page images).
STAGES: tuple[str, ...] = ("ocr", "encoding", "layout", "fragments", "dehyphenate", "reflow", "spelling")


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{name}")


def all_rules() -> list:
    """Every rule of every stage, in running order."""
    out = []
    for name in STAGES:
        out.extend(load(name).RULES)
    return out
