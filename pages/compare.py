"""Compare: any metric between two segments or two periods, or every segment against the rest."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, compare, registry
from metrics.compute.aggregate import AGGREGATES
from metrics.present import formatting
from metrics.present.formatting import p_value, test_name
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.text import md_escape
from ui.widgets import card, show_table, shown

inside_frame()

s = session()
st.title("Compare")
info = signals_or_stop(s)
ids = shown(s, [sp.id for sp in registry.all_specs() if sp.kind in AGGREGATES])
first = "true_resolution_rate" if "true_resolution_rate" in ids else "fcr_rate_human"
metric = st.selectbox("Metric", ids, format_func=lambda i: registry.get(i).label, index=ids.index(first))
mode = st.radio("Compare", ["Two segments", "Two periods", "Every value against the rest"], horizontal=True)
segs = aggregate.segment_columns(s.db)


def show(c: compare.Comparison) -> None:
    a, b = st.columns(2)
    card(a, metric, c.a)
    a.caption(f"A: {md_escape(c.label_a)}")
    card(b, metric, c.b)
    b.caption(f"B: {md_escape(c.label_b)}")
    verdict(c)
    st.caption(f"Test: {test_name(c.test.test)}; conversations {c.test.n_a:,} (A) vs {c.test.n_b:,} (B). {c.test.note}")


def verdict(c: compare.Comparison) -> None:
    """Colour only for a clear difference: green when A is better, red when worse; neutral otherwise."""
    spec = registry.get(c.metric_id)
    if not c.significant or c.test.effect is None or not spec.better:
        (st.warning if c.small_sample else st.info)(md_escape(c.sentence))
        return
    a_better = (c.test.effect > 0) == (spec.better == "higher")
    (st.success if a_better else st.error)(md_escape(c.sentence))


if mode == "Two segments":
    col = st.selectbox("Segment", segs, format_func=formatting.segment_label)
    values = sorted(k for k in aggregate.compute(s.db, s.settings, [metric], segment=col) if k != aggregate.ALL)
    if len(values) < 2:
        st.info("This segment has fewer than two values.")
        st.stop()
    x, y = st.columns(2)
    va = x.selectbox("A", values)
    vb = y.selectbox("B", values, index=1)
    show(
        compare.compare(
            s.db, s.settings, metric, compare.segment_side(col, va, tag="a"), compare.segment_side(col, vb, tag="b")
        )
    )
elif mode == "Two periods":
    end = info.data_end.date()
    x, y = st.columns(2)
    pa = x.date_input("Period A", (end - dt.timedelta(days=29), end))
    pb = y.date_input("Period B", (end - dt.timedelta(days=59), end - dt.timedelta(days=30)))
    if len(pa) == 2 and len(pb) == 2:
        show(
            compare.compare(
                s.db, s.settings, metric, compare.period_side(*pa, tag="a"), compare.period_side(*pb, tag="b")
            )
        )
else:
    col = st.selectbox("Segment", segs, format_func=formatting.segment_label)
    out = compare.every_value_against_the_rest(s.db, s.settings, metric, col)
    show_table(
        pd.DataFrame(
            [
                {
                    "Value": c.label_a,
                    "Conversations": c.a.denominator,
                    "Here": formatting.metric(metric, c.a.value, s.settings.currency),
                    "The rest": formatting.metric(metric, c.b.value, s.settings.currency),
                    "Difference": formatting.change(metric, c.test.effect, s.settings.currency)
                    if registry.get(metric).kind in ("rate", "mean")
                    else "",
                    "Clear difference": "yes" if c.significant else "",
                    "p": p_value(c.test.p_value),
                    "q (BH)": p_value(c.q_value),
                    "Small sample": "yes" if c.small_sample else "",
                    "In words": c.sentence,
                }
                for c in out
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "p": st.column_config.TextColumn(help="The chance of a difference this large if there were none."),
            "q (BH)": st.column_config.TextColumn(
                help="p adjusted for testing every row of this table (Benjamini-Hochberg false discovery rate)."
            ),
        },
    )
    st.caption(
        "A clear difference is one unlikely to be chance even though every row was tested (q under 0.05); "
        "see How we measure."
    )
