"""Business-hours durations: seconds between two instants that fall inside opening hours.

The schedule is one setting string, for example

    Mon-Fri 09:00-17:00, Sat 10:00-14:00 Europe/Berlin; holidays 2025-12-25, 2025-12-26

Opening intervals are built per local date in the named zone (so DST shifts are exact),
holidays removed, and a running total of open seconds lets every duration be computed
set-wise with an ASOF join: open_seconds(a, b) = cumulative(b) - cumulative(a).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from metrics.core.db import Database, many, q
from metrics.core.errors import SettingsError

DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_GROUP = re.compile(r"^\s*([A-Za-z]{3})(?:\s*-\s*([A-Za-z]{3}))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Schedule:
    timezone: str
    hours: tuple[tuple[int, int, int], ...]  # (ISO weekday, open second of day, close second of day)
    holidays: tuple[dt.date, ...]


def parse(text: str) -> Schedule | None:
    """Parse the business_hours setting; None when it is empty."""
    text = (text or "").strip()
    if not text:
        return None
    main, _, rest = text.partition(";")
    parts = main.strip().rsplit(None, 1)
    if len(parts) != 2 or parts[1][:1].isdigit():
        raise SettingsError(
            "business_hours needs opening hours and a time zone, e.g. 'Mon-Fri 09:00-17:00 Europe/Berlin'."
        )
    groups, tz = parts
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"business_hours: {tz!r} is not a known time zone.") from None
    hours = []
    for group in groups.split(","):
        m = _GROUP.match(group)
        if not m or m.group(1).lower() not in DAYS or (m.group(2) and m.group(2).lower() not in DAYS):
            raise SettingsError(f"business_hours: cannot read {group.strip()!r}; write e.g. 'Mon-Fri 09:00-17:00'.")
        first = DAYS[m.group(1).lower()]
        last = DAYS[m.group(2).lower()] if m.group(2) else first
        start = int(m.group(3)) * 3600 + int(m.group(4)) * 60
        end = int(m.group(5)) * 3600 + int(m.group(6)) * 60
        if not 0 <= start < end <= 86400:
            raise SettingsError(f"business_hours: {group.strip()!r} must open before it closes, within one day.")
        day = first
        while True:
            hours.append((day, start, end))
            if day == last:
                break
            day = day % 7 + 1
    holidays = []
    rest = rest.strip()
    if rest:
        if not rest.lower().startswith("holidays"):
            raise SettingsError("business_hours: after ';' write 'holidays' and dates, e.g. 'holidays 2025-12-25'.")
        for item in re.split(r"[,\s]+", rest[len("holidays") :].strip()):
            if item:
                try:
                    holidays.append(dt.date.fromisoformat(item))
                except ValueError:
                    raise SettingsError(f"business_hours: holiday {item!r} is not a date (YYYY-MM-DD).") from None
    return Schedule(tz, tuple(sorted(hours)), tuple(holidays))


def build_intervals(db: Database, schedule: Schedule, table: str = "business_intervals") -> str:
    """Opening intervals (UTC instants) over the conversations' date range, with running open seconds."""
    con = db.con
    q(con, "CREATE OR REPLACE TEMP TABLE bh_hours(dow INTEGER, open_s INTEGER, close_s INTEGER)")
    many(con, "INSERT INTO bh_hours VALUES (?, ?, ?)", [list(h) for h in schedule.hours])
    q(con, "CREATE OR REPLACE TEMP TABLE bh_holidays(d DATE)")
    if schedule.holidays:
        many(con, "INSERT INTO bh_holidays VALUES (?)", [[d] for d in schedule.holidays])
    q(
        con,
        f"""CREATE OR REPLACE TEMP TABLE {table} AS
            WITH span AS (
                SELECT CAST(timezone($tz, min(created_at)) AS DATE) - 1 AS lo,
                       CAST(timezone($tz, max(ended_at)) AS DATE) + 2 AS hi FROM conversations),
            days AS (SELECT CAST(d AS DATE) AS d FROM span, range(span.lo, span.hi, INTERVAL 1 DAY) r(d)),
            iv AS (
                SELECT timezone($tz, d + to_seconds(h.open_s)) AS s, timezone($tz, d + to_seconds(h.close_s)) AS e
                FROM days JOIN bh_hours h ON isodow(d) = h.dow
                WHERE d NOT IN (SELECT d FROM bh_holidays))
            SELECT s, e, epoch(e) - epoch(s) AS len,
                   coalesce(sum(epoch(e) - epoch(s)) OVER (ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                       AS before
            FROM iv WHERE e > s""",
        {"tz": schedule.timezone},
    )
    return table


def apply(db: Database, schedule: Schedule | None, signals_table: str) -> None:
    """Fill ttfr_bh_s and ttr_bh_s of human rows from the schedule where the export gave no business-hours
    duration of its own (the helpdesk's figure, measured on its own schedule, wins; SPEC 8)."""
    if schedule is None:
        return
    iv = build_intervals(db, schedule)
    q(
        db.con,
        f"""UPDATE {signals_table} SET ttfr_bh_s = coalesce(ttfr_bh_s, x.ttfr_bh), ttr_bh_s = coalesce(ttr_bh_s, x.ttr_bh)
        FROM (
            WITH pts AS (
                SELECT conversation_id, 'a' AS k, created_at AS t FROM {signals_table} WHERE is_human
                UNION ALL SELECT conversation_id, 'f', first_reply_at FROM {signals_table}
                    WHERE is_human AND ttfr_s IS NOT NULL
                UNION ALL SELECT conversation_id, 'b', ended_at FROM {signals_table}
                    WHERE is_human AND ttr_s IS NOT NULL),
            cum AS (
                SELECT p.conversation_id, p.k,
                    coalesce(i.before + least(greatest(epoch(p.t) - epoch(i.s), 0), i.len), 0) AS c
                FROM pts p ASOF LEFT JOIN {iv} i ON p.t >= i.s)
            SELECT conversation_id,
                max(c) FILTER (WHERE k = 'f') - max(c) FILTER (WHERE k = 'a') AS ttfr_bh,
                max(c) FILTER (WHERE k = 'b') - max(c) FILTER (WHERE k = 'a') AS ttr_bh
            FROM cum GROUP BY conversation_id) x
        WHERE {signals_table}.conversation_id = x.conversation_id""",
    )
