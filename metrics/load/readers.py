"""Uploaded bytes -> one all-text DuckDB table per file, with nothing lost silently.

Every reader produces the same shape: columns `c0..cN` (VARCHAR, original headers kept
aside, so no user header ever reaches SQL text), plus `__row`: where the record sits in
the file as a person would look it up (CSV/TSV: the line number, header = line 1; xlsx:
the sheet row; JSON lines: the line; Parquet: the record number). Records the parser
cannot read are returned as issues with their line and reason.
"""

from __future__ import annotations

import os
import re
import zlib

from metrics.core.db import Database
from metrics.core.errors import IngestError
from metrics.load.delimited import read_delimited
from metrics.load.raw import Limits, RawFile
from metrics.load.structured import read_jsonl, read_parquet, read_xlsx


def sniff_format(name: str, data: bytes) -> str:
    """csv | tsv | xlsx | parquet | jsonl | gzip, from magic bytes first, then the extension."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    ext = os.path.splitext(name.lower())[1]
    if ext in (".xlsx", ".xlsm", ".parquet", ".pq"):
        raise IngestError(f"{name} does not look like a real {ext} file (its first bytes do not match).")
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".tsv", ".tab"):
        return "tsv"
    return "csv"


def _gunzip(name: str, data: bytes, limits: Limits) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, limits.max_unzipped_bytes + 1)
    if len(out) > limits.max_unzipped_bytes or d.unconsumed_tail:
        raise IngestError(
            f"{name} expands to more than {limits.max_unzipped_bytes // 1_000_000} MB; "
            "the limit is there to protect the server. Split the file or upload it uncompressed."
        )
    return out


def read_file(
    db: Database, name: str, data: bytes | None, limits: Limits = Limits(), path: str | None = None
) -> RawFile:
    """Parse one uploaded file into a raw text table of `db`; `path`: the same bytes on disk (command line).
    `data` None: read from `path`; a CSV or TSV that can be parsed as it is is then never held in memory."""
    if data is None:
        if path is None:
            raise ValueError("read_file needs the file's bytes or its path")
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            head = fh.read(4)
    else:
        size, head = len(data), data[:4]
    if size == 0:
        raise IngestError(f"{name} is empty (0 bytes).")
    if size > limits.max_file_bytes:
        raise IngestError(f"{name} is {size / 1e6:.0f} MB; the limit is {limits.max_file_bytes / 1e6:.0f} MB.")
    kind = sniff_format(name, head)
    if data is None and kind not in ("csv", "tsv"):
        with open(path, "rb") as fh:
            data = fh.read()
    notes: list[str] = []
    if kind == "gzip":
        data = _gunzip(name, data, limits)
        inner = re.sub(r"\.gz$", "", name, flags=re.I)
        kind = sniff_format(inner, data)
        notes.append("decompressed (gzip)")
        if kind == "gzip":
            raise IngestError(f"{name} is compressed twice; decompress it once and upload again.")
        if len(data) == 0:
            raise IngestError(f"{name} is empty once decompressed.")
    if kind == "xlsx":
        raw = read_xlsx(db, name, data, limits)
    elif kind == "parquet":
        raw = read_parquet(db, name, data, limits)
    elif kind == "jsonl":
        raw = read_jsonl(db, name, data, limits)
    else:
        raw = read_delimited(db, name, data, limits, tab=(kind == "tsv"), path=path if not notes else None)
    raw.notes[:0] = notes
    if raw.records == 0:
        raise IngestError(f"{name} has a header but no data rows.")
    return raw
