"""The floors hold: the core never imports streamlit, pages hold no SQL, and every rule parameter is documented."""

from __future__ import annotations

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


def test_pages_hold_no_sql():
    for page in (ROOT / "views").glob("*.py"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\b(select|insert|update|delete)\b\s.+\bfrom\b", text, re.IGNORECASE), page.name
        assert "duckdb" not in text and "fetch_df" not in text, page.name


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
