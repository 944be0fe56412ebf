"""Resolution: every resolution metric by category and channel, FCR at 24 h vs 72 h, weekly trend."""

from __future__ import annotations

import streamlit as st

from metrics.compute import aggregate, resolution, returns, targets
from metrics.present import charts, formatting
from ui.frame import inside_frame
from ui.state import remembered, session, signals_or_stop
from ui.widgets import drill_down, has_ai, metric_columns, pct, plot, results_table, show_table, shown

inside_frame()

IDS = [
    "true_resolution_rate",
    "deflection_rate",
    "deflection_resolution_gap",
    "containment_rate",
    "fcr_rate_ai",
    "return_rate_ai",
    "follow_up_ticket_rate",
    "fcr_rate_human",
    "coverage_rate",
]


s = session()
st.title("Resolution quality")
info = signals_or_stop(s)
st.caption(
    f"Return window {s.settings.return_window_hours:g} h, ticket window {s.settings.ticket_window_hours:g} h "
    f"(change them in the sidebar). {info.pending:,} conversations are pending and left out of resolution rates."
)

ids = shown(s, IDS)
n_label = "AI conversations" if has_ai(s) else "Human conversations"
segments = [("category", "Category"), ("topic", "Topic"), ("channel", "Channel")]
have = aggregate.segment_columns(s.db)
for segment, label in [(c, lbl) for c, lbl in segments if c in have]:
    res = aggregate.compute(s.db, s.settings, ids, segment=segment)
    st.subheader(f"By {label.lower()}")
    if segment == "topic":
        st.caption(
            "Topics are found in the customers' first messages (no tagging needed) and named by their most "
            "distinctive words; see How we measure."
        )
    table = results_table(res, ids, label, n_label)
    show_table(table, hide_index=True, width="stretch", column_config=metric_columns(ids, n_label))
    if segment == "category" and has_ai(s):
        rows = [{"segment": k, **v} for k, v in res.items() if k != aggregate.ALL]
        rows.sort(key=lambda r: -(r["true_resolution_rate"].denominator or 0))
        plot(
            charts.rate_bars(
                rows,
                "segment",
                {"deflection_rate": "Deflected", "true_resolution_rate": "Truly resolved"},
                "Deflection vs true resolution by category (95% intervals)",
            ),
            "Deflection vs true resolution by category",
        )

st.subheader("Coming back over time")
curve_rows = remembered(s, "return_curve", lambda: returns.curve_rows(s.db, s.settings))
who = {"ai": "AI conversations", "human": "Human conversations"} if has_ai(s) else {"human": "Human conversations"}
segment_options = ["all"] + sorted({r["segment"] for r in curve_rows if r["segment"] != "all"})
picked = st.selectbox(
    "For",
    segment_options,
    key="curve-segment",
    format_func=lambda v: "all conversations" if v == "all" else v.replace("=", ": ", 1).capitalize(),
)
plot(
    charts.return_curve(
        {label: [r for r in curve_rows if r["handler"] == h and r["segment"] == picked] for h, label in who.items()},
        "Share of customers who came back on the same issue, by days since the conversation ended",
    ),
    "Coming back over time",
)
probs = returns.results(s.db, s.settings, picked)
show_table(
    [
        {"Conversations": label}
        | {
            f"Came back within {w}": formatting.rate_with_interval(probs[f"return_probability_{k}_{h}"])
            for k, w in (("24h", "24 hours"), ("72h", "72 hours"), ("7d", "7 days"))
        }
        for h, label in who.items()
    ],
    hide_index=True,
    width="stretch",
)
st.caption(
    "Every conversation counts, the recent ones until the data ends, so this needs no wait for the windows to "
    "close: it also says how many of the pending conversations will probably come back. Shaded: 95% range. "
    "The same issue follows the sidebar setting; a reopened ticket is not dated and so not counted here."
)

st.subheader("Resolution at 24 hours, 72 hours and 7 days")
WINDOWS = ((24, "24 h"), (72, "72 h"), (168, "7 d"))
fcr = remembered(s, "fcr_by_window", lambda: resolution.fcr_by_window(s.db, s.settings, tuple(h for h, _ in WINDOWS)))
columns = [("true_resolution_rate", "AI truly resolved"), ("fcr_rate_ai", "AI FCR")] if has_ai(s) else []
columns.append(("fcr_rate_human", "Human FCR"))
side = [
    {"Category": r["category"]}
    | {
        f"{label}, {w}": pct(r[f"{mid}@{h}"].value) if r[f"{mid}@{h}"] else None
        for mid, label in columns
        for h, w in WINDOWS
    }
    for r in fcr
]
show_table(
    side,
    hide_index=True,
    column_config={k: st.column_config.NumberColumn(k, format="%.1f%%") for k in side[0] if k != "Category"},
)
st.caption(
    "The same conversations judged with a return window of 24 hours, 72 hours and 7 days: a longer window "
    "catches more returns, so the rates never rise with it; each column counts the conversations whose windows "
    "have closed for it. The ticket window follows the sidebar."
)

st.subheader("Weekly trend")
trend_ids = (
    (
        ("deflection_rate", "Deflected"),
        ("containment_rate", "Contained"),
        ("true_resolution_rate", "Truly resolved"),
        ("coverage_rate", "Handled by the AI (of all conversations)"),
    )
    if has_ai(s)
    else (("fcr_rate_human", "Resolved on first contact (human)"), ("return_rate_human", "Came back (human)"))
)
weekly = aggregate.compute(s.db, s.settings, [m for m, _ in trend_ids], segment="week")
goals, _ = targets.parse(s.settings)
weeks = sorted(k for k in weekly if k not in (aggregate.ALL, aggregate.NONE_KEY))
plot(
    charts.trend(
        {label: [(w, weekly[w][mid].value) for w in weeks] for mid, label in trend_ids},
        "AI conversations by week started" if has_ai(s) else "Human conversations by week started",
        goals={label: goals[mid] for mid, label in trend_ids if mid in goals},
    ),
    "Weekly trend",
)
drill_down(s, ids, "resolution")
