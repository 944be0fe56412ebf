"""The only door to DuckDB: one connection per user session, bound parameters, quoted identifiers.

Every query goes through `q`/`rows`/`df`/`scalar`, which fetch the whole result at once
(an unconsumed DuckDB result owns the connection). User strings reach SQL only as bound
parameters or through `ident`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import duckdb

DEFAULT_MEMORY_LIMIT = os.environ.get("SUPPORTAI_MEMORY_LIMIT", "4GB")
DEFAULT_THREADS = int(os.environ.get("SUPPORTAI_THREADS", "2"))
QUERY_SECONDS = float(os.environ.get("SUPPORTAI_QUERY_SECONDS", "120"))  # one page run's computing limit
TEMP_LIMIT = os.environ.get("SUPPORTAI_TEMP_LIMIT", "4GB")  # DuckDB spill on disk, per session


def ident(name: str) -> str:
    """Quote an identifier (a column or table name that may come from a user file)."""
    return '"' + str(name).replace('"', '""') + '"'


class QueryTimeout(Exception):
    """A query ran past the time limit and was interrupted; the message is one sentence."""


@dataclass
class Database:
    """A per-session in-memory DuckDB database with its private temp directory.

    `con` is the calling thread's own cursor on the database (made on first use). Streamlit may start a rerun in
    a new thread while the previous run is still computing in its own: `new_run()` gives the new run a fresh
    cursor and interrupts and closes the other threads' cursors, and the old run keeps its own interrupted
    cursor; it never picks up the new run's (DuckDB 2.0 refuses a connection used from two threads at once:
    'connection is busy with another call', seen in the browser timing's server log).
    """

    root: duckdb.DuckDBPyConnection
    temp_dir: str
    locked: bool = False
    memo: dict = field(default_factory=dict, repr=False)  # derived tables' keys; cleared when data is loaded
    _closed: bool = field(default=False, repr=False)
    _finalizer: weakref.finalize | None = field(default=None, repr=False)
    _cursors: dict[int, duckdb.DuckDBPyConnection] = field(default_factory=dict, repr=False)  # thread -> cursor
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's cursor (a fragment rerun or a test gets one on first use)."""
        me = threading.get_ident()
        cur = self._cursors.get(me)
        if cur is None:
            if self._closed:
                return self.root
            with self._lock:
                cur = self._cursors[me] = self.root.cursor()
            if not self.locked:
                cur.execute("SET enable_progress_bar = false")
        return cur

    def new_run(self) -> None:
        """A fresh cursor for the script run in this thread; the cursors of other threads' runs are stopped."""
        if self._closed:
            return
        with self._lock:
            old = [self._cursors.pop(t) for t in list(self._cursors)]
        for cur in old:
            cur.interrupt()
            try:
                cur.close()
            except duckdb.Error:  # still unwinding in the old run's thread; it closes when collected
                pass
        _ = self.con  # this thread's new cursor

    @contextmanager
    def side_cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own on this database, for work outside the script run (a download built on click)."""
        with self._lock:
            cur = self.root.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Interrupt whatever this session's cursor runs for longer than `seconds`."""
        con = self.con
        timer = threading.Timer(seconds, con.interrupt)
        timer.daemon = True
        timer.start()
        try:
            yield
        except duckdb.InterruptException:
            raise QueryTimeout(
                f"This view needed more than {seconds:g} seconds of computing and was stopped; "
                "narrow the data (fewer files or a shorter period) or ask your administrator to raise the limit."
            ) from None
        finally:
            timer.cancel()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                with self._lock:
                    cursors = [self._cursors.pop(t) for t in list(self._cursors)]
                for cur in cursors:
                    try:
                        cur.close()
                    except duckdb.Error:
                        pass
                self.root.close()
            finally:
                shutil.rmtree(self.temp_dir, ignore_errors=True)
                if self._finalizer is not None:
                    self._finalizer.detach()


TEMP_PREFIX = "supportai-"
_swept = False


def _cleanup(con: duckdb.DuckDBPyConnection, temp_dir: str) -> None:
    """Close a session's database and remove its spill folder (customer data in clear text)."""
    try:
        con.close()
    except duckdb.Error:
        pass
    finally:
        shutil.rmtree(temp_dir, ignore_errors=True)


