"""Overview: what the loaded data covers. Headline metrics join here as metric families land."""

from __future__ import annotations

import streamlit as st

from metrics.report import data_block
from ui.frame import inside_frame
from ui.state import session

inside_frame()

s = session()
st.title("Overview")
d = data_block(s.db)
if not d["conversations"]:
    st.warning("No conversations are loaded yet. Upload a conversations or tickets export on the Data page.")
    st.stop()
a, b, c, e = st.columns(4)
a.metric("Conversations", f"{d['conversations']:,}")
b.metric("Handled first by AI", f"{d['ai_conversations']:,}")
c.metric("Handled by humans", f"{d['human_conversations']:,}")
e.metric("Messages", f"{d['messages']:,}")
st.caption(
    f"Data from {d['start'][:10]} to {d['end'][:10]} (UTC). {d['rejected_rows']:,} rows were rejected on loading."
)
