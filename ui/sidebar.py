"""The sidebar: which dataset is loaded, and every setting, bound to the URL so a view can be shared."""

from __future__ import annotations

import zoneinfo

import streamlit as st

from metrics.core import settings as settings_mod
from metrics.core.db import rows
from metrics.core.errors import SettingsError
from metrics.core.settings import Settings
from metrics.present.report import data_block
from ui.state import Session, change_settings
from ui.text import md_escape

_ZONES = sorted(zoneinfo.available_timezones())
D = Settings()
URL = "query-params"


def _preset(hours: float) -> None:
    st.session_state["return_window_hours"] = float(hours)


def _load_toml() -> None:
    f = st.session_state.get("settings_file")
    if f is None:
        return
    try:
        loaded = settings_mod.loads(f.getvalue().decode("utf-8", "replace"))
    except SettingsError as e:
        st.session_state["settings_error"] = str(e)
        return
    for key, value in loaded.to_dict().items():
        if key in ("appropriate_reason_keywords", "excluded_customers"):
            value = ", ".join(value)
        st.session_state[key] = value
        st.session_state["cost-" + key] = value  # the cost inputs on the Business impact page
    st.session_state["loaded_settings"] = loaded  # settings without a widget here come along too


def _categories(s: Session) -> list[str]:
    return [
        r[0]
        for r in rows(
            s.db.con,
            "SELECT DISTINCT issue_category FROM conversations WHERE issue_category IS NOT NULL ORDER BY 1 LIMIT 500",
        )
    ]


