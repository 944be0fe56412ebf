"""The load issues: every row not loaded and every value not used, with file, row, column, reason and kind.

Read = loaded + rejected, per file and in total. A later step asks by `kind`, never by the wording of
a reason (the reason is the sentence a user reads).
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.core.db import Database, dicts, many, q, rows, table_exists

ISSUES_TABLE = "load_issues"

# kind -> what it means (rejected kinds drop the row; the others set one value to empty or only note it)
KINDS = {
    "unreadable": "the row could not be read (broken quoting, not JSON, values beyond the headed columns)",
    "required": "a value the row cannot do without is missing or unreadable: the row is rejected",
    "duplicate": "an exact copy of an earlier row: the first one is kept",
    "conflict": "the same id as an earlier row with different content: the first one is kept",
    "orphan": "a message or an added field whose conversation is in no conversations file",
    "skipped": "a row a vendor profile leaves out (for example a deleted ticket)",
    "value": "one value could not be read and is empty; the row is kept",
    "ambiguous_time": "a local time that occurs twice when clocks move back; the later one is used",
    "end_before_start": "the end is before the start; the end is treated as missing",
    "implausible": "a duration longer than max_plausible_days or negative; left out of the time metrics",
}


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    rejected: bool  # True: the whole row was not loaded; False: one value was set to empty
    kind: str

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


def ensure(db: Database) -> None:
    q(
        db.con,
        f"""CREATE TABLE IF NOT EXISTS {ISSUES_TABLE} (
            file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR, rejected BOOLEAN,
            kind VARCHAR)""",
    )


def add(db: Database, issues: list[Issue]) -> None:
    if issues:
        many(
            db.con,
            f"INSERT INTO {ISSUES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
            [[i.file, i.row, i.column, i.value, i.reason, i.rejected, i.kind] for i in issues],
        )


def listing(db: Database, limit: int | None = None, con=None) -> list[dict]:
    """Every rejected row and value (file, row, column, value, reason, rejected, kind), in file order."""
    con = con or db.con
    if not table_exists(con, ISSUES_TABLE):
        return []
    lim = f" LIMIT {int(limit)}" if limit else ""
    return dicts(con, f'SELECT * FROM {ISSUES_TABLE} ORDER BY file, "row"{lim}')


def count(db: Database) -> int:
    return int(rows(db.con, f"SELECT count(*) FROM {ISSUES_TABLE}")[0][0]) if table_exists(db.con, ISSUES_TABLE) else 0
