"""Escaping user text before it reaches a Markdown sink or a CSV download."""

from __future__ import annotations

import re

_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&\"'@%^;,/?])")


# GitHub-flavoured Markdown turns www., http(s)://, mailto:, xmpp: and e-mail text into links after parsing, so
# escaping alone does not stop it: a word joiner (U+2060, invisible) breaks each pattern. Linear patterns.
_LINK_START = re.compile(r"(?i)\b(www(?=\.)|https?(?=:)|mailto(?=:)|xmpp(?=:))")
_JOIN = "\u2060"


def md_escape(text: object) -> str:
    """User text shown literally in Markdown: punctuation backslash-escaped, newlines folded, and no autolinks."""
    s = "" if text is None else str(text)
    s = s.replace("\r", " ").replace("\n", " ")
    s = _LINK_START.sub(lambda m: m.group(1) + _JOIN, s).replace("@", _JOIN + "@")
    return _PUNCT.sub(r"\\\1", s)


def csv_safe(value: object) -> object:
    """Prefix a quote on text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
