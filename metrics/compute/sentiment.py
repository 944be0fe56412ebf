"""Sentiment of customer text with VADER (a lexicon model made for short social and chat text).

Scored once per dataset, on the distinct texts that the signals need (the first and last
customer message of conversations that have no sentiment column), and kept in the
session database as `text_sentiment(text, score)`.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

from metrics.core.db import Database, q, rows, table_exists

TABLE = "text_sentiment"

_NEEDED = """
SELECT DISTINCT t FROM (
    SELECT f.t_first AS t FROM message_facts f JOIN conversations c USING (conversation_id)
        WHERE c.sentiment_start IS NULL AND f.s_first IS NULL
    UNION ALL
    SELECT f.t_last FROM message_facts f JOIN conversations c USING (conversation_id)
        WHERE c.sentiment_end IS NULL AND f.s_first IS NULL
) WHERE t IS NOT NULL
"""


def ensure_scores(db: Database, progress: Callable[[float], None] | None = None) -> int:
    """Score the texts the signals need, once; returns how many texts were scored now."""
    if table_exists(db.con, TABLE):
        return 0
    texts = [r[0] for r in rows(db.con, _NEEDED)]
    scores: list[float] = []
    if texts:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        step = max(1, len(texts) // 100)
        for i, text in enumerate(texts):
            scores.append(analyzer.polarity_scores(text)["compound"])
            if progress is not None and i % step == 0:
                progress(i / len(texts))
    tbl = pa.table({"text": pa.array(texts, pa.string()), "score": pa.array(scores, pa.float64())})
    db.con.register("_scores", tbl)
    try:
        q(db.con, f"CREATE TABLE {TABLE} AS SELECT * FROM _scores")
    finally:
        db.con.unregister("_scores")
    if progress is not None:
        progress(1.0)
    return len(texts)
