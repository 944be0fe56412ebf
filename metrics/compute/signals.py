"""The per-conversation signals relation (SPEC section 3), computed set-wise in one SQL statement.

Every metric aggregates this one table. It holds every conversation column plus the
signals; `compute` rebuilds it when a setting that changes a signal changes (windows,
thresholds, categories, as_of), and the aggregations re-read it for everything else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from metrics.compute import flags, sentiment, topics
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
POPULATION_SETTINGS = tuple(k for k in SIGNAL_SETTINGS if k not in flags.SETTINGS)


@dataclass(frozen=True)
class SignalsInfo:
    data_end: dt.datetime | None
    peak_threshold: int | None
    conversations: int
    pending: int


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


def compute(db: Database, s: Settings, table: str = TABLE, keep: tuple[str, ...] = ()) -> SignalsInfo:
    """(Re)build the signals relation for these settings.

    Two steps: the per-conversation facts that depend only on the data and `as_of`
    (message aggregates, the next same-topic and next human conversation, concurrency) are
    kept in `signals_base` and rebuilt only when the data or `as_of` change; the flags that
    depend on windows and thresholds are layers of projections over it (flags.LAYERS). When only windows or
    thresholds changed since a table was built, the flags that read a changed setting are updated in place.

    `keep`: a side table (not the signals) with only these columns, for metrics that read no others (the
    resolution by window: writing every column for three windows took most of the Resolution page at 1M);
    the columns of the global filters come along, and the business-hours durations are not filled in. It is
    updated in place only when it holds every column its moving flags read.
    """
    sentiment.ensure_scores(db)
    base = BASE  # one per dataset, shared by every window's table (FCR at 24 h and 72 h, the app's own)
    topic_of, topic_params = topics.relation(db, s)
    key = (s.as_of, s.excluded_customers, s.same_issue, topic_of, tuple(topic_params.items()))
    if db.memo.get("signals_base") != str(key) or not table_exists(db.con, base):
        # The old tables go first: replacing them in place held both copies at once (at 2M conversations that
        # took a 3GB session past its spill limit).
        db.memo.pop("signals_base", None)
        for k in [k for k in db.memo if k == "signals_rows" or (isinstance(k, tuple) and k[0] == "signals_rows")]:
            db.memo.pop(k)
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
    rows_key = str((key, tuple(getattr(s, k) for k in POPULATION_SETTINGS)))
    wanted: tuple[str, ...] = ()
    if keep:
        wanted = (*keep, "data_end", "concurrency", "is_ai", "pending", "day", "channel")
        if s.filter_segment and (s.filter_segment == "category" or s.filter_segment in columns(db.con, base)):
            wanted += (s.filter_segment,)
        wanted = tuple(dict.fromkeys(wanted))
    memo_key = "signals_rows" if table == TABLE else ("signals_rows", table)
    built = db.memo.pop(memo_key, None)  # (rows key, the settings its flags are for, its columns); until the
    # table is complete again: an interrupted update leaves a rebuild to the next call
    same = built is not None and built[0] == rows_key and built[2] == wanted and table_exists(db.con, table)
    layers = flags.layers(s, base, since=built[1] if same else None)
    moved = [c for layer in layers for c in layer if c.moves and (not keep or c.name in wanted)]
    if same and keep:  # a side table updates in place only if it holds what its moving columns read
        known = set(columns(db.con, base)) | {c.name for layer in layers for c in layer}
        same = all(c.reads & known <= set(wanted) for c in moved)
    if same:
        # The same rows, new flags: each layer reads the columns updated before it. A column at a time, only
        # where it changes (rewriting a whole text column such as the outcome took 1 s at 300k conversations
        # where its changed rows take 0.01 s).
        for c in moved:
            q(db.con, f"UPDATE {table} SET {c.name} = {c.sql} WHERE {c.name} IS DISTINCT FROM ({c.sql})", c.params)
    else:
        sql = f"SELECT * FROM {base}"
        for layer in layers:
            sql = f"SELECT *, {', '.join(f'{c.sql} AS {c.name}' for c in layer)} FROM ({sql})"
        if keep:
            sql = f"SELECT {', '.join(ident(c) for c in wanted)} FROM ({sql})"
        q(db.con, f"DROP TABLE IF EXISTS {table}")  # not held twice while the new one is written
        q(
            db.con,
            f"CREATE OR REPLACE TABLE {table} AS {sql}",
            flags.params_of([c for layer in layers for c in layer]),
        )
        if table == TABLE:
            _report_implausible(db, s)
        _keep_filtered(db, s, table)
    if not keep:
        business_hours.apply(db, business_hours.parse(s.business_hours), table)
    db.memo[memo_key] = (rows_key, s, wanted)
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
