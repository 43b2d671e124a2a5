"""The floors hold: the core never imports streamlit, pages and ui/ hold no SQL, and every rule parameter is documented."""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import analytics
from analytics.rules.rulebook import PARAMS, default_book

ROOT = Path(__file__).resolve().parent.parent


def test_the_core_never_imports_streamlit():
    modules = [
        m.name for m in pkgutil.walk_packages(analytics.__path__, "analytics.") if not m.name.endswith("__main__")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


# A statement in a string: its keyword, then (on the same line or any later one) its table clause.
SQL = re.compile(r"\b(select|insert|update|delete)\b[\s\S]*?\b(from|into|set)\b", re.IGNORECASE)


def sql_in(source: str) -> list[str]:
    """The string literals of a module (f-strings included) that read as SQL, however they are split over lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append(node.value)
    return found


def test_the_sql_detector_sees_a_statement_over_several_lines():
    source = 'rows = cur.execute("""\n    select name\n    from person\n    where id = $id\n""")\n'
    assert sql_in(source)
    assert not sql_in('st.selectbox("科室", options)  # update the pick from the URL\n')


def test_pages_and_ui_hold_no_sql():
    for module in [*(ROOT / "views").glob("*.py"), *(ROOT / "ui").rglob("*.py")]:
        text = module.read_text(encoding="utf-8")
        assert not sql_in(text), module.name
        assert "duckdb" not in text and "fetch_df" not in text and ".execute(" not in text, module.name


def test_app_only_sets_the_page_and_navigation():
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    assert "st.set_page_config" in text and "st.navigation" in text
    assert "analytics" not in text


def test_every_rule_parameter_is_documented_and_has_a_default():
    docs = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    defaults = default_book().params
    for param in PARAMS:
        assert f"`{param.key}`" in docs, param.key
        assert param.key in defaults, param.key
    assert set(defaults) == {p.key for p in PARAMS}


def test_results_bind_values_by_name():
    """analytics/results/ binds every value as a named parameter ($name), never by position (?)."""
    for module in (ROOT / "analytics" / "results").glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                assert "?" not in node.value, (module.name, node.value[:200])
