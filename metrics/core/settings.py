"""One typed, frozen settings object (SPEC section 5), loaded and saved as flat TOML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
import zoneinfo
from dataclasses import dataclass, fields
from typing import Any

from metrics.core.errors import SettingsError
from metrics.core.schedule import parse as parse_business_hours


@dataclass(frozen=True)
class Settings:
    return_window_hours: float = 72.0
    ticket_window_hours: float = 24.0
    sentiment_negative: float = -0.05
    sentiment_positive: float = 0.05
    low_csat_max: float = 2.0
    satisfied_min: float = 4.0
    csat_scale_max: float = 5.0
    peak_percentile: float = 90.0
    human_required_categories: tuple[str, ...] = ()
    appropriate_reason_keywords: tuple[str, ...] = ("legal", "fraud", "security", "dispute", "complaint")
    distress_sentiment: float = -0.5
    license_per_month: float = 2000.0
    ai_fee_per_conversation: float = 0.10
    ai_fee_per_resolution: float = 0.99
    human_cost_per_hour: float = 45.0
    human_minutes_per_conversation: float = 12.0
    escalation_minutes: float = 8.0
    fte_hours_per_month: float = 140.0
    deployment_date: str = ""  # ISO date; empty = first AI conversation
    baseline_months: int = 6
    revenue_lookback_days: int = 180
    poor_experience_min_unresolved: int = 2
    alert_baseline_days: int = 28
    alert_sigma: float = 3.0
    alert_min_n: int = 20
    as_of: str = ""  # ISO timestamp; empty = latest created_at in the data
    source_timezone: str = "UTC"
    business_hours: str = ""  # e.g. "Mon-Fri 09:00-17:00 Europe/Berlin; holidays 2025-12-25"
    # SPEC section 8.
    max_plausible_days: float = 365.0  # longer (or negative) first response / resolution times are left out
    excluded_customers: tuple[str, ...] = ()  # customer ids left out of every metric (internal or system requesters)
    currency: str = "USD"  # ISO 4217 code shown with every money figure
    # Containment quality gates (SPEC: "quality gates toggleable in settings").
    containment_requires_no_low_csat: bool = True
    containment_requires_no_negative_end: bool = True
    containment_requires_not_abandoned: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}

    def replace(self, **changes: Any) -> Settings:
        return from_dict({**self.to_dict(), **changes})

    @property
    def max_window_hours(self) -> float:
        return max(self.return_window_hours, self.ticket_window_hours)

    @property
    def example_prices(self) -> list[str]:
        """The cost inputs still at the example values of SPEC section 7 (their cost figures are examples)."""
        return [k for k in EXAMPLE_PRICES if getattr(self, k) == getattr(_DEFAULTS, k)]


# Cost inputs whose defaults are only examples (SPEC 8: every money figure warns while one is unchanged).
EXAMPLE_PRICES = (
    "license_per_month",
    "ai_fee_per_conversation",
    "ai_fee_per_resolution",
    "human_cost_per_hour",
    "human_minutes_per_conversation",
    "escalation_minutes",
)


FIELD_TYPES = {f.name: f.type for f in fields(Settings)}
_DEFAULTS = Settings()


def _coerce(name: str, value: Any) -> Any:
    typ = FIELD_TYPES[name]
    try:
        if typ == "bool":
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(value)
                return low in ("true", "1", "yes")
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


def _validate(s: Settings) -> None:
    def need(cond: bool, msg: str) -> None:
        if not cond:
            raise SettingsError(msg)

    need(s.return_window_hours > 0, "return_window_hours must be above 0.")
    need(s.ticket_window_hours > 0, "ticket_window_hours must be above 0.")
    need(
        -1 <= s.sentiment_negative <= s.sentiment_positive <= 1,
        "Sentiment thresholds must satisfy -1 <= sentiment_negative <= sentiment_positive <= 1.",
    )
    need(-1 <= s.distress_sentiment <= 1, "distress_sentiment must be between -1 and 1.")
    need(0 < s.peak_percentile <= 100, "peak_percentile must be in (0, 100].")
    need(s.csat_scale_max >= 2, "csat_scale_max must be at least 2.")
    for name in EXAMPLE_PRICES:  # every cost input
        need(getattr(s, name) >= 0, f"{name} cannot be negative.")
    need(s.fte_hours_per_month > 0, "fte_hours_per_month must be above 0.")
    need(s.baseline_months >= 1, "baseline_months must be at least 1.")
    need(s.revenue_lookback_days >= 1, "revenue_lookback_days must be at least 1.")
    need(s.poor_experience_min_unresolved >= 1, "poor_experience_min_unresolved must be at least 1.")
    need(s.alert_baseline_days >= 1, "alert_baseline_days must be at least 1.")
    need(s.alert_sigma > 0, "alert_sigma must be above 0.")
    need(s.alert_min_n >= 1, "alert_min_n must be at least 1.")
    need(s.max_plausible_days > 0, "max_plausible_days must be above 0.")
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
    if s.as_of:
        try:
            dt.datetime.fromisoformat(s.as_of)
        except ValueError:
            raise SettingsError(f"as_of {s.as_of!r} is not a date or timestamp (ISO 8601).") from None


def from_dict(values: dict[str, Any]) -> Settings:
    """Build validated settings from a dict (TOML, query parameters, --set pairs)."""
    unknown = sorted(set(values) - set(FIELD_TYPES))
    if unknown:
        raise SettingsError(f"Unknown setting {unknown[0]!r}; known settings: {', '.join(FIELD_TYPES)}.")
    s = Settings(**{k: _coerce(k, v) for k, v in values.items()})
    s = dataclasses.replace(s, currency=s.currency.upper())
    _validate(s)
    return s


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
