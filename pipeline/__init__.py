"""ocrmend: restore OCR text and show every change.

Public API (everything else may change)::

    from pipeline import clean, replay, Config, Result
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["clean", "replay", "load_config", "Config", "Result", "OcrmendError", "__version__"]


def __getattr__(name: str):  # lazy, so `ocrmend --help` stays instant
    if name in ("clean", "replay", "Result"):
        from . import api

        return getattr(api, name)
    if name == "Config":
        from .config import Config

        return Config
    if name == "load_config":
        from .config import load

        return load
    if name == "OcrmendError":
        from .errors import OcrmendError

        return OcrmendError
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
