"""What to fix next: every improvement opportunity found, ranked, with its evidence and conversations."""

from __future__ import annotations

import streamlit as st

from metrics.compute import insights
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.widgets import current_insights, insight_panel

inside_frame()

s = session()
st.title("What to fix next")
signals_or_stop(s)
found = current_insights(s)
st.caption(
    "Categories whose true resolution is below the rest, escalations the AI should have handled, drop-off hot "
    "spots, categories where sentiment worsens, CSAT dips in the latest four weeks, quality at peak load and the "
    "last week's alerts. Category findings are tested against the other categories and kept when significant "
    f"after Benjamini-Hochberg ({insights.ALPHA:.0%} false discovery rate). " + insights.SIZE_HELP
)
kinds = st.multiselect(
    "Show", list(insights.KINDS), default=list(insights.KINDS), format_func=insights.KINDS.get, key="insight-kinds"
)
shown = [(rank, i) for rank, i in enumerate(found, 1) if i.kind in kinds]
if not found:
    st.info("No significant improvement opportunity was found in this data.")
for rank, i in shown:
    insight_panel(s, rank, i, f"insight-{rank}")
