"""Monitor: the daily, weekly and monthly review cadence, with p-chart alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, business, monitoring, registry
from metrics.present import charts
from ui.frame import inside_frame
from ui.state import remembered, session, signals_or_stop

inside_frame()

s = session()
st.title("Monitor")
signals_or_stop(s)
found = remembered(s, "alerts", lambda: monitoring.alerts(s.db, s.settings))
st.subheader(f"Alerts ({len(found)})")
st.caption(
    f"A day is flagged when its rate is more than {s.settings.alert_sigma:g} standard errors worse than the "
    f"{s.settings.alert_baseline_days} days before it, on days with at least {s.settings.alert_min_n} "
    "conversations (escalation up, deflection or containment down). Settings in the sidebar."
)
if found:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Date": a.date,
                    "Series": registry.get(a.series).label,
                    "Segment": a.segment,
                    "Value": a.value * 100,
                    "Baseline": a.baseline * 100,
                    "n": a.n,
                    "How unusual (SE)": a.z,
                }
                for a in found
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Value": st.column_config.NumberColumn(format="%.1f%%"),
            "Baseline": st.column_config.NumberColumn(format="%.1f%%"),
            "How unusual (SE)": st.column_config.NumberColumn(format="%+.1f"),
        },
    )
else:
    st.success("No day stands out against its baseline.")

daily_tab, weekly_tab, monthly_tab = st.tabs(["Daily", "Weekly", "Monthly"])
with daily_tab:
    series = st.selectbox("Series", list(monitoring.SERIES), format_func=lambda i: registry.get(i).label)
    cats = [
        "(all)",
        *sorted(k for k in aggregate.compute(s.db, s.settings, [series], segment="category") if k != aggregate.ALL),
    ]
    cat = st.selectbox("Category", cats)
    pts = monitoring.daily(s.db, s.settings, series, by_category=cat != "(all)")
    pts = [p for p in pts if p["segment"] == cat]
    st.plotly_chart(
        charts.p_chart(pts, s.settings.alert_sigma, f"{registry.get(series).label} by day"), width="stretch"
    )
with weekly_tab:
    ids = ["csat_mean_ai", "sentiment_worsened_rate", "silent_exit_rate", "true_resolution_rate"]
    weekly = aggregate.compute(s.db, s.settings, ids, segment="week")
    weeks = sorted(k for k in weekly if k not in (aggregate.ALL, aggregate.NONE_KEY))
    for mid in ids:
        spec = registry.get(mid)
        st.plotly_chart(
            charts.trend(
                {spec.label: [(w, weekly[w][mid].value) for w in weeks]}, spec.label, percent=spec.unit == "rate"
            ),
            width="stretch",
        )
    vol = aggregate.compute(s.db, s.settings, ["deflection_rate"], segment="week")
    st.plotly_chart(
        charts.trend(
            {"AI conversations": [(w, vol[w]["deflection_rate"].denominator) for w in weeks]},
            "AI conversations per week",
            percent=False,
        ),
        width="stretch",
    )
with monthly_tab:
    months = business.monthly(s.db, s.settings)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Month": m.month,
                    "AI conversations": m.ai_conversations,
                    "AI resolutions": m.ai_resolved,
                    "Cost per AI resolution": m.cost_per_resolution_ai,
                    "Cost per resolution, all": m.cost_per_resolution_blended,
                    "Agent hours freed": m.hours_freed,
                }
                for m in months
            ]
        ),
        hide_index=True,
        width="stretch",
    )
