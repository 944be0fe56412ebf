"""The sidebar: which dataset is loaded, and the settings that affect loading."""

from __future__ import annotations

import zoneinfo

import streamlit as st

from metrics.report import data_block
from metrics.settings import SettingsError
from ui.state import Session, change_settings

_ZONES = sorted(zoneinfo.available_timezones())


def render(s: Session) -> None:
    with st.sidebar:
        d = data_block(s.db)
        label = "Sample data" if s.is_sample else "Your data"
        st.caption(
            f"**{label}**: {d['conversations']:,} conversations, {d['messages']:,} messages, {d['accounts']:,} accounts"
        )
        with st.expander("Loading settings"):
            tz = st.selectbox(
                "Time zone of timestamps without an offset",
                _ZONES,
                index=_ZONES.index(s.settings.source_timezone) if s.settings.source_timezone in _ZONES else 0,
                help="Exports that write local times without an offset (Zendesk CSV, spreadsheets) are read in this zone.",
            )
            scale = st.number_input(
                "CSAT scale (highest score)",
                min_value=2,
                max_value=100,
                value=int(s.settings.csat_scale_max),
                help="Scores are normalised to 1-5 from this scale; thumbs up/down count as top/bottom.",
            )
            try:
                change_settings(s.settings.replace(source_timezone=tz, csat_scale_max=float(scale)))
            except SettingsError as e:
                st.error(str(e))
