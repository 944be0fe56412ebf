from __future__ import annotations

import pytest

from metrics.core import db as dbmod
from metrics.core.settings import Settings
from metrics.load import ingest

CONV_HEADER = "conversation_id,customer_id,created_at,ended_at,handled_by,issue_category,csat,status"


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/cases/*/expected.json")


@pytest.fixture
def db():
    d = dbmod.connect(memory_limit="1GB", threads=1)
    yield d
    d.close()


@pytest.fixture
def load(db):
    """Load (name, bytes-or-str) files into the test's database; returns (LoadResult, db)."""

    def _load(*files, settings: Settings | None = None, mappings=None, tables=None):
        encoded = [(n, d.encode("utf-8") if isinstance(d, str) else d) for n, d in files]
        return ingest.load(db, encoded, settings or Settings(), mappings, tables=tables)

    return _load


def conv_csv(*rows: str, header: str = CONV_HEADER) -> str:
    return header + "\n" + "\n".join(rows) + "\n"


SAMPLE_TARGETS = "targets=true_resolution_rate=0.7, escalation_rate=0.2, nope=1"


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    """The CLI's JSON (parsed) and Excel summary of the bundled sample with two targets and an unknown name set,
    made once per test worker (a full sample report takes about 6 s; three tests read it). Mark a test that uses it
    `xdist_group("sample_report")` so that `--dist loadgroup` runs them on one worker."""
    import json
    import os

    from metrics.cli import main

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sample = [
        os.path.join(root, "sample_data", f) for f in ("accounts.csv.gz", "conversations.csv.gz", "messages.csv.gz")
    ]
    out = tmp_path_factory.mktemp("sample-report")
    args = ["report", *sample, "--json", str(out / "r.json"), "--xlsx", str(out / "r.xlsx"), "--set", SAMPLE_TARGETS]
    assert main(args) == 0
    return json.loads((out / "r.json").read_text()), out / "r.xlsx"
