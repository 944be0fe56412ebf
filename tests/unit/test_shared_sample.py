"""Page results on the untouched bundled sample are shared by the sessions of a process; nothing else is."""

from __future__ import annotations

from metrics.core.settings import Settings
from ui import state


def _session(shared: bool, load_id: int = 1) -> state.Session:
    return state.Session(db=None, shared_sample=shared, load_id=load_id)  # type: ignore[arg-type]


def test_sample_results_are_computed_once_per_process_and_each_session_gets_its_own_copy():
    state._SAMPLE_MEMO.clear()
    calls = []

    def compute():
        calls.append(1)
        return {"found": [1, 2, 3]}

    a, b = _session(True), _session(True, load_id=7)
    first = state.remembered(a, "t-shared", compute)
    first["found"].append(99)  # one page changing its result ...
    second = state.remembered(b, "t-shared", compute)
    assert calls == [1] and second == {"found": [1, 2, 3]}  # ... reaches no other session
    other = Settings(return_window_hours=24)
    b.settings = other
    assert state.remembered(b, "t-shared", compute) == {"found": [1, 2, 3]} and calls == [1, 1]  # per settings


def test_an_upload_never_reads_or_fills_the_shared_results():
    state._SAMPLE_MEMO.clear()
    state.remembered(_session(True), "t-upload", lambda: "sample")
    mine = _session(False)
    assert state.remembered(mine, "t-upload", lambda: "upload") == "upload"
    assert state._SAMPLE_MEMO == {("t-upload", Settings()): "sample"}


def test_a_new_session_on_the_sample_reads_the_prepared_signals_and_they_equal_a_fresh_computation(monkeypatch):
    from metrics.compute import signals
    from metrics.core import db as dbmod

    s = state.Session(db=None, is_sample=True)  # type: ignore[arg-type]
    s.files = list(state.sample_files())
    state._reload(s)
    assert s.shared_sample
    built = []
    monkeypatch.setattr(signals, "compute", lambda *a, **k: built.append(1))
    info = state.current_signals(s)  # the default settings: nothing rebuilt
    assert built == [] and info.conversations > 0
    restored = dbmod.rows(s.db.con, "SELECT * FROM signals ORDER BY conversation_id")
    monkeypatch.undo()
    fresh = signals.compute(s.db, Settings())
    assert fresh == info and dbmod.rows(s.db.con, "SELECT * FROM signals ORDER BY conversation_id") == restored
    s.settings = Settings(return_window_hours=24)  # another window: the session builds its own
    assert state.current_signals(s).conversations == info.conversations and s.signals_key[0] == s.load_id
