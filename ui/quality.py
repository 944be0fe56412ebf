"""Rendering of the data-quality report and the column-mapping editor (Data page)."""

from __future__ import annotations

import io
import zoneinfo

import pandas as pd
import streamlit as st

from metrics.core.schema import TABLES
from metrics.load import issues as load_issues
from metrics.load import vendors
from metrics.load.ingest import FileReport
from metrics.load.mapping import FileMapping, recognise
from metrics.present.formatting import field_label, words
from metrics.present.report import capabilities as capability_list
from ui.state import Session, apply_mappings
from ui.text import csv_safe, md_escape
from ui.widgets import show_table

escape = md_escape
NONE = "(not in this file)"
_ZONES = ["", *sorted(zoneinfo.available_timezones())]


def summary(s: Session) -> None:
    r = s.result
    st.subheader("What was loaded")
    a, b, c = st.columns(3)
    a.metric("Rows read", f"{r.read:,}")
    b.metric("Rows loaded", f"{r.loaded:,}")
    c.metric("Rows rejected", f"{r.rejected:,}", help="Every rejected row is listed below with file, row and reason.")
    table = pd.DataFrame(
        [
            {
                "File": f.name,
                "Table": f.table,
                "Read": f.read,
                "Loaded": f.loaded,
                "Rejected": f.rejected,
                "Duplicates collapsed": f.duplicates,
                "Values set empty": f.value_issues,
                "From": f.start,
                "To": f.end,
            }
            for f in r.files
        ]
    )
    if len(table):
        show_table(table, hide_index=True, width="stretch")


def capabilities(s: Session) -> None:
    st.subheader("What can be computed from these files")
    rows = [
        {"Available": "yes" if c.available else "no", "Metric family": c.family, "Uses / needs": words(c.detail)}
        for c in capability_list(s.db)
    ]
    show_table(pd.DataFrame(rows), hide_index=True, width="stretch")


def file_panel(s: Session, f: FileReport) -> None:
    with st.expander(f"{md_escape(f.name)}: {f.table}, {f.loaded:,} of {f.read:,} rows loaded"):
        if f.mapping.vendor in vendors.BY_ID:
            st.text(
                f"Recognised as: {vendors.BY_ID[f.mapping.vendor].label} "
                f"({f.mapping.confidence:.0%} of its known columns found). Correct it below if it is wrong."
            )
        for note in f.notes:
            st.text(note)
        share = pd.DataFrame(
            [
                {"Field": field_label(k), "Column": f.mapping.columns.get(k, "-"), "Filled": v}
                for k, v in f.non_null.items()
            ]
        )
        show_table(
            share,
            hide_index=True,
            column_config={"Filled": st.column_config.ProgressColumn("Share of rows filled", min_value=0, max_value=1)},
        )
        _mapping_editor(s, f.name, f.mapping)


def _mapping_editor(s: Session, name: str, m: FileMapping) -> None:
    raw = s.raws.get(name)
    if raw is None:
        return
    key = f"map-{name}"
    with st.form(key):
        st.caption("Column mapping (pick the table, then map each field to a column of this file)")
        formats = ["", *vendors.BY_ID]
        st.selectbox(
            "Export format",
            formats,
            index=formats.index(m.vendor) if m.vendor in formats else 0,
            format_func=lambda v: vendors.BY_ID[v].label if v else "(generic: columns mapped below)",
            key=key + "-vendor",
            help="Choosing another format maps the file as that vendor's export; the fields below then apply "
            "only when the format is unchanged.",
        )
        table = st.selectbox("This file is", list(TABLES), index=list(TABLES).index(m.table), key=key + "-table")
        options = [NONE, *raw.headers]
        grid = st.columns(3)
        for i, field in enumerate(TABLES[table]):
            current = m.columns.get(field.name) if table == m.table else None
            grid[i % 3].selectbox(
                field_label(field.name) + (" *" if field.required else ""),
                options,
                index=options.index(current) if current in options else 0,
                key=f"{key}-{table}-{field.name}",
                help=field.meaning or None,
            )
        a, b, c, d = st.columns(4)
        a.selectbox(
            "Every row is handled by",
            ["(from a column)", "ai", "human"],
            index=["", "ai", "human"].index(m.handled_by),
            key=key + "-hb",
        )
        b.selectbox(
            "Time zone for this file",
            _ZONES,
            index=_ZONES.index(m.timezone) if m.timezone in _ZONES else 0,
            key=key + "-tz",
            help="Empty: the time zone set in the sidebar.",
        )
        c.number_input("CSAT scale (0 = sidebar setting)", 0, 100, int(m.csat_scale_max), key=key + "-scale")
        d.selectbox(
            "Date order", ["auto", "DMY", "MDY"], index=["auto", "DMY", "MDY"].index(m.date_order), key=key + "-order"
        )
        # A callback, not `if st.form_submit_button(...)`: it runs before the next script run, so the
        # submit is never lost to a rerun.
        st.form_submit_button("Apply this mapping", on_click=_apply, args=(name, key, raw.headers, m))


