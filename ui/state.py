"""Per-session state: each browser session owns its DuckDB database, files and results.

Nothing here is cached globally: `st.session_state` is private to one session. Only the
bundled sample's bytes (our own files, identical for everyone) are read once per process.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from metrics.compute import sentiment, signals, topics
from metrics.compute.signals import SIGNAL_SETTINGS, SignalsInfo
from metrics.core import db as dbmod
from metrics.core.settings import Settings, by_stage
from metrics.load import ingest
from metrics.load.ingest import LoadResult
from metrics.load.mapping import FileMapping, load_mappings
from metrics.load.raw import RawFile

SAMPLE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "sample_data")
SAMPLE_FILES = ("conversations.csv.gz", "messages.csv.gz", "accounts.csv.gz")


@functools.lru_cache(maxsize=1)
def sample_files() -> tuple[tuple[str, bytes], ...]:
    """The bundled sample (shipped with the app, the same for every user)."""
    out = []
    for name in SAMPLE_FILES:
        with open(os.path.join(SAMPLE_DIR, name), "rb") as fh:
            out.append((name, fh.read()))
    return tuple(out)


@dataclass
class Session:
    db: dbmod.Database
    files: list[tuple[str, bytes]] = field(default_factory=list)
    fingerprint: str = ""
    is_sample: bool = True
    mappings: dict[str, FileMapping] = field(default_factory=dict)
    raws: dict[str, RawFile] = field(default_factory=dict)
    result: LoadResult | None = None
    settings: Settings = field(default_factory=Settings)
    mapping_fingerprint: str = ""
    upload_fingerprint: str = ""  # the uploader's file ids when last applied
    load_id: int = 0
    signals_key: tuple = ()
    signals_info: SignalsInfo | None = None
    memo: dict = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # sentences of files refused on reading (bytes dropped)
    labels: dict[str, str] = field(default_factory=dict)  # people's verdicts: conversation_id -> label (audit)
    audit_queue: list[str] = field(default_factory=list)  # the sample drawn for them to read
    shared_sample: bool = False  # the data is the process's prepared sample, untouched (no upload, no mapping)


def fingerprint(files: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in files:
        h.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _reload(s: Session, files_changed: bool = True, report: Callable[[str], None] | None = None) -> None:
    """Load s.files. New files get a fresh database (locked down after loading); a mapping or
    settings change re-types the raw tables already parsed, without reading files again."""
    if files_changed or s.db is None:
        if s.db is not None:
            s.db.close()
        s.db = dbmod.connect()
        s.raws = {}
        if _copy_of_the_sample(s):
            s.load_id += 1
            s.shared_sample = True
            s.signals_key = (s.load_id, _SAMPLE["signals"][2])  # type: ignore[index]  # restored with the tables
            return
    s.shared_sample = False
    s.result = ingest.load(s.db, s.files, s.settings, s.mappings, raws=s.raws, progress=report)
    if dbmod.large(s.db):  # every later page reads less, and the session holds a fraction of the memory
        if report:
            report("Compressing the data in memory")
        dbmod.compact(s.db)
    dbmod.lock_down(s.db)
    if files_changed:
        s.refused = []
    # A file refused on reading (too large, not a table, unsafe) is not kept: its bytes would stay in the session
    # for its whole life. Its sentence is kept for the Data page.
    unread = s.result.unread
    if unread:
        s.refused += [why for why in unread.values() if why not in s.refused]
        s.files = [(name, data) for name, data in s.files if name not in unread]
    s.load_id += 1
    _score_text(s)


# The bundled sample, loaded once per process: the same read-only data for every session and never anyone's
# upload. A new session gets its own copy of its tables in its own database instead of reading the files again.
_SAMPLE: dict[str, object] = {}
_DEFAULTS = Settings()


def _copy_of_the_sample(s: Session) -> bool:
    """Fill this session's fresh database from the prepared sample; False when it does not apply."""
    if not (s.is_sample and not s.mappings and s.files == list(sample_files())):
        return False
    if any(getattr(s.settings, k) != getattr(_DEFAULTS, k) for k in by_stage("load")):
        return False
    if not _SAMPLE:
        db = dbmod.connect()
        raws: dict[str, RawFile] = {}
        mappings: dict[str, FileMapping] = {}
        result = ingest.load(db, s.files, _DEFAULTS, mappings, raws=raws)
        sentiment.ensure_scores(db)
        topics.ensure(db)
        # The signals for the default settings come along: a new session's first page does not rebuild them
        # (0.38 s of each new session on the sample, measured with py-spy on the server).
        info = signals.compute(db, _DEFAULTS)
        _SAMPLE.update(
            tables=dbmod.snapshot(db, dbmod.table_names(db)),
            result=result,
            raws=raws,
            mappings=mappings,
            signals=(
                info,
                {k: db.memo[k] for k in ("signals_base", "signals_rows")},
                tuple(getattr(_DEFAULTS, k) for k in SIGNAL_SETTINGS),
            ),
        )
        db.close()
    dbmod.restore(s.db, _SAMPLE["tables"])  # type: ignore[arg-type]
    dbmod.lock_down(s.db)
    info, keys, _ = _SAMPLE["signals"]  # type: ignore[misc]
    s.db.memo.update(keys)  # the restored tables are those of these keys
    s.signals_info = copy.deepcopy(info)  # for the default settings; _reload keys it with the new load id
    s.result = copy.deepcopy(_SAMPLE["result"])  # type: ignore[assignment]
    s.raws = copy.deepcopy(_SAMPLE["raws"])  # type: ignore[assignment]
    s.mappings = copy.deepcopy(_SAMPLE["mappings"])  # type: ignore[assignment]
    s.refused = []
    return True


