"""The sidebar: which dataset is loaded, and every setting, bound to the URL so a view can be shared."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import streamlit as st

from metrics.compute import checks
from metrics.core import settings as settings_mod
from metrics.core import settings_toml
from metrics.core.errors import SettingsError
from metrics.core.settings import Settings
from metrics.present.formatting import segment_label
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
        loaded = settings_toml.loads(f.getvalue().decode("utf-8", "replace"))
    except SettingsError as e:
        st.session_state["settings_error"] = str(e)
        return
    for key, value in loaded.to_dict().items():
        if isinstance(value, list) and not settings_mod.META[key].widget:  # a comma-separated text input
            value = ", ".join(value)
        st.session_state[key] = value
        st.session_state["cost-" + key] = value  # the cost inputs on the Business impact page
    st.session_state["loaded_settings"] = loaded  # settings without a widget here come along too


# The sidebar's sections after the windows; each shows the settings of its group (metrics.core.settings.Meta).
SIDEBAR_GROUPS = (
    "Filters",
    "Thresholds",
    "Escalation rules",
    "Containment quality gates",
    "Alerts",
    "Loading",
    "Who counts",
)


def number_format(m: settings_mod.Meta) -> str | None:
    """How a decimal setting is shown in its input: hours, minutes, thresholds and days as typed ("72", "-0.05"),
    not with two decimals ("72.00"); amounts of money keep Streamlit's two decimals (and %g would write a
    billion as 1e+09)."""
    return None if m.unit == "currency" else "%g"


def _widget(s: Session, name: str):
    """The input for one setting, from its declaration: label, help, limits, step, URL binding."""
    m = settings_mod.META[name]
    default = getattr(D, name)
    bind = URL if m.url else None
    if m.widget == "timezone":
        return st.selectbox(m.label, _ZONES, index=_ZONES.index(default), key=name, help=m.help)
    if m.widget == "date":
        held = st.session_state.get(name)
        if isinstance(held, str):  # a settings file or the URL gave text
            st.session_state[name] = dt.date.fromisoformat(held) if held else None
        picked = st.date_input(m.label, None if not default else dt.date.fromisoformat(default), key=name, help=m.help)
        return "" if picked is None else picked.isoformat()
    if m.widget == "channels":
        return st.multiselect(m.label, checks.values_of(s.db, "channel"), default=[], key=name, help=m.help)
    if m.widget == "segment":
        cols = ["", *checks.filter_columns(s.db)]
        return st.selectbox(
            m.label, cols, key=name, help=m.help, format_func=lambda c: "(none)" if not c else segment_label(c)
        )
    if m.widget == "segment_values":
        column = st.session_state.get("filter_segment") or ""
        options = checks.values_of(s.db, column) if column else []
        held = st.session_state.get(name)
        if held is not None and any(v not in options for v in held):
            st.session_state[name] = [v for v in held if v in options]
        return st.multiselect(m.label, options, default=[], key=name, help=m.help, disabled=not column)
    if m.widget == "categories":
        cats = checks.categories(s.db)
        held = st.session_state.get(name)
        if held is not None and any(c not in cats for c in held):  # a loaded file may name other categories
            st.session_state[name] = [c for c in held if c in cats]
        return st.multiselect(m.label, cats, default=[], key=name, help=m.help)
    if m.choices:
        words = dict(m.choices)
        return st.selectbox(m.label, list(words), key=name, bind=bind, help=m.help, format_func=words.get)
    if isinstance(default, bool):
        return st.checkbox(m.label, default, key=name, bind=bind, help=m.help)
    if isinstance(default, (int, float)):
        num = int if isinstance(default, int) else float
        step = None if m.step is None else num(m.step)
        fmt = number_format(m) if num is float else None
        return st.number_input(
            m.label, num(m.lo), num(m.hi), default, step, format=fmt, key=name, bind=bind, help=m.help
        )
    if isinstance(default, tuple):
        return st.text_input(m.label, ", ".join(default), key=name, help=m.help)
    return st.text_input(m.label, default, key=name, help=m.help)


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
        a, b, c = st.columns(3)
        a.button("24 h", on_click=_preset, args=(24,), width="stretch", help="Return window preset")
        b.button("72 h", on_click=_preset, args=(72,), width="stretch", help="Return window preset")
        c.button("7 d", on_click=_preset, args=(168,), width="stretch", help="Return window preset: 7 days")
        base = st.session_state.pop("loaded_settings", None) or s.settings
        values = {name: _widget(s, name) for name in settings_mod.in_group("Windows")}
        for group in SIDEBAR_GROUPS:
            names = settings_mod.in_group(group)
            if group not in LAZY_GROUPS:
                with st.expander(group):
                    values |= {name: _widget(s, name) for name in names}
                continue
            with st.expander(group, key=f"sidebar-{group}", on_change="rerun") as box:
                if box.open:
                    for name in names:
                        _keep(name, getattr(base, name))
                    values |= {name: _widget(s, name) for name in names}
                else:  # not drawn: the settings stay as they are
                    values |= {name: getattr(base, name) for name in names}
        try:
            change_settings(base.replace(**values))
        except SettingsError as e:
            st.error(md_escape(str(e)))
        with st.expander("Settings file", key="sidebar-settings-file", on_change="rerun") as box:
            if box.open:
                st.download_button(
                    "Download settings (TOML)",
                    settings_toml.dumps(s.settings),
                    "settings.toml",
                    mime="application/toml",
                )
                st.file_uploader("Load settings (TOML)", type=["toml"], key="settings_file", on_change=_load_toml)
            if err := st.session_state.pop("settings_error", None):
                st.error(md_escape(err))
    return s.settings


# Groups whose inputs are drawn only while open (a new browser session then shows its first page sooner: about
# 0.5 s with the settings file's inputs, bench/browser_timing.py). Only groups without a setting kept in the page
# address: a closed group's inputs are not on the page, so they could not read a shared link.
LAZY_GROUPS = tuple(g for g in SIDEBAR_GROUPS if not any(settings_mod.META[n].url for n in settings_mod.in_group(g)))


def _keep(name: str, value) -> None:
    """Before a lazy group's input is drawn again: show the setting in force, not the input's default (Streamlit
    forgets an input's value while it is not drawn)."""
    if name in st.session_state or value == getattr(D, name):
        return
    if isinstance(value, tuple) and not settings_mod.META[name].widget:  # a comma-separated text input
        value = ", ".join(value)
    elif isinstance(value, tuple):
        value = list(value)
    st.session_state[name] = value


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
