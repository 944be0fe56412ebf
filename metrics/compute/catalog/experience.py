"""Customer experience metrics as data: CSAT per stream, sentiment, drop-off."""

from __future__ import annotations

from metrics.compute.spec import MetricSpec

FAMILY = "Customer experience"
DROP_POP = "is_ai AND matured AND n_messages > 0"
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
            f"Share of {words} offered a survey that answered it; where the export does not say which were "
            "offered (Zendesk Offered, Intercom rating requested), over all of them.",
            "rate",
            f"{pop} AND survey_offered",
            "csat IS NOT NULL",
            better="higher",
            family=FAMILY,
            needs=("csat",),
        ),
    ]

for handler, pop, who in (("", "is_ai", "AI"), ("_human", "is_human", "human")):
    both = f"{pop} AND trajectory IS NOT NULL"
    _SPECS += [
        MetricSpec(
            f"sentiment_improved_rate{handler}",
            f"Sentiment improved ({who})",
            f"Share of {who} conversations whose customer sentiment class (negative / neutral / positive) was "
            "higher at the last customer message than at the first; over conversations where both are known.",
            "rate",
            both,
            "trajectory = 'improved'",
            better="higher",
            family=FAMILY,
        ),
        MetricSpec(
            f"sentiment_worsened_rate{handler}",
            f"Sentiment worsened ({who})",
            f"Share of {who} conversations whose customer sentiment class was lower at the end than at the start; "
            "over conversations where both are known.",
            "rate",
            both,
            "trajectory = 'worsened'",
            better="lower",
            family=FAMILY,
        ),
    ]
_SPECS += [
    MetricSpec(
        "sentiment_coverage",
        "Conversations with sentiment",
        "Share of conversations with a known start or end sentiment (from a column, message scores or text).",
        "rate",
        "true",
        "sentiment_start_value IS NOT NULL OR sentiment_end_value IS NOT NULL",
        better="higher",
        family=FAMILY,
    ),
    MetricSpec(
        "silent_exit_rate",
        "Left without a word after the AI",
        "Share of AI conversations with messages, windows closed, whose last message is the AI's and that were "
        "not escalated: the customer stopped answering.",
        "rate",
        DROP_POP,
        "silent_exit",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
    MetricSpec(
        "abandonment_rate",
        "Abandoned",
        "Share of AI conversations with messages, windows closed, marked abandoned, or ended in a silent exit "
        "followed by a return, a follow-up ticket or a negative end.",
        "rate",
        DROP_POP,
        "abandoned",
        better="lower",
        family=FAMILY,
        needs=("messages",),
    ),
]
SPECS: tuple[MetricSpec, ...] = tuple(_SPECS)
