"""Staged files -> the canonical tables: union per table, de-duplication, orphans, derived fields.

Every row left out here is listed in the load issues with its kind (duplicate, conflict, orphan).
"""

from __future__ import annotations

from metrics.core.db import Database, columns, ident, q, rows
from metrics.core.schema import SQL_TYPES, TABLES
from metrics.load.issues import ISSUES_TABLE
from metrics.load.stage import UNKNOWN_HANDLER, Staged, message_order


def _union(db: Database, staged: list[Staged], table: str, merge: bool = False) -> str | None:
    parts = [s for s in staged if s.mapping.table == table and s.mapping.merge == merge]
    if not parts:
        return None
    out = f"all_{table}{'_merge' if merge else ''}"
    cols = [f.name for f in TABLES[table]]
    if len(parts) == 1:  # one file: its staged table (file order 0 and its name included) becomes the union
        # by renaming, not copying (0.8 s and a second copy of every message in memory at 1M conversations)
        only = parts[0]
        q(db.con, f"DROP TABLE IF EXISTS {out}")
        q(db.con, f"ALTER TABLE {only.table} RENAME TO {out}")
        q(db.con, f"ALTER TABLE {out} RENAME COLUMN __row TO source_row")
        wanted = {"__file_order", "source_file", "source_row", *cols, *only.extras, "seq"}
        for c in columns(db.con, out):
            if c not in wanted:  # the reasons and checks stage left, recorded already
                q(db.con, f"ALTER TABLE {out} DROP COLUMN {ident(c)}")
        return out
    all_extras: list[str] = []
    for s in parts:
        all_extras += [e for e in s.extras if e not in all_extras]
    selects = []
    for order, s in enumerate(parts):
        extra_sel = [ident(e) if e in s.extras else f"CAST(NULL AS VARCHAR) AS {ident(e)}" for e in all_extras]
        seq = [f"{message_order('sent_at', str(order), '__row')} AS seq"] if table == "messages" else []
        selects.append(
            f"SELECT {order} AS __file_order, source_file, __row AS source_row, "
            + ", ".join(cols + extra_sel + seq)
            + f" FROM {s.table}"
        )
    q(db.con, f"CREATE OR REPLACE TABLE {out} AS " + " UNION ALL ".join(selects))
    for s in parts:  # the staged copies are in the union now
        q(db.con, f"DROP TABLE IF EXISTS {s.table}")
    return out


def _dedupe(db: Database, src: str, key: list[str], compare: list[str]) -> None:
    """Keep the first occurrence of each key in file order; report the rest as rejected duplicates.

    Keys seen more than once are found by grouping their hashes (one pass, no sort); the exact comparison in
    file order then runs only on the rows whose hash repeats (none in most exports: 0.6 s -> 0.17 s on two
    million messages).
    """
    con = db.con
    content = "hash(" + ", ".join(compare) + ")"
    key_hash = "hash(" + ", ".join(key) + ")"
    q(
        con,
        f"""CREATE OR REPLACE TEMP TABLE dups AS
            WITH repeated AS (SELECT {key_hash} AS __key FROM {src} GROUP BY __key HAVING count(*) > 1)
            SELECT * FROM (
                SELECT source_file, source_row,
                   first_value(source_file) OVER w AS first_file, first_value(source_row) OVER w AS first_row,
                   {"conversation_id" if key == ["conversation_id"] else "NULL"} AS dup_id,
                   {content} = first_value({content}) OVER w AS exact,
                   row_number() OVER w AS rn
                FROM {src} WHERE {key_hash} IN (SELECT __key FROM repeated)
                WINDOW w AS (PARTITION BY {", ".join(key)} ORDER BY __file_order, source_row))
            WHERE rn > 1""",
    )
    if not rows(con, "SELECT count(*) FROM dups")[0][0]:
        q(con, "DROP TABLE dups")
        return
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE}
            SELECT source_file, source_row, CASE WHEN dup_id IS NOT NULL THEN 'conversation_id' END,
                CASE WHEN NOT exact THEN dup_id END,
                CASE WHEN exact THEN 'exact duplicate of '
                     ELSE coalesce('conversation_id ' || dup_id || ': ', '') || 'same id as, but different from, '
                END || first_file || ' row ' || first_row || ' (first one kept)', TRUE,
                CASE WHEN exact THEN 'duplicate' ELSE 'conflict' END
            FROM dups""",
    )
    q(con, f"DELETE FROM {src} WHERE (source_file, source_row) IN (SELECT (source_file, source_row) FROM dups)")
    q(con, "DROP TABLE dups")


def _reject_orphans(db: Database, conv: str | None) -> None:
    """Messages whose conversation is in no conversation file are rejected, each with its reason."""
    orphan = f"NOT EXISTS (SELECT 1 FROM {conv} c WHERE c.conversation_id = m.conversation_id)" if conv else "true"
    q(
        db.con,
        f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, NULL, NULL,
            'orphan message: no conversation ' || conversation_id || ' in the conversation files', TRUE, 'orphan'
            FROM messages m WHERE {orphan}""",
    )
    q(db.con, f"DELETE FROM messages m WHERE {orphan}")


