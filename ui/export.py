"""The Excel summary download, offered in the frame on every page, built only when asked for."""

from __future__ import annotations

import streamlit as st

from metrics.present.excel import write_workbook
from metrics.present.report import build_report, data_block
from ui.state import Session, current_signals


def excel_bytes(s: Session) -> bytes:
    """Build the workbook from the same report the CLI writes (signals already current for these settings)."""
    current_signals(s)
    report = build_report(s.db, s.settings, s.result, compute_signals=False, labels=dict(s.labels) or None)
    return write_workbook(s.db, s.settings, report, s.result)


def _prepare(s: Session, key: tuple) -> None:
    st.session_state["excel_ready"] = (key, excel_bytes(s))


def render(s: Session) -> None:
    with st.sidebar:
        st.markdown("**Excel summary for leadership**")
        key = ("excel", s.load_id, s.settings, tuple(sorted(s.labels.items())))
        ready = st.session_state.get("excel_ready")
        if ready is None or ready[0] != key:
            st.button(
                "Prepare the Excel summary", width="stretch", key="excel_prepare", on_click=_prepare, args=(s, key)
            )
            return
        d = data_block(s.db, s.settings)
        name = f"ai-support-summary_{(d['start'] or '')[:10]}_{(d['end'] or '')[:10]}.xlsx"
        st.download_button(
            "Download the Excel summary",
            ready[1],
            file_name=name,
            width="stretch",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
