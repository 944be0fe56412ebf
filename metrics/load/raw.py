"""What every reader produces: a raw all-text table per file (RawFile), the reading limits, header checks.

Columns are `c0..cN` (VARCHAR, original headers kept aside, so no user header ever reaches SQL text),
plus `__row`: where the record sits in the file as a person would look it up.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from metrics.core.db import Database, scalar
from metrics.core.errors import IngestError
from metrics.load.issues import Issue


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 2_000_000_000
    max_unzipped_bytes: int = 300_000_000  # xlsx members and gzip payloads
    max_zip_ratio: float = 200.0
    max_rows: int = 20_000_000
    max_rows_per_byte: float = 20.0  # Parquet: a real export takes bytes per row; a dictionary bomb, none
    max_line_bytes: int = 16_000_000


@dataclass
class RawFile:
    name: str
    table: str
    headers: list[str]
    records: int
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decimal: str = "."
    header_tz: dict[int, str] = field(default_factory=dict)
    # SQL for the record's line in the file: the `__row` column, or for a CSV with no unreadable line, where
    # the line follows from the table's own row order, `(rowid + 2)` (no column written for it)
    row: str = "__row"


_counter = iter(range(1, 1 << 62))


def fresh_name(prefix: str) -> str:
    return f"{prefix}_{next(_counter)}"


def blank_header(i: int) -> str:
    """The name of the i-th (0-based) column when its header cell is blank; such a column is never used."""
    return f"(no header, column {i + 1})"


MAX_COLUMNS = 2_000  # an export with more columns is a crafted file, not a helpdesk export


def check_headers(name: str, headers: list[str]) -> tuple[list[str], list[str]]:
    """Reject duplicate / case-colliding headers and files with more than MAX_COLUMNS columns (or JSON keys);
    name blank ones. Returns (headers, notes)."""
    if len(headers) > MAX_COLUMNS:
        raise IngestError(
            f"{name} has {len(headers):,} columns; the limit is {MAX_COLUMNS:,} (a helpdesk export has far fewer)."
        )
    notes = []
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = "" if h is None else str(h).replace("\ufeff", "").strip()
        if not h:
            h = blank_header(i)
            notes.append(f"Column {i + 1} has no header; it is named '{h}' and not used as a metric input.")
        key = h.lower()
        if key in seen:
            raise IngestError(
                f"{name}: duplicate column '{h}' (columns {seen[key] + 1} and {i + 1}); "
                "rename one of them and upload again."
            )
        seen[key] = i
        out.append(h)
    return out, notes


def too_large(db: Database, name: str) -> IngestError:
    limit = scalar(db.con, "SELECT current_setting('memory_limit')")
    return IngestError(
        f"{name} is too large for this server: loading it needs more than the {limit} of memory each session may "
        "use; upload a shorter period or ask your administrator to raise SUPPORTAI_MEMORY_LIMIT."
    )


@contextlib.contextmanager
def as_file(db: Database, data: bytes, suffix: str) -> Iterator[str]:
    """A path DuckDB can read `data` from, removed afterwards. On Linux an anonymous in-memory file
    (memfd: 0.26 s for a 711 MB upload where writing it to the temp folder took 0.85 s; not limited by the size
    of /dev/shm, with no name in any folder, gone when closed); elsewhere a file in the session's temp folder."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("upload", os.MFD_CLOEXEC)
        try:
            with open(fd, "wb", closefd=False) as fh:
                fh.write(data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    path = os.path.join(db.temp_dir, fresh_name("upload") + suffix)
    try:
        with open(path, "wb") as fh:
            fh.write(data)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
