"""Every HOSTILE.md input (tests/fixtures/hostile) through every reader path and through the CLI."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
from pathlib import Path

import pytest

from metrics import cli
from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import ingest
from metrics.load import issues as load_issues
from metrics.load.raw import Limits

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
_spec = importlib.util.spec_from_file_location("hostile_make", HERE / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)

TEXT = {c["id"]: c for c in make.text_cases()}
BINARY = {c["id"]: c for c in make.binary_cases()}
VALUES = make.VALUES


def _grid(blob: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(blob.decode("utf-8").lstrip("\ufeff"), newline="")))


def _convert(name: str, blob: bytes, fmt: str) -> tuple[str, bytes]:
    """The same table as another format: every cell text, empty cells missing."""
    if fmt == "csv":
        return name, blob
    stem = name.rsplit(".", 1)[0]
    header, *rows = _grid(blob)
    if fmt == "tsv":
        buf = io.StringIO()
        csv.writer(buf, delimiter="\t", lineterminator="\n").writerows([header, *rows])
        return f"{stem}.tsv", buf.getvalue().encode()
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        for r, values in enumerate([header, *rows], 1):
            for c, v in enumerate(values, 1):
                if v != "":
                    cell = ws.cell(row=r, column=c, value=v)
                    cell.data_type = "s"  # text, never a formula
        out = io.BytesIO()
        wb.save(out)
        return f"{stem}.xlsx", out.getvalue()
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        out = io.BytesIO()
        cols = {
            h: pa.array([(r[i] if i < len(r) and r[i] != "" else None) for r in rows], pa.string())
            for i, h in enumerate(header)
        }
        pq.write_table(pa.table(cols), out)
        return f"{stem}.parquet", out.getvalue()
    lines = [json.dumps({h: (r[i] if r[i] != "" else None) for i, h in enumerate(header)}) for r in rows]
    return f"{stem}.jsonl", ("\n".join(lines) + "\n").encode()


def _row(k: int, fmt: str) -> int:
    return k if fmt in ("jsonl", "parquet") else k + 1


def _files(c: dict, fmt: str) -> tuple[list[tuple[str, bytes]], dict, dict]:
    """(files, renamed: case file name -> uploaded name, limits)"""
    if c["id"] in BINARY:
        files, limits = make.binary_files(c["id"])
        return list(files.items()), {n: n for n in files}, limits
    out, names = [], {}
    for name, content in c["files"].items():
        blob = content.encode("utf-8") if isinstance(content, str) else content
        new, data = _convert(name, blob, fmt)
        out.append((new, data))
        names[name] = new
    return out, names, {}


def _check(c: dict, fmt: str, res, db, names: dict) -> None:
    if "error" in c or "error_contains" in c:
        want = c.get("error") or c["error_contains"]
        assert any((e == want) if "error" in c else (want in e) for e in res.errors), res.errors
        assert not any(f.name in names.values() and f.loaded for f in res.files)
        return
    assert res.read == res.loaded + res.rejected
    files = {f.name: f for f in res.files}
    for name, (read, loaded, rejected) in c.get("counts", {}).items():
        f = files[names[name]]
        assert (f.read, f.loaded, f.rejected) == (read, loaded, rejected), (name, f.notes)
    for name, text in c.get("notes", {}).items():
        assert any(text in n for n in files[names[name]].notes), files[names[name]].notes
    if "values" in c:
        assert [list(r) for r in db.con.execute(VALUES).fetchall()] == c["values"]
    if "sql" in c:
        assert [list(r) for r in db.con.execute(c["sql"]).fetchall()] == c["rows"]
    issues = load_issues.listing(db)
    for name, k, column, reason in c.get("issues", []):
        hit = [
            i
            for i in issues
            if i["file"] == names[name]
            and i["row"] == _row(k, fmt)
            and reason in i["reason"]
            and (column is None or i["column"] == column)
        ]
        assert hit, (name, _row(k, fmt), column, reason, issues[:10])
    if "no_file" in c:
        assert not os.path.exists(c["no_file"])


PARAMS = [pytest.param(c, fmt, id=f"{cid}-{fmt}") for cid, c in {**TEXT, **BINARY}.items() for fmt in c["paths"]]


@pytest.mark.parametrize("c, fmt", PARAMS)
def test_every_case_through_every_reader(c, fmt):
    files, names, limits = _files(c, fmt)
    db = dbmod.connect(memory_limit=c.get("memory_limit", "1GB"), threads=1)
    try:
        s = Settings(**c.get("settings", {}))
        res = ingest.load(db, files, s, limits=Limits(**limits))
        _check(c, fmt, res, db, names)
    finally:
        db.close()
    if "memory_limit" in c:  # other sessions are unaffected: a fresh session loads normally
        other = dbmod.connect(memory_limit="1GB", threads=1)
        try:
            small = b"conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,ai\n"
            ok = ingest.load(other, [("t.csv", small)], Settings())
            assert ok.loaded == 1 and not ok.errors
        finally:
            other.close()


@pytest.mark.parametrize("cid", [cid for cid, c in TEXT.items() if "csv" in c["paths"]])
def test_every_text_case_through_the_cli(cid, tmp_path, capsys):
    c = TEXT[cid]
    paths = []
    for name, content in c["files"].items():
        p = tmp_path / name
        p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        paths.append(str(p))
    sets = [f"--set={k}={v}" for k, v in c.get("settings", {}).items()]
    code = cli.main(["report", *paths, *sets, "--json", str(tmp_path / "out.json")])
    err = capsys.readouterr().err
    if "error" in c or "error_contains" in c:
        assert code == 2 and (c.get("error") or c["error_contains"]) in err
        assert err.count("\n") == 1 and "Traceback" not in err  # one sentence
    else:
        assert code == 0, err
        report = json.loads((tmp_path / "out.json").read_text())
        counts = c.get("counts", {})
        if counts:
            assert report["data"]["rejected_rows"] == sum(v[2] for v in counts.values())


def test_the_committed_corpus_is_what_the_script_writes(tmp_path):
    make.write(tmp_path)
    committed = sorted(p.relative_to(HERE / "cases").as_posix() for p in (HERE / "cases").rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert committed == fresh
    for rel in fresh:
        assert (tmp_path / rel).read_bytes() == (HERE / "cases" / rel).read_bytes(), rel
