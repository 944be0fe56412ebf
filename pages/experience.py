"""Customer experience: separate CSAT streams, AI vs human on the same issue mix, sentiment, drop-off."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, experience
from metrics.present import charts
from ui.frame import inside_frame
from ui.state import remembered, session, signals_or_stop
from ui.text import md_escape
from ui.widgets import ai_section, card, drill_down, has_ai, pct, plot, show_table, shown, transcript_panel

inside_frame()

s = session()
st.title("Customer experience")
signals_or_stop(s)
overall = aggregate.compute(s.db, s.settings)[aggregate.ALL]

st.subheader("CSAT, kept apart by who handled the customer")
for stream in ("ai", "ai_escalated", "human"):
    ids = shown(s, [f"csat_mean_{stream}", f"csat_satisfied_rate_{stream}", f"csat_response_rate_{stream}"])
    for col, mid in zip(st.columns(3), ids):
        card(col, mid, overall[mid])

mix = remembered(s, "csat_mix", lambda: experience.csat_mix_comparison(s.db))
if has_ai(s):
    (st.warning if mix.reversed else st.info)(md_escape(mix.sentence))
table = pd.DataFrame(
    [
        {
            "Category": r["category"],
            "AI responses": r["ai_n"],
            "AI satisfied": pct(r["ai_rate"]),
            "Human responses": r["human_n"],
            "Human satisfied": pct(r["human_rate"]),
            "Difference (pts)": pct(r["diff"]),
        }
        for r in mix.rows
    ]
)
if has_ai(s) and not table.empty:
    show_table(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "AI satisfied": st.column_config.NumberColumn(format="%.1f%%"),
            "Human satisfied": st.column_config.NumberColumn(format="%.1f%%"),
            "Difference (pts)": st.column_config.NumberColumn(format="%+.1f"),
        },
    )
    st.caption(
        "AI = AI conversations not handed over. The mix-adjusted difference weights each category's gap by the "
        "human category mix, so a category mix that differs between AI and humans cannot explain the gap "
        "(Cochran-Mantel-Haenszel test; see How we measure)."
    )

st.subheader("Sentiment: did the conversation leave the customer better or worse off?")
if not overall["sentiment_coverage"].value:
    st.caption(
        "Sentiment needs the customers' words: a messages file, or sentiment columns in the conversations file. "
        "None of the files loaded has them."
    )
else:
    ids = shown(
        s, ["sentiment_improved_rate", "sentiment_worsened_rate", "sentiment_worsened_rate_human", "sentiment_coverage"]
    )
    for col, mid in zip(st.columns(4), ids):
        card(col, mid, overall[mid])
if has_ai(s) and overall["sentiment_coverage"].value:
    a, b = st.columns(2)
    plot(
        charts.transition_heatmap(experience.transitions(s.db, "ai"), "AI conversations: start -> end"),
        "Sentiment start -> end",
        a,
    )
    by_cat = aggregate.compute(s.db, s.settings, ["sentiment_worsened_rate"], segment="category")
    rows = sorted(
        ({"segment": k, **v} for k, v in by_cat.items() if k != aggregate.ALL),
        key=lambda r: -(r["sentiment_worsened_rate"].value or 0),
    )
    plot(
        charts.rate_bars(
            rows,
            "segment",
            {"sentiment_worsened_rate": "Worsened"},
            "AI conversations that left the customer worse off",
        ),
        "Worse off by category",
        b,
    )

if ai_section(s, "Drop-off: where customers stop answering the AI"):
    for col, mid in zip(st.columns(2), ["silent_exit_rate", "abandonment_rate"]):
        card(col, mid, overall[mid])
    spots = remembered(s, "hot_spots", lambda: experience.hot_spots(s.db))
    for spot in spots[:8]:
        st.warning(md_escape(spot.sentence))
    if not spots:
        st.write("No category loses customers at one AI answer significantly more often than the others.")
    haz = experience.hazard(s.db, by_category=True)
    cats = sorted({h["category"] for h in haz})
    picked = st.multiselect("Categories to compare", cats, default=[sp.category for sp in spots[:2]] or cats[:2])
    series = {"All categories": experience.hazard(s.db)} | {c: [h for h in haz if h["category"] == c] for c in picked}
    plot(charts.hazard_curve(series, "Share who leave after the AI's k-th answer"), "Drop-off by answer")

drill_down(
    s,
    shown(s, ["sentiment_worsened_rate", "silent_exit_rate", "abandonment_rate", "csat_satisfied_rate_ai"])
    or ["csat_satisfied_rate_human", "sentiment_worsened_rate_human"],
    "experience",
)
with st.expander("Read a conversation"):
    cid = st.text_input("Conversation id (or choose a row in a drill-down table)", key="transcript-id")
    if cid:
        transcript_panel(s, cid)
