"""The only door to DuckDB: one connection per user session, bound parameters, quoted identifiers.

Every query goes through `q`/`rows`/`df`/`scalar`, which fetch the whole result at once
(an unconsumed DuckDB result owns the connection). User strings reach SQL only as bound
parameters or through `ident`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = os.environ.get("SUPPORTAI_MEMORY_LIMIT", "4GB")
DEFAULT_THREADS = int(os.environ.get("SUPPORTAI_THREADS", "2"))


def ident(name: str) -> str:
    """Quote an identifier (a column or table name that may come from a user file)."""
    return '"' + str(name).replace('"', '""') + '"'


@dataclass
class Database:
    """A per-session in-memory DuckDB database with its private temp directory."""

    con: duckdb.DuckDBPyConnection
    temp_dir: str
    locked: bool = False
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self.con.close()
            finally:
                shutil.rmtree(self.temp_dir, ignore_errors=True)


def connect(memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int = DEFAULT_THREADS) -> Database:
    """Open a new in-memory database for one user session (never shared between sessions)."""
    temp_dir = tempfile.mkdtemp(prefix="supportai-")
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": os.path.join(temp_dir, "spill"),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # global: cursors opened later inherit it
    con.execute("SET Calendar = 'gregorian'")
    return Database(con=con, temp_dir=temp_dir)


def lock_down(db: Database) -> None:
    """After loading: no file or network access from SQL, and no way to turn it back on."""
    if db.locked:
        return
    db.con.execute("SET enable_external_access = false")
    db.con.execute("SET lock_configuration = true")
    db.locked = True


def q(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None) -> None:
    """Run a statement that returns nothing useful (DDL, INSERT)."""
    con.execute(sql, params or []).fetchall()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None) -> Any:
    r = con.execute(sql, params or []).fetchone()
    return None if r is None else r[0]


def df(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None):
    """Fetch a whole result as a pandas DataFrame."""
    return con.execute(sql, params or []).df()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name}))


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        r[0]
        for r in rows(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE table_name = $t ORDER BY column_index",
            {"t": table},
        )
    ]
