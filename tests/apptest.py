"""Running the app's pages with Streamlit's AppTest against a real database file (empty, or the demo year)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# The page map is the app's own navigation: key → script, as app.py declares it with page("key", "views/….py").
PAGES: dict[str, str] = dict(re.findall(r'page\("(\w+)", "(views/\w+\.py)"', Path(APP).read_text(encoding="utf-8")))

# The environment the app reads is set through the test's monkeypatch (conftest's app_env), so it is undone after.
_env: pytest.MonkeyPatch | None = None


def use_environment(monkeypatch: pytest.MonkeyPatch | None) -> None:
    global _env
    _env = monkeypatch


# Pages opened as an admin unless a test says otherwise (as_role=None is the anonymous visitor); board pages are
# opened anonymously, as the default "viewing open" setting lets anyone see them.
SIGNED_IN_PAGES = {"import", "rules", "accounts", "audit", "backup"}
DEFAULT = object()
PASSWORD = "测试密码-12345"


def sign_in(db_path: Path | str, role: str = "admin", name: str | None = None, sections: tuple[str, ...] = ()) -> str:
    """An account of this role in the database (created if missing, password PASSWORD) and a new session token for
    it, as the login form would leave in the session state."""
    from analytics import open_db
    from analytics.accounts import users
    from analytics.accounts.roles import Actor

    name = name or f"测试{role}"
    con = open_db(db_path)
    try:
        if users.actor_of(con.cursor(), name) is None:
            users.add(con, name, role, PASSWORD, list(sections), actor=Actor("测试准备", "admin"))
        return users.start_session(con, name)
    finally:
        con.close()


def open_page(
    page: str,
    db_path: Path | str,
    query: dict[str, str] | None = None,
    timeout: float = 60,
    as_role=DEFAULT,
    name: str | None = None,
    sections: tuple[str, ...] = (),
) -> AppTest:
    """The app on one page, against the database at db_path; run once. Widgets are found by key.

    ``as_role``: "viewer", "clerk" or "admin" signs the session in as an account of that role (``name``, ``sections``
    for a limited clerk); None stays anonymous; the default is admin for the pages that need an account."""
    assert _env is not None, "open_page runs inside a test (conftest's app_env fixture)"
    _env.setenv("DASHBOARD_DB", str(db_path))
    _env.setenv("DASHBOARD_DEMO", "off")
    _env.setenv("DASHBOARD_DAILY_BACKUP", "off")
    at = AppTest.from_file(APP, default_timeout=timeout)
    role = ("admin" if page in SIGNED_IN_PAGES else None) if as_role is DEFAULT else as_role
    if role:
        at.session_state["auth_token"] = sign_in(db_path, role, name, sections)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "overview":
        at.switch_page(PAGES[page])
        at.run()
    return at


# A backslash before a Markdown sign (ui.safe.md) is not shown: the reader sees the sign alone.
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$:&=])")


def unescaped(text: str) -> str:
    """Markdown source as the reader sees its text: escapes made by ui.safe.md removed."""
    return _ESCAPED.sub(r"\1", text)


def texts_of(at: AppTest) -> str:
    """Everything a user reads on the page, as one string, for assertions (escapes of user text removed, as the
    reader sees it)."""
    parts = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "metric",
        "text",
    ):
        for element in getattr(at, kind):
            value = getattr(element, "value", None)
            label = getattr(element, "label", None)
            parts += [unescaped(str(x)) for x in (label, value) if x is not None]
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    return "\n".join(parts)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def read(db_path: Path | str, fn):
    """Ask the engine directly, on the same database file the page reads, for the answer the page should show."""
    from analytics import open_db

    con = open_db(db_path)
    try:
        return fn(con.cursor())
    finally:
        con.close()


def on(at: AppTest, key: str, value) -> str:
    """Choose a value in the selectbox with this key, rerun, and return the page's text."""
    at.selectbox(key=key).set_value(value).run()
    no_exception(at)
    return texts_of(at)


def open_trace(at: AppTest, key: str) -> str:
    """Open the page's 怎么算出来的 panel (built only while open), rerun, and return the page's text."""
    at.session_state[f"trace_{key}"] = True
    at.run()
    no_exception(at)
    return texts_of(at)
