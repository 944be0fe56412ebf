"""Business impact: a live cost-per-resolution calculator, capacity freed, revenue protection, pre-AI baseline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from metrics.compute import aggregate, business, changes
from metrics.core import settings as settings_mod
from metrics.core.errors import SettingsError
from metrics.present import charts, formatting
from metrics.present.formatting import p_value, test_name
from ui.frame import inside_frame
from ui.sidebar import number_format
from ui.state import change_settings, remembered, session, signals_or_stop
from ui.text import md_escape
from ui.widgets import card, cards, has_ai, plot, show_table

inside_frame()

s = session()
st.title("Business impact")
signals_or_stop(s)

st.subheader(f"Cost inputs (in {s.settings.currency})")
COST_INPUTS = [k for k in settings_mod.in_group("Costs") if k != "currency"]
# four to a row: seven in one row cut "2000.00" to "2000.0" at 1440 px
input_cols = [c for _ in range(0, len(COST_INPUTS) + 1, 4) for c in st.columns(4)]
costs = {}
for col, name in zip(input_cols, COST_INPUTS):
    m = settings_mod.META[name]
    costs[name] = col.number_input(
        m.label,
        m.lo,
        m.hi,
        float(getattr(s.settings, name)),
        m.step,
        format=number_format(m),
        key="cost-" + name,
        help=m.help,
    )
currency = input_cols[len(COST_INPUTS)].text_input(
    settings_mod.META["currency"].label, s.settings.currency, max_chars=3, key="cost-currency"
)
try:
    change_settings(s.settings.replace(**costs, currency=currency or "USD"))
except SettingsError as e:
    st.error(str(e))
    change_settings(s.settings.replace(**costs))
cur = s.settings.currency
if s.settings.example_prices:
    st.warning(
        "These costs use example prices: enter your license, AI fees, agent cost per hour and minutes above. "
        f"Still at the example values: {', '.join(settings_mod.META[k].label for k in s.settings.example_prices)}."
    )
months = business.monthly(s.db, s.settings)
res = business.cost_results(months, s.settings)
tr = aggregate.compute(s.db, s.settings, ["true_resolution_rate"])[aggregate.ALL]["true_resolution_rate"].value
be = business.break_even(months, s.settings, tr)
fallback = sum(m.minutes_from_settings for m in months)
lic = sum(1 for m in months if m.licensed)

cards(s, ["cost_per_resolution_ai", "cost_per_resolution_human", "cost_per_resolution_blended"], res)
if has_ai(s):
    cols = st.columns(3)
    card(cols[0], "capacity_hours_freed", res["capacity_hours_freed"])
    card(cols[1], "capacity_fte", res["capacity_fte"])
    cols[2].metric(
        "Break-even AI resolutions per month",
        "never" if be is None else f"{be:,.0f}",
        help="Resolutions a month at which the AI's cost per resolution equals the human one, with the "
        "observed true-resolution rate.",
    )
st.caption(
    f"Inputs behind these figures: {lic} license months x {s.settings.license_per_month:,.2f} {cur}; fees "
    f"{s.settings.ai_fee_per_conversation:,.2f} {cur} per AI conversation and {s.settings.ai_fee_per_resolution:,.2f} "
    f"{cur} per true resolution; agents at {s.settings.human_cost_per_hour:,.2f} {cur} per hour. The agent-minutes settings were used for "
    f"{fallback:,} conversations without their own handle time; the rest use theirs. Capacity uses each category's mean "
    f"human handle time. Pending conversations carry cost but are never resolutions."
)
table = pd.DataFrame(
    [
        {
            "Month": m.month,
            "License": "yes" if m.licensed else "",
            "AI conversations": m.ai_conversations,
            "AI resolutions": m.ai_resolved,
            "Cost per AI resolution": m.cost_per_resolution_ai,
            "License per AI resolution": m.license_per_ai_resolution,
            "Cost per human resolution": m.cost_per_resolution_human,
            "Cost per resolution, all": m.cost_per_resolution_blended,
            "Agent hours freed": m.hours_freed,
            "FTE freed": m.fte_freed,
        }
        for m in months
    ]
)
plot(
    charts.trend(
        {
            k: list(zip(table["Month"], table[k]))
            for k in ("Cost per AI resolution", "Cost per human resolution", "Cost per resolution, all")
        },
        f"Cost per resolution by month, {cur} (before the deployment: the human baseline)",
        percent=False,
    ),
    "Cost per resolution by month",
)
show_table(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        k: st.column_config.NumberColumn(format=f"%.2f {cur}" if "ost" in k or "License per" in k else "%.1f")
        for k in table.columns
        if "ost" in k or "hours" in k or "FTE" in k or "License per" in k
    },
)

st.subheader("Revenue protection")
rev = business.revenue(s.db, s.settings)
if not has_ai(s):
    st.caption("Renewals are compared by the accounts' AI experience: this appears once AI conversations are loaded.")
elif rev is None:
    st.info(
        "Upload an accounts file (account_id, renewal_date, renewed, arr, health_score) and conversations with "
        "account_id to see how renewals relate to the AI experience."
    )
else:
    cols = st.columns(3)
    for col, mid in zip(cols, ["renewal_rate_good_ai", "renewal_rate_poor_ai", "arr_at_risk"]):
        card(col, mid, rev.results[mid])
    t = rev.test
    if t.effect is not None:
        st.write(
            f"Renewal difference, good minus poor AI experience: {t.effect * 100:+.1f} points "
            f"(95% CI {t.ci_low * 100:+.1f} to {t.ci_high * 100:+.1f}; p = {p_value(t.p_value)}, {test_name(t.test)}). "
            "This is an association, not proof that the AI caused it."
        )
    st.write(
        f"Correlation of an account's AI true-resolution rate with renewing: "
        f"{'n/a' if rev.corr_renewal is None else f'{rev.corr_renewal:.2f}'}; with its health score: "
        f"{'n/a' if rev.corr_health is None else f'{rev.corr_health:.2f}'}."
    )
    if rev.at_risk:
        st.caption("Accounts behind ARR at risk (poor AI experience, renewing within 90 days):")
        show_table(
            pd.DataFrame(rev.at_risk)[
                ["account_id", "segment", "arr", "renewal_day", "unresolved", "matured_ai"]
            ].rename(
                columns={
                    "account_id": "Account",
                    "segment": "Segment",
                    "arr": f"ARR ({cur})",
                    "renewal_day": "Renews on",
                    "unresolved": "Unresolved AI conversations",
                    "matured_ai": "AI conversations",
                }
            ),
            hide_index=True,
            width="stretch",
        )

st.subheader("Before and after the AI")
deploy, base = business.baseline(s.db, s.settings)
if deploy is None:
    st.info("No AI conversations yet, so there is no deployment date to compare around.")
else:
    st.caption(
        f"Deployment date {deploy} (the AI launch date setting; by default the day of the first AI conversation); before = the "
        f"{s.settings.baseline_months} months before it."
    )
    show_table(
        pd.DataFrame(
            [
                {
                    "Measure": b.label,
                    "Before": formatting.value(business.BASELINE_UNITS[b.name], b.pre, cur),
                    "After": formatting.value(business.BASELINE_UNITS[b.name], b.post, cur),
                    "Change": formatting.value_change(business.BASELINE_UNITS[b.name], b.effect, cur),
                    "Conversations before": b.n_pre,
                    "Conversations after": b.n_post,
                    "Test": test_name(b.test),
                    "p": p_value(b.p_value),
                }
                for b in base
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "p": st.column_config.TextColumn(help="The chance of a difference this large if there were none.")
        },
    )
    launch = [
        e
        for e in remembered(s, "change_effects", lambda: changes.effects(s.db, s.settings))
        if e.change == "the AI launch"
    ]
    if launch:
        st.markdown("**Against the trend before the launch** (interrupted time series, as on Changes and next weeks):")
        for e in launch:
            st.markdown(f"- {md_escape(e.sentence)}")
st.caption(md_escape("Cost settings are saved with the other settings (sidebar, Settings file)."))
