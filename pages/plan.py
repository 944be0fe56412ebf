"""Changes and next weeks: what each logged change caused, and next weeks' workload and bill with what-ifs
(issue 22)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from metrics.compute import changes, checks, forecast, registry
from metrics.core.errors import IngestError
from metrics.present import charts
from metrics.present.formatting import NO_DATA
from ui.frame import inside_frame
from ui.state import change_settings, remembered, session, signals_or_stop
from ui.text import md_escape
from ui.widgets import has_ai, money, plot, show_table

inside_frame()

s = session()
st.title("Changes and next weeks")
signals_or_stop(s)

st.subheader("What a change caused")
st.caption(
    "Log what you changed and when (an article, a procedure, a model, the launch itself). Each change is checked "
    "against the trend before it (and, when it touched some categories only, against the categories it did not "
    "touch), so a change is not confused with a trend, the weekday pattern or the mix. The AI launch date "
    "(sidebar, Loading) is always the first change."
)


def _add() -> None:
    date = st.session_state.get("change-date")
    if not isinstance(date, dt.date):
        st.session_state["change-warning"] = "Pick the date of the change."
        return
    new = changes.Change(
        date,
        tuple(st.session_state.get("change-categories") or ()),
        (st.session_state.get("change-kind") or "change").replace("|", "/").strip() or "change",
        (st.session_state.get("change-description") or "").replace("|", "/").strip(),
    )
    change_settings(s.settings.replace(changes=[*s.settings.changes, new.to_setting()]))
    st.session_state["change-description"] = ""


def _clear() -> None:
    change_settings(s.settings.replace(changes=[]))


with st.expander("Add a change", expanded=not s.settings.changes):
    a, b = st.columns(2)
    a.date_input("Date", None, key="change-date")
    b.multiselect(
        "Categories it touched (none: all)", checks.categories(s.db), key="change-categories", placeholder="all"
    )
    a.text_input("Kind", "article", key="change-kind", max_chars=40)
    b.text_input("What changed", key="change-description", max_chars=120, placeholder="for example new refund article")
    st.button("Add the change", key="change-add", on_click=_add, type="primary")
    if warning := st.session_state.pop("change-warning", None):
        st.warning(warning)
    up = st.file_uploader(
        "Or load a change log (CSV: date, categories, kind, description)", type=["csv"], key="changes-file"
    )
    if up is not None and st.session_state.get("changes-loaded") != up.file_id:
        try:
            logged = changes.read_csv(up.name, up.getvalue())
            st.session_state["changes-loaded"] = up.file_id
            change_settings(s.settings.replace(changes=[*s.settings.changes, *(c.to_setting() for c in logged)]))
            st.rerun()
        except IngestError as e:
            st.error(md_escape(str(e)))

log = changes.log(s.settings)
if not log:
    st.info("No change logged yet, and no AI launch date set.")
else:
    show_table(
        [
            {
                "Date": c.date.isoformat(),
                "Change": c.description or c.kind,
                "Kind": c.kind,
                "Categories": ", ".join(c.categories) or "all",
            }
            for c in log
        ],
        hide_index=True,
    )
    if s.settings.changes:
        st.button("Clear the change log", key="change-clear", on_click=_clear)
    found = remembered(s, "change_effects", lambda: changes.effects(s.db, s.settings))
    verdicts = {"effect": "Clear effect", "no_effect": "No clear change", "too_early": "Too early to tell"}
    show_table(
        [
            {
                "Change": f"{e.date:%-d %b %Y}: {e.change}",
                "Metric": registry.get(e.metric).label,
                "Verdict": verdicts[e.verdict],
                "In plain words": e.sentence,
            }
            for e in found
        ],
        hide_index=True,
    )
    st.caption(
        "A clear effect: the 95% range of the change excludes zero. The statistics (method, range, p, the placebo "
        "and pre-trend checks) are in the Excel summary's Changes sheet and the JSON."
    )

st.subheader("Next weeks")
left, right = st.columns([3, 1])
weeks = left.slider("Weeks ahead", 4, 12, 8, key="forecast-weeks")
by = right.radio("By", forecast.BY, key="forecast-by", format_func=str.capitalize, horizontal=True)
predicted = remembered(s, f"forecast-{weeks}-{by}", lambda: forecast.forecast(s.db, s.settings, weeks, by))
if not predicted:
    st.info(f"A forecast needs at least {forecast.MIN_WEEKS} complete weeks of conversations.")
    st.stop()
segments = [forecast.ALL, *sorted({w.segment for w in predicted} - {forecast.ALL})]
a, b, c = st.columns(3)
segment = a.selectbox(
    "What if, for",
    segments,
    key="whatif-segment",
    format_func=lambda v: "all conversations" if v == forecast.ALL else v,
)
points = b.slider("True resolution (points)", -20, 20, 0, key="whatif-points", disabled=not has_ai(s))
volume_pct = c.slider("Volume (%)", -50, 100, 0, step=5, key="whatif-volume")
shown = forecast.what_if(predicted, s.settings, segment, points, volume_pct)
rows = [w for w in shown if w.segment == segment]
plot(
    charts.forecast_band(
        [(w.week, w.volume, w.volume_low, w.volume_high) for w in rows],
        f"Conversations a week, {'all' if segment == forecast.ALL else segment} (95% range)",
    ),
    "Next weeks",
)
table_rows = []
for w in rows:
    lo, hi = forecast.band(w, s.settings)
    people = (w.agent_hours, lo.agent_hours, hi.agent_hours)
    table_rows.append(
        {
            "Week of": w.week.isoformat(),
            "Conversations": f"{w.volume:,.0f} ({w.volume_low:,.0f}-{w.volume_high:,.0f})",
            "Reach people": f"{w.human_conversations:,.0f} ({lo.human_conversations:,.0f}-{hi.human_conversations:,.0f})",
            "Agent hours": f"{w.agent_hours:,.0f} h ({lo.agent_hours:,.0f}-{hi.agent_hours:,.0f})",
            "FTE": "{:.1f} ({:.1f}-{:.1f})".format(*(forecast.fte(h, s.settings) for h in people)),
            "AI fees": f"{money(w.ai_fees, 0)} ({money(lo.ai_fees, 0)}-{money(hi.ai_fees, 0)})",
        }
    )
show_table(table_rows, hide_index=True)
first = rows[0] if rows else None
st.caption(
    "Reach people = conversations the AI does not truly resolve (human-handled ones plus the AI's failures): "
    f"the AI's share {first.ai_share:.0%} and true resolution {first.resolution_rate:.0%} over the last "
    f"{forecast.RECENT} weeks{' (with the what-if)' if points or volume_pct else ''}; agent hours at "
    f"{s.settings.human_minutes_per_conversation:g} minutes each; FTE at {forecast.fte_week_hours(s.settings):.0f} hours a week; AI fees from the "
    "cost inputs (Business impact). In brackets: at the low and high end of the 95% range of conversations."
    if first
    else NO_DATA
)
back = remembered(s, "forecast_backtest", lambda: forecast.backtest(s.db, s.settings))
if back:
    st.caption(
        f"Checked on the last {back['weeks']} weeks held out: {back['interval_coverage']:.0%} fell inside the 95% "
        f"range, off by {back['mean_absolute_percentage_error']:.1%} on average."
    )
