"""Reference implementations the benchmark compares the product with (issue 9).

(e) the floor: the plainest hand-written DuckDB SQL for the per-conversation signals and a
    dozen headline rates, over tables read with DuckDB's own `read_csv` (no typing report,
    no rejected rows, no time zones, no business hours: everything the product adds);
(f) the same signals and rates in idiomatic pandas, as an analyst would write them.

Both use the default settings (return window 72 h, ticket window 24 h, sentiment -0.05).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from metrics.core.db import dicts, q

RETURN_H, TICKET_H, NEG = 72, 24, -0.05


def read_csv_tables(con: duckdb.DuckDBPyConnection, paths: dict[str, str]) -> None:
    """DuckDB's own CSV reader, types auto-detected: the loading floor."""
    for table, path in paths.items():
        q(con, f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_csv($p)", {"p": path})


FLOOR_SIGNALS = f"""
CREATE OR REPLACE TABLE floor_signals AS
WITH m AS (
    SELECT conversation_id,
        arg_max(author_type, (sent_at, rowid)) AS last_author,  -- ties in sent_at: file order
        arg_max(sentiment, (sent_at, rowid)) FILTER (WHERE author_type = 'customer') AS end_sentiment,
        min(sent_at) FILTER (WHERE author_type <> 'customer') AS first_reply,
        count(*) AS n_messages
    FROM messages GROUP BY 1),
c AS (
    SELECT c.*, m.last_author, m.end_sentiment, m.first_reply, coalesce(m.n_messages, 0) AS n_messages,
        lead(c.created_at) OVER (PARTITION BY c.customer_id, c.issue_category ORDER BY c.created_at) AS next_same,
        min(c.created_at) FILTER (WHERE c.handled_by = 'human') OVER (
            PARTITION BY c.customer_id ORDER BY c.created_at ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
        ) AS next_human,
        max(c.created_at) OVER () AS data_end
    FROM conversations c LEFT JOIN m USING (conversation_id))
SELECT *,
    handled_by = 'ai' AS is_ai,
    ended_at + INTERVAL {max(RETURN_H, TICKET_H)} HOUR <= data_end AS matured,
    coalesce(next_same <= ended_at + INTERVAL {RETURN_H} HOUR, false) AS returned,
    handled_by = 'ai' AND coalesce(next_human <= ended_at + INTERVAL {TICKET_H} HOUR, false) AS follow_up,
    coalesce(end_sentiment < {NEG}, false) AS negative_end,
    n_messages > 0 AND last_author = 'ai' AND NOT coalesce(escalated, false) AS silent_exit
FROM c
"""

FLOOR_RATES = """
SELECT
    avg(CASE WHEN NOT escalated THEN 1 ELSE 0 END) FILTER (WHERE is_ai) AS deflection,
    avg(CASE WHEN NOT escalated AND NOT follow_up AND NOT returned AND NOT negative_end
             AND coalesce(status, '') <> 'abandoned' THEN 1 ELSE 0 END) FILTER (WHERE is_ai AND matured)
        AS true_resolution,
    avg(CASE WHEN NOT escalated AND NOT negative_end AND coalesce(csat, 5) > 2
             AND coalesce(status, '') <> 'abandoned' THEN 1 ELSE 0 END) FILTER (WHERE is_ai) AS containment,
    avg(CASE WHEN NOT returned THEN 1 ELSE 0 END) FILTER (WHERE is_ai AND matured) AS fcr_ai,
    avg(CASE WHEN NOT returned THEN 1 ELSE 0 END) FILTER (WHERE NOT is_ai AND matured) AS fcr_human,
    avg(CASE WHEN escalated THEN 1 ELSE 0 END) FILTER (WHERE is_ai) AS escalation,
    avg(CASE WHEN returned THEN 1 ELSE 0 END) FILTER (WHERE is_ai AND matured) AS return_ai,
    avg(CASE WHEN follow_up THEN 1 ELSE 0 END) FILTER (WHERE is_ai AND matured) AS follow_up_rate,
    avg(CASE WHEN silent_exit THEN 1 ELSE 0 END) FILTER (WHERE is_ai AND matured AND n_messages > 0) AS silent_exit,
    avg(CASE WHEN status = 'abandoned' THEN 1 ELSE 0 END) FILTER (WHERE is_ai) AS abandonment,
    avg(csat) FILTER (WHERE is_ai AND NOT escalated) AS csat_ai,
    avg(csat) FILTER (WHERE NOT is_ai) AS csat_human,
    median(epoch(first_reply) - epoch(created_at)) FILTER (WHERE is_ai) AS ttfr_median_ai
FROM floor_signals
"""


def floor(con: duckdb.DuckDBPyConnection) -> dict:
    q(con, FLOOR_SIGNALS)
    return dicts(con, FLOOR_RATES)[0]


def pandas_reference(conv: pd.DataFrame, msgs: pd.DataFrame) -> dict:
    """The same signals and rates with pandas (inputs already in memory)."""
    msgs = msgs.sort_values(["conversation_id", "sent_at"], kind="stable")  # ties in sent_at: file order
    by = msgs.groupby("conversation_id", sort=False)
    per = pd.DataFrame({"last_author": by["author_type"].last(), "n_messages": by.size()})
    cust = msgs[msgs["author_type"] == "customer"].groupby("conversation_id")["sentiment"].last()
    reply = msgs[msgs["author_type"] != "customer"].groupby("conversation_id")["sent_at"].min()
    c = conv.join(per, on="conversation_id").join(cust.rename("end_sentiment"), on="conversation_id")
    c = c.join(reply.rename("first_reply"), on="conversation_id")
    c["n_messages"] = c["n_messages"].fillna(0)
    c = c.sort_values("created_at")
    c["next_same"] = c.groupby(["customer_id", "issue_category"], dropna=False)["created_at"].shift(-1)
    humans = c.loc[c["handled_by"] == "human", ["customer_id", "created_at"]].rename(
        columns={"created_at": "next_human"}
    )
    c = pd.merge_asof(
        c.sort_values("created_at"),
        humans.sort_values("next_human"),
        left_on="created_at",
        right_on="next_human",
        by="customer_id",
        direction="forward",
        allow_exact_matches=False,
    )
    data_end = c["created_at"].max()
    ai = c["handled_by"] == "ai"
    esc = c["escalated"].fillna(False).astype(bool)
    matured = c["ended_at"] + pd.Timedelta(hours=max(RETURN_H, TICKET_H)) <= data_end
    returned = (c["next_same"] <= c["ended_at"] + pd.Timedelta(hours=RETURN_H)).fillna(False)
    follow = ai & (c["next_human"] <= c["ended_at"] + pd.Timedelta(hours=TICKET_H)).fillna(False)
    neg = (c["end_sentiment"] < NEG).fillna(False)
    abandoned = c["status"].eq("abandoned")
    silent = (c["n_messages"] > 0) & c["last_author"].eq("ai") & ~esc
    true_res = ~esc & ~follow & ~returned & ~neg & ~abandoned
    contained = ~esc & ~neg & c["csat"].fillna(5).gt(2) & ~abandoned
    ttfr = (c["first_reply"] - c["created_at"]).dt.total_seconds()
    return {
        "deflection": (~esc)[ai].mean(),
        "true_resolution": true_res[ai & matured].mean(),
        "containment": contained[ai].mean(),
        "fcr_ai": (~returned)[ai & matured].mean(),
        "fcr_human": (~returned)[~ai & matured].mean(),
        "escalation": esc[ai].mean(),
        "return_ai": returned[ai & matured].mean(),
        "follow_up_rate": follow[ai & matured].mean(),
        "silent_exit": silent[ai & matured & (c["n_messages"] > 0)].mean(),
        "abandonment": abandoned[ai].mean(),
        "csat_ai": c.loc[ai & ~esc, "csat"].mean(),
        "csat_human": c.loc[~ai, "csat"].mean(),
        "ttfr_median_ai": ttfr[ai].median(),
    }
