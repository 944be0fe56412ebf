"""Business impact (SPEC section 4): cost per resolution, capacity freed, revenue protection, pre-AI baseline.

Costs are pure aggregation over the signals relation plus the cost settings, so a cost
change never recomputes signals. Not broken down by category (SPEC section 7).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from metrics.compute.aggregate import MetricResult
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import TestResult, mann_whitney_p, two_proportions, wilson
from metrics.core.db import Database, dicts, rows, scalar
from metrics.core.settings import Settings


def deployment_date(db: Database, s: Settings) -> dt.date | None:
    """The setting, else the day of the first AI conversation."""
    if s.deployment_date:
        return dt.date.fromisoformat(s.deployment_date)
    first = scalar(db.con, f"SELECT min(created_at) FROM {SIGNALS} WHERE is_ai")
    return None if first is None else first.date()


_MONTHLY = """
WITH cat_minutes AS (
    SELECT category, avg(handle_minutes) AS m FROM {t} WHERE is_human AND handle_minutes IS NOT NULL GROUP BY 1
)
SELECT s.month,
    count(*) FILTER (WHERE is_ai) AS ai_conversations,
    count(*) FILTER (WHERE truly_resolved) AS ai_resolved,
    count(*) FILTER (WHERE is_human) AS human_conversations,
    count(*) FILTER (WHERE is_human AND resolved) AS human_resolved,
    count(*) FILTER (WHERE is_ai AND escalated AND resolved) AS escalated_resolved,
    coalesce(sum(coalesce(handle_minutes, $hmpc)) FILTER (WHERE is_human), 0) AS human_minutes,
    coalesce(sum(coalesce(handle_minutes, $esc_min)) FILTER (WHERE is_ai AND escalated), 0) AS escalation_minutes,
    count(*) FILTER (WHERE is_human AND handle_minutes IS NULL)
        + count(*) FILTER (WHERE is_ai AND escalated AND handle_minutes IS NULL) AS minutes_from_settings,
    coalesce(sum(coalesce(cm.m, $hmpc)) FILTER (WHERE truly_resolved), 0) / 60 AS hours_freed
