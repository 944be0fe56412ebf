"""Efficiency: response and resolution times, effort, escalation quality, and quality under load."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, efficiency, registry
from metrics.present import charts
from metrics.present.formatting import p_value, test_name
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.widgets import ai_section, cards, drill_down, duration, fmt, has_ai, plot, show_table, shown

inside_frame()


s = session()
st.title("Efficiency")
info = signals_or_stop(s)
IDS = [
    "ttfr_median_s_ai",
    "ttfr_median_s_human",
    "ttr_median_s_ai",
    "ttr_median_s_human",
    "exchanges_median",
    "escalation_rate",
    "escalation_appropriate_share",
    "escalation_inappropriate_share",
]
overall = aggregate.compute(s.db, s.settings)[aggregate.ALL]
cards(s, IDS, overall)
BUSINESS_HOURS = [
    "ttfr_business_median_s_human",
    "ttfr_business_p90_s_human",
    "ttr_business_median_s_human",
    "ttr_business_p90_s_human",
]
with_bh = [m for m in BUSINESS_HOURS if overall[m].value is not None]
if with_bh:
    cards(s, with_bh, overall)

st.subheader("How fast: AI vs human" if has_ai(s) else "How fast")
a, b = st.columns(2)
ttfr = efficiency.time_quantiles(s.db, "ttfr_s")
ttr = efficiency.time_quantiles(s.db, "ttr_s")
plot(charts.quantile_boxes(ttfr, "First response time (box: 25-75%, whiskers: 10-90%)"), "First response time", a)
plot(charts.quantile_boxes(ttr, "Time to resolution (box: 25-75%, whiskers: 10-90%)"), "Time to resolution", b)
spread = [
    {
        "Measure": m,
        "Who": who,
        "Conversations": q["n"],
        **{p: duration(q[p]) for p in ("p10", "p25", "p50", "p75", "p90")},
    }
    for m, qs in (("First response", ttfr), ("Resolution", ttr))
    for who, q in qs.items()
    if q["n"]
]
if spread:
    show_table(
        pd.DataFrame(spread).rename(
            columns={
                "p10": "10% within",
                "p25": "25% within",
                "p50": "Half within",
                "p75": "75% within",
                "p90": "90% within",
            }
        ),
        hide_index=True,
        width="stretch",
    )

if ai_section(s, "Escalations by category: the AI's improvement list"):
    esc = pd.DataFrame(efficiency.escalations_by_category(s.db))
    if len(esc):
        esc["escalation_rate"] = esc["escalation_rate"] * 100
    st.caption(
        "Inappropriate escalations are handovers the rules (QA tags first, then category, distress and reason) "
        "say the AI should have handled. Start with the categories at the top."
    )
    show_table(
        esc,
        hide_index=True,
        width="stretch",
        column_config={
            "category": "Category",
            "escalations": "Escalations",
            "ai_conversations": "AI conversations",
            "escalation_rate": st.column_config.NumberColumn("Escalation rate", format="%.1f%%"),
            "inappropriate": "Not warranted",
            "qa_tagged": "QA-tagged",
        },
    )

HANDOFF = ["handoff_wait_median_s", "handoff_wait_p90_s", "failed_handoff_rate"]
if overall["failed_handoff_rate"].denominator and ai_section(s, "After the handover"):
    st.caption(
        "How long customers wait for an agent once the AI hands them over, and how often no agent ever answers. "
        "By category and at peak vs off-peak load."
    )
    cards(s, HANDOFF, overall)
    for segment, label in (("category", "Category"), ("load", "Load")):
        res = aggregate.compute(s.db, s.settings, HANDOFF, segment=segment)
        show_table(
            [
                {label: seg if seg != aggregate.ALL else "All", "Handovers": r["failed_handoff_rate"].denominator}
                | {registry.get(m).label: fmt(m, r[m]) for m in HANDOFF}
                for seg, r in sorted(res.items(), key=lambda kv: (kv[0] != aggregate.ALL, kv[0]))
                if r["failed_handoff_rate"].denominator
            ],
            hide_index=True,
            width="stretch",
        )

if ai_section(s, "Quality under load"):
    deciles = efficiency.load_deciles(s.db)
    plot(charts.by_decile(deciles, "Resolution and escalation by load decile"), "Quality by load")
    rows, sentences = [], []
    for mid in ("true_resolution_rate", "escalation_rate", "ttfr_median_s_ai", "csat_mean_ai"):
        c = efficiency.peak_vs_offpeak(overall, mid)
        p, o, t = c.peak, c.offpeak, c.test
        row = {
            "Metric": registry.get(mid).label,
            "Peak": fmt(mid, p),
            "Off-peak": fmt(mid, o),
            "Peak n": p.denominator,
            "Off-peak n": o.denominator,
            "Difference": "",
            "p": "",
            "Test": "",
        }
        if t is not None and t.effect is not None:
            row.update({"Difference": f"{t.effect * 100:+.1f} pts", "p": p_value(t.p_value), "Test": test_name(t.test)})
            sentences.append(c.sentence)
        rows.append(row)
    st.caption(
        f"Peak = at least {info.peak_threshold} AI conversations open when the conversation started "
        f"(the {s.settings.peak_percentile:g}th percentile of load over AI conversations)."
    )
    show_table(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "p": st.column_config.TextColumn(help="The chance of a difference this large if there were none.")
        },
    )
    for sentence in sentences:
        st.write(sentence)
drill_down(
    s, shown(s, [*IDS[4:], "peak_true_resolution_rate", "offpeak_true_resolution_rate"]) or shown(s, IDS), "efficiency"
)
