"""The full report (SPEC section 6 JSON shape), used by the CLI, the Excel writer and the app."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from metrics.compute import (
    aggregate,
    audit,
    business,
    changes,
    checks,
    efficiency,
    experience,
    forecast,
    gaps,
    insights,
    monitoring,
    questions,
    returns,
    signals,
    targets,
    topics,
    vendor,
)
from metrics.compute.findings import months_live
from metrics.compute.stats import TestResult, bh_qvalues
from metrics.core import units
from metrics.core.db import Database, rows, scalar
from metrics.core.settings import Settings
from metrics.load.ingest import LoadResult
from metrics.load.issues import ISSUES_TABLE


@dataclass(frozen=True)
class Capability:
    family: str
    available: bool
    detail: str  # what it uses, or what is missing


def _count(db: Database, sql: str) -> int:
    return int(scalar(db.con, sql) or 0)


def data_block(db: Database, settings: Settings | None = None) -> dict[str, Any]:
    """SPEC 6 `data`, plus who the metrics leave out (SPEC 8): outbound and excluded conversations."""
    con = db.con
    pop = checks.population(db, settings or Settings())
    n, ai, human, start, end = rows(
        con,
        """SELECT count(*), count(*) FILTER (WHERE handled_by = 'ai'), count(*) FILTER (WHERE handled_by = 'human'),
                  min(created_at), max(created_at) FROM conversations""",
    )[0]
    rejected = _count(db, f"SELECT count(*) FROM {ISSUES_TABLE} WHERE rejected")
    return {
        "conversations": n,
        "ai_conversations": ai,
        "human_conversations": human,
        "messages": _count(db, "SELECT count(*) FROM messages"),
        "accounts": _count(db, "SELECT count(*) FROM accounts"),
        "rejected_rows": rejected,
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "outbound_conversations": pop.outbound,
        "excluded_conversations": pop.excluded,
        "unknown_end_conversations": pop.unknown_end,
    }


def capabilities(db: Database) -> list[Capability]:
    """Which metric families the loaded data supports, and what is missing for the rest."""
    c = rows(
        db.con,
        """SELECT count(*), count(*) FILTER (WHERE handled_by = 'ai'), count(*) FILTER (WHERE handled_by = 'human'),
                  count(issue_category), count(ended_at) FILTER (WHERE NOT ended_at_derived), count(first_response_at),
                  count(csat), count(sentiment_start) + count(sentiment_end), count(escalation_appropriate),
                  count(escalation_reason), count(handle_minutes), count(account_id),
                  count(*) FILTER (WHERE end_known), count(resolution_minutes),
                  count(first_reply_minutes), count(first_reply_business_minutes)
           FROM conversations""",
    )[0]
    n, ai, human, cat, ended, frt, csat, sent, appr, reason, handle, acct, known_end, vendor_ttr, vfrt, vfrt_bh = c
    m, m_text, m_sent = rows(db.con, "SELECT count(*), count(text), count(sentiment) FROM messages")[0]
    renew = rows(db.con, "SELECT count(*) FROM accounts WHERE renewed IS NOT NULL AND renewal_date IS NOT NULL")[0][0]

    def cap(family: str, ok: bool, yes: str, no: str) -> Capability:
        return Capability(family, bool(ok), yes if ok else no)

    out = [
        cap(
            "Resolution quality (true resolution, deflection, containment, FCR)",
            n and ai,
            "AI conversations with customer ids and times"
            + ("" if cat else "; no issue_category, so returns match any topic as one '(none)' segment"),
            "Needs conversations with handled_by = ai (map a handled_by column or set it for the file).",
        ),
        cap(
            "Human baseline (FCR and resolution of human conversations)",
            human,
            "human conversations",
            "Needs conversations handled by humans (a helpdesk export).",
        ),
        cap(
            "Response times (TTFR)",
            frt or m or vfrt,
            "first_response_at" if frt else "a first reply duration column" if vfrt else "derived from messages",
            "Needs first_response_at, a calendar first-reply duration or a messages file"
            + (" (the business-hours first reply is used for the business-hours times)." if vfrt_bh else "."),
        ),
        cap(
            "Resolution times (TTR) and peak load",
            ended or m or vendor_ttr,
            ("ended_at" if ended else "a resolution duration column" if vendor_ttr else "derived from messages")
            + (f"; {n - known_end:,} conversations have no known end (no resolution time)" if n - known_end else ""),
            "Needs ended_at (solved or closed time), a resolution duration or a messages file.",
        ),
        cap("CSAT (AI, AI escalated, human)", csat, f"{csat:,} survey responses", "Needs a csat column."),
        cap(
            "Sentiment trajectory",
            sent or m_sent or m_text,
            "sentiment columns" if sent or m_sent else "derived from customer message text",
            "Sentiment needs message text or sentiment columns.",
        ),
        cap("Drop-off (silent exits, hazard by AI turn)", m, f"{m:,} messages", "Needs a messages file."),
        cap(
            "Escalation quality",
            appr or reason or cat,
            "QA tags" if appr else "rules on reason, category and sentiment",
            "Needs escalation_appropriate tags, escalation_reason or issue_category.",
        ),
        cap(
            "Cost per resolution and capacity",
            n,
            "handle_minutes"
            if handle
            else "cost settings (no handle_minutes: the per-conversation minutes settings are used)",
            "Needs conversations.",
        ),
        cap(
            "Revenue protection",
            renew and acct,
            "accounts with renewal outcomes joined on account_id",
            "Needs an accounts file with renewal_date and renewed, and account_id on conversations.",
        ),
    ]
    return out


def _entry(name: str, t: TestResult, kind: str, sentence: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "test": t.test,
        "effect": t.effect,
        "p_value": t.p_value,
        "ci_low": t.ci_low,
        "ci_high": t.ci_high,
        "n_a": t.n_a,
        "n_b": t.n_b,
        "effect_kind": kind,
        "sentence": sentence,
        **extra,
    }


def comparisons(db: Database, overall: dict[str, aggregate.MetricResult], settings: Settings) -> list[dict[str, Any]]:
    """The standard comparisons with their tests; q-values are Benjamini-Hochberg across this list."""
    mix = experience.csat_mix_comparison(db)
    out = [
        _entry(
            "csat_ai_vs_human",
            mix.test,
            "Mantel-Haenszel odds ratio of being satisfied, AI vs human, within categories",
            mix.sentence,
            mix_adjusted_difference=mix.adjusted_diff,
        )
    ]
    for mid, name in (
        ("true_resolution_rate", "true_resolution_peak_vs_offpeak"),
        ("escalation_rate", "escalation_rate_peak_vs_offpeak"),
    ):
        c = efficiency.peak_vs_offpeak(overall, mid)
        out.append(_entry(name, c.test, "difference of proportions, peak minus off-peak", c.sentence))
    rev = business.revenue(db, settings)
    if rev is not None:
        t = rev.test
        g, p = rev.results["renewal_rate_good_ai"], rev.results["renewal_rate_poor_ai"]
        sentence = (
            ""
            if t.effect is None
            else (
                f"Accounts with a good AI experience renewed {abs(t.effect) * 100:.1f} points "
                f"{'more' if t.effect > 0 else 'less'} often than accounts with a poor one ({g.value:.1%} vs "
                f"{p.value:.1%}; {units.p_text(t.p_value)}). An association, not proof that the AI caused it."
            )
        )
        out.append(
            _entry("renewal_good_vs_poor_ai", t, "difference of renewal rates, good minus poor AI experience", sentence)
        )
    _, base = business.baseline(db, settings)
    for b in base:
        out.append(
            {
                "name": b.name,
                "test": b.test,
                "effect": b.effect,
                "p_value": b.p_value,
                "n_a": b.n_post,
                "n_b": b.n_pre,
                "effect_kind": f"{b.label}: after minus before the AI deployment",
                "pre": b.pre,
                "post": b.post,
                "sentence": "",
            }
        )
    qs = bh_qvalues([c["p_value"] for c in out if c["p_value"] is not None])
    it = iter(qs)
    for c in out:
        c["q_value"] = next(it) if c["p_value"] is not None else None
    return out


def _with_returns(db: Database, settings: Settings, segment: str) -> dict:
    """Every metric by this segment, the return probabilities included."""
    res = aggregate.compute(db, settings, segment=segment)
    for value, metrics in res.items():
        metrics.update(returns.results(db, settings, f"{segment}={value}"))
    return res


def build_report(
    db: Database,
    settings: Settings,
    load: LoadResult | None = None,
    compute_signals: bool = True,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON report (SPEC section 6): the same functions the app pages call.

    `compute_signals=False` when the caller (the app) already holds the signals for these settings.
    """
    warnings: list[str] = []
    if load is not None:
        warnings += load.errors + list(load.skipped.values()) + load.warnings
    for c in capabilities(db):
        if not c.available:
            warnings.append(f"{c.family}: {c.detail}")
    warnings += checks.data_warnings(db, settings)
    found = topics.ensure(db) if settings.topics else []
    if compute_signals:
        signals.compute(db, settings)
    results = aggregate.compute(db, settings, segment="issue_category")
    for seg, res in results.items():
        res.update(returns.results(db, settings, f"category={seg}"))
    warnings += aggregate.warnings_for(db)
    overall = results.pop(aggregate.ALL)
    overall.update(business.results(db, settings))
    overall.update(returns.results(db, settings))
    warnings += business.warnings(db)
    note = checks.money_note(settings)
    if note:
        warnings.append(f"{', '.join(checks.PRICED_IDS)}: {note}.")
    alerts = monitoring.alerts(db, settings)
    goals, unknown = targets.parse(settings)
    warnings += [f"targets: {name!r} is not a metric; see the README's metric table." for name in unknown]
    return finite(
        {
            "settings": settings.to_dict(),
            "data": data_block(db, settings),
            "metrics": {k: v.to_json() for k, v in overall.items()},
            "by_category": {seg: {k: v.to_json() for k, v in res.items()} for seg, res in sorted(results.items())},
            "by_topic": {
                seg: {k: v.to_json() for k, v in res.items()}
                for seg, res in sorted(_with_returns(db, settings, "topic").items())
                if seg != aggregate.ALL
            }
            if found
            else {},
            "topics": [t.to_json() for t in topics.named(found, settings)],
            "knowledge_gaps": [g.to_json() for g in gaps.find(db, settings, months_live(db))] if found else [],
            "unanswered_questions": [g.to_json() for g in questions.unanswered(db, settings)],
            "return_curve": returns.curve_rows(db, settings),
            "vendor_vs_evidence": vendor.to_json(db),
            "change_effects": [e.to_json() for e in changes.effects(db, settings)],
            "forecast": [w.to_json() for w in forecast.forecast(db, settings)],
            "forecast_backtest": forecast.backtest(db, settings),
            "comparisons": comparisons(db, overall, settings),
            "alerts": [a.to_json() for a in alerts],
            "insights": [i.to_json() for i in insights.find(db, settings, alerts)],
            "targets": [
                {
                    "metric": mid,
                    "target": goal,
                    "value": overall[mid].value,
                    "met": targets.met(mid, overall[mid].value, goal),
                }
                for mid, goal in goals.items()
                if mid in overall
            ],
            "warnings": warnings,
        }
        | ({"audit": audit.evaluate(db, labels).to_json()} if labels else {})
    )


def finite(obj: Any) -> Any:
    """NaN and infinities become null: the report is strict JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite(v) for v in obj]
    return obj
