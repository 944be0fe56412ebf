"""What every setting declares besides its value: words, limits, where it is set, what a change recomputes."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from metrics.core.errors import SettingsError
from metrics.core.schedule import parse as parse_business_hours


@dataclass(frozen=True)
class Meta:
    """What a person needs to set a setting, and what a change recomputes."""

    label: str
    help: str
    group: str  # where the app shows it: a sidebar section, "Costs" (Business impact page) or "" (file/URL only)
    stage: str  # load (the files are read again) | signals (the signals relation) | display (aggregation only)
    lo: float | None = None  # inclusive limits of a number
    hi: float | None = None
    step: float | None = None
    unit: str = ""  # hours | days | minutes | currency | score | sentiment | percentile | ...
    url: bool = False  # kept in the page address, so a view can be shared
    widget: str = ""  # "" (from the type) | timezone | categories
    choices: tuple[tuple[str, str], ...] = ()  # (value, words) for a setting that takes one of a few values


def setting(default: Any, label: str, help: str, group: str, stage: str, **kw: Any) -> Any:
    return field(default=default, metadata={"meta": Meta(label, help, group, stage, **kw)})


WINDOW = {"lo": 1.0, "hi": 24.0 * 90, "step": 1.0, "unit": "hours", "url": True}
SENTIMENT = {"lo": -1.0, "hi": 1.0, "step": 0.01, "unit": "sentiment", "url": True}
CSAT = {"lo": 1.0, "hi": 5.0, "step": 0.5, "unit": "score (1-5)", "url": True}
MONEY = {"lo": 0.0, "hi": 1e9, "unit": "currency"}
MINUTES = {"lo": 0.0, "hi": 1440.0, "step": 1.0, "unit": "minutes"}


def validate(s: Any, meta: dict[str, Meta]) -> None:
    """Raise SettingsError (one sentence) for a value outside its limits or not of its form."""

    def need(cond: bool, msg: str) -> None:
        if not cond:
            raise SettingsError(msg)

    for name, m in meta.items():
        v = getattr(s, name)
        if m.choices and v not in dict(m.choices):
            raise SettingsError(f"{name} ({m.label}) must be one of {', '.join(c for c, _ in m.choices)}; it is {v!r}.")
        if m.lo is not None and not (m.lo <= v <= m.hi):
            unit = "" if m.unit in ("", "currency") else f" {m.unit}"
            raise SettingsError(f"{name} ({m.label}) must be between {m.lo:,g} and {m.hi:,g}{unit}; it is {v:,g}.")
    need(
        s.sentiment_negative <= s.sentiment_positive,
        "Sentiment thresholds must satisfy sentiment_negative <= sentiment_positive.",
    )
    need(
        len(s.currency) == 3 and s.currency.isascii() and s.currency.isalpha(),
        f"currency {s.currency!r} is not a three-letter ISO code such as USD, EUR or GBP.",
    )
    try:
        zoneinfo.ZoneInfo(s.source_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"source_timezone {s.source_timezone!r} is not a known time zone.") from None
    if s.deployment_date:
        try:
            dt.date.fromisoformat(s.deployment_date)
        except ValueError:
            raise SettingsError(f"deployment_date {s.deployment_date!r} is not a date (YYYY-MM-DD).") from None
    parse_business_hours(s.business_hours)  # raises SettingsError with the reason
    for item in s.targets:
        name, eq, value = item.partition("=")
        try:
            float(value)
        except ValueError:
            eq = ""
        if not eq or not name.strip():
            raise SettingsError(f"targets: {item!r} is not metric=value (for example true_resolution_rate=0.7).")
    for item in s.topic_names:
        found, eq, name = item.partition("=")
        if not eq or not found.strip() or not name.strip():
            raise SettingsError(f"topic_names: {item!r} is not 'found name=your name'.")
    need(len(s.changes) <= 100, f"changes: {len(s.changes)} changes; at most 100 can be checked.")
    for item in s.changes:
        date = item.partition("|")[0].strip()
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise SettingsError(f"changes: {item[:60]!r} does not start with a date (YYYY-MM-DD|...).") from None
    for name in ("date_from", "date_to"):
        if getattr(s, name):
            try:
                dt.date.fromisoformat(getattr(s, name))
            except ValueError:
                raise SettingsError(f"{name} {getattr(s, name)!r} is not a date (YYYY-MM-DD).") from None
    need(not (s.date_from and s.date_to) or s.date_from <= s.date_to, "date_from must not be after date_to.")
    if s.as_of:
        try:
            dt.datetime.fromisoformat(s.as_of)
        except ValueError:
            raise SettingsError(f"as_of {s.as_of!r} is not a date or timestamp (ISO 8601).") from None


def coerce(name: str, value: Any, typ: str) -> Any:
    """A value from text (TOML, the URL, --set) as the setting's type; SettingsError when it is not one."""
    try:
        if typ == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                    raise ValueError(value)
                return low in ("true", "1", "yes", "on")
            return bool(value)
        if typ == "int":
            f = float(value)
            if f != int(f):
                raise ValueError(value)
            return int(f)
        if typ == "float":
            f = float(value)
            if f != f or f in (float("inf"), float("-inf")):
                raise ValueError(value)
            return f
        if typ.startswith("tuple"):
            if isinstance(value, str):
                text = value.strip()
                items = json.loads(text) if text.startswith("[") else text.split(",")
            else:
                items = list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        return "" if value is None else str(value).strip()
    except (ValueError, TypeError, json.JSONDecodeError):
        raise SettingsError(f"Setting {name} = {value!r} is not a valid {typ}.") from None
