"""Helpdesk-only data (no AI conversations): say so once, with the fix, and show what the data supports."""

from __future__ import annotations

from metrics.db import Database, scalar

BANNER = (
    "These files hold no AI conversations, so the AI's resolution cannot be measured yet; the pages show your "
    "human baseline (volume, response and resolution times, one-touch, first-contact resolution, CSAT), ready to "
    "compare once the AI data arrives. To add it, upload your AI platform's export (Intercom Fin, Zendesk AI, "
    "Ada, ...) on the Data page, or map a column that says which conversations the AI handled."
)

# The Overview's headline numbers when there is no AI conversation: the human baseline.
HUMAN_HEADLINE = (
    "fcr_rate_human",
    "return_rate_human",
    "ttfr_median_s_human",
    "ttr_median_s_human",
    "one_touch_rate_human",
    "csat_mean_human",
    "csat_satisfied_rate_human",
    "csat_response_rate_human",
)


def has_ai(db: Database) -> bool:
    return bool(scalar(db.con, "SELECT count(*) FROM conversations WHERE handled_by = 'ai'"))
