"""Overview: headline numbers (true resolution next to deflection) and the leak between them."""

from __future__ import annotations

import streamlit as st

from metrics.compute import aggregate, registry, resolution
from metrics.present import charts
from metrics.present.report import data_block
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.widgets import (
    NO_AI_INSIGHTS,
    cards,
    current_insights,
    data_notices,
    drill_down,
    insight_panel,
    plot,
    target_inputs,
)

inside_frame()

s = session()
st.title("Overview")
info = signals_or_stop(s)
d = data_block(s.db, s.settings)
ai = bool(d["ai_conversations"])
wanted = list(registry.HEADLINE if ai else registry.HUMAN_HEADLINE)
overall = aggregate.compute(s.db, s.settings, wanted + list(registry.BUSINESS_HOURS_FALLBACK.values()))[aggregate.ALL]
# A helpdesk export with only business-hours times (as real Zendesk files) shows those rather than "no data".
HEADLINE = [
    registry.BUSINESS_HOURS_FALLBACK[m]
    if overall[m].value is None and overall.get(registry.BUSINESS_HOURS_FALLBACK.get(m, m)).value is not None
    else m
    for m in wanted
]
change = aggregate.period_change(s.db, s.settings, HEADLINE, days=30)
outbound, excluded = d["outbound_conversations"], d["excluded_conversations"]
parts = [f"{outbound:,} outbound"] * bool(outbound) + [f"{excluded:,} of excluded customers"] * bool(excluded)
left_out = f" {d['conversations'] - outbound - excluded:,} counted ({' and '.join(parts)} left out)." if parts else ""
st.caption(
    f"{d['conversations']:,} conversations ({d['ai_conversations']:,} AI, {d['human_conversations']:,} human) "
    f"from {d['start'][:10]} to {d['end'][:10]} (UTC).{left_out} Each card shows the whole period; its arrow shows "
    "the change from the 30 days before to the last 30 days."
)
data_notices(s, "overview")
cards(s, HEADLINE, overall, change.current, change.previous)
with st.expander("Targets: set a goal for these numbers"):
    st.caption("Each card then says whether its target is met; the trends draw it as a line and the Excel has it.")
    target_inputs(s, HEADLINE)

gap = (overall["deflection_rate"].value, overall["true_resolution_rate"].value) if ai else (None, None)
if None not in gap:
    st.info(
        f"Dashboards would report {gap[0]:.0%} deflection. Measured after the conversation, "
        f"{gap[1]:.0%} of AI conversations were truly resolved.",
        icon=":material/insights:",
    )
if ai:
    plot(charts.leak_waterfall(resolution.leak_waterfall(s.db)), "From AI conversations to truly resolved")
    st.caption(
        f"{info.pending:,} conversations are still inside their return or ticket window (they end less than "
        f"{s.settings.max_window_hours:g} h before {str(info.data_end)[:16]}): they are left out of resolution rates "
        "until their windows close."
    )
st.subheader("What to fix next")
found = current_insights(s)
if not ai:
    st.caption(NO_AI_INSIGHTS)
elif found:
    st.caption(
        f"The {min(5, len(found))} biggest of {len(found)} improvement opportunities found in this data, ranked by "
        "conversations a month (conservatively, so small samples do not jump the queue)."
    )
    for rank, i in enumerate(found[:5], 1):
        insight_panel(s, rank, i, f"overview-insight-{rank}")
    st.page_link("pages/insights.py", label=f"See all {len(found)} opportunities", icon=":material/list:")
else:
    st.caption("No significant improvement opportunity was found in this data.")
drill_down(
    s,
    [
        "true_resolution_rate",
        "deflection_rate",
        "deflection_resolution_gap",
        "containment_rate",
        "fcr_rate_ai",
        "escalation_rate",
    ]
    if ai
    else list(registry.HUMAN_HEADLINE),
    "overview",
)
