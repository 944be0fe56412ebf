"""Durable resolution, coverage and the handoff (issue 21) as data. The return probabilities are Kaplan-Meier
estimates computed in metrics.compute.returns; the others aggregate the signals like every metric."""

from __future__ import annotations

from metrics.compute.spec import MetricSpec

FAMILY = "Resolution quality"
_WHO = {"ai": "AI", "human": "human"}
_WHEN = {"24h": "24 hours", "72h": "72 hours", "7d": "7 days"}

RETURN_SPECS: tuple[MetricSpec, ...] = tuple(
    MetricSpec(
        f"return_probability_{when}_{who}",
        f"Came back within {words} ({_WHO[who]})",
        f"Kaplan-Meier probability that the customer of a {_WHO[who]} conversation started another conversation "
        f"on the same issue within {words} after it ended. Every conversation counts, the recent ones until the "
        "data ends (censored), so the estimate needs no maturity wait; 95% interval by Greenwood's formula on the "
        "log-log scale. A reopened ticket is not dated, so only new conversations count here.",
        "survival",
        "is_ai" if who == "ai" else "is_human",
        unit="rate",
        better="lower",
        family=FAMILY,
    )
    for who in ("ai", "human")
    for when, words in _WHEN.items()
)

SPECS: tuple[MetricSpec, ...] = (
    *RETURN_SPECS,
    MetricSpec(
        "coverage_rate",
        "Conversations the AI handled",
        "Share of inbound conversations that the AI handled first (it answered before any person). Read it next "
        "to true resolution: a rising resolution rate on a shrinking share handled is not progress.",
        "rate",
        "true",
        "is_ai",
        family=FAMILY,
    ),
    MetricSpec(
        "handoff_wait_median_s",
        "Wait after the handover (median)",
        "From the handover (escalated_at, else the AI's last message before the first agent message) to the "
        "first agent message, over escalated AI conversations with an agent message. Seconds.",
        "median",
        "is_ai AND escalated",
        value="handoff_wait_s",
        unit="seconds",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
    MetricSpec(
        "handoff_wait_p90_s",
        "Wait after the handover (90th percentile)",
        "The wait after the handover that 9 in 10 escalated AI conversations stay under. Seconds.",
        "p90",
        "is_ai AND escalated",
        value="handoff_wait_s",
        unit="seconds",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
    MetricSpec(
        "failed_handoff_rate",
        "Handovers no agent answered",
        "Share of escalated AI conversations whose windows have closed, with messages, in which no agent ever "
        "wrote: the customer was handed over and then left or came back.",
        "rate",
        "is_ai AND escalated AND matured AND n_messages > 0",
        "first_agent_at IS NULL",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
)