FROM {t} s LEFT JOIN cat_minutes cm ON cm.category = s.category
GROUP BY s.month ORDER BY s.month
"""


@dataclass(frozen=True)
class Month:
    month: str
    licensed: bool
    ai_conversations: int
    ai_resolved: int
    human_conversations: int
    human_resolved: int
    escalated_resolved: int
    ai_cost: float
    human_cost: float
    escalation_cost: float
    hours_freed: float
    minutes_from_settings: int
    license: float  # the fee charged this month (0 before the deployment month)
    fte_freed: float | None  # hours freed / fte_hours_per_month, in licensed months

    @property
    def license_per_ai_resolution(self) -> float | None:
        return self.license / self.ai_resolved if self.license and self.ai_resolved else None

    @property
    def cost_per_resolution_ai(self) -> float | None:
        return self.ai_cost / self.ai_resolved if self.ai_resolved else None

    @property
    def cost_per_resolution_human(self) -> float | None:
        return self.human_cost / self.human_resolved if self.human_resolved else None

    @property
    def cost_per_resolution_blended(self) -> float | None:
        n = self.ai_resolved + self.escalated_resolved + self.human_resolved
        return (self.ai_cost + self.human_cost + self.escalation_cost) / n if n else None


def monthly(db: Database, s: Settings) -> list[Month]:
    """Cost and capacity per UTC calendar month; months from the deployment month on carry the license."""
    deploy = deployment_date(db, s)
    first_month = deploy.strftime("%Y-%m") if deploy else None
    out = []
    for r in dicts(
        db.con, _MONTHLY.format(t=SIGNALS), {"hmpc": s.human_minutes_per_conversation, "esc_min": s.escalation_minutes}
    ):
        licensed = first_month is not None and r["month"] >= first_month
        license_fee = s.license_per_month if licensed else 0.0
        ai_cost = (
            license_fee + s.ai_fee_per_conversation * r["ai_conversations"] + s.ai_fee_per_resolution * r["ai_resolved"]
        )
        hours = float(r["hours_freed"])
        out.append(
            Month(
                r["month"],
                licensed,
                r["ai_conversations"],
                r["ai_resolved"],
                r["human_conversations"],
                r["human_resolved"],
                r["escalated_resolved"],
                ai_cost,
                s.human_cost_per_hour * float(r["human_minutes"]) / 60,
                s.human_cost_per_hour * float(r["escalation_minutes"]) / 60,
                hours,
                r["minutes_from_settings"],
                license_fee,
                hours / s.fte_hours_per_month if licensed else None,
            )
        )
    return out


def _ratio(mid: str, num: float, den: int) -> MetricResult:
    return MetricResult(mid, num / den if den else None, num, den, None, None)


def cost_results(months: list[Month], s: Settings) -> dict[str, MetricResult]:
    """The headline cost and capacity metrics over the whole data range."""
    ai_cost = sum(m.ai_cost for m in months)
    ai_res = sum(m.ai_resolved for m in months)
    human_cost = sum(m.human_cost for m in months)
    human_res = sum(m.human_resolved for m in months)
    esc_cost = sum(m.escalation_cost for m in months)
    esc_res = sum(m.escalated_resolved for m in months)
    hours = sum(m.hours_freed for m in months)
    license_months = sum(1 for m in months if m.licensed)
    fte_den = s.fte_hours_per_month * license_months
    ai_any = any(m.ai_conversations for m in months)
    return {
        "cost_per_resolution_ai": _ratio("cost_per_resolution_ai", ai_cost, ai_res)
        if ai_any
        else MetricResult("cost_per_resolution_ai", None, None, None, None, None),
        "cost_per_resolution_human": _ratio("cost_per_resolution_human", human_cost, human_res),
        "cost_per_resolution_blended": _ratio(
            "cost_per_resolution_blended", ai_cost + human_cost + esc_cost, ai_res + esc_res + human_res
        ),
        "capacity_hours_freed": MetricResult(
            "capacity_hours_freed", hours if ai_any else None, None, ai_res, None, None
        ),
        "capacity_fte": MetricResult(
            "capacity_fte", hours / fte_den if fte_den else None, hours, fte_den or None, None, None
        ),
    }


def break_even(months: list[Month], s: Settings, true_resolution_rate: float | None) -> float | None:
    """AI resolutions per month at which the AI cost per resolution equals the human one.

    With R resolutions a month and true-resolution rate r, the AI handles R / r conversations, so its cost per
    resolution is license / R + fee_per_conversation / r + fee_per_resolution. Setting that equal to the human
    cost per resolution H gives R = license / (H - fee_per_resolution - fee_per_conversation / r); no break-even
    (None) when the fees alone cost more than H.
    """
    human = cost_results(months, s)["cost_per_resolution_human"].value
    if human is None or not true_resolution_rate:
        return None
    margin = human - s.ai_fee_per_resolution - s.ai_fee_per_conversation / true_resolution_rate
    if margin <= 0:
        return None
    return s.license_per_month / margin


# ---------------------------------------------------------------- revenue protection


@dataclass(frozen=True)
class Revenue:
    results: dict[str, MetricResult]
    test: TestResult
    accounts: list[dict]  # per account with a renewal date: experience group and numbers
    at_risk: list[dict]
    corr_renewal: float | None
    corr_health: float | None


def revenue(db: Database, s: Settings) -> Revenue | None:
    """Renewals by AI experience in the lookback before each renewal; None without usable accounts."""
    n_acc = scalar(db.con, "SELECT count(*) FROM accounts WHERE renewal_date IS NOT NULL")
    if not n_acc:
        return None
    accounts = dicts(
        db.con,
        f"""WITH a AS (SELECT account_id, segment, arr, health_score, renewed,
                             CAST(renewal_date AS DATE) AS renewal_day FROM accounts WHERE renewal_date IS NOT NULL),
            x AS (
                SELECT a.account_id,
                    count(s.conversation_id) FILTER (WHERE s.matured) AS matured_ai,
                    count(s.conversation_id) FILTER (WHERE s.matured AND NOT s.truly_resolved) AS unresolved,
                    count(s.conversation_id) FILTER (WHERE s.truly_resolved) AS resolved
                FROM a LEFT JOIN {SIGNALS} s ON s.account_id = a.account_id AND s.is_ai
                    AND s.created_at >= CAST(a.renewal_day - to_days($lookback) AS TIMESTAMPTZ)
                    AND s.created_at < CAST(a.renewal_day AS TIMESTAMPTZ)
                GROUP BY 1)
            SELECT a.*, x.matured_ai, x.unresolved, x.resolved,
                CASE WHEN x.unresolved >= $poor THEN 'poor' WHEN x.matured_ai >= 1 THEN 'good' END AS experience,
                x.resolved / nullif(x.matured_ai, 0) AS true_resolution_rate
            FROM a JOIN x USING (account_id) ORDER BY a.account_id""",
        {"lookback": s.revenue_lookback_days, "poor": s.poor_experience_min_unresolved},
    )
    data_end = scalar(db.con, f"SELECT max(data_end) FROM {SIGNALS}")
    known = [a for a in accounts if a["renewed"] is not None]

    def rate(group: str, mid: str) -> MetricResult:
        grp = [a for a in known if a["experience"] == group]
        k, n = sum(1 for a in grp if a["renewed"]), len(grp)
        lo, hi = wilson(k, n)
        return MetricResult(mid, k / n if n else None, k, n, lo, hi)

    good, poor = rate("good", "renewal_rate_good_ai"), rate("poor", "renewal_rate_poor_ai")
    test = two_proportions(good.numerator or 0, good.denominator or 0, poor.numerator or 0, poor.denominator or 0)
    horizon = None if data_end is None else (data_end + dt.timedelta(days=90)).date()
    at_risk = [
        a
        for a in accounts
        if a["experience"] == "poor" and horizon is not None and data_end.date() < a["renewal_day"] <= horizon
    ]
    arr = sum(a["arr"] or 0 for a in at_risk)
    results = {
        "renewal_rate_good_ai": good,
        "renewal_rate_poor_ai": poor,
        "arr_at_risk": MetricResult("arr_at_risk", arr, None, len(at_risk), None, None),
    }
    with_rate = [a for a in known if a["true_resolution_rate"] is not None]
    corr_r = _pearson([a["true_resolution_rate"] for a in with_rate], [1.0 if a["renewed"] else 0.0 for a in with_rate])
    with_h = [a for a in accounts if a["true_resolution_rate"] is not None and a["health_score"] is not None]
    corr_h = _pearson([a["true_resolution_rate"] for a in with_h], [a["health_score"] for a in with_h])
    return Revenue(results, test, accounts, at_risk, corr_r, corr_h)


def _pearson(x: list[float], y: list[float]) -> float | None:
    n = len(x)
    if n < 3:
        return None
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return None
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / math.sqrt(sxx * syy)


def results(db: Database, s: Settings, true_resolution_rate: float | None = None) -> dict[str, MetricResult]:
    """Every business-impact metric id (null where the data cannot support it)."""
    out = cost_results(monthly(db, s), s)
    rev = revenue(db, s)
    for mid in ("renewal_rate_good_ai", "renewal_rate_poor_ai", "arr_at_risk"):
        out[mid] = rev.results[mid] if rev else MetricResult(mid, None, None, None, None, None)
    return out


def warnings(db: Database) -> list[str]:
    if rows(db.con, "SELECT count(*) FROM accounts WHERE renewal_date IS NOT NULL")[0][0]:
        return []
    return [
        f"{mid}: needs an accounts file with renewal_date and renewed; value is null."
        for mid in ("renewal_rate_good_ai", "renewal_rate_poor_ai", "arr_at_risk")
    ]


# ---------------------------------------------------------------- pre-AI baseline


@dataclass(frozen=True)
class BaselineRow:
    name: str
    label: str
    pre: float | None
    post: float | None
    n_pre: int
    n_post: int
    test: str
    p_value: float | None
    effect: float | None  # post minus pre


# The unit of each before/after row (for showing it: metrics.present.formatting).
BASELINE_UNITS = {
    "ttfr_pre_vs_post": "seconds",
    "ttr_pre_vs_post": "seconds",
    "csat_pre_vs_post": "score",
    "return_rate_pre_vs_post": "rate",
    "cost_per_resolution_pre_vs_post": "currency",
    "weekly_volume_pre_vs_post": "count",
}


def baseline(db: Database, s: Settings) -> tuple[dt.date | None, list[BaselineRow]]:
    """Pre period = the baseline_months before the deployment date; post = from it on."""
    from scipy import stats as sps

    deploy = deployment_date(db, s)
    if deploy is None:
        return None, []
    y, m = deploy.year, deploy.month - s.baseline_months
    while m <= 0:
        y, m = y - 1, m + 12
    start = dt.date(y, m, min(deploy.day, 28))
    period = "CASE WHEN created_at < CAST($d AS TIMESTAMPTZ) THEN 'pre' ELSE 'post' END"
    where = "created_at >= CAST($start AS TIMESTAMPTZ)"
    p = {"d": deploy, "start": start}

    def compare_medians(expr: str, cond: str) -> tuple[float | None, float | None, int, int, float | None]:
        """Medians, counts and the Mann-Whitney p of pre vs post, ranked in SQL (no values fetched)."""
        n1, n2, r1, ties, a, b = rows(
            db.con,
            f"""WITH v AS (SELECT {period} AS g, {expr} AS x FROM {SIGNALS}
                           WHERE {where} AND {cond} AND {expr} IS NOT NULL),
                r AS (SELECT g, x, rank() OVER (ORDER BY x) + (count(*) OVER (PARTITION BY x) - 1) / 2.0 AS rk
                      FROM v)
                SELECT count(*) FILTER (WHERE g = 'pre'), count(*) FILTER (WHERE g = 'post'),
                    sum(rk) FILTER (WHERE g = 'pre'),
                    (SELECT sum(t * t * t - t) FROM (SELECT count(*)::DOUBLE AS t FROM v GROUP BY x)),
                    quantile_cont(x, 0.5) FILTER (WHERE g = 'pre'), quantile_cont(x, 0.5) FILTER (WHERE g = 'post')
                FROM r""",
            p,
        )[0]
        if n1 < 9 or n2 < 9:  # small samples: scipy's exact method on the few values
            got = {"pre": [], "post": []}
            for per, v in rows(
                db.con, f"SELECT {period}, {expr} FROM {SIGNALS} WHERE {where} AND {cond} AND {expr} IS NOT NULL", p
            ):
                got[per].append(float(v))
            pv = float(sps.mannwhitneyu(got["pre"], got["post"]).pvalue) if n1 > 1 and n2 > 1 else None
        else:
            pv = mann_whitney_p(n1, n2, float(r1), float(ties or 0))
        return a, b, n1, n2, pv

    out = []
    for name, label, expr, cond in (
        ("ttfr_pre_vs_post", "First response time, median", "ttfr_s", "true"),
        ("ttr_pre_vs_post", "Time to resolution, median", "ttr_s", "resolved_end"),
        ("csat_pre_vs_post", "CSAT, median (1-5)", "csat", "true"),
    ):
        a, b, n_pre, n_post, pv = compare_medians(expr, cond)
        out.append(
            BaselineRow(
                name, label, a, b, n_pre, n_post, "mann_whitney_u", pv, None if a is None or b is None else b - a
            )
        )
    k_pre, n_pre, k_post, n_post = rows(
        db.con,
        f"""SELECT count(*) FILTER (WHERE {period} = 'pre' AND returned), count(*) FILTER (WHERE {period} = 'pre'),
                   count(*) FILTER (WHERE {period} = 'post' AND returned), count(*) FILTER (WHERE {period} = 'post')
            FROM {SIGNALS} WHERE {where} AND matured""",
        p,
    )[0]
    t = two_proportions(k_post, n_post, k_pre, n_pre)
    out.append(
        BaselineRow(
            "return_rate_pre_vs_post",
            "Customers who came back (all)",
            k_pre / n_pre if n_pre else None,
            k_post / n_post if n_post else None,
            n_pre,
            n_post,
            t.test,
            t.p_value,
            t.effect,
        )
    )
    months = [mo for mo in monthly(db, s) if mo.month >= start.strftime("%Y-%m")]
    dm = deploy.strftime("%Y-%m")
    pre_c = [mo.cost_per_resolution_blended for mo in months if mo.month < dm and mo.cost_per_resolution_blended]
    post_c = [mo.cost_per_resolution_blended for mo in months if mo.month >= dm and mo.cost_per_resolution_blended]
    out.append(_welch("cost_per_resolution_pre_vs_post", "Cost per resolution, all (monthly mean)", pre_c, post_c))
    weekly = rows(db.con, f"SELECT {period}, week, count(*) FROM {SIGNALS} WHERE {where} GROUP BY 1, 2", p)
    out.append(
        _welch(
            "weekly_volume_pre_vs_post",
            "Conversations per week (mean)",
            [float(n) for per, _, n in weekly if per == "pre"],
            [float(n) for per, _, n in weekly if per == "post"],
        )
    )
    return deploy, out


def _welch(name: str, label: str, pre: list[float], post: list[float]) -> BaselineRow:
    from scipy import stats as sps

    a = sum(pre) / len(pre) if pre else None
    b = sum(post) / len(post) if post else None
    p = None
    if len(pre) > 1 and len(post) > 1:
        res = sps.ttest_ind(post, pre, equal_var=False)
        p = None if math.isnan(res.pvalue) else float(res.pvalue)
    return BaselineRow(name, label, a, b, len(pre), len(post), "welch_t", p, None if a is None or b is None else b - a)