def _score_text(s: Session) -> None:
    """Sentiment of customer text (VADER) once per load, with a progress bar when there is much to score."""
    bar = None

    def progress(done: float) -> None:
        nonlocal bar
        if bar is None and done < 1.0:
            bar = st.progress(0.0, text="Scoring the sentiment of customer messages")
        if bar is not None:
            bar.progress(min(done, 1.0), text=f"Scoring the sentiment of customer messages: {done:.0%}")

    sentiment.ensure_scores(s.db, progress)
    if bar is not None:
        bar.empty()


def _find_topics(s: Session) -> None:
    """Topics once per dataset, with a progress bar while they are found."""
    if topics.computed(s.db):
        return
    bar = st.progress(0.0, text="Finding the topics customers ask about (once per dataset)")

    def progress(done: float, what: str) -> None:
        bar.progress(done, text=f"Finding the topics customers ask about: {what}")

    topics.ensure(s.db, progress=progress)
    bar.empty()


def current_signals(s: Session) -> SignalsInfo:
    """The signals relation for the current data and settings, rebuilt only when one of those changed."""
    key = (s.load_id, tuple(getattr(s.settings, k) for k in SIGNAL_SETTINGS))
    if key != s.signals_key or s.signals_info is None:
        if s.settings.topics:
            _find_topics(s)
        s.signals_key = None  # a computation interrupted by the next run leaves the table to be rebuilt
        s.signals_info = signals.compute(s.db, s.settings)
        s.signals_key = key
    return s.signals_info


def session() -> Session:
    """This browser session's state, created on the sample data at first use."""
    s = st.session_state.get("support_session")
    if s is None:
        s = Session(db=None)  # type: ignore[arg-type]
        s.files = list(sample_files())
        s.fingerprint = fingerprint(s.files)
        _reload(s)
        st.session_state["support_session"] = s
    return s


def use_files(
    files: list[tuple[str, bytes]], is_sample: bool = False, report: Callable[[str], None] | None = None
) -> bool:
    """Load these files unless they are the ones already loaded; True when something changed."""
    s = session()
    fp = fingerprint(files)
    if fp == s.fingerprint:
        return False
    before = (s.files, s.fingerprint, s.is_sample, s.mappings)
    old, new = dict(s.files), dict(files)
    s.files, s.fingerprint, s.is_sample = files, fp, is_sample
    # A file that stays as it was keeps the mapping it was given; a new version of it is recognised afresh.
    s.mappings = {} if is_sample else {n: m for n, m in s.mappings.items() if old.get(n) == new.get(n)}
    try:
        _reload(s, report=report)
    except Exception:  # a bug must not strand the session: keep the data it had, say so in one sentence
        logging.getLogger(__name__).exception("loading uploaded files failed")
        s.files, s.fingerprint, s.is_sample, s.mappings = before
        _reload(s, report=report)
        st.session_state["load_error"] = (
            f"{', '.join(name for name, _ in files)} could not be loaded because of an error in the app (it is logged on the server); "
            "the data you had before is still loaded. Please report the file's column names."
        )
    return True


