"""Golden cases: input files in cases/<name>/ and the full JSON report expected from them.

Regenerate after an intended change with `pytest tests/golden --update-goldens`, and review
the diff of expected.json like code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from metrics.cli import main

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if p.is_dir())


def _report(case: Path, tmp_path: Path) -> dict:
    files = sorted(str(p) for p in case.iterdir() if p.name != "expected.json" and p.suffix in (".csv", ".gz"))
    out = tmp_path / "r.json"
    args = ["report", *files, "--json", str(out)]
    settings = case / "settings.toml"
    if settings.exists():
        args += ["--settings", str(settings)]
    assert main(args) == 0
    return json.loads(out.read_text())


def _close(a, b, path="") -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {sorted(set(a) ^ set(b))}"
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, (int, float)):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_report_matches_golden(case, tmp_path, request):
    got = _report(case, tmp_path)
    expected_path = case / "expected.json"
    if request.config.getoption("--update-goldens") or not expected_path.exists():
        expected_path.write_text(json.dumps(got, indent=1, sort_keys=True, default=str) + "\n")
        if not request.config.getoption("--update-goldens"):
            pytest.fail(f"{expected_path} did not exist; written now, review it and run again")
    _close(got, json.loads(expected_path.read_text()))
