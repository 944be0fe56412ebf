"""Escaping user text before it reaches a Markdown sink or a CSV download."""

from __future__ import annotations

import re

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'@%^;,/?])")


def md_escape(text: object) -> str:
    """Backslash-escape ASCII punctuation and fold newlines, so user text shows literally in Markdown."""
    s = "" if text is None else str(text)
    s = s.replace("\r", " ").replace("\n", " ")
    return _PUNCT.sub(r"\\\1", s)


def csv_safe(value: object) -> object:
    """Prefix a quote on text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
