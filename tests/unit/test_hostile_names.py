"""Hostile structure (issue 18): internal names, bad Unicode, deep nesting, crafted settings, mapping and xlsx.

Each case loads or gets one sentence; none raises, and none costs more than its size.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
from pathlib import Path

import pytest

from bench.xlsx_formula_check import _best, _sheet
from metrics.cli import main
from metrics.core import settings, settings_toml
from metrics.core.errors import IngestError
from metrics.load import ingest
from metrics.load import issues as load_issues
from metrics.load.mapping import load_mappings
from metrics.load.structured import _formula_cells_without_value

PACKAGE = Path(__file__).resolve().parents[2] / "metrics"


def _identifiers() -> list[str]:
    """Every identifier-like word in the string literals of the package (where all SQL lives, f-strings
    included): any of them may be a name a query uses next to the columns of an uploaded file."""
    words: set[str] = set()
    for p in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words |= set(re.findall(r"\b[a-z_][a-z0-9_]*\b", node.value.lower()))
    return sorted(words)


CHUNK = 225  # columns per file: staging a very wide file is slow (see the note on issue 18), names are per file


def _wide(path: Path, base: list[str], rows: list[list[str]], names: list[str]) -> Path:
    low = {b.lower() for b in base}
    extra = [w for w in names if w not in low]
    lines = [",".join(base + extra)] + [",".join(r + ["x"] * len(extra)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("part", range(len(_identifiers()) // CHUNK + 1))
def test_every_internal_name_as_a_column_loads_and_reports(tmp_path, capsys, part):
    """A column for every identifier in the source, in all three tables, through the whole report and Excel."""
    names = _identifiers()[part * CHUNK : (part + 1) * CHUNK]
    conv = _wide(
        tmp_path / "c.csv",
        ["conversation_id", "customer_id", "created_at", "handled_by", "status"],
        [["c1", "u1", "2024-01-01T00:00:00Z", "ai", "solved"], ["c2", "u1", "2024-01-03T00:00:00Z", "human", "open"]],
        names,
    )
    msgs = _wide(
        tmp_path / "m.csv",
        ["conversation_id", "sent_at", "author_type", "text"],
        [["c1", "2024-01-01T00:01:00Z", "customer", "help"], ["c1", "2024-01-01T00:02:00Z", "ai", "ok"]],
        names,
    )
    accts = _wide(tmp_path / "a.csv", ["account_id", "segment", "arr"], [["A1", "smb", "100"]], names)
    args = ["report", f"--table=conversations={conv}", f"--table=messages={msgs}", f"--table=accounts={accts}"]
    args += ["--set", "business_hours=Mon-Fri 09:00-17:00 UTC", "--json", str(tmp_path / "r.json")]
    args += ["--xlsx", str(tmp_path / "r.xlsx")]
    assert main(args) == 0
    assert "Loaded 2 conversations (1 AI, 1 human), 2 messages, 1 accounts; 0 rows rejected." in capsys.readouterr().err


@pytest.mark.parametrize("name", ["last_sent", "__o0", "ttr_bh_s", "ttfr_raw", "status__raw", "c0", "v_c3", "TTR_S"])
def test_a_column_named_like_an_internal_one_is_kept_under_another_name(db, name):
    text = f"conversation_id,customer_id,created_at,handled_by,status,{name}\nc1,u1,2024-01-01,ai,solved,kept\n"
    r = ingest.load(db, [("t.csv", text.encode())], settings.Settings())
    assert r.errors == []
    f = r.files[0]
    assert f"column '{name}' is named like a column the app computes; it is kept as '{name} (source)'" in f.notes
    assert db.con.execute(f'SELECT "{name} (source)" FROM conversations').fetchall() == [("kept",)]


def test_lone_surrogates_in_json_lines_are_replaced_and_counted(db):
    text = (
        '{"conversation_id":"c1","customer_id":"u\\ud800","created_at":"2024-01-01","handled_by":"ai",'
        '"status":"closed","note\\udfff":"x"}\n'
    )
    r = ingest.load(db, [("t.jsonl", text.encode())], settings.Settings())
    assert r.errors == [] and r.files[0].loaded == 1
    assert "2 lone surrogate escapes (invalid Unicode such as \\ud800) replaced with U+FFFD" in r.files[0].notes
    assert db.con.execute("SELECT customer_id FROM conversations").fetchall() == [("u\ufffd",)]


def test_json_nested_too_deeply_is_one_sentence(db):
    deep = '{"conversation_id":"c1","x":' + "[" * 100_000 + "]" * 100_000 + "}\n"
    ok = '{"conversation_id":"c2","customer_id":"u","created_at":"2024-01-01","handled_by":"ai","status":"closed"}\n'
    r = ingest.load(db, [("t.jsonl", (deep + ok).encode())], settings.Settings())
    assert r.errors == [] and (r.files[0].read, r.files[0].loaded, r.files[0].rejected) == (2, 1, 1)
    assert [i["reason"] for i in load_issues.listing(db)] == ["JSON nested too deeply"]
    r = ingest.load(db, [("a.json", ("[" * 100_000 + "]" * 100_000).encode())], settings.Settings())
    assert r.errors == ["a.json is JSON nested too deeply to be an export."]


@pytest.mark.parametrize(
    "text, says",
    [
        ("x = " + "[" * 5000 + "]" * 5000, "lists inside lists are not settings"),
        ("a" + ".a" * 20_000 + " = 1", "a settings file is under 20,000"),
        ("a.b.c = 1", "dotted keys are not settings"),
        ("[table]\nx = 1", "tables are not used"),
        ("return_window_hours = {a = 1}", "is not a valid float"),
        ("return_window_hours = 'x'", "is not a valid float"),
    ],
)
def test_crafted_settings_files_get_one_sentence(text, says):
    with pytest.raises(settings.SettingsError) as e:
        settings_toml.loads(text)
    assert says in str(e.value)


def test_settings_round_trip_keeps_dots_and_brackets_inside_values():
    s = settings.Settings(excluded_customers=("a.b@x.com", "[bot]"), appropriate_reason_keywords=("x.y",))
    assert settings_toml.loads(settings_toml.dumps(s)) == s
    assert settings_toml.loads("return_window_hours = 24.5 # a comment. [with] dots\n").return_window_hours == 24.5


@pytest.mark.parametrize(
    "text, says",
    [
        ('{"a.csv": "conversations"}', "must be a JSON object with table and columns"),
        ('{"a.csv": {"table": 3}}', "'table' must be text, not int"),
        ('{"a.csv": {"table": "conversations", "columns": {"customer_id": 5}}}', "text to text"),
        ('{"a.csv": {"table": "conversations", "merge": "yes"}}', "'merge' must be true or false"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('["a"]', "must be a JSON object keyed by file name"),
    ],
)
def test_malformed_mapping_files_get_one_sentence(text, says, tmp_path, capsys):
    with pytest.raises(IngestError) as e:
        load_mappings(text)
    assert says in str(e.value)
    m = tmp_path / "m.json"
    m.write_text(text)
    c = tmp_path / "c.csv"
    c.write_text("conversation_id,customer_id,created_at,handled_by,status\nc1,u1,2024-01-01,ai,closed\n")
    assert main(["report", str(c), "--mapping", str(m)]) == 2
    assert says in capsys.readouterr().err


def test_formula_check_is_linear_on_adversarial_sheets():
    """The old regular expression took 4x the time for 2x the input on this shape; the streaming parse does not."""
    attrs = b" ".join(b'x%d="r=&quot;A1&quot; &gt;"' % i for i in range(40))
    crafted = b'<c r="A1" ' + attrs + b"><f>1</f><v></v></c>"
    small, large = _sheet(crafted * 500), _sheet(crafted * 4000)
    assert len(_formula_cells_without_value("x", small)) == 500
    ratio = _best(_formula_cells_without_value, "x", large) / _best(_formula_cells_without_value, "x", small)
    assert ratio < 8 * 2  # 8x the input: about 8x the time (a quadratic pattern would take about 64x)
    plain = _sheet(b'<c r="A1"><v>1</v></c>' * (len(large) // 24))
    adversarial_vs_plain = _best(_formula_cells_without_value, "x", large) / _best(
        _formula_cells_without_value, "x", plain
    )
    assert adversarial_vs_plain < 5  # the same size costs about the same, whatever is in it


def _xlsx_with_sheet(sheet: bytes) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["conversation_id", "customer_id", "created_at", "handled_by", "status"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            z.writestr(item, sheet if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_xlsx_with_characters_xml_forbids_is_one_sentence(db):
    bad = _sheet(b'<c r="A1" t="inlineStr"><is><t>a\x01b</t></is></c>')
    r = ingest.load(db, [("t.xlsx", _xlsx_with_sheet(bad))], settings.Settings())
    assert len(r.errors) == 1 and r.errors[0].startswith("t.xlsx: its first sheet is not well-formed XML (line 1")


def test_column_and_key_counts_are_bounded(db):
    from metrics.load.raw import MAX_COLUMNS

    wide = ",".join(f"k{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + ",".join("1" for _ in range(MAX_COLUMNS + 1))
    r = ingest.load(db, [("w.csv", wide.encode())], settings.Settings())
    assert r.errors == [
        f"w.csv has {MAX_COLUMNS + 1:,} columns; the limit is {MAX_COLUMNS:,} (a helpdesk export has far fewer)."
    ]
    lines = "".join(f'{{"k{i}": 1}}\n' for i in range(MAX_COLUMNS + 5))
    r = ingest.load(db, [("k.jsonl", lines.encode())], settings.Settings())
    assert r.errors == [f"k.jsonl has more than {MAX_COLUMNS:,} different keys by line {MAX_COLUMNS + 1}; refused."]


def _parquet_of_identical_rows(n: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    one = {"conversation_id": "c1", "customer_id": "u1", "created_at": "2024-01-01T10:00:00Z", "status": "closed"}
    cols = {k: pa.array([v]).take(pa.array([0] * n, pa.int32())).dictionary_encode() for k, v in one.items()}
    cols["handled_by"] = pa.array(["ai"]).take(pa.array([0] * n, pa.int32())).dictionary_encode()
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf, compression="zstd")
    return buf.getvalue()


def test_a_parquet_dictionary_bomb_is_refused_before_it_expands(db):
    """Issue 23: 2.4 MB of dictionary-encoded Parquet held 19M identical rows (236 s, 4.9 GB RSS, 17.7 GB spill)."""
    data = _parquet_of_identical_rows(2_000_000)
    r = ingest.load(db, [("bomb.parquet", data)], settings.Settings())
    assert len(r.errors) == 1 and "rows a byte); a file that expands this much is refused as unsafe." in r.errors[0]


def test_running_out_of_memory_or_spill_is_one_sentence_and_the_session_stays_usable():
    from metrics.core import db as dbmod
    from metrics.load.raw import Limits

    d = dbmod.connect(memory_limit="64MB", threads=1)
    try:
        dbmod.q(d.con, "SET max_temp_directory_size = '16MB'")
        data = _parquet_of_identical_rows(3_000_000)
        r = ingest.load(d, [("big.parquet", data)], settings.Settings(), limits=Limits(max_rows_per_byte=1e9))
        assert len(r.errors) == 1 and "is too large for this server" in r.errors[0]
        ok = b"conversation_id,customer_id,created_at,handled_by,status\nc1,u1,2024-01-01,ai,closed\n"
        assert ingest.load(d, [("t.csv", ok)], settings.Settings()).loaded == 1
    finally:
        d.close()
