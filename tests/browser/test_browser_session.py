"""Signed in stays signed in across a reload: the session token rides in a browser cookie that names a session in the
database, so a reload or a new tab of the same browser resumes it, logout ends it everywhere, and a forged or ended
cookie signs no one in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ui.auth import COOKIE

from .driving import ADMIN, log_in, open_page, settle

pytestmark = pytest.mark.browser


def session_cookie(tab) -> dict | None:
    return next((c for c in tab.context.cookies() if c["name"] == COOKIE), None)


def signed_in(tab) -> None:
    nav = tab.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("账号管理", timeout=30_000)
    expect(nav).to_contain_text("我的账号")
    expect(tab.locator('[data-testid="stMain"]')).to_contain_text(ADMIN)


def test_a_reload_keeps_the_user_signed_in_and_logout_ends_it(page, server):
    log_in(page, server)
    cookie = session_cookie(page)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["expires"] == -1  # ends with the browser
    page.reload()
    settle(page)
    signed_in(page)
    # A second tab of the same browser is signed in too, straight onto an admin page.
    other = page.context.new_page()
    open_page(other, server, "accounts")
    expect(other.locator('[data-testid="stMain"]')).to_contain_text("账号列表", timeout=30_000)
    other.close()

    open_page(page, server, "login")
    page.get_by_role("button", name="退出登录").click()
    settle(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("已退出登录", timeout=30_000)
    assert session_cookie(page) is None
    page.reload()
    settle(page)
    expect(page.locator('[data-testid="stSidebarNav"]')).not_to_contain_text("账号管理")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_forged_or_ended_cookie_signs_no_one_in(page, server):
    log_in(page, server)
    ended = session_cookie(page)["value"]
    page.get_by_role("button", name="退出登录").click()
    settle(page)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("已退出登录", timeout=30_000)
    for value in ("forged-token-forged-token-forged", ended, "x" * 500):
        page.context.clear_cookies()
        page.context.add_cookies([{"name": COOKIE, "value": value, "url": server["url"]}])
        open_page(page, server, "accounts")
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("此页面需要登录", timeout=30_000)
        expect(page.locator('[data-testid="stSidebarNav"]')).not_to_contain_text("账号管理")
    assert session_cookie(page) is None  # the ended one was cleared, not kept around
