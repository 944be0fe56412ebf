"""Vendor exports recognised from their headers alone, and a profile's derived columns made as a view.

The profiles themselves are data (`metrics.load.profiles`). Side tables (a vendor's organisation,
user or tag tables) are named and skipped. A profile never changes the raw file: `prepare` builds a
new table when it derives columns and leaves the raw one as read.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from metrics.core.db import Database, ident, q, rows
from metrics.core.schema import normalise_header
from metrics.load.issues import Issue
from metrics.load.mapping import FileMapping
from metrics.load.profiles import BY_ID, LOOKUP, PROFILES, Profile
from metrics.load.raw import RawFile


@dataclass(frozen=True)
class SideTable:
    """A vendor table that holds no conversations, messages or accounts: named and skipped (SPEC 8)."""

    label: str
    signature: tuple[str, ...]  # every group ("a|b") must be present


_SYNCED = "fivetran_synced|company_synced"
SIDE_TABLES: tuple[SideTable, ...] = (
    # Zendesk (Fivetran)
    SideTable("Zendesk organization table", ("shared_tickets", _SYNCED)),
    SideTable("Zendesk group table", ("id", "name", "url", "created_at", "updated_at", "fivetran_deleted")),
    SideTable("Zendesk brand table", ("brand_url", _SYNCED)),
    SideTable("Zendesk organization tags", ("organization_id", "tag", _SYNCED)),
    SideTable("Zendesk organization domain names", ("organization_id", "domain_name")),
    SideTable("Zendesk schedule table", ("start_time", "end_time", "time_zone", _SYNCED)),
    SideTable("Zendesk schedule holidays", ("schedule_id", "start_date", "end_date")),
    SideTable("Zendesk daylight-saving table", ("daylight_offset", "time_zone")),
    SideTable("Zendesk time zone table", ("time_zone", "standard_offset")),
    SideTable("Zendesk audit log", ("action", "actor_id", "change_description")),
    SideTable("Zendesk ticket field history", ("field_name", "ticket_id", "value")),
    SideTable("Zendesk ticket form history", ("display_name", "end_user_visible")),
    SideTable("Zendesk ticket schedules", ("ticket_id", "schedule_id")),
    SideTable("Zendesk ticket SLA policies", ("ticket_id", "sla_policy_id")),
    SideTable("Zendesk SLA policy metrics", ("sla_policy_id", "metric", "target")),
    SideTable("Zendesk ticket tags", ("ticket_id", "tag", _SYNCED)),
    SideTable("Zendesk user tags", ("user_id", "tag", _SYNCED)),
    # Intercom (Fivetran)
    SideTable("Intercom admin table", ("id", "job_title", "email", "name", _SYNCED)),
    SideTable("Intercom team members", ("admin_id", "team_id")),
    SideTable("Intercom help-center article history", ("collection_id", "section_id", "author_id")),
    SideTable("Intercom help-center collection history", ("help_center_id", "parent_id", "icon")),
    SideTable("Intercom help center history", ("identifier", "website_turned_on")),
    SideTable("Intercom company tags", ("company_id", "tag_id")),
    SideTable("Intercom contact companies", ("company_id", "contact_id")),
    SideTable("Intercom contact tags", ("contact_id", "tag_id")),
    SideTable("Intercom conversation tags", ("conversation_id", "tag_id")),
    SideTable("Intercom conversation contacts", ("conversation_id", "contact_id", _SYNCED)),
    SideTable("Intercom contact table", ("id", "role", "email", "signed_up_at|last_seen_at|last_replied_at")),
    # Salesforce (Fivetran / API names)
    SideTable("Salesforce user table", ("id", "alias", "username|community_nickname")),
    SideTable("Salesforce contact table", ("id", "account_id", "email", "first_name|firstname", "last_name|lastname")),
    SideTable("Salesforce opportunity table", ("account_id", "amount", "close_date|closedate", "stage_name|stagename")),
    # Last: the loosest shape (id and name only), after every table that has more.
    SideTable("Intercom team or tag table", ("id", "name", "fivetran_deleted", _SYNCED)),
)


def side_table(headers: list[str]) -> str | None:
    """The vendor side table these headers are (a table that holds no conversations, messages or accounts)."""
    norm = _norm_index(headers)
    for t in SIDE_TABLES:
        if all(_pick(g, norm, headers) is not None for g in t.signature):
            return t.label
    return None


_REF = re.compile(r"\{([^{}@]+)\}")
_LOOKUP_REF = re.compile(r"\{@([a-z_]+)(?::([a-z0-9_|]+))?\}")
_CATEGORY = "list_field_category"  # a Zendesk `<Title> [list]` custom field


def _norm_index(headers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        out.setdefault(normalise_header(h)[0], i)
    return out


def _pick(alternatives: str, norm: dict[str, int], headers: list[str]) -> int | None:
    for a in alternatives.split("|"):
        if a == _CATEGORY:
            i = _custom_category(headers)
            if i is not None:
                return i
        elif a in norm:
            return norm[a]
    return None


def _custom_category(headers: list[str]) -> int | None:
    """Zendesk custom drop-down fields arrive as `<Title> [list]`; prefer one about the category."""
    lists = [i for i, h in enumerate(headers) if re.search(r"\[list\]\s*$", str(h), re.I)]
    for i in lists:
        if re.search(r"categor|topic|reason|contact", str(headers[i]), re.I):
            return i
    return lists[0] if lists else None


def score(p: Profile, headers: list[str]) -> float | None:
    """Share of the profile's known columns present; None when a signature group is missing."""
    norm = _norm_index(headers)
    if any(_pick(g, norm, headers) is None for g in p.signature):
        return None
    groups = list(p.columns.values()) + [r for alts in p.derived.values() for r in _REF.findall(" ".join(alts))]
    found = sum(1 for g in groups if _pick(g, norm, headers) is not None)
    return round(found / len(groups), 2) if groups else 1.0


