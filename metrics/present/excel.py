"""The Excel summary for leadership: one writer for the app's download and the CLI's --xlsx.

Every value comes from the JSON report (the same code path as the app), so the three agree.
Every text cell is written as a string cell, never a formula (HOSTILE.md 1.26): control
characters replaced, capped at Excel's 32,767 characters, quote-prefixed when it starts
like a formula.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from metrics.compute import aggregate, business, checks, insights, registry, targets
from metrics.core.db import Database
from metrics.core.settings import Settings
from metrics.load import issues as load_issues
from metrics.load.ingest import LoadResult
from metrics.present.cells import BOLD, HEADER_FILL, finish, put, table
from metrics.present.excel_sheets import audit_sheet, changes_sheet, forecast_sheet, topics_sheet
from metrics.present.formatting import EXCEL_FORMATS, excel_format, excel_value, filters_text, money_format, test_name

FAMILY_SHEETS = {"Resolution quality": "Resolution", "Efficiency": "Efficiency", "Customer experience": "Experience"}
ISSUE_ROWS = 100_000


def _summary(wb: Workbook, report: dict, change: aggregate.PeriodChange | None, settings: Settings) -> None:
    ws = wb.active
    ws.title = "Summary"
    d = report["data"]
    put(ws, 1, 1, "AI support performance: true resolution, not just deflection")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    put(
        ws,
        2,
        1,
        f"Data from {str(d['start'])[:10]} to {str(d['end'])[:10]} (UTC): {d['conversations']:,} conversations "
        f"({d['ai_conversations']:,} AI, {d['human_conversations']:,} human), {d['messages']:,} messages, "
        f"{d['accounts']:,} accounts; {d['rejected_rows']:,} rows rejected on loading.",
    )
    s = report["settings"]
    put(
        ws,
        3,
        1,
        f"Return window {s['return_window_hours']:g} h, ticket window {s['ticket_window_hours']:g} h; "
        "all settings on the Settings sheet. Change = last 30 days minus the 30 days before. "
        f"Money in {settings.currency}."
        + (
            f" Filtered to conversations {filters_text(settings)} (the data line above counts all)."
            if settings.filtered
            else ""
        ),
    )
    note = checks.money_note(settings)
    if note:
        put(ws, 4, 1, f"Warning: {note}. Cost and capacity figures below are examples until then.")
        ws.cell(row=4, column=1).font = Font(bold=True, color="B91C1C")
    headers = [
        "Metric",
        "Value",
        "95% CI low",
        "95% CI high",
        "Numerator",
        "n",
        "Last 30 days",
        "30 days before",
        "Change",
        "Target",
        "Target met",
        "Definition",
        "Metric id",
    ]
    goals, _ = targets.parse(settings)
    rows, formats_by_row = [], []
    for spec in registry.all_specs():
        m = report["metrics"].get(spec.id)
        if m is None:
            continue
        cur = change.current[spec.id].value if change and spec.id in change.current else None
        prev = change.previous[spec.id].value if change and spec.id in change.previous else None
        diff = None if cur is None or prev is None else cur - prev
        rows.append(
            [
                spec.label,
                excel_value(spec.id, m["value"]),
                excel_value(spec.id, m["ci_low"]),
                excel_value(spec.id, m["ci_high"]),
                m["numerator"],
                m["denominator"],
                excel_value(spec.id, cur),
                excel_value(spec.id, prev),
                excel_value(spec.id, diff),
                excel_value(spec.id, goals.get(spec.id)),
                {True: "yes", False: "no", None: ""}[targets.met(spec.id, m["value"], goals[spec.id])]
                if spec.id in goals
                else "",
                spec.definition + (f" Warning: {note}." if note and spec.id in checks.PRICED_IDS else ""),
                spec.id,
            ]
        )
        formats_by_row.append(excel_format(spec.id, settings.currency))
    top = 5
    for j, h in enumerate(headers, 1):
        put(ws, top, j, h)
        ws.cell(row=top, column=j).font = BOLD
        ws.cell(row=top, column=j).fill = HEADER_FILL
    for i, (r, f) in enumerate(zip(rows, formats_by_row), top + 1):
        for j, v in enumerate(r, 1):
            put(ws, i, j, v, f if j in (2, 3, 4, 7, 8, 9, 10) else EXCEL_FORMATS["int"] if j in (5, 6) else None)
        ws.cell(row=i, column=12).alignment = Alignment(wrap_text=False)
    finish(ws, top, {1: 44, 12: 80, 13: 34}, last_row=top + len(rows))
    _summary_chart(wb, ws, report, top + len(rows) + 3)


def _summary_chart(wb: Workbook, ws: Worksheet, report: dict, top: int) -> None:
    """Deflection vs true resolution by category, as a native Excel bar chart."""
    cats = [(k, v) for k, v in report["by_category"].items() if v["true_resolution_rate"]["denominator"]]
    if not cats:
        return
    put(ws, top, 1, "Category")
    put(ws, top, 2, "Deflected")
    put(ws, top, 3, "Truly resolved")
    for i, (k, v) in enumerate(cats, top + 1):
        put(ws, i, 1, k)
        put(ws, i, 2, v["deflection_rate"]["value"], EXCEL_FORMATS["rate"])
        put(ws, i, 3, v["true_resolution_rate"]["value"], EXCEL_FORMATS["rate"])
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Deflection vs true resolution by category"
    chart.y_axis.number_format = "0%"
    chart.height, chart.width = 10, 22
    data = Reference(ws, min_col=2, max_col=3, min_row=top, max_row=top + len(cats))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(cats)))
    ws.add_chart(chart, f"E{top}")


def _family_sheet(wb: Workbook, family: str, report: dict) -> None:
    specs = [sp for sp in registry.all_specs() if sp.family == family and not sp.id.startswith(("peak_", "offpeak_"))]
    ws = wb.create_sheet(FAMILY_SHEETS[family])
    headers = ["Category"] + [sp.label for sp in specs] + [f"n: {sp.label}" for sp in specs[:1]]
    rows = []
    for cat in ["(all)", *report["by_category"]]:
        res = report["metrics"] if cat == "(all)" else report["by_category"][cat]
        rows.append(
            [cat] + [excel_value(sp.id, res[sp.id]["value"]) for sp in specs] + [res[specs[0].id]["denominator"]]
        )
    formats = (
        [None]
        + [excel_format(sp.id, report["settings"].get("currency", "USD")) for sp in specs]
        + [EXCEL_FORMATS["int"]]
    )
    end = table(ws, 1, headers, rows, formats)
    finish(ws, 1, last_row=end - 1)
    put(ws, end + 1, 1, "Column definitions:")
    for i, sp in enumerate(specs, end + 2):
        put(ws, i, 1, sp.label)
        put(ws, i, 2, f"{sp.definition} ({sp.id})")


def _business_sheet(wb: Workbook, db: Database, settings: Settings) -> None:
    ws = wb.create_sheet("Business impact")
    months = business.monthly(db, settings)
    rows = [
        [
            m.month,
            "yes" if m.licensed else "",
            m.ai_conversations,
            m.ai_resolved,
            m.ai_cost,
            m.cost_per_resolution_ai,
            m.human_cost,
            m.cost_per_resolution_human,
            m.cost_per_resolution_blended,
            m.hours_freed,
            m.fte_freed,
        ]
        for m in months
    ]
    money, hours = money_format(settings.currency), EXCEL_FORMATS["hours"]
    end = table(
        ws,
        1,
        [
            "Month",
            "License",
            "AI conversations",
            "AI resolutions",
            "AI cost",
            "Cost per AI resolution",
            "Human cost",
            "Cost per human resolution",
            "Cost per resolution, all",
            "Agent hours freed",
            "FTE freed",
        ],
        rows,
        [None, None, "#,##0", "#,##0", money, money, money, money, money, hours, EXCEL_FORMATS["fte"]],
    )
    finish(ws, 1, last_row=end - 1)
    put(
        ws,
        end + 1,
        1,
        f"Costs in {settings.currency}; months from the deployment month on carry one license "
        "fee; agent minutes from handle_minutes, else the minutes settings. Renewals are associations, not causes.",
    )
    rev = business.revenue(db, settings)
    if rev and rev.at_risk:
        put(ws, end + 3, 1, "Accounts behind ARR at risk (poor AI experience, renewing within 90 days)")
        table(
            ws,
            end + 4,
            ["Account", "Segment", "ARR", "Renewal date", "Unresolved AI conversations"],
            [[a["account_id"], a["segment"], a["arr"], str(a["renewal_day"]), a["unresolved"]] for a in rev.at_risk],
            [None, None, money, None, "#,##0"],
        )


def _comparisons(wb: Workbook, report: dict) -> None:
    ws = wb.create_sheet("Comparisons")
    rows = [
        [
            c["name"],
            c.get("sentence", ""),
            test_name(c["test"]),
            c["effect"],
            c.get("ci_low"),
            c.get("ci_high"),
            c["p_value"],
            c["q_value"],
            c.get("n_a"),
            c.get("n_b"),
        ]
        for c in report["comparisons"]
    ]
    end = table(
        ws,
        1,
        ["Comparison", "In plain words", "Test", "Effect", "CI low", "CI high", "p", "q", "n (A)", "n (B)"],
        rows,
        [None, None, None, "0.000", "0.000", "0.000", "0.0000", "0.0000", "#,##0", "#,##0"],
    )
    finish(ws, 1, {2: 90}, last_row=end - 1)


def _insights(wb: Workbook, report: dict) -> None:
    ws = wb.create_sheet("What to fix next")
    rows = [
        [
            n,
            insights.KINDS.get(i["kind"], i["kind"]),
            i["segment"],
            i["finding"],
            i["impact_per_month"],
            i.get("hours_per_month"),
            i.get("money_per_month"),
            i["evidence"],
            i["action"],
        ]
        for n, i in enumerate(report["insights"], 1)
    ]
    end = table(
        ws,
        1,
        [
            "Rank",
            "What",
            "Segment",
            "Finding",
            "Conversations a month",
            "Agent hours a month",
            f"Agent cost a month ({report['settings'].get('currency', 'USD')})",
            "Evidence",
            "Suggested action",
        ],
        rows,
        ["0", None, None, None, "#,##0", "#,##0", money_format(report["settings"].get("currency", "USD")), None, None],
    )
    if not rows:
        put(ws, end + 1, 1, "No significant improvement opportunity was found in this data.")
    finish(ws, 1, {4: 80, 8: 80, 9: 60}, last_row=max(end - 1, 1))


def _alerts(wb: Workbook, report: dict) -> None:
    ws = wb.create_sheet("Alerts")
    rows = [
        [a["date"], registry.get(a["series"]).label, a["segment"], a["value"], a["baseline"], a.get("n"), a.get("z")]
        for a in report["alerts"]
    ]
    end = table(
        ws,
        1,
        ["Date", "Series", "Segment", "Value", "Baseline", "n", "How unusual (standard errors)"],
        rows,
        [None, None, None, EXCEL_FORMATS["rate"], EXCEL_FORMATS["rate"], "#,##0", "+0.0;-0.0"],
    )
    if not rows:
        put(ws, end + 1, 1, "No day stood out against its baseline (see the Settings sheet for the alert rule).")
    finish(ws, 1, last_row=max(end - 1, 1))


def _data_quality(wb: Workbook, db: Database, load: LoadResult | None, warnings: list[str]) -> None:
    ws = wb.create_sheet("Data quality")
    top = 1
    if warnings:
        top = table(ws, 1, ["Before you read the numbers"], [[w] for w in warnings], [None]) + 1
    if load is not None:
        rows = [
            [f.name, f.table, f.read, f.loaded, f.rejected, f.duplicates, f.value_issues, "; ".join(f.notes)]
            for f in load.files
        ]
        rows += [[e, "not loaded", None, None, None, None, None, ""] for e in load.errors]
        top = (
            table(
                ws,
                top,
                ["File", "Table", "Rows read", "Loaded", "Rejected", "Duplicates", "Values set empty", "Notes"],
                rows,
                [None, None] + ["#,##0"] * 5 + [None],
            )
            + 1
        )
    found = load_issues.listing(db, limit=ISSUE_ROWS)
    header_row = top
    rows = [
        [i["file"], i["row"], i["column"], i["reason"], "row rejected" if i["rejected"] else "value set empty"]
        for i in found
    ]
    end = table(ws, header_row, ["File", "Row", "Column", "Reason", "Effect"], rows, [None, "#,##0", None, None, None])
    if len(found) == ISSUE_ROWS:
        put(ws, end + 1, 1, f"Only the first {ISSUE_ROWS:,} issues are listed; the Data page has them all.")
    finish(ws, header_row, {1: 28, 4: 80}, last_row=end - 1)


def _settings(wb: Workbook, settings: Settings) -> None:
    ws = wb.create_sheet("Settings")
    rows = [[k, ", ".join(v) if isinstance(v, list) else v] for k, v in settings.to_dict().items()]
    end = table(ws, 1, ["Setting", "Value"], rows, [None, None])
    finish(ws, 1, {1: 36, 2: 60}, last_row=end - 1)


def write_workbook(
    db: Database, settings: Settings, report: dict, load: LoadResult | None = None, with_change: bool = True
) -> bytes:
    """The workbook as bytes. `report` is build_report's output for the same database and settings."""
    wb = Workbook()
    change = None
    if with_change and report["data"]["conversations"]:
        change = aggregate.period_change(db, settings, list(report["metrics"]), days=30)
    _summary(wb, report, change, settings)
    _insights(wb, report)
    for family in FAMILY_SHEETS:
        _family_sheet(wb, family, report)
    if report["data"]["conversations"]:
        _business_sheet(wb, db, settings)
    topics_sheet(wb, report)
    audit_sheet(wb, report)
    changes_sheet(wb, report)
    forecast_sheet(wb, report)
    _comparisons(wb, report)
    _alerts(wb, report)
    _data_quality(wb, db, load, report.get("warnings", []))
    _settings(wb, settings)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
