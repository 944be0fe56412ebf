"""Small render helpers shared by pages: metric cards, result tables, the drill-down panel."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, checks, experience, insights, monitoring, registry, targets
from metrics.compute.aggregate import MetricResult
from metrics.present import charts, formatting
from ui.state import Session, change_settings, remembered
from ui.text import csv_safe, md_escape


def _settings():
    return st.session_state["support_session"].settings if "support_session" in st.session_state else None


def _currency() -> str:
    s = _settings()
    return s.currency if s else "USD"


def money(value: float | None, decimals: int = 2) -> str:
    """A money figure with the currency of the settings (SPEC 8: shown with every money figure)."""
    return formatting.money(value, _currency(), decimals)


def fmt(spec_id: str, r: MetricResult | None) -> str:
    return formatting.metric(spec_id, None if r is None else r.value, _currency())


def pct(v: float | None) -> float | None:
    """A fraction as percent points for a table column (None stays None)."""
    return None if v is None else v * 100


duration = formatting.duration


NO_AI_INSIGHTS = (
    "What to fix next looks at the AI's conversations (resolution, handovers, drop-off, CSAT): it fills in once "
    "AI conversations are loaded."
)


def has_ai(s: Session) -> bool:
    """Whether the data holds AI conversations (remembered per data and settings)."""
    return remembered(s, "has_ai", lambda: checks.has_ai(s.db))


def shown(s: Session, ids: list[str]) -> list[str]:
    """The metrics this data can show: AI-only ones are left out when there is no AI conversation."""
    return ids if has_ai(s) else [i for i in ids if not registry.is_ai_only(i)]


def cards(s: Session, ids: list[str], now: dict, recent: dict | None = None, before: dict | None = None) -> None:
    """Metric cards four to a row, only those the data can show; a metric with a target says whether it is met."""
    ids = shown(s, ids)
    goals, _ = targets.parse(s.settings)
    for start in range(0, len(ids), 4):
        for col, mid in zip(st.columns(4), ids[start : start + 4]):
            card(col, mid, now[mid], (recent or {}).get(mid), (before or {}).get(mid))
            if mid in goals:
                ok = targets.met(mid, now[mid].value, goals[mid])
                verdict = {True: "met", False: "not met", None: "no value yet"}[ok]
                col.caption(f"Target {formatting.metric(mid, goals[mid], _currency())}: {verdict}")


def target_inputs(s: Session, ids: list[str]) -> None:
    """Set a target per metric, in the unit shown (percent, minutes); saved with the other settings."""
    goals, _ = targets.parse(s.settings)
    new = s.settings
    for col, mid in zip(st.columns(4) * (len(ids) // 4 + 1), shown(s, ids)):
        spec = registry.get(mid)
        scale, unit = {"rate": (100, "%"), "seconds": (1 / 60, "min")}.get(spec.unit, (1, ""))
        held = goals.get(mid)
        value = col.number_input(
            f"{spec.label}{f' ({unit})' if unit else ''}",
            min_value=0.0,
            value=None if held is None else held * scale,
            step=1.0 if unit else 0.1,
            key=f"target-{mid}",
            placeholder="no target",
        )
        new = targets.with_target(new, mid, None if value is None else value / scale)
    if new != s.settings:
        change_settings(new)
        st.rerun()


def ai_section(s: Session, title: str) -> bool:
    """A section about the AI: its title, or nothing at all on helpdesk-only data (the banner says why)."""
    if not has_ai(s):
        return False
    st.subheader(title)
    return True


def show_table(data, **kw):
    """st.dataframe with a dash, not "None", where a value is missing."""
    return st.dataframe(data, placeholder="–", **kw)


def plot(fig, what: str, where=None) -> None:
    """A chart, or one sentence when it has nothing to draw (no empty axes)."""
    where = where or st
    if charts.has_data(fig):
        where.plotly_chart(charts.wrap_title(fig), width="stretch")
    else:
        where.caption(f"{what}: nothing to draw from these files yet.")


def card(
    col, spec_id: str, now: MetricResult, recent: MetricResult | None = None, before: MetricResult | None = None
) -> None:
    """A headline number, its definition on hover, and the change from `before` to `recent`. A cost or capacity
    figure on example prices says so in its definition on hover; the Business impact page, the only one that
    shows them, says so once above its cards."""
    spec = registry.get(spec_id)
    delta = None
    if recent is not None and before is not None and before.value is not None and recent.value is not None:
        delta = formatting.change(spec_id, recent.value - before.value, _currency())
    n = f" (n = {now.denominator:,})" if now.denominator else ""
    note = checks.money_note(_settings()) if spec_id in checks.PRICED_IDS and _settings() else None
    col.metric(
        spec.label,
        fmt(spec_id, now),
        delta,
        delta_color="off" if delta == "no change" else "normal" if spec.better == "higher" else "inverse",
        delta_arrow="off" if delta == "no change" else "auto",
        help=f"{spec.definition}{n}" + (f" Note: {note}." if note else ""),
    )


def results_table(
    results: dict[str, dict[str, MetricResult]], ids: list[str], segment_label: str, n_label: str
) -> pd.DataFrame:
    """One row per segment (all first): each metric's value (rates in percent), and the first metric's n."""
    rows = []
    for seg, res in sorted(results.items(), key=lambda kv: (kv[0] != aggregate.ALL, -(kv[1][ids[0]].denominator or 0))):
        row = {segment_label: "All" if seg == aggregate.ALL else seg, n_label: res[ids[0]].denominator}
        for mid in ids:
            v = res[mid].value
            row[registry.get(mid).label] = None if v is None else (v * 100 if registry.get(mid).unit == "rate" else v)
        rows.append(row)
    return pd.DataFrame(rows)


def metric_columns(ids: list[str], n_label: str = "") -> dict:
    """Column formats for a results_table: narrow columns that fit the page, the definition on hover."""
    cfg = {}
    for mid in ids:
        spec = registry.get(mid)
        fmt_ = "%.1f%%" if spec.unit == "rate" else "%.1f"
        cfg[spec.label] = st.column_config.NumberColumn(spec.label, format=fmt_, help=spec.definition, width="small")
    if n_label:
        cfg[n_label] = st.column_config.NumberColumn(n_label, format="localized", width="small")
    return cfg


@st.fragment
def drill_down(s: Session, ids: list[str], key: str) -> None:
    """Choose a number and see the conversations behind its numerator and denominator.

    Built only while open (on_change="rerun"): a closed drill-down sends no table, so a new browser session's
    page is not held back by the table and its code; a fragment, so opening it reruns only the drill-down.
    """
    with st.expander("Drill down: the conversations behind a number", key=key + "-drill", on_change="rerun") as box:
        if not box.open:
            return
        a, b, c, d = st.columns(4)
        mid = a.selectbox("Metric", ids, format_func=lambda i: registry.get(i).label, key=key + "-m")
        segs = ["(all)", *aggregate.segment_columns(s.db)]
        seg = b.selectbox(
            "Segment", segs, key=key + "-s", format_func=lambda c: c if c == "(all)" else formatting.segment_label(c)
        )
        value = None
        if seg != "(all)":
            values = sorted(aggregate.compute(s.db, s.settings, [mid], segment=seg))
            values = [v for v in values if v != aggregate.ALL]
            value = c.selectbox("Value", values, key=key + "-v")
        part = d.radio(
            "Show",
            ["denominator", "numerator"],
            key=key + "-p",
            horizontal=True,
            format_func=lambda p: "Numerator (counted)" if p == "numerator" else "Denominator (all)",
        )
        where, params = aggregate.drill_filter(s.settings, mid, part, None if seg == "(all)" else seg, value)
        conversations_table(s, where, params, f"{mid}-{part}.csv", key)


SHOWN = 1000


# The drill-down's columns as a leader reads them (the CSV download keeps the column names of the data).
DRILL_LABELS = {
    "conversation_id": "Conversation",
    "customer_id": "Customer",
    "created_at": "Started",
    "ended_at": "Ended",
    "handled_by": "Handled by",
    "category": "Category",
    "channel": "Channel",
    "escalated": "Handed to a human",
    "status": "Status",
    "csat": "CSAT (1-5)",
    "outcome": "Outcome",
    "matured": "Window closed",
    "returned": "Came back",
    "follow_up_ticket": "Follow-up ticket",
    "negative_end": "Ended unhappy",
    "resolved_end": "Resolved end",
    "ttfr_s": "First response",
    "ttr_s": "Time to resolution",
    "source_file": "File",
    "source_row": "Row",
}


def _readable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in ("ttfr_s", "ttr_s"):
        if col in out:
            out[col] = [duration(v) if v == v and v is not None else "" for v in out[col]]
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "yes", False: "no"})
    return out.rename(columns=DRILL_LABELS)


def conversations_table(s: Session, where: str, params: dict, filename: str, key: str) -> None:
    """The first 1,000 matching conversations; choose a row to read its messages; the CSV download (built only
    when clicked) has all of them."""
    n = aggregate.drill_count(s.db, where, params)
    more = f" Showing the first {SHOWN:,}; the download has all." if n > SHOWN else ""
    st.caption(f"{n:,} conversations.{more} Choose a row to read the conversation.")
    frame = aggregate.drill_where(s.db, where, params, SHOWN)
    picked = show_table(
        _readable(frame), hide_index=True, on_select="rerun", selection_mode="single-row", key=key + "-rows"
    )
    chosen = picked.selection.rows if picked is not None else []
    if chosen:
        transcript_panel(s, str(frame.iloc[chosen[0]]["conversation_id"]))
    db = s.db

    def csv_file() -> str:  # runs on click, outside the script run: its own cursor on this session's database
        with db.side_cursor() as cur:
            frame = aggregate.drill_where(db, where, params, None, con=cur)
        buf = io.StringIO()
        frame.map(csv_safe).to_csv(buf, index=False)
        return buf.getvalue()

    st.download_button(
        "Download these conversations (CSV)", csv_file, filename, mime="text/csv", key=key + "-dl", on_click="ignore"
    )


def transcript_panel(s: Session, conversation_id: str) -> None:
    """One conversation's messages in order, as plain text (never Markdown)."""
    msgs = experience.transcript(s.db, conversation_id)
    with st.container(border=True):
        st.caption(f"Conversation {md_escape(conversation_id)}: {len(msgs)} messages")
        if msgs.empty:
            st.text("This conversation has no messages in the files loaded.")
        for r in msgs.itertuples():
            who = {"customer": "Customer", "ai": "AI", "human": "Agent"}.get(r.author_type, str(r.author_type))
            st.text(f"{who}, {str(r.sent_at)[:16]}: {r.text if r.text is not None else ''}")