def sweep_stale_temp_dirs(root: str | None = None) -> int:
    """Remove session folders left by servers that are gone (their pid is in the folder name); returns how many.

    Folders of a running process are kept; folders without a pid (older versions) once a day old.
    """
    root = root or tempfile.gettempdir()
    removed = 0
    for name in os.listdir(root):
        if not name.startswith(TEMP_PREFIX):
            continue
        path = os.path.join(root, name)
        pid = name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                continue  # that server still runs
            except ProcessLookupError:
                pass
            except PermissionError:  # another user's live process
                continue
        else:
            try:
                if time.time() - os.path.getmtime(path) < 86400:
                    continue
            except OSError:
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed


def connect(memory_limit: str = DEFAULT_MEMORY_LIMIT, threads: int = DEFAULT_THREADS) -> Database:
    """Open a new in-memory database for one user session (never shared between sessions).

    Its spill folder is capped (SUPPORTAI_TEMP_LIMIT) and removed when the database is closed, when the session
    holding it is dropped (garbage-collected after the browser left), and when the server process exits.
    """
    global _swept
    if not _swept:
        _swept = True
        sweep_stale_temp_dirs()
    temp_dir = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": memory_limit,
            "threads": threads,
            "temp_directory": os.path.join(temp_dir, "spill"),
            "max_temp_directory_size": TEMP_LIMIT,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            # No automatic checkpoint: in memory it compresses every table changed since the last one, at an
            # unpredictable moment (a 1 s pause in the middle of a window change at 300k conversations, once
            # 16 MB of updates had gathered); `compact` does it when a large dataset has been loaded.
            "checkpoint_threshold": "1TB",
        },
    )
    con.execute("SET GLOBAL TimeZone = 'UTC'")  # global: cursors opened later inherit it
    con.execute("SET GLOBAL Calendar = 'gregorian'")
    con.execute("SET enable_progress_bar = false")  # per connection (a cursor after lock_down keeps the default)
    db = Database(root=con, temp_dir=temp_dir)
    db._finalizer = weakref.finalize(db, _cleanup, con, temp_dir)  # also runs at interpreter exit
    return db


COMPACT_ABOVE = 256 * 2**20  # bytes of tables in memory past which a loaded dataset is worth compressing


def large(db: Database) -> bool:
    """Whether the tables hold more than COMPACT_ABOVE bytes of memory."""
    return (scalar(db.con, "SELECT sum(memory_usage_bytes) FROM duckdb_memory()") or 0) > COMPACT_ABOVE


def compact(db: Database) -> None:
    """Compress the tables in memory (DuckDB's checkpoint): at 1M conversations 1.4 GB -> 0.17 GB in 3.8 s, and
    the report then ran 8% faster (less spilled, fewer bytes scanned)."""
    q(db.con, "CHECKPOINT")


def snapshot(db: Database, tables: list[str]) -> dict[str, Any]:
    """Copies of these tables as Arrow tables (read-only data another connection can restore from)."""
    return {t: arrow(db.con, f"SELECT * FROM {t}") for t in tables}  # our own table names


def table_names(db: Database) -> list[str]:
    """The base tables of this database, by name."""
    return [
        r[0]
        for r in rows(
            db.con, "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
        )
    ]


def restore(db: Database, saved: dict[str, Any]) -> None:
    """Create each saved table in this database as its own copy (no reference to the Arrow data remains)."""
    for name, tbl in saved.items():
        view = f"restore_{name}"
        db.con.register(view, tbl)
        try:
            db.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {view}").fetchall()
        finally:
            db.con.unregister(view)


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
    """The first value of the first row; the result is fetched to the end (DuckDB 2.0 keeps an unfinished
    result on the connection and refuses other work, such as registering an Arrow table, until it is)."""
    r = con.execute(sql, params or []).fetchall()
    return r[0][0] if r and r[0] else None


def many(con: duckdb.DuckDBPyConnection, sql: str, seq: list[list[Any]]) -> None:
    """Run one statement for each parameter row (bulk inserts of small lists)."""
    con.executemany(sql, seq)


def df(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None):
    """Fetch a whole result as a pandas DataFrame."""
    return con.execute(sql, params or []).df()


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | list | None = None):
    """Fetch a whole result as an Arrow table (columns for numpy without a pandas copy); through a relation, as
    DuckDB copies the rows once more for Arrow output of an executed statement."""
    return con.sql(sql, params=params or None).to_arrow_table()


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
