"""Entrypoint and frame: page config, the sample-data banner, the sidebar, and navigation."""

from __future__ import annotations

from pathlib import Path

import duckdb
import streamlit as st

from metrics.compute import checks
from metrics.core.db import QUERY_SECONDS, QueryTimeout
from metrics.present.formatting import filters_text
from ui import export, sidebar
from ui.state import remembered, session
from ui.text import md_escape

HELPDESK_ONLY = (
    "These files hold no AI conversations, so the AI's resolution cannot be measured yet; the pages show your "
    "human baseline (volume, response and resolution times, one-touch, first-contact resolution, CSAT), ready to "
    "compare once the AI data arrives. To add it, upload your AI platform's export (Intercom Fin, Zendesk AI, "
    "Ada, ...) on the Data page, or map a column that says which conversations the AI handled."
)
ICON = str(Path(__file__).resolve().parent / "ui" / "icon.png")  # shipped: a material icon is fetched from the web
st.set_page_config(page_title="AI Support Performance", page_icon=ICON, layout="wide")

SECTIONS = {
    "Results": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="home", default=True),
        st.Page("pages/insights.py", title="What to fix next", icon=":material/checklist:", url_path="insights"),
        st.Page("pages/resolution.py", title="Resolution", icon=":material/task_alt:", url_path="resolution"),
        st.Page("pages/efficiency.py", title="Efficiency", icon=":material/speed:", url_path="efficiency"),
        st.Page(
            "pages/experience.py", title="Experience", icon=":material/sentiment_satisfied:", url_path="experience"
        ),
        st.Page("pages/business.py", title="Business impact", icon=":material/payments:", url_path="business"),
    ],
    "Dig deeper": [
        st.Page("pages/topics.py", title="Topics", icon=":material/category:", url_path="topics"),
        st.Page(
            "pages/audit.py", title="Check the resolution", icon=":material/fact_check:", url_path="check-resolution"
        ),
        st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:", url_path="compare"),
        st.Page("pages/plan.py", title="Changes and next weeks", icon=":material/timeline:", url_path="changes"),
        st.Page("pages/monitor.py", title="Monitor", icon=":material/monitor_heart:", url_path="monitor"),
    ],
    "Your data": [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", url_path="data"),
        st.Page("pages/measure.py", title="How we measure", icon=":material/menu_book:", url_path="how-we-measure"),
    ],
}
PAGES = [p for pages in SECTIONS.values() for p in pages]


def _to_overview() -> None:
    st.switch_page(PAGES[0])


# The default page is served at "/"; a link or bookmark to /overview lands there too (not "Page not found").
HIDDEN = st.Page(_to_overview, title="Overview", url_path="overview", visibility="hidden")
nav = st.navigation({**SECTIONS, "Your data": [*SECTIONS["Your data"], HIDDEN]}, expanded=True)
s = session()
s.db.new_run()  # this run's own cursor; a query left running by the previous run is interrupted
try:
    with s.db.time_limit(QUERY_SECONDS):
        sidebar.render(s)
        export.render(s)
        if s.is_sample:
            st.info("You are looking at sample data - upload your exports on the Data page", icon=":material/science:")
        elif s.result is not None and s.result.files and not remembered(s, "has_ai", lambda: checks.has_ai(s.db)):
            st.info(HELPDESK_ONLY, icon=":material/support_agent:")
        if s.settings.filtered:
            st.info(
                f"Filtered to conversations {md_escape(filters_text(s.settings))}: every number, chart and the Excel "
                "summary. Returns and follow-ups after the range still count. Clear the filters in the sidebar.",
                icon=":material/filter_alt:",
            )
        nav.run()
except QueryTimeout as e:
    st.error(str(e))
except duckdb.OutOfMemoryException:
    st.error(
        "This view needs more memory than each session may use on this server; upload a shorter period or ask "
        "your administrator to raise SUPPORTAI_MEMORY_LIMIT."
    )