def current_insights(s: Session) -> list[insights.Insight]:
    """The ranked insights for this session's data and settings (kept until either changes)."""
    found = remembered(s, "alerts", lambda: monitoring.alerts(s.db, s.settings))
    return remembered(s, "insights", lambda: insights.find(s.db, s.settings, found))


def insight_panel(s: Session, rank: int, i: insights.Insight, key: str) -> None:
    """One opportunity: what, how big, the evidence, the action, and the conversations behind it."""
    size = [f"{i.impact_per_month:,.0f} conversations"]
    if i.hours_per_month is not None:
        size.append(f"{i.hours_per_month:,.0f} agent hours")
    if i.money_per_month is not None:
        size.append(f"{money(i.money_per_month, 0)} agent cost")
    with st.container(border=True):
        st.markdown(f"**{rank}. {md_escape(i.title or insights.KINDS[i.kind])}**")
        st.caption(f"{insights.KINDS[i.kind]} · {' · '.join(size)} a month", help=insights.SIZE_HELP)
        st.markdown(md_escape(i.finding))
        st.markdown(f"**Do next:** {md_escape(i.action)}")
        with st.expander("Evidence and the conversations behind it"):
            st.caption(md_escape(i.evidence))
            if st.toggle("Show the conversations", key=key + "-show"):
                conversations_table(s, i.where, i.params, f"{i.kind}-{rank}.csv", key)


def _exclude(ids: list[str]) -> None:
    held = [x.strip() for x in str(st.session_state.get("excluded_customers", "")).split(",") if x.strip()]
    st.session_state["excluded_customers"] = ", ".join(held + [i for i in ids if i not in held])


def _include_all() -> None:
    st.session_state["excluded_customers"] = ""


def data_notices(s: Session, key: str) -> None:
    """What a leader must know before reading the numbers (SPEC 8), with one-click fixes where there is one."""
    heavy = remembered(s, "heavy_customers", lambda: checks.heavy_customers(s.db, s.settings))
    for w in remembered(s, "data_warnings", lambda: checks.data_warnings(s.db, s.settings, heavy)):
        st.warning(md_escape(w), icon=":material/info:")  # customer ids are user data: escaped
    if heavy:
        st.button(
            "Leave "
            + (f"customer {md_escape(heavy[0].customer_id)}" if len(heavy) == 1 else f"these {len(heavy)} customers")
            + " out of every metric",
            key=f"{key}-exclude-heavy",
            on_click=_exclude,
            args=([h.customer_id for h in heavy],),
            icon=":material/person_remove:",
        )
    if s.settings.excluded_customers:
        st.button("Count every customer again", key=f"{key}-include-all", on_click=_include_all)
