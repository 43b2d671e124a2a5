"""How the browser tests drive the real app: the account they sign in as, where screenshots go, Debian's chromium
and its flags (from bench.served, which also serves the app), and the steps every test repeats (wait until a script run is over, open a page, sign in, go through
the menu). The fixtures that start the server, chromium and a tab are in this folder's conftest.py."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from bench.served import ARGS, CHROMIUM  # noqa: F401 - the tests take them from here

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
ADMIN = "浏览器管理员"
ADMIN_PASSWORD = "浏览器测试密码-123"


def settle(tab) -> None:
    """Wait until the script run is over (the app marks its root with the run state) and stays over."""
    done = '[data-testid="stApp"][data-test-script-state="notRunning"]'
    for _ in range(2):
        tab.wait_for_selector(done, timeout=60_000)
        tab.wait_for_timeout(500)
    tab.wait_for_selector(done, timeout=60_000)


def open_page(tab, server, key: str, query: str = "") -> None:
    path = "" if key == "overview" else key
    tab.goto(f"{server['url']}/{path}{query}")
    settle(tab)


def log_in(tab, server) -> None:
    """Sign in through the login form; later pages are reached through the menu, which keeps the session."""
    open_page(tab, server, "login")
    tab.get_by_label("账号").fill(ADMIN)
    tab.get_by_label("密码").fill(ADMIN_PASSWORD)
    tab.get_by_role("button", name="登录").click()
    expect(tab.locator('[data-testid="stMain"]')).to_contain_text("已登录", timeout=30_000)
    settle(tab)


def go(tab, title: str) -> None:
    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    settle(tab)