def _apply(name: str, key: str, headers: list[str], old: FileMapping) -> None:
    state = st.session_state
    vendor = state[key + "-vendor"]
    if vendor and vendor != old.vendor:
        p = vendors.BY_ID[vendor]
        apply_mappings({name: vendors.mapping_for(p, headers, vendors.score(p, headers) or 0.0)})
        return
    table = state[key + "-table"]
    cols = {
        f.name: state[f"{key}-{table}-{f.name}"]
        for f in TABLES[table]
        if state.get(f"{key}-{table}-{f.name}", NONE) != NONE
    }
    if not cols:  # the table was just changed: start from what its synonyms recognise
        guess = recognise(headers, table)
        cols = guess.columns if guess else {}
    handled = state[key + "-hb"]
    new = FileMapping(
        table=table,
        columns=cols,
        handled_by="" if handled.startswith("(") else handled,
        timezone=state[key + "-tz"],
        csat_scale_max=float(state[key + "-scale"]),
        date_order=state[key + "-order"],
        vendor=vendor if table == old.table else "",
        merge=old.merge and table == old.table and vendor == old.vendor,
    )
    apply_mappings({name: new})


def unmapped(s: Session) -> None:
    """Files that were read but could not be loaded get the mapping editor too."""
    loaded = {f.name for f in s.result.files}
    skipped = s.result.skipped
    if skipped:
        st.subheader("Not used")
        show_table(
            pd.DataFrame([{"File": name, "Why": why} for name, why in skipped.items()]),
            hide_index=True,
            width="stretch",
        )
    for name, raw in s.raws.items():
        if name in loaded:
            continue
        if name in skipped:
            with st.expander(f"{md_escape(name)}: not used (a side table); map it anyway"):
                st.text("Columns: " + ", ".join(raw.headers[:40]))
                _mapping_editor(s, name, s.mappings.get(name) or recognise(raw.headers, "conversations"))
            continue
        with st.expander(f"{md_escape(name)}: not loaded yet, map its columns", expanded=True):
            st.text("Columns: " + ", ".join(raw.headers[:40]))
            _mapping_editor(s, name, s.mappings.get(name) or recognise(raw.headers, "conversations"))


def rejections(s: Session) -> None:
    n = load_issues.count(s.db)
    st.subheader("Rejected rows and values")
    if not n:
        st.write("Nothing was rejected.")
        return
    shown = 2000
    more = f" Showing the first {shown:,}; the download has all." if n > shown else ""
    st.caption(f"{n:,} issues. A rejected row was not loaded; otherwise only that value was left empty.{more}")
    df = pd.DataFrame(load_issues.listing(s.db, limit=shown)).rename(columns={"rejected": "row rejected"})
    show_table(df, hide_index=True, width="stretch")
    db = s.db

    def csv_file() -> str:  # built on click, on its own cursor of this session's database
        with db.side_cursor() as cur:
            everything = pd.DataFrame(load_issues.listing(db, con=cur)).rename(columns={"rejected": "row rejected"})
        buf = io.StringIO()
        everything.map(csv_safe).to_csv(buf, index=False)
        return buf.getvalue()

    st.download_button(
        "Download all issues (CSV)", csv_file, file_name="rejected-rows.csv", mime="text/csv", on_click="ignore"
    )
