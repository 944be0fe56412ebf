"""Headless CLI: python -m metrics report FILE... [--settings s.toml] [--set k=v] [--json out.json]."""

from __future__ import annotations

import argparse
import json
import os
import sys

from metrics.compute import audit, changes
from metrics.core import db as dbmod
from metrics.core import settings as settings_mod
from metrics.core import settings_toml
from metrics.core.errors import IngestError
from metrics.core.schema import TABLES
from metrics.load import ingest
from metrics.load.mapping import load_mappings
from metrics.present.docs import metric_table, update_readme
from metrics.present.excel import write_workbook
from metrics.present.report import build_report

DESCRIPTION = """Compute the AI support report from exported files, without the app.

Files are recognised by their headers as conversations (tickets), messages or accounts.
Give a table explicitly with --table conversations=path when recognition fails."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m metrics", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "report",
        help="load files and write the report",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("files", nargs="*", metavar="FILE", help="CSV, TSV, .xlsx, Parquet or JSON-lines exports (.gz ok)")
    r.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="TABLE=PATH",
        help="load PATH as TABLE (conversations, messages or accounts)",
    )
    r.add_argument("--mapping", metavar="MAPPING.json", help="column mappings saved from the Data page")
    r.add_argument("--settings", metavar="SETTINGS.toml", help="settings file (flat TOML, SPEC section 5 keys)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override one setting")
    r.add_argument(
        "--labels",
        metavar="LABELS.csv",
        help="people's verdicts on AI conversations (conversation_id, label = resolved / not_resolved / cant_tell): "
        "adds the audit of the resolution signal",
    )
    r.add_argument(
        "--changes",
        metavar="CHANGES.csv",
        help="the change log (date, categories ;-separated or empty for all, kind, description): adds each "
        "change's effect to the report",
    )
    r.add_argument("--json", metavar="OUT.json", help="write the JSON report here ('-' for standard output)")
    r.add_argument("--xlsx", metavar="OUT.xlsx", help="write the Excel summary for leadership here")
    d = sub.add_parser("docs", help="print (or --write into README.md) the generated metric table")
    d.add_argument("--write", metavar="README.md", help="replace the table between the markers in this file")
    return p


def _docs(args) -> int:
    if args.write:
        with open(args.write, encoding="utf-8") as fh:
            text = fh.read()
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(update_readme(text))
    else:
        print(metric_table())
    return 0


def _fail(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


# One process, one dataset: the database stays within 2.4GB and spills beyond, so a run at a million
# conversations peaks under 3 GB in all (2.7 GB, as fast as with the app's 4GB: bench/run.py's CLI column).
CLI_MEMORY_LIMIT = os.environ.get("SUPPORTAI_MEMORY_LIMIT", "2.4GB")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "docs":
        return _docs(args)
    try:
        s = settings_toml.load(args.settings) if args.settings else settings_mod.Settings()
        s = settings_toml.apply_overrides(s, args.set)
    except settings_mod.SettingsError as e:
        return _fail(str(e))
    except OSError as e:
        return _fail(f"cannot read the settings file {args.settings}: {e.strerror}.")
    paths: list[tuple[str, str | None]] = [(f, None) for f in args.files]
    for spec in args.table:
        if "=" not in spec:
            return _fail(f"--table expects TABLE=PATH, got {spec!r}.")
        t, path = spec.split("=", 1)
        paths.append((path, t.strip()))
    if not paths:
        return _fail("give at least one file to load.")
    try:
        mappings = load_mappings(open(args.mapping, encoding="utf-8").read()) if args.mapping else {}
        if args.changes:
            with open(args.changes, "rb") as fh:
                logged = changes.read_csv(os.path.basename(args.changes), fh.read())
            s = s.replace(changes=list(s.changes) + [c.to_setting() for c in logged])
        labels = None
        if args.labels:
            with open(args.labels, "rb") as fh:
                labels = audit.read_labels(os.path.basename(args.labels), fh.read())
    except OSError as e:
        return _fail(f"cannot read {e.filename}: {e.strerror}.")
    except IngestError as e:
        return _fail(str(e))
    named: list[tuple[str, str]] = []
    forced: dict[str, str] = {}
    for path, table in paths:
        try:
            with open(path, "rb"):  # readable: said now, before anything is loaded
                pass
        except OSError as e:
            return _fail(f"cannot read {path}: {e.strerror}.")
        name = os.path.basename(path)
        named.append((name, path))
        if table:
            if table not in TABLES:
                return _fail(f"--table: unknown table {table!r}; use conversations, messages or accounts.")
            forced[name] = table
    db = dbmod.connect(memory_limit=CLI_MEMORY_LIMIT)
    try:
        # Each file is read from its path when its turn comes: a CSV that can be parsed as it is never enters
        # this process's memory, another file's bytes only until it is in the database (the messages export can
        # be the size of all the rest).
        result = ingest.load(db, ((name, None, path) for name, path in named), s, mappings, tables=forced)
        if dbmod.large(db):  # as the app does: at 1M conversations 2.0 s, paid back by the report (no spilling
            dbmod.compact(db)  # past the memory limit), and a peak RSS of 2.43 GB instead of 2.69 GB
        dbmod.lock_down(db)
        if not result.files and result.errors:
            return _fail(" ".join(result.errors))
        if not dbmod.scalar(db.con, "SELECT count(*) FROM conversations"):
            for why in result.skipped.values():
                print(f"note: {why}", file=sys.stderr)
            for err in result.errors:
                print(f"warning: {err}", file=sys.stderr)
            return _fail(ingest.nothing_loaded(db, result))
        for err in result.errors:
            print(f"warning: {err}", file=sys.stderr)
        for why in result.skipped.values():
            print(f"note: {why}", file=sys.stderr)
        report = build_report(db, s, result, labels=labels)
        if args.json:
            text = json.dumps(report, indent=2, ensure_ascii=False, default=str, allow_nan=False)
            if args.json == "-":
                print(text)
            else:
                with open(args.json, "w", encoding="utf-8") as fh:
                    fh.write(text)
        if args.xlsx:
            with open(args.xlsx, "wb") as fh:
                fh.write(write_workbook(db, s, report, result))
        d = report["data"]
        print(
            f"Loaded {d['conversations']:,} conversations ({d['ai_conversations']:,} AI, "
            f"{d['human_conversations']:,} human), {d['messages']:,} messages, {d['accounts']:,} accounts; "
            f"{d['rejected_rows']:,} rows rejected.",
            file=sys.stderr,
        )
        return 0
    finally:
        db.close()