def use_uploads(files: list[tuple[str, bytes]], report: Callable[[str], None] | None, fp: str) -> bool:
    """Add the uploader's files to the data in use when the uploader's content (`fp`: its file ids) changed.

    Uploads accumulate across page visits (the uploader forgets its files when the Data page is left): a new
    file is added, a file of the same name replaces the older one; files leave only by `remove_file` or
    `start_over`. The first upload replaces the sample.
    """
    s = session()
    if fp == s.upload_fingerprint:
        return False
    s.upload_fingerprint = fp
    merged = {} if s.is_sample else dict(s.files)
    merged.update(dict(files))
    return use_files(list(merged.items()), report=report)


def remove_file(name: str) -> None:
    """Stop using one uploaded file (the others stay, with their mappings)."""
    s = session()
    rest = [(n, d) for n, d in s.files if n != name]
    if not rest:
        start_over()
        return
    use_files(rest)


def start_over() -> None:
    """Drop every uploaded file and go back to the sample."""
    s = session()
    s.refused = []  # the uploader's current files stay unapplied (their fingerprint is kept) until it changes
    use_files(list(sample_files()), is_sample=True)


def apply_mapping_file(data: bytes) -> bool:
    """Re-apply a downloaded mapping file once (the uploader keeps it across reruns)."""
    s = session()
    fp = hashlib.sha256(data).hexdigest()
    if fp == s.mapping_fingerprint:
        return False
    s.mapping_fingerprint = fp
    apply_mappings(load_mappings(data.decode("utf-8", "replace")))
    return True


def apply_mappings(mappings: dict[str, FileMapping]) -> None:
    """Re-type the current files with edited mappings (files are re-parsed into a fresh database)."""
    s = session()
    s.mappings = {**s.mappings, **mappings}
    _reload(s, files_changed=False)


def change_settings(new: Settings) -> None:
    s = session()
    if new == s.settings:
        return
    loading_changed = any(getattr(new, k) != getattr(s.settings, k) for k in by_stage("load"))
    s.settings = new
    if loading_changed:
        _reload(s, files_changed=False)


# Page computations on the untouched bundled sample, shared by every session of this process (the sample is our
# own data, the same for everyone; an upload or a mapping ends the sharing for that session). Each session reads
# a deep copy, so nothing one page does to a result reaches another session.
_SAMPLE_MEMO: dict[tuple, object] = {}
_SAMPLE_MEMO_LOCK = threading.Lock()


def remembered(s: Session, name: str, compute):
    """A page computation kept for this session until the data or any setting changes (on the untouched sample:
    for every session of the process, so a new visitor's Overview does not find the same insights again)."""
    if s.shared_sample:
        key = (name, s.settings)
        with _SAMPLE_MEMO_LOCK:
            found = _SAMPLE_MEMO.get(key, _SAMPLE_MEMO)
        if found is _SAMPLE_MEMO:
            found = compute()
            with _SAMPLE_MEMO_LOCK:
                if len(_SAMPLE_MEMO) > 256:
                    _SAMPLE_MEMO.clear()
                _SAMPLE_MEMO[key] = found
        return copy.deepcopy(found)
    key = (name, s.load_id, s.settings)
    if key not in s.memo:
        if len(s.memo) > 32:
            s.memo.clear()
        s.memo[key] = compute()
    return s.memo[key]


def signals_or_stop(s: Session) -> SignalsInfo:
    """The current signals; with no conversations loaded, say so and end the page here."""
    info = current_signals(s)
    if not info.conversations:
        st.warning("No conversations are loaded yet. Upload a conversations or tickets export on the Data page.")
        st.stop()
    return info
