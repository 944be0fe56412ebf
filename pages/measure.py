"""How we measure: every metric, window and test in plain words (generated from the metric declarations)."""

from __future__ import annotations

import streamlit as st

from metrics.present import methods
from metrics.present.formatting import words
from ui.frame import inside_frame
from ui.state import session

inside_frame()

s = session()
st.title("How we measure")
st.caption(
    "The definitions behind every number in this app and in the Excel summary. The windows below follow the "
    "settings in force (sidebar)."
)
st.subheader("Windows and thresholds")
for name, text in methods.windows(s.settings):
    st.markdown(f"**{name}.** {text}")
st.subheader("Tests and intervals")
for name, text in methods.TESTS:
    st.markdown(f"**{name}.** {text}")
st.subheader("Topics and what the AI misses")
for name, text in methods.TEXT:
    st.markdown(f"**{name}.** {text}")
for family, rows in methods.metric_definitions().items():
    st.subheader(family)
    for label, definition in rows:
        st.markdown(f"**{label}.** {words(definition)}")
