"""The Excel summary's Topics sheet: the topics found (under the user's names), the knowledge gaps and the
questions the AI left unanswered, from the JSON report."""

from __future__ import annotations

from openpyxl import Workbook

from metrics.present.cells import finish, put, table
from metrics.present.formatting import EXCEL_FORMATS

RATE = EXCEL_FORMATS["rate"]


def topics_sheet(wb: Workbook, report: dict) -> None:
    """One sheet, three tables; left out when the data gave no topics."""
    if not report.get("topics"):
        return
    ws = wb.create_sheet("Topics")
    by = report.get("by_topic", {})

    def rate(topic: str, mid: str) -> float | None:
        return by.get(topic, {}).get(mid, {}).get("value")

    put(ws, 1, 1, "Topics found in what customers wrote (no tagging needed), under the names set in the app.")
    rows = [
        [
            t["name"],
            t["conversations"],
            rate(t["name"], "true_resolution_rate"),
            rate(t["name"], "deflection_rate"),
            ", ".join(t["terms"]),
            " + ".join(t.get("found_as", [])) if t.get("found_as", [t["name"]]) != [t["name"]] else "",
            t["examples"][0] if t["examples"] else "",
        ]
        for t in report["topics"]
    ]
    end = table(
        ws,
        2,
        ["Topic", "Conversations", "Truly resolved (AI)", "Deflected (AI)", "Distinctive words", "Found as", "Example"],
        rows,
        [None, "#,##0", RATE, RATE, None, None, None],
    )
    first_end = end - 1
    gaps = [
        [
            g["topic"],
            g["failures_per_month"],
            g["failures"],
            g["ai_conversations"],
            ", ".join(g["human_phrases"]),
            ", ".join(g["ai_phrases"]),
            g["sentence"],
        ]
        for g in report.get("knowledge_gaps", [])
    ]
    put(ws, end + 1, 1, "Knowledge gaps: topics where the AI fails clearly more often than in the others.")
    end = table(
        ws,
        end + 2,
        [
            "Topic",
            "AI failures a month",
            "AI failures",
            "AI conversations",
            "What the agents write",
            "What the AI writes",
            "In plain words",
        ],
        gaps,
        [None, "#,##0", "#,##0", "#,##0", None, None, None],
    )
    if not gaps:
        put(ws, end, 1, "No topic where the AI fails clearly more often than elsewhere.")
        end += 1
    asked = [
        [g["question"], g["conversations"], g["share"], g["examples"][0] if g["examples"] else ""]
        for g in report.get("unanswered_questions", [])
    ]
    put(ws, end + 1, 1, "Questions customers asked in AI conversations that were not truly resolved.")
    end = table(
        ws, end + 2, ["Question about", "Conversations", "Share of them", "Example"], asked, [None, "#,##0", RATE, None]
    )
    if not asked:
        put(ws, end, 1, "Too few questions in failed AI conversations to group.")
    finish(ws, 2, {1: 36, 5: 50, 6: 40, 7: 80}, last_row=first_end)


