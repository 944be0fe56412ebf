"""Efficiency metrics as data: response and resolution times, escalations, effort."""

from __future__ import annotations

from metrics.compute.spec import MetricSpec

FAMILY = "Efficiency"

_TIMES = []
for handler, pop in (("ai", "is_ai"), ("human", "is_human")):
    who = "AI" if handler == "ai" else "human"
    _TIMES += [
        MetricSpec(
            f"ttfr_median_s_{handler}",
            f"First response time, median ({who})",
            f"Median seconds from the start of {'an AI' if handler == 'ai' else 'a human'} conversation "
            "to the first AI or agent reply.",
            "median",
            pop,
            value="ttfr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("first_response",),
        ),
        MetricSpec(
            f"ttfr_p90_s_{handler}",
            f"First response time, 90th percentile ({who})",
            f"Nine in ten {who} conversations got a first reply within this many seconds.",
            "p90",
            pop,
            value="ttfr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("first_response",),
        ),
    ]
# SPEC 8: the time to close does not depend on what happened afterwards: no maturity or return condition,
# only a resolved end (status resolved, or no status and a known end) with a known, plausible duration.
_RESOLVED = {
    "ai": ("is_ai AND NOT escalated AND resolved_end", "AI", "AI conversations not handed over"),
    "ai_escalated": ("is_ai AND escalated AND resolved_end", "AI handed over", "AI conversations handed to a human"),
    "human": ("is_human AND resolved_end", "human", "human conversations"),
}
for handler, (pop, who, words) in _RESOLVED.items():
    _TIMES += [
        MetricSpec(
            f"ttr_median_s_{handler}",
            f"Time to resolution, median ({who})",
            f"Median seconds from start to a resolved end of {words} (closed as resolved, or no status and a "
            "known end; conversations whose end is unknown are left out).",
            "median",
            pop,
            value="ttr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("end",),
        ),
        MetricSpec(
            f"ttr_p90_s_{handler}",
            f"Time to resolution, 90th percentile ({who})",
            f"Nine in ten {words} with a resolved end were closed within this many seconds.",
            "p90",
            pop,
            value="ttr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("end",),
        ),
    ]

for stat, kind, words in (("median", "median", "Median"), ("p90", "p90", "90th percentile of")):
    _TIMES += [
        MetricSpec(
            f"ttfr_business_{stat}_s_human",
            f"First response in business hours, {stat} (human)",
            f"{words} business-hours seconds from the start of a human conversation to the first reply: the "
            "helpdesk's own business-hours figure where the export has one, else counted over the opening hours "
            "of the business_hours setting.",
            kind,
            "is_human",
            value="ttfr_bh_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("business_hours_first_response",),
        ),
        MetricSpec(
            f"ttr_business_{stat}_s_human",
            f"Time to resolution in business hours, {stat} (human)",
            f"{words} business-hours seconds from start to a resolved end of human conversations (the helpdesk's "
            "own business-hours figure where the export has one, else the business_hours setting).",
            kind,
            "is_human AND resolved_end",
            value="ttr_bh_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
            needs=("business_hours_resolution",),
        ),
    ]

ESCALATION_RATE = MetricSpec(
    "escalation_rate",
    "Handed to a human",
    "Share of AI conversations in which a human got involved.",
    "rate",
    "is_ai",
    "escalated",
    better="lower",
    family=FAMILY,
)

SPECS: tuple[MetricSpec, ...] = (
    *_TIMES,
    MetricSpec(
        "exchanges_median",
        "Customer messages to resolution (AI)",
        "Median number of customer messages in truly resolved AI conversations that have messages.",
        "median",
        "is_ai AND truly_resolved AND n_messages > 0",
        value="customer_messages",
        unit="count",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
    ESCALATION_RATE,
    MetricSpec(
        "one_touch_rate_human",
        "Solved with one agent reply (human)",
        "Share of human conversations with a resolved end that took exactly one public agent reply (Zendesk's "
        "one-touch ticket); over those whose reply count is known.",
        "rate",
        "is_human AND resolved_end AND replies IS NOT NULL",
        "replies = 1",
        better="higher",
        family=FAMILY,
        needs=("replies",),
    ),
    MetricSpec(
        "escalation_appropriate_share",
        "Escalations that were warranted",
        "Share of escalations that were appropriate: QA-tagged so, or (untagged) on a category that needs a "
        "human, from a distressed customer, or with a reason such as legal, fraud, security, dispute, complaint.",
        "rate",
        "is_ai AND escalated",
        "escalation_is_appropriate",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "escalation_inappropriate_share",
        "Escalations the AI should have handled",
        "Share of escalations that were not appropriate by the same rules: the AI's improvement list.",
        "rate",
        "is_ai AND escalated",
        "NOT escalation_is_appropriate",
        better="lower",
        family=FAMILY,
    ),
)
