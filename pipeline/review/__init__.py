"""Reviewing what ocrmend changed: the HTML review page, decisions, ``apply`` and ``explain``.

* ``batch`` reads a cleaned folder back: every document's raw text (rebuilt from the clean
  text and its change log, so only ``cleaned/`` is needed), its changes, flags and blocks;
* ``page`` writes the self-contained review page (``ocrmend review``);
* ``decisions`` reads a decisions file and applies it to a document: rejected changes are
  undone (with the changes that depend on them), picked suggestions become new changes, and
  the log stays a linear log that ``ocrmend replay`` verifies (``ocrmend apply``);
* ``explain`` prints one document's changes and flags in the terminal (``ocrmend explain``);
* ``commands`` holds the click commands the CLI loads lazily.
"""
