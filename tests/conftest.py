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
