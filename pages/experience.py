"""Customer experience: separate CSAT streams, AI vs human on the same issue mix, sentiment, drop-off."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, experience
from metrics.present import charts
from ui.frame import inside_frame
from ui.state import remembered, session, signals_or_stop
from ui.text import md_escape
from ui.widgets import card, drill_down, pct

inside_frame()

s = session()
st.title("Customer experience")
signals_or_stop(s)
overall = aggregate.compute(s.db, s.settings)[aggregate.ALL]

st.subheader("CSAT, kept apart by who handled the customer")
for stream in ("ai", "ai_escalated", "human"):
    cols = st.columns(3)
    for col, mid in zip(cols, [f"csat_mean_{stream}", f"csat_satisfied_rate_{stream}", f"csat_response_rate_{stream}"]):
        card(col, mid, overall[mid])

mix = remembered(s, "csat_mix", lambda: experience.csat_mix_comparison(s.db))
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
st.dataframe(
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
    "human category mix; the Cochran-Mantel-Haenszel test asks whether AI and human differ within categories."
)

st.subheader("Sentiment: did the conversation leave the customer better or worse off?")
cols = st.columns(4)
for col, mid in zip(
    cols, ["sentiment_improved_rate", "sentiment_worsened_rate", "sentiment_worsened_rate_human", "sentiment_coverage"]
):
    card(col, mid, overall[mid])
a, b = st.columns(2)
a.plotly_chart(
    charts.transition_heatmap(experience.transitions(s.db, "ai"), "AI conversations: start -> end"), width="stretch"
)
by_cat = aggregate.compute(s.db, s.settings, ["sentiment_worsened_rate"], segment="category")
rows = sorted(
    ({"segment": k, **v} for k, v in by_cat.items() if k != aggregate.ALL),
    key=lambda r: -(r["sentiment_worsened_rate"].value or 0),
)
b.plotly_chart(
    charts.rate_bars(
        rows, "segment", {"sentiment_worsened_rate": "Worsened"}, "AI conversations that left the customer worse off"
    ),
    width="stretch",
)

st.subheader("Drop-off: where customers stop answering the AI")
cols = st.columns(2)
for col, mid in zip(cols, ["silent_exit_rate", "abandonment_rate"]):
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
st.plotly_chart(charts.hazard_curve(series, "Share who leave after the AI's k-th answer"), width="stretch")

drill_down(
    s, ["sentiment_worsened_rate", "silent_exit_rate", "abandonment_rate", "csat_satisfied_rate_ai"], "experience"
)
with st.expander("Read a conversation"):
    cid = st.text_input("Conversation id", key="transcript-id")
    if cid:
        st.dataframe(experience.transcript(s.db, cid), hide_index=True, width="stretch")
