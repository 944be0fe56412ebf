"""Business impact metrics as data; their values are computed in metrics.compute.business."""

from __future__ import annotations

from metrics.compute.spec import MetricSpec

FAMILY = "Business impact"

SPECS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "cost_per_resolution_ai",
        "Cost per AI resolution",
        "AI cost (one license fee per calendar month from the deployment month on, plus the per-conversation "
        "and per-resolution fees) divided by truly resolved AI conversations. Numerator = total AI cost.",
        "business",
        "is_ai",
        unit="currency",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "cost_per_resolution_human",
        "Cost per human resolution",
        "Cost of human conversations (agent hours from handle_minutes, else the minutes-per-conversation "
        "setting, times the hourly cost) divided by resolved human conversations.",
        "business",
        "is_human",
        unit="currency",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "cost_per_resolution_blended",
        "Cost per resolution, all",
        "AI cost plus human conversations plus the agent minutes of escalated AI conversations, divided by "
        "all resolutions (truly resolved AI, resolved escalated, resolved human).",
        "business",
        "true",
        unit="currency",
        better="lower",
        family=FAMILY,
    ),
    MetricSpec(
        "capacity_hours_freed",
        "Agent hours freed by the AI",
        "For each truly resolved AI conversation, the mean human handle time of its category (or the "
        "minutes-per-conversation setting where a category has none), summed, in hours.",
        "business",
        "is_ai",
        unit="hours",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "capacity_fte",
        "Agents' worth of capacity freed",
        "Agent hours freed divided by (FTE hours per month x months with a license fee).",
        "business",
        "is_ai",
        unit="fte",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "renewal_rate_good_ai",
        "Renewal rate, good AI experience",
        "Share of accounts with a known renewal outcome that renewed, among accounts with at least one "
        "matured AI conversation in the lookback before renewal and fewer unresolved ones than the "
        "poor-experience threshold. Association, not causation.",
        "business",
        "is_ai",  # accounts judged by their AI conversations
        unit="rate",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "renewal_rate_poor_ai",
        "Renewal rate, poor AI experience",
        "Share of accounts with a known renewal outcome that renewed, among accounts with at least "
        "poor_experience_min_unresolved matured AI conversations not truly resolved in the lookback before "
        "renewal. Association, not causation.",
        "business",
        "is_ai",  # accounts judged by their AI conversations
        unit="rate",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "arr_at_risk",
        "ARR at risk",
        "ARR of accounts with a poor AI experience that renew within 90 days after the end of the data. "
        "Denominator = number of those accounts.",
        "business",
        "is_ai",  # accounts judged by their AI conversations
        unit="currency",
        better="lower",
        family=FAMILY,
    ),
)

IDS = (
    "cost_per_resolution_ai",
    "cost_per_resolution_human",
    "cost_per_resolution_blended",
    "capacity_hours_freed",
    "capacity_fte",
    "renewal_rate_good_ai",
    "renewal_rate_poor_ai",
    "arr_at_risk",
)
