"""Settings as a flat TOML file (read with a linear pre-scan that refuses nesting, and written) and KEY=VALUE pairs."""

from __future__ import annotations

import json
import tomllib
from typing import Any

from metrics.core.errors import SettingsError
from metrics.core.settings import Settings, from_dict

MAX_SETTINGS_CHARS = 20_000  # a full settings file is about 1,500 characters


def _check_flat(text: str) -> None:
    """One linear pass before parsing: settings are flat `key = value` lines with lists at most one deep.

    Tables, dotted keys and nested arrays are refused here, so a crafted file can neither recurse the
    parser nor build a deep structure in memory.
    """
    if len(text) > MAX_SETTINGS_CHARS:
        raise SettingsError(
            f"The settings file has {len(text):,} characters; a settings file is under {MAX_SETTINGS_CHARS:,}."
        )
    depth, quote, line, at_key = 0, "", 1, True
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
            elif ch == "\n":
                line += 1
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        elif ch == "\n":
            line += 1
            at_key = depth == 0
        elif ch in "[{":
            if depth == 0 and at_key:
                raise SettingsError(f"Settings line {line}: tables are not used; write flat key = value lines.")
            depth += 1
            if depth > 1:
                raise SettingsError(f"Settings line {line}: lists inside lists are not settings.")
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "=" and depth == 0:
            at_key = False
        elif ch == "." and depth == 0 and at_key:
            raise SettingsError(f"Settings line {line}: dotted keys are not settings; write flat key = value lines.")
        i += 1


def loads(text: str) -> Settings:
    _check_flat(text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"The settings file is not valid TOML: {e}.") from None
    return from_dict(data)


def load(path: str) -> Settings:
    with open(path, encoding="utf-8") as fh:
        return loads(fh.read())


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def dumps(s: Settings) -> str:
    return "".join(f"{k} = {_toml_value(v)}\n" for k, v in s.to_dict().items())


def apply_overrides(s: Settings, pairs: list[str]) -> Settings:
    """Apply CLI `KEY=VALUE` pairs."""
    changes = {}
    for pair in pairs:
        if "=" not in pair:
            raise SettingsError(f"--set expects KEY=VALUE, got {pair!r}.")
        k, v = pair.split("=", 1)
        changes[k.strip()] = v
    return s.replace(**changes)
