"""The finders behind "What to fix next": one function per kind of finding, each sized and evidenced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scipy import stats as sps

from metrics.compute import aggregate, efficiency, experience, monitoring, registry
from metrics.compute.catalog.experience import DROP_POP
from metrics.compute.evidence import Insight, answer_sentence, commonest_answers
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import bh_qvalues, worse_than_the_rest
from metrics.core import units
from metrics.core.db import Database, rows
from metrics.core.settings import Settings

ALPHA = 0.05  # Benjamini-Hochberg false discovery rate per finding kind
MIN_N = 20  # fewer conversations than this in a category: not tested
DAYS_PER_MONTH = 30.4375
RECENT_DAYS = 28  # CSAT dips: the latest four weeks ...
BASELINE_DAYS = 84  # ... against the twelve weeks before them
ALERT_DAYS = 7  # alerts from the last week of data


@dataclass(frozen=True)
class Context:
    db: Database
    s: Settings
    months: float
    minutes: dict[str, float]  # category -> mean human handle minutes


def months_live(db: Database) -> float | None:
    """Months the AI is live in the data: first to last day with an AI conversation."""
    first, last = rows(db.con, f"SELECT min(day), max(day) FROM {SIGNALS} WHERE is_ai")[0]
    return None if first is None else ((last - first).days + 1) / DAYS_PER_MONTH


def category_minutes(db: Database) -> dict[str, float]:
    return dict(
        rows(
            db.con,
            f"""SELECT category, avg(handle_minutes) FROM {SIGNALS}
                WHERE is_human AND handle_minutes IS NOT NULL GROUP BY 1""",
        )
    )


def _by_category(db: Database, s: Settings, ids: list[str], where: str = "", params: dict | None = None) -> dict:
    res = aggregate.compute(db, s, ids, segment="category", where=where, params=params)
    return {k: v for k, v in res.items() if k != aggregate.ALL}


def _in_category(cat: str, extra: str = "") -> tuple[str, dict]:
    where = aggregate.segment_filter("category", cat, "cat")
    return (f"{where} AND ({extra})" if extra else where), {"cat": cat}


def _priced(ctx: Context, conversations: float, minutes: float) -> tuple[float, float]:
    hours = conversations * minutes / 60
    return hours, hours * ctx.s.human_cost_per_hour


def _significant(cells: Iterable[tuple[Any, int, int, int, int]], worse: str) -> list[tuple[Any, float]]:
    return [(key, q) for key, _p, q in worse_than_the_rest(cells, worse, MIN_N, ALPHA)]


def _against_the_rest(res: dict, mid: str) -> tuple[dict, int, int, list]:
    """Categories with a denominator, the totals, and cells (category, k, n, k_rest, n_rest)."""
    cats = {c: r[mid] for c, r in res.items() if r[mid].denominator}
    k_all = sum(r.numerator for r in cats.values())
    n_all = sum(r.denominator for r in cats.values())
    cells = [(c, r.numerator, r.denominator, k_all - r.numerator, n_all - r.denominator) for c, r in cats.items()]
    return cats, k_all, n_all, cells


def _topic(cat: str) -> str:
    return "uncategorised" if cat == aggregate.NONE_KEY else cat


def _count(x: float, unit: str) -> str:
    """'1 agent hour', '12 agent hours'."""
    return f"{x:,.0f} {unit}" + ("" if round(x) == 1 else "s")


def _q(q: float) -> str:
    return "q < 0.001" if q < 0.001 else f"q = {q:.3f}"


# ---------------------------------------------------------------- the finders


def weak_categories(ctx: Context) -> list[Insight]:
    mid = "true_resolution_rate"
    cats, k_all, n_all, cells = _against_the_rest(_by_category(ctx.db, ctx.s, [mid]), mid)
    if not n_all:
        return []
    overall = k_all / n_all
    out = []
    for cat, q in _significant(cells, "lower"):
        r = cats[cat]
        per_month = r.denominator / ctx.months
        more = (overall - r.value) * per_month
        minutes = ctx.minutes.get(cat, ctx.s.human_minutes_per_conversation)
        hours, cost = _priced(ctx, more, minutes)
        cost -= more * ctx.s.ai_fee_per_resolution
        where, params = _in_category(cat, "is_ai AND matured AND NOT truly_resolved")
        rest = (k_all - r.numerator) / (n_all - r.denominator) if n_all > r.denominator else overall
        out.append(
            Insight(
                "weak_category",
                f"category={cat}",
                f"The AI truly resolves {r.value:.0%} of {_topic(cat)} conversations against {overall:.0%} overall. "
                f"At the overall rate it would resolve {more:,.0f} more a month, freeing {_count(hours, 'agent hour')} "
                f"and saving {cost:,.0f} {ctx.s.currency} a month.",
                more,
                r.denominator,
                hours,
                cost,
                f"{r.numerator:,} of {r.denominator:,} AI conversations with closed windows truly resolved "
                f"(95% CI {r.ci_low:.0%} to {r.ci_high:.0%}) vs {overall:.1%} over all categories; {_q(q)} against "
                f"the other categories. Sized with {minutes:.1f} agent minutes per conversation (this category's "
                f"human handle time) at {ctx.s.human_cost_per_hour:,.2f} per hour, net of the AI fee of "
                f"{ctx.s.ai_fee_per_resolution:,.2f} per resolution; {ctx.months:.1f} months of AI data.",
                f"Read the unresolved {_topic(cat)} conversations with those outcomes first: fill the knowledge "
                "gaps or give the AI the action it lacks, or route this topic to humans from the start.",
                where,
                params,
                f"{_topic(cat).capitalize()}: the AI truly resolves {r.value:.0%} vs {rest:.0%} in other categories",
                explain=True,
            )
        )
    return out


def inappropriate_escalations(ctx: Context) -> list[Insight]:
    mid, fcr = "escalation_inappropriate_share", "fcr_rate_human"
    res = _by_category(ctx.db, ctx.s, [mid, fcr])
    cats, k_all, n_all, cells = _against_the_rest(res, mid)
    minutes = dict(
        rows(
            ctx.db.con,
            f"""SELECT category, sum(coalesce(handle_minutes, $m)) FROM {SIGNALS}
                WHERE is_ai AND escalated AND NOT escalation_is_appropriate GROUP BY 1""",
            {"m": ctx.s.escalation_minutes},
        )
    )
    out = []
    for cat, q in _significant(cells, "higher"):
        r = cats[cat]
        rest = (k_all - r.numerator) / (n_all - r.denominator)
        per_month = r.numerator / ctx.months
        hours = float(minutes.get(cat, 0)) / 60 / ctx.months
        cost = hours * ctx.s.human_cost_per_hour
        h = res[cat][fcr]
        humans = (
            f" that humans resolve on first contact {h.value:.0%} of the time"
            if h.value is not None and h.denominator >= MIN_N
            else ""
        )
        where, params = _in_category(cat, "is_ai AND escalated AND NOT escalation_is_appropriate")
        out.append(
            Insight(
                "inappropriate_escalation",
                f"category={cat}",
                f"The AI hands over {_topic(cat)} conversations{humans}: {r.value:.0%} of its {_topic(cat)} handovers were not "
                f"needed, against {rest:.0%} in other categories. That is {per_month:,.0f} handovers a month, "
                f"{_count(hours, 'agent hour')} and {cost:,.0f} {ctx.s.currency} in agent cost.",
                per_month,
                r.denominator,
                hours,
                cost,
                f"{r.numerator:,} of {r.denominator:,} escalations judged inappropriate (QA tags where present, "
                f"else the escalation rules in the settings; 95% CI {r.ci_low:.0%} to {r.ci_high:.0%}); {_q(q)} "
                f"against the other categories. Agent time is the handovers' handle minutes (else "
                f"{ctx.s.escalation_minutes:g} minutes each) at {ctx.s.human_cost_per_hour:,.2f} per hour.",
                f"Review the escalation triggers for {_topic(cat)} behind those reasons: these handovers rarely "
                "need a human.",
                where,
                params,
                f"{_topic(cat).capitalize()}: {r.value:.0%} of the AI's handovers were not needed (vs {rest:.0%})",
                explain=True,
            )
        )
    return out


def drop_off_hot_spots(ctx: Context) -> list[Insight]:
    out = []
    spots = experience.hot_spots(ctx.db, min_reached=MIN_N, alpha=ALPHA)
    answers = commonest_answers(ctx.db, f"{DROP_POP} AND silent_exit") if spots else {}
    for h in spots:
        per_month = h.reached / ctx.months
        excess = (h.rate - h.rest_rate) * per_month
        where, params = _in_category(h.category, f"{DROP_POP} AND silent_exit AND exit_turn = $k")
        n = experience.ordinal(h.k)
        out.append(
            Insight(
                "drop_off",
                f"category={h.category}",
                f"{h.sentence} That is {excess:,.0f} more customers a month leaving without an answer that worked.",
                excess,
                h.reached,
                None,
                None,
                f"{h.exits:,} of {h.reached:,} {h.category} conversations that reached the AI's {n} answer ended "
                f"there in silence ({h.rate:.1%}, vs {h.rest_rate:.1%} in other categories at that answer); "
                f"{_q(h.q_value)} over all category and answer cells.",
                answer_sentence(answers.get((h.category, h.k)))
                + f"Read the AI's {n} answer in {_topic(h.category)} conversations and the knowledge article behind "
                "it: customers stop there.",
                where,
                {**params, "k": h.k},
                f"{_topic(h.category).capitalize()}: {h.rate:.0%} stop after the AI's {n} answer "
                f"(vs {h.rest_rate:.0%})",
            )
        )
    return out


def sentiment_worsening(ctx: Context) -> list[Insight]:
    w, i = "sentiment_worsened_rate", "sentiment_improved_rate"
    res = _by_category(ctx.db, ctx.s, [w, i])
    tested = []
    for cat, r in res.items():
        worse, better = r[w].numerator or 0, r[i].numerator or 0
        if worse + better >= MIN_N:
            p = sps.binomtest(worse, worse + better, 0.5, alternative="greater").pvalue
            tested.append((cat, worse, better, r[w].denominator, float(p)))
    out = []
    for (cat, worse, better, n, _), q in zip(tested, bh_qvalues([t[-1] for t in tested])):
        if q >= ALPHA:
            continue
        excess = (worse - better) / ctx.months
        where, params = _in_category(cat, "is_ai AND trajectory = 'worsened'")
        out.append(
            Insight(
                "sentiment_worsening",
                f"category={cat}",
                f"In {_topic(cat)} conversations with the AI, customers end in a worse mood more often than a better one "
                f"({worse:,} worsened, {better:,} improved): {excess:,.0f} more worsened than improved a month.",
                excess,
                worse + better,
                None,
                None,
                f"Of {n:,} AI conversations with sentiment at both ends, {worse:,} worsened and {better:,} improved "
                f"(sign test, {_q(q)} across categories).",
                f"Read the worsened {_topic(cat)} conversations for tone and dead ends: the AI's answers leave "
                "these customers unhappier than they came.",
                where,
                params,
                f"{_topic(cat).capitalize()}: {worse:,} customers left worse off, {better:,} better",
                explain=True,
            )
        )
    return out


def csat_dips(ctx: Context) -> list[Insight]:
    mid = "csat_satisfied_rate_ai"
    end = rows(ctx.db.con, f"SELECT max(day) FROM {SIGNALS} WHERE is_ai AND csat IS NOT NULL")[0][0]
    if end is None:
        return []
    window = "day > $end - $recent"
    base = "day <= $end - $recent AND day > $end - $recent - $base"
    p = {"end": end, "recent": RECENT_DAYS, "base": BASELINE_DAYS}
    recent = _by_category(ctx.db, ctx.s, [mid], window, {"end": end, "recent": RECENT_DAYS})
    before = _by_category(ctx.db, ctx.s, [mid], base, p)
    cells = [
        (c, r[mid].numerator, r[mid].denominator, before[c][mid].numerator, before[c][mid].denominator)
        for c, r in recent.items()
        if c in before and r[mid].denominator and before[c][mid].denominator
    ]
    out = []
    for cat, q in _significant(cells, "lower"):
        r, b = recent[cat][mid], before[cat][mid]
        per_month = r.denominator / RECENT_DAYS * DAYS_PER_MONTH
        fewer = (b.value - r.value) * per_month
        where, params = _in_category(
            cat, f"is_ai AND NOT escalated AND csat IS NOT NULL AND NOT satisfied AND {window}"
        )
        out.append(
            Insight(
                "csat_dip",
                f"category={cat}",
                f"Satisfaction with the AI on {_topic(cat)} fell to {r.value:.0%} in the last four weeks from {b.value:.0%} "
                f"in the twelve weeks before: {fewer:,.0f} fewer satisfied customers a month among those who "
                "answered the survey.",
                fewer,
                min(r.denominator, b.denominator),
                None,
                None,
                f"{r.numerator:,} of {r.denominator:,} survey answers satisfied (CSAT at least "
                f"{ctx.s.satisfied_min:g}) in the 28 days to {end}, vs {b.numerator:,} of {b.denominator:,} in the "
                f"84 days before; {_q(q)} across categories.",
                f"Find what changed for {_topic(cat)} in the last four weeks: a release, a policy, a knowledge "
                "article, or a new kind of question.",
                where,
                {**params, "end": end, "recent": RECENT_DAYS},
                f"{_topic(cat).capitalize()}: satisfaction with the AI fell to {r.value:.0%} from {b.value:.0%}",
                explain=True,
            )
        )
    return out


def peak_quality(ctx: Context) -> list[Insight]:
    res = aggregate.compute(ctx.db, ctx.s, ["peak_true_resolution_rate", "offpeak_true_resolution_rate"])
    c = efficiency.peak_vs_offpeak(res[aggregate.ALL], "true_resolution_rate")
    pk, off, t = c.peak, c.offpeak, c.test
    if not pk.denominator or not off.denominator:
        return []
    if t.p_value is None or t.p_value >= ALPHA or t.effect >= 0:
        return []
    per_month = pk.denominator / ctx.months
    more = -t.effect * per_month
    minutes = rows(
        ctx.db.con,
        f"SELECT avg(handle_minutes) FROM {SIGNALS} WHERE is_human AND handle_minutes IS NOT NULL",
    )[0][0]
    minutes = float(minutes) if minutes is not None else ctx.s.human_minutes_per_conversation
    hours, cost = _priced(ctx, more, minutes)
    cost -= more * ctx.s.ai_fee_per_resolution
    return [
        Insight(
            "peak_quality",
            "(all)",
            f"At peak load the AI truly resolves {pk.value:.0%} of conversations against {off.value:.0%} off-peak. "
            f"Off-peak quality at peak would resolve {more:,.0f} more a month, {_count(hours, 'agent hour')} and "
            f"{cost:,.0f} {ctx.s.currency} in cost.",
            more,
            pk.denominator,
            hours,
            cost,
            f"{pk.numerator:,} of {pk.denominator:,} peak conversations vs {off.numerator:,} of {off.denominator:,} "
            f"off-peak (peak = the busiest {100 - ctx.s.peak_percentile:g}% by concurrent AI conversations); "
            f"difference {t.effect * 100:.1f} points (95% CI {t.ci_low * 100:.1f} to {t.ci_high * 100:.1f}), "
            f"{units.p_text(t.p_value)}. Sized with {minutes:.1f} agent minutes per conversation.",
            "Check what the AI does under load (timeouts, slower tools, queue hand-offs) and move overflow to "
            "humans earlier at peak times.",
            "is_ai AND matured AND peak AND NOT truly_resolved",
            {},
            f"Peak load: the AI truly resolves {pk.value:.0%} vs {off.value:.0%} off-peak",
            explain=True,
        )
    ]


def recent_alerts(ctx: Context, found: list[monitoring.Alert]) -> list[Insight]:
    if not found:
        return []
    last = max(a.date for a in found)
    latest = rows(ctx.db.con, f"SELECT max(day) FROM {SIGNALS}")[0][0]
    out = []
    for a in found:
        if (latest - a.date).days >= ALERT_DAYS:
            continue
        spec = registry.get(a.series)
        excess = abs(a.value - a.baseline) * a.n
        seg = "all conversations" if a.segment == "(all)" else a.segment.split("=", 1)[1]
        where = f"day = $day AND ({spec.sql(spec.population, ctx.s)})"
        params: dict = {"day": a.date}
        if a.segment != "(all)":
            w, params2 = _in_category(seg)
            where, params = f"{where} AND {w}", {**params, **params2}
        out.append(
            Insight(
                "alert",
                a.segment,
                f"On {a.date} {spec.label.lower()} was {a.value:.0%} for {seg} against {a.baseline:.0%} over the "
                f"{ctx.s.alert_baseline_days} days before: {excess:,.0f} conversations out of line that day.",
                excess,
                a.n,
                None,
                None,
                f"{a.n:,} conversations that day; {abs(a.z or 0):.1f} standard errors from the baseline (alerts "
                f"fire beyond {ctx.s.alert_sigma:g}). Latest alert day in the data: {last}.",
                "Read that day's conversations (Monitor page): look for an outage, a release or a campaign.",
                where,
                params,
                f"{a.date}: {spec.label.lower()} {a.value:.0%} for {seg} (usually {a.baseline:.0%})",
                explain=True,
            )
        )
    return out
