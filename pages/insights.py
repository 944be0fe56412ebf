"""What to fix next: every improvement opportunity found, ranked, with its evidence and conversations."""

from __future__ import annotations

import streamlit as st

from metrics.compute import insights
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.widgets import NO_AI_INSIGHTS, current_insights, has_ai, insight_panel

inside_frame()

s = session()
st.title("What to fix next")
signals_or_stop(s)
found = current_insights(s)
if not has_ai(s):
    st.info(NO_AI_INSIGHTS)
    st.stop()
st.caption(
    "Where the AI falls short, each sized in conversations a month and, where it applies, agent hours and cost. "
    "A category is listed only when it is clearly worse than the others (unlikely to be chance); the list is "
    "ordered by size, counting findings on few conversations for less. How each is found: How we measure."
)
kinds = st.multiselect(
    "Show", list(insights.KINDS), default=list(insights.KINDS), format_func=insights.KINDS.get, key="insight-kinds"
)
shown_found = [(rank, i) for rank, i in enumerate(found, 1) if i.kind in kinds]
if not found:
    st.info(
        "No category, answer or day is clearly worse than the rest in this data: nothing stands out as the next "
        "thing to fix. This is a statement about differences, not that every number is good."
    )
for rank, i in shown_found:
    insight_panel(s, rank, i, f"insight-{rank}")
