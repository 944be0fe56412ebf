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
    assert cfg["client"]["showErrorDetails"] in ("none", "type")
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["runner"]["magicEnabled"] is False
    assert cfg["browser"]["gatherUsageStats"] is False


def test_every_page_starts_inside_the_frame():
    for path in _py("pages"):
        assert "inside_frame()" in path.read_text(), path
