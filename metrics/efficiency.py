"""Efficiency metrics (SPEC section 4): speed, effort, escalation and quality under load."""

from __future__ import annotations

from metrics.registry import MetricSpec, register, variant

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
_RESOLVED = {
    "ai": ("is_ai AND truly_resolved", "truly resolved AI"),
    "human": ("is_human AND resolved", "resolved human"),
}
for handler, (pop, words) in _RESOLVED.items():
    who = "AI" if handler == "ai" else "human"
    _TIMES += [
        MetricSpec(
            f"ttr_median_s_{handler}",
            f"Time to resolution, median ({who})",
            f"Median seconds from start to end of {words} conversations.",
            "median",
            pop,
            value="ttr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
        ),
        MetricSpec(
            f"ttr_p90_s_{handler}",
            f"Time to resolution, 90th percentile ({who})",
            f"Nine in ten {words} conversations ended within this many seconds.",
            "p90",
            pop,
            value="ttr_s",
            unit="seconds",
            better="lower",
            family=FAMILY,
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
TTFR_AI = _TIMES[0]

register(
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


def peak_variants() -> list[MetricSpec]:
    """Peak and off-peak versions of the quality-under-load metrics (one global peak threshold)."""
    from metrics.experience import CSAT_MEAN_AI
    from metrics.registry import get

    out = []
    for base in (get("true_resolution_rate"), ESCALATION_RATE, TTFR_AI, CSAT_MEAN_AI):
        out.append(variant(base, "peak_", "peak", "peak"))
        out.append(variant(base, "offpeak_", "NOT peak", "off-peak"))
    return out
