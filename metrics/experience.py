"""Customer experience metrics (SPEC section 4): separate CSAT streams for AI, AI escalated and human."""

from __future__ import annotations

from metrics.registry import MetricSpec, register

FAMILY = "Customer experience"
STREAMS = {
    "ai": ("is_ai AND NOT escalated", "AI conversations not handed over"),
    "ai_escalated": ("is_ai AND escalated", "AI conversations handed to a human"),
    "human": ("is_human", "human conversations"),
}

_SPECS = []
for stream, (pop, words) in STREAMS.items():
    _SPECS += [
        MetricSpec(
            f"csat_mean_{stream}",
            f"CSAT, mean ({words})",
            f"Mean survey score (1-5) of {words} that have a score, pending ones included.",
            "mean",
            pop,
            value="csat",
            unit="score",
            better="higher",
            family=FAMILY,
            needs=("csat",),
        ),
        MetricSpec(
            f"csat_satisfied_rate_{stream}",
            f"Satisfied customers ({words})",
            f"Share of scored {words} with a score at or above the satisfied threshold (default 4).",
            "rate",
            f"{pop} AND csat IS NOT NULL",
            "satisfied",
            better="higher",
            family=FAMILY,
            needs=("csat",),
        ),
        MetricSpec(
            f"csat_response_rate_{stream}",
            f"Survey response rate ({words})",
            f"Share of {words} with a survey score.",
            "rate",
            pop,
            "csat IS NOT NULL",
            better="higher",
            family=FAMILY,
            needs=("csat",),
        ),
    ]
CSAT_MEAN_AI = _SPECS[0]
register(*_SPECS)
