"""Per-session databases: locked down after loading, and independent across threads."""

from __future__ import annotations

import threading

import duckdb
import pytest

from metrics.core import db as dbmod
from metrics.core.db import rows
from metrics.core.settings import Settings
from metrics.load import ingest


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "COPY (SELECT 1) TO '/tmp/supportai-pwn.csv'",
        "ATTACH '/tmp/supportai-other.db' AS other",
        "INSTALL excel",
        "SET enable_external_access = true",
        "SET memory_limit = '100GB'",
    ],
)
def test_a_locked_session_database_refuses_files_and_config(sql):
    d = dbmod.connect(memory_limit="256MB", threads=1)
    try:
        dbmod.lock_down(d)
        with pytest.raises(duckdb.Error):
            d.con.execute(sql).fetchall()
    finally:
        d.close()


def test_sessions_in_threads_never_see_each_other():
    results: dict[int, list] = {}
    errors: list[BaseException] = []

    def session(i: int) -> None:
        try:
            d = dbmod.connect(memory_limit="256MB", threads=1)
            assert d is not None
            lines = ["conversation_id,customer_id,created_at,handled_by"]
            lines += [f"s{i}-c{j},u{j},2025-01-01T10:00:00Z,ai" for j in range(i + 1)]
            ingest.load(d, [("f.csv", ("\n".join(lines) + "\n").encode())], Settings())
            dbmod.lock_down(d)
            for _ in range(20):
                results.setdefault(i, []).append(
                    rows(d.con, "SELECT count(*), min(conversation_id) FROM conversations")[0]
                )
            d.close()
        except BaseException as e:  # collected and re-raised in the main thread
            errors.append(e)

    threads = [threading.Thread(target=session, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, seen in results.items():
        assert set(seen) == {(i + 1, f"s{i}-c0")}


def test_every_session_gets_its_own_database_and_temp_dir():
    a, b = dbmod.connect(memory_limit="256MB"), dbmod.connect(memory_limit="256MB")
    try:
        assert a.con is not b.con and a.temp_dir != b.temp_dir
    finally:
        a.close()
        b.close()


SLOW = "SELECT count(*) FROM range(100000000) a, range(100000000) b WHERE a.range + b.range = -1"


def test_a_slow_query_is_interrupted_and_the_session_stays_usable():
    import time

    from metrics.core.db import QueryTimeout

    d = dbmod.connect(memory_limit="256MB", threads=1)
    try:
        d.new_run()
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match="more than 0.5 seconds"):
            with d.time_limit(0.5):
                d.con.execute(SLOW).fetchall()
        assert time.monotonic() - start < 10
        assert d.con.execute("SELECT 42").fetchall() == [(42,)]
    finally:
        d.close()


def test_new_runs_work_on_a_locked_database():
    d = dbmod.connect(memory_limit="256MB", threads=1)
    try:
        dbmod.lock_down(d)
        d.new_run()
        d.new_run()
        assert d.con.execute("SELECT 1").fetchall() == [(1,)]
    finally:
        d.close()


def test_a_new_run_interrupts_the_query_left_running_by_the_previous_run():
    import threading

    import duckdb

    d = dbmod.connect(memory_limit="256MB", threads=1)
    try:
        d.new_run()
        old = d.con
        outcome = []

        def previous_run():
            try:
                old.execute(SLOW).fetchall()
                outcome.append("finished")
            except duckdb.Error as e:
                outcome.append(type(e).__name__)

        t = threading.Thread(target=previous_run)
        t.start()
        import time

        time.sleep(0.3)
        d.new_run()  # the rerun: a fresh cursor, the old query stopped
        t.join(10)
        assert outcome and outcome[0] in ("InterruptException", "ConnectionException"), outcome
        assert d.con is not old and d.con.execute("SELECT 1").fetchall() == [(1,)]
    finally:
        d.close()


def test_a_run_still_unwinding_in_its_thread_never_uses_the_new_runs_cursor():
    """Streamlit may start a rerun in a new thread while the previous run still computes. The old run reads
    `db.con` before each query: it must keep getting its own (stopped) cursor, never the new run's (DuckDB 2.0
    refuses a connection used from two threads: 'connection is busy with another call')."""
    import threading

    import duckdb

    d = dbmod.connect(memory_limit="256MB", threads=1)
    try:
        started, rerun_done, seen = threading.Event(), threading.Event(), {}

        def previous_run():
            d.new_run()
            seen["old"] = d.con
            started.set()
            rerun_done.wait(10)
            seen["after"] = d.con  # the next query of the old run
            try:
                d.con.execute("SELECT 1").fetchall()
                seen["outcome"] = "ran"
            except duckdb.Error as e:
                seen["outcome"] = type(e).__name__

        t = threading.Thread(target=previous_run)
        t.start()
        started.wait(10)
        d.new_run()  # the rerun, in this thread
        rerun_done.set()
        t.join(10)
        assert seen["after"] is not d.con and seen["old"] is not d.con
        assert seen["outcome"] in ("ran", "ConnectionException", "InterruptException"), seen
        assert d.con.execute("SELECT 2").fetchall() == [(2,)]
    finally:
        d.close()


def test_a_dropped_session_database_removes_its_spill_folder():
    """Issue 23: spill files with customer data stayed on disk after the browser left."""
    import gc
    import os

    from metrics.core import db as dbmod

    d = dbmod.connect(memory_limit="1GB", threads=1)
    folder = d.temp_dir
    assert os.path.basename(folder).startswith(f"supportai-{os.getpid()}-")
    dbmod.q(d.con, "CREATE TABLE t AS SELECT 1 AS x")
    del d  # what happens when Streamlit drops a session's state
    gc.collect()
    assert not os.path.exists(folder)


def test_stale_session_folders_of_gone_servers_are_swept(tmp_path):
    import os
    import subprocess
    import sys

    from metrics.core import db as dbmod

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"supportai-{gone.stdout.strip()}-abc"
    alive = tmp_path / f"supportai-{os.getpid()}-def"
    other = tmp_path / "unrelated"
    for p in (dead, alive, other):
        (p / "spill").mkdir(parents=True)
    assert dbmod.sweep_stale_temp_dirs(str(tmp_path)) == 1
    assert not dead.exists() and alive.exists() and other.exists()


def test_session_spill_is_capped():
    from metrics.core import db as dbmod

    d = dbmod.connect(memory_limit="1GB", threads=1)
    try:
        # SUPPORTAI_TEMP_LIMIT defaults to 4GB = 3.7 GiB, as DuckDB shows it
        assert dbmod.scalar(d.con, "SELECT current_setting('max_temp_directory_size')") == "3.7 GiB"
    finally:
        d.close()
