"""Small render helpers shared by pages: metric cards, result tables, the drill-down panel."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from metrics import aggregate, registry
from metrics.aggregate import MetricResult
from ui.state import Session
from ui.text import csv_safe


def fmt(spec_id: str, r: MetricResult | None) -> str:
    if r is None or r.value is None:
        return "no data"
    spec = registry.get(spec_id)
    if spec.unit == "rate":
        return f"{r.value:.1%}"
    if spec.unit == "seconds":
        return duration(r.value)
    if spec.unit == "score":
        return f"{r.value:.2f}"
    if spec.unit == "currency":
        return f"{r.value:,.2f}"
    if spec.unit == "hours":
        return f"{r.value:,.0f} h"
    if spec.unit == "fte":
        return f"{r.value:.1f} FTE"
    return f"{r.value:,.1f}"


def pct(v: float | None) -> float | None:
    """A fraction as percent points for a table column (None stays None)."""
    return None if v is None else v * 100


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "no data"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def card(
    col, spec_id: str, now: MetricResult, recent: MetricResult | None = None, before: MetricResult | None = None
) -> None:
    """A headline number, its definition on hover, and the change from `before` to `recent`."""
    spec = registry.get(spec_id)
    delta = None
    if recent is not None and before is not None and before.value is not None and recent.value is not None:
        diff = recent.value - before.value
        delta = (
            f"{diff * 100:+.1f} pts"
            if spec.unit == "rate"
            else (f"{'+' if diff >= 0 else '-'}{duration(abs(diff))}" if spec.unit == "seconds" else f"{diff:+.2f}")
        )
    n = f" (n = {now.denominator:,})" if now.denominator else ""
    col.metric(
        spec.label,
        fmt(spec_id, now),
        delta,
        delta_color="normal" if spec.better == "higher" else "inverse",
        help=f"{spec.definition}{n} Metric id: {spec.id}.",
    )


def results_table(
    results: dict[str, dict[str, MetricResult]], ids: list[str], segment_label: str, n_label: str
) -> pd.DataFrame:
    """One row per segment (all first): each metric's value (rates in percent), and the first metric's n."""
    rows = []
    for seg, res in sorted(results.items(), key=lambda kv: (kv[0] != aggregate.ALL, -(kv[1][ids[0]].denominator or 0))):
        row = {segment_label: "All" if seg == aggregate.ALL else seg, n_label: res[ids[0]].denominator}
        for mid in ids:
            v = res[mid].value
            row[registry.get(mid).label] = None if v is None else (v * 100 if registry.get(mid).unit == "rate" else v)
        rows.append(row)
    return pd.DataFrame(rows)


def metric_columns(ids: list[str]) -> dict:
    """Column formats and hover definitions for a results_table."""
    cfg = {}
    for mid in ids:
        spec = registry.get(mid)
        fmt_ = "%.1f%%" if spec.unit == "rate" else "%.1f"
        cfg[spec.label] = st.column_config.NumberColumn(spec.label, format=fmt_, help=f"{spec.definition} ({mid})")
    return cfg


def drill_down(s: Session, ids: list[str], key: str) -> None:
    """Choose a number and see the conversations behind its numerator and denominator."""
    with st.expander("Drill down: the conversations behind a number"):
        a, b, c, d = st.columns(4)
        mid = a.selectbox("Metric", ids, format_func=lambda i: registry.get(i).label, key=key + "-m")
        segs = ["(all)", *aggregate.segment_columns(s.db)]
        seg = b.selectbox("Segment", segs, key=key + "-s")
        value = None
        if seg != "(all)":
            values = sorted(aggregate.compute(s.db, s.settings, [mid], segment=seg))
            values = [v for v in values if v != aggregate.ALL]
            value = c.selectbox("Value", values, key=key + "-v")
        part = d.radio(
            "Show",
            ["denominator", "numerator"],
            key=key + "-p",
            horizontal=True,
            format_func=lambda p: "Numerator (counted)" if p == "numerator" else "Denominator (all)",
        )
        frame = aggregate.drill(s.db, s.settings, mid, part, None if seg == "(all)" else seg, value, limit=None)
        st.caption(f"{len(frame):,} conversations. Showing the first 1,000; the download has all.")
        st.dataframe(frame.head(1000), hide_index=True)
        buf = io.StringIO()
        frame.map(csv_safe).to_csv(buf, index=False)
        st.download_button(
            "Download these conversations (CSV)", buf.getvalue(), f"{mid}-{part}.csv", mime="text/csv", key=key + "-dl"
        )
