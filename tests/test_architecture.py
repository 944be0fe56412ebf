"""Structural rules: metrics/ is pure, no user data in global caches, safe config, docs complete."""

from __future__ import annotations

import ast
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _py(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def test_metrics_never_imports_streamlit():
    for path in _py("metrics"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "streamlit" for n in names), path


def test_no_streamlit_cache_decorators_anywhere():
    """Per-user data lives in st.session_state only; a global cache would leak it between users."""
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui")]:
        src = path.read_text()
        assert "cache_resource" not in src and "cache_data" not in src, path


def test_no_unsafe_html():
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui")]:
        assert "unsafe_allow_html" not in path.read_text(), path


def test_shipped_config_hides_tracebacks_and_keeps_xsrf():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["client"]["disableDataExport"] is True  # the grid's raw CSV export would write live formulas
    assert cfg["server"]["address"] == "127.0.0.1"  # only the proxy on this host reaches the app
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["runner"]["magicEnabled"] is False
    assert cfg["browser"]["gatherUsageStats"] is False


def test_every_page_starts_inside_the_frame():
    for path in _py("pages"):
        assert "inside_frame()" in path.read_text(), path


def _calls(path: pathlib.Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node


def test_sql_runs_only_through_the_db_helpers():
    """HOSTILE 2.2: every statement goes through metrics.db (bound parameters, whole results fetched)."""
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui"), *_py("metrics"), *_py("bench")]:
        if path.name == "db.py" and path.parent.name == "metrics":
            continue
        for call in _calls(path):
            assert call.func.attr not in ("execute", "executemany"), (path, call.lineno)
            if call.func.attr in ("sql", "query"):
                assert not ast.unparse(call.func.value).endswith("con"), (path, call.lineno)


def test_user_values_reach_sql_as_parameters_not_text():
    """No f-string SQL interpolates a name that holds uploaded text (headers, values, file names)."""
    tainted = {"header", "headers", "name", "value", "values", "text", "cat", "category", "file", "filename"}
    helpers = {"q", "rows", "dicts", "scalar", "df"}
    for path in [*_py("metrics"), *_py("ui"), *_py("pages")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in helpers):
                continue
            for arg in node.args[1:2]:
                for part in ast.walk(arg):
                    if isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name):
                        assert part.value.id not in tainted, (path, node.lineno, part.value.id)


def test_no_database_or_upload_held_at_module_level():
    """A module-level connection or upload would be shared by every session of the server."""
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui")]:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
                src = ast.unparse(node.value)
                assert "connect(" not in src and "load(" not in src and "read_file(" not in src, (path, src)