def render(s: Session) -> Settings:
    """Draw the sidebar; returns the settings it shows (also stored in the session)."""
    with st.sidebar:
        d = data_block(s.db, s.settings)
        label = "Sample data" if s.is_sample else "Your data"
        st.caption(
            f"**{label}**: {_count(d['conversations'], 'conversation')}, {_count(d['messages'], 'message')}, "
            f"{_count(d['accounts'], 'account')}"
        )
        st.markdown("**Windows**")
        a, b = st.columns(2)
        a.button("24 h", on_click=_preset, args=(24,), width="stretch", help="Return window preset")
        b.button("72 h", on_click=_preset, args=(72,), width="stretch", help="Return window preset")
        w = st.number_input(
            "Came back within (hours)",
            1.0,
            24.0 * 90,
            D.return_window_hours,
            step=1.0,
            key="return_window_hours",
            bind=URL,
            help="Return window W: a new conversation on the same topic within W hours after the end counts as a return.",
        )
        t = st.number_input(
            "Ticket within (hours)",
            1.0,
            24.0 * 90,
            D.ticket_window_hours,
            step=1.0,
            key="ticket_window_hours",
            bind=URL,
            help="Ticket window T: a human conversation within T hours after an AI conversation is a follow-up ticket.",
        )
        with st.expander("Thresholds"):
            neg = st.number_input(
                "Negative sentiment below", -1.0, 1.0, D.sentiment_negative, 0.01, key="sentiment_negative", bind=URL
            )
            pos = st.number_input(
                "Positive sentiment above", -1.0, 1.0, D.sentiment_positive, 0.01, key="sentiment_positive", bind=URL
            )
            low = st.number_input(
                "Low CSAT at or below (1-5)", 1.0, 5.0, D.low_csat_max, 0.5, key="low_csat_max", bind=URL
            )
            sat = st.number_input(
                "Satisfied at or above (1-5)", 1.0, 5.0, D.satisfied_min, 0.5, key="satisfied_min", bind=URL
            )
            peak = st.number_input(
                "Peak load percentile", 1.0, 100.0, D.peak_percentile, 1.0, key="peak_percentile", bind=URL
            )
            distress = st.number_input(
                "Distressed customer at or below",
                -1.0,
                1.0,
                D.distress_sentiment,
                0.05,
                key="distress_sentiment",
                bind=URL,
            )
        with st.expander("Escalation rules"):
            cats = _categories(s)
            held = st.session_state.get("human_required_categories")
            if held is not None and any(c not in cats for c in held):  # a loaded file may name other categories
                st.session_state["human_required_categories"] = [c for c in held if c in cats]
            chosen = st.multiselect("Categories that need a human", cats, default=[], key="human_required_categories")
            bh = st.text_input(
                "Business hours (for human response times)",
                D.business_hours,
                key="business_hours",
                placeholder="Mon-Fri 09:00-17:00 Europe/Berlin; holidays 2025-12-25",
                help="Opening hours in a named time zone, optional holidays. Human rows then also get "
                "business-time first response and resolution times.",
            )
            kw = st.text_input(
                "Reasons that justify a handover (comma-separated)",
                ", ".join(D.appropriate_reason_keywords),
                key="appropriate_reason_keywords",
            )
        with st.expander("Containment quality gates"):
            g1 = st.checkbox("Exclude low CSAT", True, key="containment_requires_no_low_csat", bind=URL)
            g2 = st.checkbox("Exclude negative end", True, key="containment_requires_no_negative_end", bind=URL)
            g3 = st.checkbox("Exclude status abandoned", True, key="containment_requires_not_abandoned", bind=URL)
        with st.expander("Alerts"):
            abd = st.number_input(
                "Baseline: days before each day", 1, 365, D.alert_baseline_days, key="alert_baseline_days", bind=URL
            )
            asg = st.number_input(
                "Alert beyond this many standard errors", 0.5, 10.0, D.alert_sigma, 0.5, key="alert_sigma", bind=URL
            )
            amn = st.number_input(
                "Only days with at least this many conversations",
                1,
                100_000,
                D.alert_min_n,
                key="alert_min_n",
                bind=URL,
            )
        with st.expander("Loading"):
            tz = st.selectbox(
                "Time zone of timestamps without an offset",
                _ZONES,
                index=_ZONES.index(D.source_timezone),
                key="source_timezone",
                help="Exports that write local times without an offset are read in this zone.",
            )
            scale = st.number_input(
                "CSAT scale (highest score)",
                2.0,
                100.0,
                D.csat_scale_max,
                1.0,
                key="csat_scale_max",
                help="Scores are normalised to 1-5 from this scale.",
            )
        with st.expander("Who counts"):
            excluded = st.text_input(
                "Customers left out of every metric (ids, comma-separated)",
                ", ".join(D.excluded_customers),
                key="excluded_customers",
                help="Internal, shared or system requesters (a monitoring address, a reseller's shared inbox) whose "
                "tickets would count as returns of each other. Outbound conversations are always left out.",
            )
            plausible = st.number_input(
                "Longest plausible response or resolution time (days)",
                1.0,
                3650.0,
                D.max_plausible_days,
                1.0,
                key="max_plausible_days",
                bind=URL,
                help="Longer (or negative) times are listed in the data-quality report and left out of time metrics.",
            )
        base = st.session_state.pop("loaded_settings", None) or s.settings
        try:
            new = base.replace(
                return_window_hours=w,
                ticket_window_hours=t,
                sentiment_negative=neg,
                sentiment_positive=pos,
                low_csat_max=low,
                satisfied_min=sat,
                peak_percentile=peak,
                distress_sentiment=distress,
                human_required_categories=chosen,
                appropriate_reason_keywords=kw,
                business_hours=bh,
                alert_baseline_days=abd,
                alert_sigma=asg,
                alert_min_n=amn,
                containment_requires_no_low_csat=g1,
                containment_requires_no_negative_end=g2,
                containment_requires_not_abandoned=g3,
                source_timezone=tz,
                csat_scale_max=scale,
                excluded_customers=excluded,
                max_plausible_days=plausible,
            )
            change_settings(new)
        except SettingsError as e:
            st.error(md_escape(str(e)))
        with st.expander("Settings file"):
            st.download_button(
                "Download settings (TOML)", settings_mod.dumps(s.settings), "settings.toml", mime="application/toml"
            )
            st.file_uploader("Load settings (TOML)", type=["toml"], key="settings_file", on_change=_load_toml)
            if err := st.session_state.pop("settings_error", None):
                st.error(md_escape(err))
    return s.settings


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