def audit_sheet(wb: Workbook, report: dict) -> None:
    """The vendor's verdict vs the evidence (when the export has one) and the audit of the resolution signal
    (when people's labels were given)."""
    v = report.get("vendor_vs_evidence")
    if v:
        ws = wb.create_sheet("Vendor vs evidence")
        put(ws, 1, 1, "What the AI vendor's export says vs the evidence (matured AI conversations with a verdict).")
        rows = [
            [
                r["segment"] if n else "All",
                r["conversations"],
                r["vendor_resolution_rate"],
                r["true_resolution_rate"],
                r["vendor_says_resolved_evidence_not"],
                r["evidence_says_resolved_vendor_not"],
            ]
            for n, r in enumerate([v["overall"], *v["by_category"]])
        ]
        end = table(
            ws,
            2,
            [
                "Category",
                "AI conversations",
                "The vendor says resolved",
                "Truly resolved",
                "Vendor says resolved, evidence says not",
                "Evidence says resolved, vendor says not",
            ],
            rows,
            [None, "#,##0", RATE, RATE, "#,##0", "#,##0"],
        )
        finish(ws, 2, {1: 40}, last_row=end - 1)
    a = report.get("audit")
    if not a:
        return
    ws = wb.create_sheet("Resolution audit")
    put(ws, 1, 1, "People read a sample of AI conversations and said whether each was resolved.")
    c = a["confusion"]
    rows = [
        ["Conversations labelled", a["n_labelled"], None, None],
        ["Of them: can't tell", a["n_cant_tell"], None, None],
        ["Labels for conversations outside the AI conversations checked (ignored)", a["n_outside"], None, None],
        ["Agreement beyond chance (Cohen's kappa)", a["kappa"], a["kappa_low"], a["kappa_high"]],
        ["Truly resolved, as the signal says", a["signal_rate"], None, None],
        ["Truly resolved, corrected by the labels", a["corrected_true_resolution_rate"], a["ci_low"], a["ci_high"]],
        ["Sensitivity (resolved ones the signal calls resolved)", a["sensitivity"], None, None],
        ["Specificity (unresolved ones the signal calls not resolved)", a["specificity"], None, None],
    ]
    end = table(ws, 2, ["Measure", "Value", "95% low", "95% high"], rows, [None, "0.000", "0.000", "0.000"])
    put(ws, end + 1, 1, "Signal vs people")
    table(
        ws,
        end + 2,
        ["The signal says", "People: resolved", "People: not resolved"],
        [
            ["resolved", c["resolved_resolved"], c["resolved_not"]],
            ["not resolved", c["not_resolved"], c["not_not"]],
        ],
        [None, "#,##0", "#,##0"],
    )
    finish(ws, 2, {1: 70}, last_row=end - 1)


def changes_sheet(wb: Workbook, report: dict) -> None:
    """Each logged change's effect on the headline rates (interrupted time series or difference-in-differences)."""
    found = report.get("change_effects") or []
    if not found:
        return
    ws = wb.create_sheet("Changes")
    verdicts = {"effect": "clear effect", "no_effect": "no clear change", "too_early": "too early to tell"}
    methods = {"its": "before/after trend (interrupted time series)", "did": "against untouched categories"}
    rows = [
        [
            e["date"],
            e["change"],
            e["metric"],
            verdicts[e["verdict"]],
            e["effect"],
            e["ci_low"],
            e["ci_high"],
            e["p_value"],
            methods[e["method"]],
            e["sentence"],
        ]
        for e in found
    ]
    end = table(
        ws,
        1,
        ["Date", "Change", "Metric id", "Verdict", "Effect", "95% low", "95% high", "p", "Method", "In plain words"],
        rows,
        [None, None, None, None, "0.000", "0.000", "0.000", "0.0000", None, None],
    )
    finish(ws, 1, {2: 36, 10: 100}, last_row=end - 1)


def forecast_sheet(wb: Workbook, report: dict) -> None:
    """Next weeks' volume with its 95% range, the human conversations, agent hours and AI fees it means."""
    weeks = report.get("forecast") or []
    if not weeks:
        return
    ws = wb.create_sheet("Forecast")
    currency = report["settings"].get("currency", "USD")
    rows = [
        [
            w["week"],
            "All" if w["segment"] == "all" else w["segment"],
            w["volume"],
            w["volume_low"],
            w["volume_high"],
            w["human_conversations"],
            w["agent_hours"],
            w["ai_fees"],
        ]
        for w in weeks
    ]
    heads = ["Week", "Category", "Conversations", "95% low", "95% high", "Reach people", "Agent hours"]
    end = table(ws, 1, [*heads, f"AI fees ({currency})"], rows, [None, None] + ["#,##0"] * 6)
    back = report.get("forecast_backtest")
    if back:
        put(
            ws,
            end + 1,
            1,
            f"Checked on the last {back['weeks']} weeks held out: {back['interval_coverage']:.0%} of them fell inside "
            f"the 95% range; the forecast was off by {back['mean_absolute_percentage_error']:.1%} on average.",
        )
    finish(ws, 1, {2: 28}, last_row=end - 1)
