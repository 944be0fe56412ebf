"""How we measure, in plain words: the windows, the tests and the rankings behind every page.

The "How we measure" page is this text plus every metric's definition from the registry; the statistical
words the other pages avoid are explained here once.
"""

from __future__ import annotations

from metrics.compute import registry
from metrics.core.settings import Settings

TESTS = (
    (
        "Two-proportion z test",
        "Compares two rates (for example true resolution in two categories). It asks how often a gap this large "
        "would appear by chance if both groups really had the same rate. Used when each group has enough "
        "conversations.",
    ),
    (
        "Fisher's exact test",
        "The same question as the z test, computed exactly; used instead of it when a group is small (fewer "
        "than 5 expected successes or failures).",
    ),
    (
        "Mann-Whitney U test",
        "Compares two sets of times or scores (for example first response times) without assuming a shape for "
        "them; used for medians.",
    ),
    ("Welch's t test", "Compares two averages (for example mean CSAT) when the two groups vary differently."),
    (
        "Cochran-Mantel-Haenszel test (same category mix)",
        "Compares AI and human CSAT within each category and then combines the categories, so a difference in "
        "which topics each handles cannot create or hide a difference.",
    ),
    (
        "95% interval",
        "The range the true value lies in, with 95% confidence, given the conversations seen (Wilson interval "
        "for rates). Fewer conversations give a wider range.",
    ),
    (
        "p (and 'unlikely to be chance')",
        "The chance of seeing a difference at least this large if there were none. Below 0.05 we call a "
        "difference clear: unlikely to be chance. Above it, the difference could be chance.",
    ),
    (
        "q (many comparisons at once)",
        "When many rows are tested together (every category against the rest), some would look clear by luck. "
        "q adjusts p for that (Benjamini-Hochberg, 5% false discovery rate): among the rows called clear, at "
        "most about 1 in 20 is expected to be a false alarm.",
    ),
)


TEXT = (
    (
        "Topics",
        "Each conversation's first customer message, with the ticket's subject line where there is one, is "
        "turned into word weights (words and word pairs that are frequent in it and rare elsewhere). K-means "
        "groups similar conversations; the number of topics is the one whose groups are most distinct "
        "(silhouette), at most 25. A topic is named by the words that set it apart and shown with the messages "
        "nearest its centre. Nothing leaves the machine and the same data always gives the same topics.",
    ),
    (
        "Knowledge gaps",
        "A topic where the AI's conversations are clearly less often truly resolved than in the other topics "
        "(tested like categories, Benjamini-Hochberg). Its phrases are the word runs the agents' answers in "
        "that topic use much more than the AI's answers there and than the agents' answers elsewhere.",
    ),
    (
        "Coming back over time",
        "For every conversation, the time from its end to the same customer's next conversation on the same issue. "
        "Conversations whose customer has not come back (yet) count until the data ends and then drop out of the "
        "count, so the recent ones inform the curve without waiting for their windows to close (Kaplan-Meier). "
        "The shaded band is the 95% range.",
    ),
    (
        "Checking the resolution against people",
        "People label a sample drawn in proportion from the conversations the signal calls resolved and not, "
        "by category. Agreement beyond chance (Cohen's kappa) is 1 when they always agree and 0 when they agree "
        "no more than chance would. The corrected rate weighs what people found in each group by its share of "
        "all matured AI conversations.",
    ),
    (
        "Unanswered questions",
        "Customer messages with a question mark, or starting with a question word, in AI conversations that "
        "were not truly resolved; grouped like topics and counted by conversation, most asked first.",
    ),
)

SAME_ISSUE = {
    "category": "issue (the same category)",
    "topic": "issue (the same topic found in what the customer wrote)",
    "both": "issue (the same category, or the same topic where there is no category)",
}


def windows(s: Settings) -> list[tuple[str, str]]:
    """The time windows and thresholds in force, in words."""
    return [
        (
            "Return window",
            f"A customer who starts a new conversation on the same {SAME_ISSUE[s.same_issue]} within "
            f"{s.return_window_hours:g} hours after one ends has come back: that conversation was not truly resolved.",
        ),
        (
            "Ticket window",
            f"A human conversation within {s.ticket_window_hours:g} hours after an AI conversation is a follow-up "
            "ticket: the AI did not finish the job.",
        ),
        (
            "Windows closed (maturity)",
            f"A conversation that ended less than {s.max_window_hours:g} hours before the end of the data could "
            "still come back, so it is pending and left out of resolution rates until its windows close.",
        ),
        (
            "Peak load",
            f"A conversation started at peak load when at least the {s.peak_percentile:g}th percentile of "
            "concurrently open AI conversations were open.",
        ),
        (
            "Alerts",
            f"A day is flagged when its rate is more than {s.alert_sigma:g} standard errors worse than the "
            f"{s.alert_baseline_days} days before it, on days with at least {s.alert_min_n} conversations.",
        ),
        (
            "What to fix next",
            "Each finding is sized in conversations a month over the months the AI is live in the data. The list "
            "is ordered by that size times n / (n + 50), n being the conversations the finding rests on, so a "
            "finding on few conversations never outranks a well-measured one of similar size. A category is "
            "listed only when it is clearly worse than the others (q under 0.05).",
        ),
    ]


def metric_definitions() -> dict[str, list[tuple[str, str]]]:
    """Family -> (label, definition) for every metric, peak and off-peak variants left out (they repeat)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for sp in registry.all_specs():
        if sp.id.startswith(("peak_", "offpeak_")):
            continue
        out.setdefault(sp.family, []).append((sp.label, sp.definition))
    return out