def recognise(headers: list[str]) -> tuple[Profile, float] | None:
    """The vendor profile these headers match best (every signature group present), with its confidence."""
    best = None
    for p in PROFILES:
        s = score(p, headers)
        if s is not None and (best is None or (s, len(p.signature)) > (best[1], len(best[0].signature))):
            best = (p, s)
    return best


def is_lookup(vendor: str) -> bool:
    p = BY_ID.get(vendor)
    return p is not None and p.table == LOOKUP


def derived_header(canonical: str, profile: Profile, headers: list[str]) -> str:
    """The derived column's header; it names the time zone of the headers it is computed from, if any."""
    norm = _norm_index(headers)
    zones = []
    for a in profile.derived[canonical]:
        for ref in _REF.findall(a):
            i = _pick(ref, norm, headers)
            if i is not None and normalise_header(headers[i])[1]:
                zones.append(normalise_header(headers[i])[1])
    tz = f" ({zones[0]})" if zones else ""
    return f"{canonical} (derived by the {profile.label.split(' (')[0]} profile){tz}"


def mapping_for(p: Profile, headers: list[str], confidence: float) -> FileMapping:
    """The file's mapping: direct columns, plus derived columns named by `derived_header` (made by `prepare`)."""
    norm = _norm_index(headers)
    cols = {}
    for canon, alts in p.columns.items():
        i = _pick(alts, norm, headers)
        if i is not None:
            cols[canon] = headers[i]
    for canon in p.derived:
        cols.setdefault(canon, derived_header(canon, p, headers))  # dropped by prepare when it cannot be derived
    return FileMapping(
        table=p.table if p.table != LOOKUP else "conversations",
        columns=cols,
        timezone=p.timezone,
        confidence=confidence,
        vendor=p.id,
        merge=p.merge,
    )


class _Sql:
    """Resolves `{a|b}` and `{@profile:header}` references to quoted column and table names."""

    def __init__(self, raw: RawFile, others: dict[str, RawFile]) -> None:
        self.norm, self.headers, self.others, self.table = _norm_index(raw.headers), raw.headers, others, raw.table

    def resolve(self, sql: str) -> str | None:
        missing = False

        def col(m: re.Match) -> str:
            nonlocal missing
            i = _pick(m.group(1), self.norm, self.headers)
            if i is None:
                missing = True
                return "NULL"
            return f"{self.table}.c{i}"  # qualified: lookups' subqueries have c-columns of their own

        def other(m: re.Match) -> str:
            nonlocal missing
            raw = self.others.get(m.group(1))
            if raw is None:
                missing = True
                return "NULL"
            if m.group(2) is None:
                return raw.table
            i = _pick(m.group(2), _norm_index(raw.headers), raw.headers)
            if i is None:
                missing = True
                return "NULL"
            return f"c{i}"

        out = _LOOKUP_REF.sub(other, _REF.sub(col, sql))
        return None if missing else out


def prepare(db: Database, raw: RawFile, m: FileMapping, others: dict[str, RawFile]) -> tuple[RawFile, list[str]]:
    """The vendor profile applied to a raw file, as a copy: skipped rows reported, derived columns added.

    The raw file itself is never changed (it is kept for re-mapping, and a re-mapped load must equal a fresh
    one). `others` holds the other uploaded raw files by profile id (for lookups). Returns (copy, notes).
    """
    p = BY_ID.get(m.vendor)
    if p is None:
        return raw, []
    notes = [p.note] if p.note else []
    sql = _Sql(raw, others)  # expressions over `{raw.table}.cN`: the copy below reads it under the same name
    headers = list(raw.headers)
    derived: list[str] = []
    for canon, alternatives in p.derived.items():
        header = derived_header(canon, p, raw.headers)
        if m.columns.get(canon) != header or header in raw.headers:
            continue
        usable = [e for e in (sql.resolve(a) for a in alternatives) if e is not None]
        if not usable:
            m.columns.pop(canon)
            continue
        expr = usable[0] if len(usable) == 1 else f"coalesce({', '.join(usable)})"
        derived.append(f"CAST(({expr}) AS VARCHAR) AS {ident(f'c{len(headers)}')}")
        headers.append(header)
    reason = sql.resolve(p.skip) if p.skip else None
    issues = list(raw.issues)
    if reason is not None:
        skipped = rows(
            db.con,
            f"SELECT __row, r FROM (SELECT {raw.row} AS __row, {reason} AS r FROM {raw.table}) WHERE r IS NOT NULL",
        )
        issues += [Issue(raw.name, r, None, None, why, True, "skipped") for r, why in skipped]
    if reason is None and not derived:
        return raw, notes  # nothing to change: no copy
    view = f"{raw.table}_{p.id}"
    q(
        db.con,
        f"""CREATE OR REPLACE TABLE {view} AS
            SELECT * EXCLUDE (__skip){"".join(", " + d for d in derived)}
            FROM (SELECT *, {reason or "NULL"} AS __skip{"" if raw.row == "__row" else f", {raw.row} AS __row"}
                  FROM {raw.table}) AS {raw.table}
            WHERE __skip IS NULL""",
    )
    return dataclasses.replace(raw, table=view, headers=headers, issues=issues, row="__row"), notes
