"""The per-conversation signals relation (SPEC section 3), computed set-wise in one SQL statement.

Every metric aggregates this one table. It holds every conversation column plus the
signals; `compute` rebuilds it when a setting that changes a signal changes (windows,
thresholds, categories, as_of), and the aggregations re-read it for everything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.compute import sentiment, topics
from metrics.core import schedule as business_hours
from metrics.core.db import Database, columns, ident, q, rows, table_exists
from metrics.core.schema import NONE_KEY
from metrics.core.settings import Settings, by_stage
from metrics.load.issues import ISSUES_TABLE

TABLE = "signals"
BASE = "signals_base"

# Settings that change the signals relation; all others only change aggregation.
# The settings the relation depends on (metrics.core.settings): its own and those of loading.
SIGNAL_SETTINGS = by_stage("load") + by_stage("signals")
# The signal settings that decide which conversations are in the relation, their times and their topics; the
# others (windows and the thresholds of the flags) only change flags. Results that read no flag (return curves,
# the knowledge gaps' answer samples) are remembered per these and kept across a window change.
POPULATION_SETTINGS = tuple(
    k
    for k in SIGNAL_SETTINGS
    if k
    not in {
        "return_window_hours",
        "ticket_window_hours",
        "sentiment_negative",
        "sentiment_positive",
        "low_csat_max",
        "satisfied_min",
        "peak_percentile",
        "human_required_categories",
        "appropriate_reason_keywords",
        "distress_sentiment",
        "business_hours",
    }
)


@dataclass(frozen=True)
class SignalsInfo:
    data_end: dt.datetime | None
    peak_threshold: int | None
    conversations: int
    pending: int


def _hours(name: str) -> str:
    return f"to_microseconds(CAST(${name} * 3600e6 AS BIGINT))"


BASE_SQL = """
CREATE OR REPLACE TABLE {base} AS
WITH everything AS (
    SELECT * FROM conversations WHERE $as_of IS NULL OR created_at <= CAST($as_of AS TIMESTAMPTZ)
),
-- SPEC 8: outbound conversations and excluded customers are in no metric and never the later conversation of
-- a return or a follow-up ticket; the export still ends where it ends (data_end over everything).
conv AS (
    SELECT * FROM everything
    WHERE direction IS DISTINCT FROM 'outbound' AND NOT list_contains($excluded, customer_id)
),
bounds AS (SELECT coalesce(CAST($as_of AS TIMESTAMPTZ), max(created_at)) AS data_end FROM everything),
events AS (
    SELECT created_at AS t, 1 AS d, NULL AS cid FROM conv WHERE handled_by = 'ai'
    UNION ALL SELECT ended_at, -1, NULL FROM conv WHERE handled_by = 'ai'
    UNION ALL SELECT created_at, 0, conversation_id FROM conv
),
load AS (
    SELECT cid AS conversation_id, open_now FROM (
        SELECT cid, sum(d) OVER (ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS open_now
        FROM events)
    WHERE cid IS NOT NULL
),
-- The later conversations, over the few columns they need (a window sorts every column it is given: over the
-- whole row these two took about 3.7 s of CPU at 1M conversations, here about 0.5 s).
nexts AS (
    SELECT c.conversation_id,
        min(c.created_at) OVER (PARTITION BY c.customer_id, {issue_key} ORDER BY c.created_at
            RANGE BETWEEN INTERVAL 1 MICROSECOND FOLLOWING AND UNBOUNDED FOLLOWING) AS next_same_topic_at,
        min(c.created_at) FILTER (WHERE c.handled_by = 'human') OVER (PARTITION BY c.customer_id ORDER BY c.created_at
            RANGE BETWEEN INTERVAL 1 MICROSECOND FOLLOWING AND UNBOUNDED FOLLOWING) AS next_human_at
    FROM conv c LEFT JOIN {topic_of} tp USING (conversation_id)
),
base AS (
    SELECT c.*,
        coalesce(msg.n_messages, 0) AS n_messages,
        coalesce(msg.ai_messages, 0) AS ai_messages,
        coalesce(msg.customer_messages, 0) AS customer_messages,
        msg.last_author,
        msg.first_human AS first_agent_at,
        msg.ai_before_agent_at,
        coalesce(c.sentiment_start, msg.s_first, ts1.score) AS sentiment_start_value,
        coalesce(c.sentiment_end, msg.s_last, ts2.score) AS sentiment_end_value,
        CASE WHEN c.sentiment_start IS NOT NULL OR c.sentiment_end IS NOT NULL THEN 'column'
             WHEN msg.s_first IS NOT NULL THEN 'message scores'
             WHEN ts1.score IS NOT NULL OR ts2.score IS NOT NULL THEN 'text model' END AS sentiment_source,
        coalesce(c.first_response_at,
                 CASE WHEN c.first_reply_minutes BETWEEN -1e8 AND 1e8
                      THEN c.created_at + to_microseconds(CAST(c.first_reply_minutes * 60e6 AS BIGINT)) END,
                 msg.first_reply_at) AS first_reply_at,
        nx.next_same_topic_at,
        nx.next_human_at,
        l.open_now + CASE WHEN c.handled_by = 'ai' AND c.ended_at <= c.created_at THEN 1 ELSE 0 END AS concurrency,
        b.data_end,
        a.segment AS account_segment,
        tp.topic
    FROM conv c
    CROSS JOIN bounds b
    LEFT JOIN message_facts msg USING (conversation_id)
    LEFT JOIN load l USING (conversation_id)
    LEFT JOIN nexts nx USING (conversation_id)
    LEFT JOIN {text_scores} ts1 ON ts1.text = msg.t_first
    LEFT JOIN {text_scores} ts2 ON ts2.text = msg.t_last
    LEFT JOIN accounts a ON a.account_id = c.account_id
    LEFT JOIN {topic_of} tp USING (conversation_id)
)
SELECT * FROM base
"""

SQL = """
WITH base AS (SELECT *, ended_at + {max_window} <= data_end AS matured FROM {base}),
flags AS (
    SELECT *,
        handled_by = 'ai' AS is_ai,
        handled_by = 'human' AS is_human,
        NOT matured AS pending,
        coalesce(next_same_topic_at <= ended_at + {return_window}, false) OR coalesce(reopened > 0, false)
            AS returned,
        CASE WHEN handled_by = 'ai' THEN coalesce(next_human_at <= ended_at + {ticket_window}, false) END
            AS follow_up_ticket,
        coalesce(sentiment_end_value < $neg, false) AS negative_end,
        CASE WHEN sentiment_start_value < $neg THEN -1 WHEN sentiment_start_value > $pos THEN 1
             WHEN sentiment_start_value IS NOT NULL THEN 0 END AS start_class,
        CASE WHEN sentiment_end_value < $neg THEN -1 WHEN sentiment_end_value > $pos THEN 1
             WHEN sentiment_end_value IS NOT NULL THEN 0 END AS end_class,
        coalesce(csat <= $low_csat, false) AS low_csat,
        coalesce(csat >= $satisfied, false) AS satisfied,
        CASE WHEN handled_by = 'ai' AND n_messages > 0 THEN last_author = 'ai' AND NOT escalated END AS silent_exit,
        CASE WHEN handled_by = 'ai' AND n_messages > 0 THEN ai_messages END AS exit_turn,
        CASE WHEN handled_by = 'ai' AND escalated THEN coalesce(
            escalation_appropriate,
            coalesce(list_contains($human_required, lower(trim(issue_category))), false)
            OR coalesce(sentiment_start_value <= $distress, false)
            OR coalesce(len(list_filter($keywords, lambda k: contains(lower(escalation_reason), k))) > 0, false))
        END AS escalation_is_appropriate,
        epoch(first_reply_at) - epoch(created_at) AS ttfr_raw,
        CASE WHEN end_known THEN epoch(ended_at) - epoch(created_at) END AS ttr_raw,
        CASE WHEN handled_by = 'ai' AND escalated
             THEN epoch(first_agent_at) - epoch(coalesce(escalated_at, ai_before_agent_at)) END AS handoff_wait_raw,
        first_reply_business_minutes * 60 AS ttfr_bh_raw,
        resolution_business_minutes * 60 AS ttr_bh_raw,
        coalesce(status, CASE WHEN end_known THEN 'resolved' ELSE 'open' END) AS status_class,
        coalesce(csat_offered, true) AS survey_offered,
        -- the key of aggregate.segment_key: NULL is '(none)', a category spelled like a key is marked
        CASE WHEN issue_category IS NULL THEN '(none)'
             WHEN issue_category IN ('(none)', '__all__') THEN issue_category || ' (as written)'
             ELSE issue_category END AS category,
        CAST(date_trunc('week', created_at) AS DATE) AS week,
        CAST(created_at AS DATE) AS day,
        strftime(created_at, '%Y-%m') AS month,
        CASE WHEN handled_by = 'human' THEN 'human' WHEN escalated THEN 'ai_escalated' ELSE 'ai' END AS csat_stream
    FROM base
),
timed AS (
    SELECT *,
        status_class = 'resolved' AS resolved_end,
        CASE WHEN ttfr_raw BETWEEN 0 AND $max_s THEN ttfr_raw END AS ttfr_s,
        CASE WHEN ttr_raw BETWEEN 0 AND $max_s THEN ttr_raw END AS ttr_s,
        CASE WHEN ttfr_bh_raw BETWEEN 0 AND $max_s THEN ttfr_bh_raw END AS ttfr_bh_s,
        CASE WHEN ttr_bh_raw BETWEEN 0 AND $max_s THEN ttr_bh_raw END AS ttr_bh_s,
        CASE WHEN handoff_wait_raw BETWEEN 0 AND $max_s THEN handoff_wait_raw END AS handoff_wait_s,
        NOT coalesce(ttfr_raw BETWEEN 0 AND $max_s, true) OR NOT coalesce(ttfr_bh_raw BETWEEN 0 AND $max_s, true)
            AS ttfr_implausible,
        NOT coalesce(ttr_raw BETWEEN 0 AND $max_s, true) OR NOT coalesce(ttr_bh_raw BETWEEN 0 AND $max_s, true)
            AS ttr_implausible
    FROM flags
),
resolved AS (
    SELECT *,
        CASE WHEN start_class IS NOT NULL AND end_class IS NOT NULL THEN
            CASE WHEN end_class > start_class THEN 'improved' WHEN end_class < start_class THEN 'worsened'
                 ELSE 'flat' END END AS trajectory,
        coalesce(status, 'other') = 'abandoned'
            OR (coalesce(silent_exit, false) AND matured AND (returned OR follow_up_ticket OR negative_end))
            AS abandoned,
        CASE WHEN is_ai AND matured THEN NOT escalated AND NOT follow_up_ticket AND NOT returned
            AND NOT negative_end AND resolved_end END AS truly_resolved,
        CASE WHEN (is_human OR (is_ai AND escalated)) AND matured THEN resolved_end
            AND NOT returned AND NOT negative_end END AS resolved,
        CASE WHEN is_ai THEN CASE
            WHEN escalated THEN 'escalated'
            WHEN coalesce(status, 'other') = 'abandoned' THEN 'abandoned'
            WHEN NOT matured THEN 'pending'
            WHEN follow_up_ticket THEN 'follow_up_ticket'
            WHEN returned THEN 'returned'
            WHEN negative_end THEN 'negative_end'
            WHEN NOT resolved_end THEN 'not_closed'
            ELSE 'truly_resolved' END END AS outcome
    FROM timed
)
SELECT *,
    concurrency >= (SELECT quantile_disc(concurrency, $peak_q) FROM resolved WHERE is_ai) AS peak,
    CASE WHEN concurrency >= (SELECT quantile_disc(concurrency, $peak_q) FROM resolved WHERE is_ai)
         THEN 'peak' ELSE 'off-peak' END AS load
FROM resolved
"""


def compute(db: Database, s: Settings, table: str = TABLE, keep: tuple[str, ...] = ()) -> SignalsInfo:
    """(Re)build the signals relation for these settings.

    Two steps: the per-conversation facts that depend only on the data and `as_of`
    (message aggregates, the next same-topic and next human conversation, concurrency) are
    kept in `signals_base` and rebuilt only when the data or `as_of` change; the flags that
    depend on windows and thresholds are one cheap projection over it.

    `keep`: a side table (not the signals) with only these columns, for metrics that read no others (the
    resolution by window: writing every column for three windows took most of the Resolution page at 1M);
    the columns of the global filters come along, and the business-hours durations are not filled in.
    """
    sentiment.ensure_scores(db)
    base = BASE  # one per dataset, shared by every window's table (FCR at 24 h and 72 h, the app's own)
    topic_of, topic_params = topics.relation(db, s)
    key = (s.as_of, s.excluded_customers, s.same_issue, topic_of, tuple(topic_params.items()))
    if db.memo.get("signals_base") != str(key) or not table_exists(db.con, base):
        # The old tables go first: replacing them in place held both copies at once (at 2M conversations that
        # took a 3GB session past its spill limit).
        db.memo.pop("signals_base", None)
        q(db.con, f"DROP TABLE IF EXISTS {table}")  # our own table names
        q(db.con, f"DROP TABLE IF EXISTS {base}")
        q(
            db.con,
            BASE_SQL.format(
                base=base, text_scores=sentiment.TABLE, topic_of=topic_of, issue_key=_issue_key(s, bool(topic_params))
            ),
            {"as_of": s.as_of or None, "excluded": list(s.excluded_customers) or [""]} | topic_params,
        )
        db.memo["signals_base"] = str(key)
    sql = SQL.format(
        base=base,
        max_window=_hours("max_w"),
        return_window=_hours("w"),
        ticket_window=_hours("t"),
    )
    params = {
        "max_w": s.max_window_hours,
        "w": s.return_window_hours,
        "t": s.ticket_window_hours,
        "neg": s.sentiment_negative,
        "pos": s.sentiment_positive,
        "low_csat": s.low_csat_max,
        "satisfied": s.satisfied_min,
        "distress": s.distress_sentiment,
        "human_required": [c.strip().lower() for c in s.human_required_categories] or [""],
        "keywords": [k.strip().lower() for k in s.appropriate_reason_keywords if k.strip()] or ["\x00"],
        "peak_q": s.peak_percentile / 100,
        "max_s": s.max_plausible_days * 86400,
    }
    if keep:
        wanted = [*keep, "data_end", "concurrency", "is_ai", "pending", "day", "channel"]
        if s.filter_segment and (s.filter_segment == "category" or s.filter_segment in columns(db.con, base)):
            wanted.append(s.filter_segment)
        sql = f"SELECT {', '.join(ident(c) for c in dict.fromkeys(wanted))} FROM ({sql})"
    q(db.con, f"DROP TABLE IF EXISTS {table}")  # not held twice while the new one is written
    q(db.con, f"CREATE OR REPLACE TABLE {table} AS {sql}", params)
    if not keep:
        business_hours.apply(db, business_hours.parse(s.business_hours), table)
    if table == TABLE:
        _report_implausible(db, s)
    _keep_filtered(db, s, table)
    data_end, threshold, n, pending = rows(
        db.con,
        f"""SELECT max(data_end), (SELECT quantile_disc(concurrency, $q) FROM {table} WHERE is_ai),
                   count(*), count(*) FILTER (WHERE pending) FROM {table}""",
        {"q": s.peak_percentile / 100},
    )[0]
    return SignalsInfo(data_end, threshold, n, pending)


def _issue_key(s: Settings, has_topics: bool) -> str:
    """What makes a later conversation the same issue (setting same_issue); the category without topics."""
    if s.same_issue == "category" or not has_topics:
        return "c.issue_category"
    if s.same_issue == "topic":
        return "tp.topic"
    return "coalesce('category: ' || c.issue_category, 'topic: ' || tp.topic)"


def _keep_filtered(db: Database, s: Settings, table: str) -> None:
    """The global filters: every signal was computed on all the data; only the filtered conversations stay."""
    if not s.filtered:
        return
    conds, params = [], {}
    if s.date_from:
        conds.append("day >= CAST($f_from AS DATE)")
        params["f_from"] = s.date_from
    if s.date_to:
        conds.append("day <= CAST($f_to AS DATE)")
        params["f_to"] = s.date_to
    if s.channels:
        conds.append("list_contains($f_channels, channel)")
        params["f_channels"] = list(s.channels)
    if s.filter_segment and s.filter_values and s.filter_segment in columns(db.con, table):
        col = ident(s.filter_segment)
        conds.append(f"(list_contains($f_values, CAST({col} AS VARCHAR)) OR ({col} IS NULL AND $f_none))")
        params["f_values"] = list(s.filter_values)
        params["f_none"] = NONE_KEY in s.filter_values
    if conds:
        q(db.con, f"DELETE FROM {table} WHERE NOT ({' AND '.join(conds)})", params)


IMPLAUSIBLE = "implausible duration"


def _report_implausible(db: Database, s: Settings) -> None:
    """Durations that are negative or longer than max_plausible_days, one data-quality row each (SPEC 8).

    Refreshed with the signals, so the list follows the setting in force.
    """
    if not table_exists(db.con, ISSUES_TABLE):
        return
    q(db.con, f"DELETE FROM {ISSUES_TABLE} WHERE kind = 'implausible'")
    limit = f"{s.max_plausible_days:g} days"
    q(
        db.con,
        f"""INSERT INTO {ISSUES_TABLE}
            SELECT sig.source_file, sig.source_row, v.what, NULL,
                $p || ' (' || v.what || ' of ' || round(v.secs / 86400, 1) || ' days: negative or above '
                || $limit || '); left out of the time metrics', FALSE, 'implausible'
            FROM {TABLE} sig,
                (VALUES ('first response', sig.ttfr_raw), ('first response (business hours)', sig.ttfr_bh_raw),
                        ('resolution', sig.ttr_raw), ('resolution (business hours)', sig.ttr_bh_raw)) v(what, secs)
            WHERE (sig.ttfr_implausible OR sig.ttr_implausible) AND NOT v.secs BETWEEN 0 AND $max_s""",
        {"p": IMPLAUSIBLE, "limit": limit, "max_s": s.max_plausible_days * 86400},
    )
