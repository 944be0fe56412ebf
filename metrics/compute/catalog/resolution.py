"""Resolution quality metrics as data (SPEC section 4): what counts and what succeeds."""

from __future__ import annotations

from metrics.compute.spec import MetricSpec
from metrics.core.settings import Settings

AI = "is_ai"
AI_MATURED = "is_ai AND matured"
FAMILY = "Resolution quality"


def _containment(s: Settings) -> str:
    gates = ["NOT escalated"]
    if s.containment_requires_no_low_csat:
        gates.append("NOT low_csat")
    if s.containment_requires_no_negative_end:
        gates.append("NOT negative_end")
    if s.containment_requires_not_abandoned:
        gates.append("coalesce(status, 'other') <> 'abandoned'")
    return " AND ".join(gates)


SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "deflection_rate",
        "Deflected (no human involved)",
        "Share of AI conversations that were never handed to a human. What vendor dashboards call deflection.",
        "rate",
        AI,
        "NOT escalated",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "true_resolution_rate",
        "Truly resolved by the AI",
        "Share of AI conversations whose windows have closed that were not escalated, not followed by a "
        "human ticket or a return on the same topic, did not end in negative sentiment, were not abandoned, "
        "and were closed as resolved (status resolved, or no status and a known end).",
        "rate",
        AI_MATURED,
        "truly_resolved",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "deflection_resolution_gap",
        "Deflected but not resolved",
        "Deflection minus true resolution, over AI conversations whose windows have closed: the share that "
        "no human touched but that came back, turned into a ticket, ended badly or was abandoned.",
        "rate",
        AI_MATURED,
        "NOT escalated AND NOT truly_resolved",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "containment_rate",
        "Contained with quality",
        "Share of AI conversations not escalated and, with the quality gates switched on, without a low CSAT, "
        "without a negative end and not marked abandoned.",
        "rate",
        AI,
        _containment,
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate",
        "Resolved on first contact (all)",
        "Share of conversations whose windows have closed that were closed as resolved (status resolved, or no "
        "status and a known end) and after which the customer did not come back on the same topic within the "
        "return window nor reopened the ticket. An open ticket is never a first-contact resolution.",
        "rate",
        "matured",
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate_ai",
        "Resolved on first contact (AI)",
        "First-contact resolution of AI conversations (escalated ones included): closed as resolved, no return "
        "on the same topic within the return window and not reopened.",
        "rate",
        AI_MATURED,
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "fcr_rate_human",
        "Resolved on first contact (human)",
        "First-contact resolution of human conversations: closed as resolved, no return on the same topic within "
        "the return window and not reopened.",
        "rate",
        "is_human AND matured",
        "NOT returned AND resolved_end",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate",
        "Customers who came back (all)",
        "Share of conversations whose windows have closed after which the same customer opened another "
        "conversation on the same topic within the return window, or reopened the ticket.",
        "rate",
        "matured",
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate_ai",
        "Customers who came back (AI)",
        "Share of AI conversations followed by another conversation of the same customer on the same topic "
        "within the return window, or reopened.",
        "rate",
        AI_MATURED,
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "return_rate_human",
        "Customers who came back (human)",
        "Share of human conversations followed by another conversation of the same customer on the same topic "
        "within the return window, or reopened (Zendesk Reopens above 0).",
        "rate",
        "is_human AND matured",
        "returned",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "follow_up_ticket_rate",
        "AI conversations followed by a ticket",
        "Share of AI conversations after which the same customer opened a human conversation (any topic) "
        "within the ticket window.",
        "rate",
        AI_MATURED,
        "follow_up_ticket",
        better="lower",
        family=FAMILY,
    ),
)