def _empty(table: str, extra: str = "") -> str:
    cols = ", ".join(f"CAST(NULL AS {SQL_TYPES[f.kind]}) AS {f.name}" for f in TABLES[table])
    return f"CREATE TABLE {table} AS SELECT CAST(NULL AS VARCHAR) AS source_file, CAST(NULL AS BIGINT) AS source_row, {cols}{extra} WHERE false"


def _merge(db: Database, conv: str | None, updates: str) -> dict[str, int]:
    """Fill empty conversation fields from files that add to them (joined on conversation_id).

    Returns rows used per file; rows with no conversation in the other files are rejected.
    """
    con = db.con
    _dedupe(db, updates, ["conversation_id"], [f.name for f in TABLES["conversations"]])
    orphan = f"NOT EXISTS (SELECT 1 FROM {conv} c WHERE c.conversation_id = u.conversation_id)" if conv else "true"
    q(
        con,
        f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, NULL, NULL,
            'no conversation ' || conversation_id || ' in the other conversation files to add this to', TRUE, 'orphan'
            FROM {updates} u WHERE {orphan}""",
    )
    q(con, f"DELETE FROM {updates} u WHERE {orphan}")
    if conv:
        fields = [f.name for f in TABLES["conversations"] if f.name != "conversation_id"]
        sets = ", ".join(f"{f} = coalesce(c.{f}, u.{f})" for f in fields if f != "handled_by")
        sets += f", handled_by = CASE WHEN c.handled_by = '{UNKNOWN_HANDLER}' THEN coalesce(u.handled_by, c.handled_by) ELSE c.handled_by END"
        q(con, f"UPDATE {conv} c SET {sets} FROM {updates} u WHERE c.conversation_id = u.conversation_id")
    return dict(rows(con, f"SELECT source_file, count(*) FROM {updates} GROUP BY 1"))


# The canonical conversations (SPEC 7 and 8): ended_at from the file, else created_at plus the vendor's full
# resolution minutes, else the last message, else created_at with the end marked unknown (end_known false:
# no resolution time is ever made up); AI evidence from messages; outbound from the channel when no direction
# is given; survey offers known per file only where the file says which conversations were offered one.
CONVERSATIONS_SQL = """
CREATE TABLE conversations AS
WITH typed AS (
    SELECT c.*, l.last_sent, l.first_human,
        c.handled_by = '{unknown}' AND l.first_ai IS NOT NULL
            AND (l.first_human IS NULL OR l.first_ai < l.first_human) AS ai_from_messages,
        CASE WHEN c.ended_at >= c.created_at THEN c.ended_at END AS given_end,
        CASE WHEN c.resolution_minutes BETWEEN 0 AND 1e8
             THEN c.created_at + to_microseconds(CAST(c.resolution_minutes * 60e6 AS BIGINT)) END AS vendor_end,
        c.source_file IN (SELECT source_file FROM {conv} WHERE csat_offered IS NOT NULL) AS file_has_offers
    FROM {conv} c LEFT JOIN message_facts l USING (conversation_id))
SELECT * EXCLUDE (__file_order, ended_at, escalated, escalated_at, handled_by, last_sent,
                  first_human, ai_from_messages, given_end, vendor_end, file_has_offers, direction, csat_offered),
    coalesce(given_end, vendor_end, greatest(last_sent, created_at), created_at) AS ended_at,
    given_end IS NULL AS ended_at_derived,
    coalesce(given_end, vendor_end, last_sent) IS NOT NULL AS end_known,
    CASE WHEN ai_from_messages THEN 'ai' WHEN handled_by = '{unknown}' THEN 'human'
         ELSE handled_by END AS handled_by,
    CASE WHEN ai_from_messages THEN coalesce(escalated_at, first_human) ELSE escalated_at END
        AS escalated_at,
    CASE WHEN ai_from_messages THEN coalesce(escalated, first_human IS NOT NULL)
         WHEN handled_by = 'ai' THEN coalesce(escalated, escalated_at IS NOT NULL)
         ELSE false END AS escalated,
    coalesce(direction, CASE WHEN contains(lower(channel), 'outbound')
                                  AND contains(' ' || regexp_replace(lower(channel), '[^a-z0-9]+', ' ', 'g') || ' ',
                                               ' outbound ') THEN 'outbound' ELSE 'inbound' END) AS direction,
    CASE WHEN file_has_offers THEN coalesce(csat_offered, false) OR csat IS NOT NULL END AS csat_offered
FROM typed
ORDER BY __file_order, source_row
"""


# What each conversation's messages say, aggregated once per dataset (one pass over the messages): read by the
# conversations above (the end, AI evidence), the signals (counts, first replies, the hand-off, sentiment ends)
# and the text scoring. first_reply_at counts replies from the conversation's start on; ai_before_agent_at is
# the last AI message before the first human one (by position, so ties in time keep file order).
MESSAGE_FACTS_SQL = """
CREATE TABLE message_facts AS
WITH first_agent AS (
    SELECT conversation_id, min(seq) AS agent_seq FROM messages WHERE author_type = 'human' GROUP BY 1),
before_agent AS (
    SELECT m.conversation_id, max(m.sent_at) AS ai_before_agent_at
    FROM messages m JOIN first_agent fa USING (conversation_id)
    WHERE m.author_type = 'ai' AND m.seq < fa.agent_seq GROUP BY 1),
facts AS (
    SELECT m.conversation_id,
        max(m.sent_at) AS last_sent,
        min(m.sent_at) FILTER (WHERE m.author_type = 'ai') AS first_ai,
        min(m.sent_at) FILTER (WHERE m.author_type = 'human') AS first_human,
        count(*) AS n_messages,
        count(*) FILTER (WHERE m.author_type = 'ai') AS ai_messages,
        count(*) FILTER (WHERE m.author_type = 'customer') AS customer_messages,
        arg_max(m.author_type, m.seq) AS last_author,
        min(m.sent_at) FILTER (WHERE m.author_type IN ('ai', 'human') AND m.sent_at >= c.created_at) AS first_reply_at,
        arg_min(m.sentiment, m.seq) FILTER (WHERE m.author_type = 'customer' AND m.sentiment IS NOT NULL) AS s_first,
        arg_max(m.sentiment, m.seq) FILTER (WHERE m.author_type = 'customer' AND m.sentiment IS NOT NULL) AS s_last,
        arg_min(m.text, m.seq) FILTER (WHERE m.author_type = 'customer' AND m.text IS NOT NULL) AS t_first,
        arg_max(m.text, m.seq) FILTER (WHERE m.author_type = 'customer' AND m.text IS NOT NULL) AS t_last
    FROM messages m JOIN {conv} c USING (conversation_id)
    GROUP BY 1)
SELECT f.*, b.ai_before_agent_at FROM facts f LEFT JOIN before_agent b USING (conversation_id)
"""
FACT_COLUMNS = (
    "CAST(NULL AS VARCHAR) AS conversation_id, CAST(NULL AS TIMESTAMPTZ) AS last_sent, "
    "CAST(NULL AS TIMESTAMPTZ) AS first_ai, CAST(NULL AS TIMESTAMPTZ) AS first_human, "
    "CAST(NULL AS BIGINT) AS n_messages, CAST(NULL AS BIGINT) AS ai_messages, "
    "CAST(NULL AS BIGINT) AS customer_messages, CAST(NULL AS VARCHAR) AS last_author, "
    "CAST(NULL AS TIMESTAMPTZ) AS first_reply_at, CAST(NULL AS DOUBLE) AS s_first, CAST(NULL AS DOUBLE) AS s_last, "
    "CAST(NULL AS VARCHAR) AS t_first, CAST(NULL AS VARCHAR) AS t_last, "
    "CAST(NULL AS TIMESTAMPTZ) AS ai_before_agent_at"
)


def build(db: Database, staged: list[Staged]) -> dict[str, int]:
    """Create the canonical tables from staged files (replacing any earlier ones).

    Returns the rows used from each file that adds fields to conversations of other files.
    """
    con = db.con
    merged: dict[str, int] = {}
    conv = _union(db, staged, "conversations")
    updates = _union(db, staged, "conversations", merge=True)
    msgs = _union(db, staged, "messages")
    accts = _union(db, staged, "accounts")
    for t in ("conversations", "messages", "message_facts", "accounts", "text_sentiment"):  # scores follow them
        q(con, f"DROP TABLE IF EXISTS {t}")
    if conv:
        _dedupe(db, conv, ["conversation_id"], [f.name for f in TABLES["conversations"]])
    if updates:
        merged = _merge(db, conv, updates)
    if msgs:
        canon = [f.name for f in TABLES["messages"]]
        _dedupe(db, msgs, canon, canon)
        q(con, f"ALTER TABLE {msgs} RENAME TO messages")  # the union is the table (no copy of 7M messages)
        q(con, "ALTER TABLE messages DROP COLUMN __file_order")
    else:
        q(con, _empty("messages", ", CAST(NULL AS HUGEINT) AS seq"))
    if msgs and conv:
        # the facts join each message to its conversation, so they count only messages that have one: the
        # orphans are looked for (an anti-join of every message, 0.2 s at 7M) only when the counts differ
        q(con, MESSAGE_FACTS_SQL.format(conv=conv))
        counted, total = rows(
            con, "SELECT (SELECT coalesce(sum(n_messages), 0) FROM message_facts), (SELECT count(*) FROM messages)"
        )[0]
        if counted < total:
            _reject_orphans(db, conv)
    else:
        if msgs:  # no conversation file: every message is an orphan
            _reject_orphans(db, None)
        q(con, f"CREATE TABLE message_facts AS SELECT {FACT_COLUMNS} WHERE false")
    if conv:
        q(
            con,
            f"""INSERT INTO {ISSUES_TABLE} SELECT source_file, source_row, 'ended_at', NULL,
                'ended_at is before created_at; treated as missing (derived from messages)', FALSE,
                'end_before_start'
                FROM {conv} WHERE ended_at < created_at""",
        )
        q(con, CONVERSATIONS_SQL.format(conv=conv, unknown=UNKNOWN_HANDLER))
    else:
        q(
            con,
            _empty(
                "conversations",
                ", CAST(NULL AS BOOLEAN) AS ended_at_derived, CAST(NULL AS BOOLEAN) AS end_known",
            ),
        )
    if accts:
        _dedupe(db, accts, ["account_id"], [f.name for f in TABLES["accounts"]])
        q(
            con,
            f"CREATE TABLE accounts AS SELECT * EXCLUDE (__file_order) FROM {accts} ORDER BY __file_order, source_row",
        )
    else:
        q(con, _empty("accounts"))
    for s in staged:
        q(con, f"DROP TABLE IF EXISTS {s.table}")
    for t in (conv, updates, msgs, accts):
        if t:
            q(con, f"DROP TABLE IF EXISTS {t}")
    return merged
