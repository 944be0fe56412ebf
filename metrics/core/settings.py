"""One typed, frozen settings object (SPEC section 5), loaded and saved as flat TOML."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from typing import Any

from metrics.core.errors import SettingsError
from metrics.core.settings_meta import CSAT, MINUTES, MONEY, SENTIMENT, WINDOW, Meta, coerce, setting, validate


@dataclass(frozen=True)
class Settings:
    return_window_hours: float = setting(
        72.0,
        "Came back within (hours)",
        "Return window W: a new conversation on the same topic within W hours after the end counts as a return.",
        "Windows",
        "signals",
        **WINDOW,
    )
    same_issue: str = setting(
        "category",
        "A return is on the same",
        "What makes a later conversation of the same customer a return: the same category (uncategorised matches "
        "uncategorised), the same topic found in the text, or both (the category where there is one, the topic "
        "where there is none: for exports where most tickets have no category).",
        "Windows",
        "signals",
        url=True,
        choices=(("category", "category"), ("topic", "topic"), ("both", "category, else topic")),
    )
    ticket_window_hours: float = setting(
        24.0,
        "Ticket within (hours)",
        "Ticket window T: a human conversation within T hours after an AI conversation is a follow-up ticket.",
        "Windows",
        "signals",
        **WINDOW,
    )
    sentiment_negative: float = setting(
        -0.05,
        "Negative sentiment below",
        "A message scoring below this is negative.",
        "Thresholds",
        "signals",
        **SENTIMENT,
    )
    sentiment_positive: float = setting(
        0.05,
        "Positive sentiment above",
        "A message scoring above this is positive.",
        "Thresholds",
        "signals",
        **SENTIMENT,
    )
    low_csat_max: float = setting(
        2.0, "Low CSAT at or below (1-5)", "A rating at or below this is a low CSAT.", "Thresholds", "signals", **CSAT
    )
    satisfied_min: float = setting(
        4.0, "Satisfied at or above (1-5)", "A rating at or above this is satisfied.", "Thresholds", "signals", **CSAT
    )
    csat_scale_max: float = setting(
        5.0,
        "CSAT scale (highest score)",
        "Scores are normalised to 1-5 from this scale.",
        "Loading",
        "load",
        lo=2.0,
        hi=100.0,
        step=1.0,
        unit="score",
    )
    peak_percentile: float = setting(
        90.0,
        "Peak load percentile",
        "A conversation started at peak load when at least this percentile of AI conversations were open.",
        "Thresholds",
        "signals",
        lo=1.0,
        hi=100.0,
        step=1.0,
        unit="percentile",
        url=True,
    )
    human_required_categories: tuple[str, ...] = setting(
        (),
        "Categories that need a human",
        "Escalations in these categories are appropriate (the AI should hand them over).",
        "Escalation rules",
        "signals",
        widget="categories",
    )
    appropriate_reason_keywords: tuple[str, ...] = setting(
        ("legal", "fraud", "security", "dispute", "complaint"),
        "Reasons that justify a handover (comma-separated)",
        "An escalation whose reason contains one of these words is appropriate.",
        "Escalation rules",
        "signals",
    )
    distress_sentiment: float = setting(
        -0.5,
        "Distressed customer at or below",
        "A customer message at or below this sentiment makes an escalation appropriate.",
        "Thresholds",
        "signals",
        lo=-1.0,
        hi=1.0,
        step=0.05,
        unit="sentiment",
        url=True,
    )
    license_per_month: float = setting(
        2000.0, "License per month", "The AI platform's fixed fee a month.", "Costs", "display", step=100.0, **MONEY
    )
    ai_fee_per_conversation: float = setting(
        0.10, "AI fee per conversation", "Charged for every AI conversation.", "Costs", "display", step=0.01, **MONEY
    )
    ai_fee_per_resolution: float = setting(
        0.99, "AI fee per resolution", "Charged per AI resolution.", "Costs", "display", step=0.01, **MONEY
    )
    human_cost_per_hour: float = setting(
        45.0,
        "Agent cost per hour (fully loaded)",
        "Salary, benefits, tools and overhead per agent hour.",
        "Costs",
        "display",
        step=1.0,
        **MONEY,
    )
    human_minutes_per_conversation: float = setting(
        12.0,
        "Agent minutes per conversation",
        "Used for human conversations without their own handle time.",
        "Costs",
        "display",
        **MINUTES,
    )
    escalation_minutes: float = setting(
        8.0,
        "Agent minutes per escalation",
        "Agent time an escalated AI conversation costs when it has no handle time of its own.",
        "Costs",
        "display",
        **MINUTES,
    )
    fte_hours_per_month: float = setting(
        140.0,
        "Agent hours per FTE a month",
        "Turns hours freed into FTE.",
        "",
        "display",
        lo=1.0,
        hi=744.0,
        unit="hours",
    )
    deployment_date: str = setting(
        "", "AI launch date", "Empty: the day of the first AI conversation.", "Filters", "display", widget="date"
    )
    baseline_months: int = setting(
        6,
        "Months before the launch compared",
        "The pre-AI baseline period.",
        "",
        "display",
        lo=1,
        hi=120,
        unit="months",
    )
    revenue_lookback_days: int = setting(
        180,
        "Days of conversations per account",
        "An account's AI experience is judged on its conversations in these days before its renewal.",
        "",
        "display",
        lo=1,
        hi=3650,
        unit="days",
    )
    poor_experience_min_unresolved: int = setting(
        2,
        "Unresolved AI conversations for a poor experience",
        "An account with at least this many unresolved AI conversations had a poor AI experience.",
        "",
        "display",
        lo=1,
        hi=1000,
    )
    alert_baseline_days: int = setting(
        28,
        "Baseline: days before each day",
        "Each day is compared with the mean of these days before it.",
        "Alerts",
        "display",
        lo=1,
        hi=365,
        unit="days",
        url=True,
    )
    alert_sigma: float = setting(
        3.0,
        "Alert beyond this many standard errors",
        "A day further than this from its baseline, in standard errors, raises an alert.",
        "Alerts",
        "display",
        lo=0.5,
        hi=10.0,
        step=0.5,
        url=True,
    )
    alert_min_n: int = setting(
        20,
        "Only days with at least this many conversations",
        "Quieter days never raise an alert.",
        "Alerts",
        "display",
        lo=1,
        hi=100_000,
        url=True,
    )
    as_of: str = setting(
        "",
        "Analyse as of",
        "The end of the data: conversations started later are left out and windows close against it. Empty: the "
        "latest conversation start in the data.",
        "Filters",
        "signals",
        widget="date",
    )
    # Global filters (issue 17): the signals are computed on all the data (a return after the range still counts),
    # then only the conversations inside the filters are kept for every figure, chart, table and the Excel.
    date_from: str = setting(
        "", "From", "Only conversations started on or after this day.", "Filters", "signals", widget="date"
    )
    date_to: str = setting(
        "", "To", "Only conversations started on or before this day.", "Filters", "signals", widget="date"
    )
    channels: tuple[str, ...] = setting(
        (), "Channels", "Only these channels (none chosen: every channel).", "Filters", "signals", widget="channels"
    )
    filter_segment: str = setting(
        "", "Another segment", "Also filter by the values of this segment.", "Filters", "signals", widget="segment"
    )
    filter_values: tuple[str, ...] = setting(
        (),
        "Its values",
        "Only these values of the segment chosen above.",
        "Filters",
        "signals",
        widget="segment_values",
    )
    source_timezone: str = setting(
        "UTC",
        "Time zone of timestamps without an offset",
        "Exports that write local times without an offset are read in this zone.",
        "Loading",
        "load",
        widget="timezone",
    )
    business_hours: str = setting(
        "",
        "Business hours (for human response times)",
        "Opening hours in a named time zone, optional holidays (e.g. Mon-Fri 09:00-17:00 Europe/Berlin; holidays "
        "2025-12-25). Human rows then also get business-time first response and resolution times.",
        "Escalation rules",
        "signals",
    )
    # SPEC section 8.
    max_plausible_days: float = setting(
        365.0,
        "Longest plausible response or resolution time (days)",
        "Longer (or negative) times (and handle times) are listed in the data-quality report and left out of "
        "time metrics.",
        "Who counts",
        "load",
        lo=1.0,
        hi=3650.0,
        step=1.0,
        unit="days",
        url=True,
    )
    excluded_customers: tuple[str, ...] = setting(
        (),
        "Customers left out of every metric (ids, comma-separated)",
        "Internal, shared or system requesters (a monitoring address, a reseller's shared inbox) whose tickets "
        "would count as returns of each other. Outbound conversations are always left out.",
        "Who counts",
        "signals",
    )
    targets: tuple[str, ...] = setting(
        (),
        "Targets",
        "A goal per metric as metric=value, rates as fractions and times in seconds (for example "
        "true_resolution_rate=0.7): drawn on the trends, met or not on the Overview and in the Excel summary.",
        "",
        "display",
        widget="targets",
    )
    topics: bool = setting(
        True,
        "Find topics in the customers' first messages",
        "Groups conversations by what the customer asked (no tagging needed); the topic is then a segment on "
        "every page. Off: no topics (faster on very large files).",
        "Loading",
        "signals",
    )
    topic_names: tuple[str, ...] = setting(
        (),
        "Topic names",
        "Your names for the topics found, as found name=your name; topics given the same name are merged "
        "(set on the Topics page).",
        "",
        "signals",
        widget="topic_names",
    )
    changes: tuple[str, ...] = setting(
        (),
        "Change log",
        "What changed and when, as date|categories (;-separated, empty = all)|kind|description (for example "
        "2025-09-03|Billing dispute|article|billing article update): each change's effect is estimated on the "
        "Business impact page. The AI launch (deployment date) is always the first.",
        "",
        "display",
        widget="changes",
    )
    currency: str = setting("USD", "Currency (ISO code)", "Shown with every money figure.", "Costs", "display")
    # Containment quality gates (SPEC: "quality gates toggleable in settings").
    containment_requires_no_low_csat: bool = setting(
        True, "Exclude low CSAT", "Contained only without a low CSAT.", "Containment quality gates", "display", url=True
    )
    containment_requires_no_negative_end: bool = setting(
        True,
        "Exclude negative end",
        "Contained only when the customer's last message is not negative.",
        "Containment quality gates",
        "display",
        url=True,
    )
    containment_requires_not_abandoned: bool = setting(
        True,
        "Exclude status abandoned",
        "Contained only when the status is not abandoned.",
        "Containment quality gates",
        "display",
        url=True,
    )

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self).items()}

    def replace(self, **changes: Any) -> Settings:
        return from_dict({**self.to_dict(), **changes})

    @property
    def filtered(self) -> bool:
        """Whether a global filter is on (dates, channels or a segment's values)."""
        return bool(self.date_from or self.date_to or self.channels or (self.filter_segment and self.filter_values))

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
META: dict[str, Meta] = {f.name: f.metadata["meta"] for f in fields(Settings)}


def by_stage(stage: str) -> tuple[str, ...]:
    """The settings a change of which recomputes this stage (load | signals | display)."""
    return tuple(k for k, m in META.items() if m.stage == stage)


def in_group(group: str) -> tuple[str, ...]:
    return tuple(k for k, m in META.items() if m.group == group)


_DEFAULTS = Settings()


def from_dict(values: dict[str, Any]) -> Settings:
    """Build validated settings from a dict (TOML, query parameters, --set pairs)."""
    unknown = sorted(set(values) - set(FIELD_TYPES))
    if unknown:
        raise SettingsError(f"Unknown setting {unknown[0]!r}; known settings: {', '.join(FIELD_TYPES)}.")
    s = Settings(**{k: coerce(k, v, FIELD_TYPES[k]) for k, v in values.items()})
    s = dataclasses.replace(s, currency=s.currency.upper())
    validate(s, META)
    return s
