"""The smallest Streamlit page with one number: what a new browser session costs before any of our code runs
(`python -m bench.browser_timing` times it as the floor of 'new session: Overview numbers')."""

import streamlit as st

st.title("Overview")
st.metric("Truly resolved by the AI", "61.9%")
