"""layout: (rules to come)."""
from __future__ import annotations

RULES: tuple = ()
