"""Addresses typed into the browser: every page opens under its own path (the default page too, under its key as
well as at the root), and an unknown path shows our Chinese 页面不存在, never Streamlit's English "Page not found".

AppTest cannot type an address, so the browser's request is stood in for where Streamlit receives it: the page name
handed to the pages manager at the start of a run (what a browser sends for http://host/<path>)."""

from __future__ import annotations

import pytest
from apptest import PAGES, no_exception, open_page, texts_of
from streamlit.commands import navigation
from streamlit.runtime.pages_manager import PagesManager

from ui import texts

BOARD = ["overview", "stars", "flags", "trends", "tasks", "learning", "arena", "profile", "present", "posting"]


@pytest.fixture
def address(monkeypatch):
    """asked(path): later runs behave as a browser opening http://host/<path>; returns the list of the runs that
    Streamlit answered with its own "Page not found"."""
    missing: list[str] = []
    wanted: dict[str, str] = {}
    original = PagesManager.set_script_intent

    def intent(self, page_script_hash, page_name):
        original(self, page_script_hash, wanted.get("path", page_name) if not page_script_hash else page_name)

    monkeypatch.setattr(PagesManager, "set_script_intent", intent)
    monkeypatch.setattr(navigation, "send_page_not_found", lambda ctx: missing.append(wanted.get("path", "")))

    def asked(path: str) -> list[str]:
        wanted["path"] = path
        return missing

    return asked


def opened(db, path: str, address, as_role=None):
    missing = address(path)
    at = open_page("overview", db, as_role=as_role)
    no_exception(at)
    return at, missing


def title(at) -> str:
    """The page's title: its st.title, or the heading 汇报模式 writes as HTML (it hides Streamlit's own chrome)."""
    if at.main.title:
        return at.main.title[0].value
    headings = [h.proto.body for h in at.main.get("html") if "present-page-title" in h.proto.body]
    return headings[0].split(">")[1].split("<")[0] if headings else ""


@pytest.mark.parametrize("key", BOARD)
def test_each_board_page_opens_under_its_own_path(demo_db, address, key):
    at, missing = opened(demo_db, key, address)
    assert missing == []
    assert PAGES[key]  # a page the navigation declares
    assert title(at) == texts.PAGES[key][0]


@pytest.mark.parametrize("path", ["", "overview"])
def test_the_default_page_opens_at_the_root_and_under_its_key(demo_db, address, path):
    at, missing = opened(demo_db, path, address)
    assert missing == []
    assert title(at) == texts.PAGES["overview"][0]


@pytest.mark.parametrize("key", ["import", "rules", "accounts", "audit", "backup", "login"])
def test_each_admin_page_opens_under_its_own_path(demo_db, address, key):
    at, missing = opened(demo_db, key, address, as_role="admin")
    assert missing == []
    wanted = texts.MY_ACCOUNT if key == "login" else texts.PAGES[key][0]
    assert title(at) == wanted


@pytest.mark.parametrize("path", ["no-such-page", "Overview", "stars.php", "不存在", "index"])
def test_an_unknown_path_shows_our_page(demo_db, address, path):
    at, missing = opened(demo_db, path, address)
    assert missing == []
    assert title(at) == "页面不存在"


@pytest.mark.parametrize("path", ["", "login"])
def test_when_viewing_needs_login_the_login_page_is_home_at_both_addresses(tmp_path, address, path):
    from analytics import open_db
    from analytics.accounts import users
    from analytics.accounts.roles import Actor

    db = tmp_path / "locked.duckdb"
    con = open_db(db)
    users.add(con, "王管理", "admin", "测试密码-12345")
    users.change_setting(con, "view_requires_login", True, Actor("王管理", "admin"))
    con.close()
    at, missing = opened(db, path, address)
    assert missing == []
    assert title(at) == texts.PAGES["login"][0]
    at, missing = opened(db, "overview", address)  # a board page refuses itself in Chinese, it is not "not found"
    assert missing == [] and texts.ACCOUNT["login_needed"] in texts_of(at)
