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
    """HOSTILE 2.2: every statement goes through metrics.core.db (bound parameters, whole results fetched)."""
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui"), *_py("metrics"), *_py("bench")]:
        if path.name == "db.py" and path.parent.name == "core":
            continue
        for call in _calls(path):
            assert call.func.attr not in ("execute", "executemany"), (path, call.lineno)
            if call.func.attr in ("sql", "query"):
                assert not ast.unparse(call.func.value).endswith("con"), (path, call.lineno)


def test_user_values_reach_sql_as_parameters_not_text():
    """No f-string SQL interpolates a name that holds uploaded text (headers, values, file names)."""
    tainted = {"header", "headers", "name", "value", "values", "text", "cat", "category", "file", "filename"}
    helpers = {"q", "rows", "dicts", "scalar", "df", "arrow"}
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


# ---------------------------------------------------------------- layers (issue 16)

LAYERS = ("core", "load", "compute", "present", "cli")  # each may import only from itself and the ones before


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    part = module.split(".")[1] if "." in module else "cli"
    return LAYERS.index("cli" if part == "__main__" else part)


def _metrics_imports(path: pathlib.Path):
    """(module imported, line, whether at module level) for every import of a metrics module."""
    tree = ast.parse(path.read_text())
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("metrics"):
            names = [node.module]
            names += [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("metrics")]
        for name in names:
            yield name, node.lineno, id(node) in top


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _py("metrics")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        for name, _line, _top in _metrics_imports(path):
            if name in modules and name != mod:
                graph[mod].add(name)
    return graph


def test_metrics_is_layered_core_load_compute_present_cli():
    graph = _graph()
    upward = [
        (mod, dep)
        for mod, deps in graph.items()
        for dep in deps
        if mod != "metrics" and dep != "metrics" and _layer(dep) > _layer(mod)
    ]
    assert upward == [], f"a lower layer imports a higher one: {upward}"


def test_metrics_has_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(mod: str, path: list[str]) -> None:
        state[mod] = 1
        for dep in sorted(graph[mod]):
            if state.get(dep) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(dep) :], dep]))
            if dep not in state:
                visit(dep, [*path, dep])
        state[mod] = 2

    for mod in sorted(graph):
        if mod not in state:
            visit(mod, [mod])


def test_no_metrics_import_inside_a_function():
    """Imports inside functions hid the cycles; third-party lazy imports (openpyxl, vader, statsmodels) are fine."""
    found = [
        (str(p.relative_to(ROOT)), line, name)
        for p in [*_py("metrics"), *_py("ui"), *_py("pages"), ROOT / "app.py"]
        for name, line, top in _metrics_imports(p)
        if not top
    ]
    assert found == []


def test_no_source_file_over_420_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in [*_py("metrics"), *_py("ui"), *_py("pages")]
        if (n := len(p.read_text().splitlines())) > 420
    }
    assert long == {}


def test_pages_and_ui_write_no_sql():
    """Pages gather inputs, call metrics and render: no SQL text and no database helper of their own."""
    for path in [ROOT / "app.py", *_py("pages"), *_py("ui")]:
        assert "SELECT " not in path.read_text(), path
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "metrics.core.db":
                helpers = {a.name for a in node.names} & {"q", "rows", "dicts", "scalar", "df", "many"}
                assert not helpers, (path, helpers)
