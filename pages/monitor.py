"""Monitor: the daily, weekly and monthly review cadence, with p-chart alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, business, monitoring, registry, targets
from metrics.present import charts
from ui.frame import inside_frame
from ui.state import remembered, session, signals_or_stop
from ui.widgets import has_ai, plot, show_table, shown

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
if not has_ai(s):
    st.caption(
        "Alerts watch the AI's daily escalation, deflection and containment: they start once AI conversations "
        "are loaded."
    )
elif found:
    show_table(
        pd.DataFrame(
            [
                {
                    "Date": a.date,
                    "Series": registry.get(a.series).label,
                    "Category": "All" if a.segment == "(all)" else a.segment,
                    "Value": a.value * 100,
                    "Baseline": a.baseline * 100,
                    "Conversations": a.n,
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
    if has_ai(s):
        series = st.selectbox("Series", list(monitoring.SERIES), format_func=lambda i: registry.get(i).label)
        cats = [
            "(all)",
            *sorted(k for k in aggregate.compute(s.db, s.settings, [series], segment="category") if k != aggregate.ALL),
        ]
        cat = st.selectbox("Category", cats)
        pts = monitoring.daily(s.db, s.settings, series, by_category=cat != "(all)")
        pts = [p for p in pts if p["segment"] == cat]
        marks = tuple(a.date for a in found if a.series == series and a.segment == cat)
        plot(charts.p_chart(pts, s.settings.alert_sigma, f"{registry.get(series).label} by day", marks), "Daily rate")
        if marks:
            st.caption(f"Circled: the {len(marks)} day(s) that raised an alert.")
    else:
        st.caption("The daily AI series (escalation, deflection, containment) start once AI conversations are loaded.")
with weekly_tab:
    ids = shown(
        s,
        ["csat_mean_ai", "sentiment_worsened_rate", "silent_exit_rate", "true_resolution_rate"]
        if has_ai(s)
        else ["csat_mean_human", "fcr_rate_human", "return_rate_human", "ttfr_median_s_human"],
    )
    weekly = aggregate.compute(s.db, s.settings, ids, segment="week")
    weeks = sorted(k for k in weekly if k not in (aggregate.ALL, aggregate.NONE_KEY))
    partial = aggregate.partial_weeks(s.db)
    goals, _ = targets.parse(s.settings)
    for mid in ids:
        spec = registry.get(mid)
        per = 3600 if spec.unit == "seconds" else 1
        label = spec.label + (" (hours)" if spec.unit == "seconds" else "")
        plot(
            charts.trend(
                {
                    spec.label: [
                        (w, None if weekly[w][mid].value is None else weekly[w][mid].value / per) for w in weeks
                    ]
                },
                label,
                percent=spec.unit == "rate",
                partial=partial,
                goals={spec.label: goals[mid] / per} if mid in goals else None,
            ),
            spec.label,
        )
    who = "deflection_rate" if has_ai(s) else "fcr_rate_human"
    vol = aggregate.compute(s.db, s.settings, [who], segment="week")
    plot(
        charts.trend(
            {"Conversations": [(w, vol[w][who].denominator or None) for w in weeks]},
            "AI conversations per week" if has_ai(s) else "Human conversations per week (windows closed)",
            percent=False,
            partial=partial,
        ),
        "Conversations per week",
    )
with monthly_tab:
    months = business.monthly(s.db, s.settings)
    cur = s.settings.currency
    plot(
        charts.trend(
            {
                "Cost per AI resolution": [(m.month, m.cost_per_resolution_ai) for m in months],
                "Cost per resolution, all": [(m.month, m.cost_per_resolution_blended) for m in months],
            },
            f"Cost per resolution by month ({cur})",
            percent=False,
        ),
        "Cost per resolution by month",
    )
    if has_ai(s):
        plot(
            charts.trend(
                {
                    "AI conversations": [(m.month, m.ai_conversations or None) for m in months],
                    "AI resolutions": [(m.month, m.ai_resolved or None) for m in months],
                },
                "AI conversations and resolutions by month",
                percent=False,
            ),
            "AI conversations by month",
        )
        plot(
            charts.trend(
                {"Agent hours freed": [(m.month, m.hours_freed) for m in months]},
                "Agent hours freed by month",
                percent=False,
            ),
            "Agent hours freed by month",
        )
