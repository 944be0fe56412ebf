"""Keep every page inside the app.py frame.

Streamlit still has the legacy rule "a `pages/` folder next to the main script means
the old multipage mode" for the first script run of a fresh server. When that first
run is a deep link (/data), Streamlit runs pages/data.py on its own, with the old
navigation and without our frame. Each page calls `inside_frame()` first: in that
case it switches the process to st.navigation mode and reruns, so app.py (the frame)
runs and routes to the same URL.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def inside_frame() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
