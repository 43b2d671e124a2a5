"""The real thing: `streamlit run` on a free loopback port, driven by Playwright in Debian's chromium. Every page
opens without an exception element, filters change the view and the URL, a template uploads on 数据导入, and each
page leaves a screenshot under artifacts/screenshots."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from apptest import PAGES as APP_PAGES
from playwright.sync_api import expect

from analytics import open_db
from analytics.results.stars import monthly_stars
from analytics.rules.rulebook import current
from analytics.sheets.templates import build_template
from ui import texts

from .driving import ADMIN, SHOTS, go, log_in, open_page, settle

pytestmark = pytest.mark.browser

# Every page of the app's navigation with the title its heading shows.
PAGES = {key: texts.PAGES[key][0] for key in APP_PAGES}


def test_a_deep_link_on_a_fresh_server_goes_through_the_app_navigation(page, server):
    open_page(page, server, "trends", "?year=2022")
    expect(page.locator("h1").first).to_contain_text("趋势分析", timeout=30_000)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("每月摘星")
    expect(nav).to_contain_text("管理")


@pytest.mark.parametrize("key", list(PAGES))
def test_every_page_opens_without_an_exception(page, server, key):
    open_page(page, server, key)
    if key == "present":  # a meeting-room screen: no page title, a slide that says how fresh its data is
        expect(page.locator('[data-testid="stMain"]')).to_contain_text("数据截至", timeout=30_000)
    else:
        expect(page.locator("h1").first).to_contain_text(PAGES[key], timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{key}.png"), full_page=True)


def winners(db: Path, month: str) -> list[str]:
    """The month's 月度之星 as the engine computes them on the same data the server shows."""
    con = open_db(db)
    try:
        stars = monthly_stars(con.cursor(), month).stars
    finally:
        con.close()
    return stars.loc[stars["award_kind"] == "month", "name"].tolist()


def test_stars_page_shows_the_months_winner_and_the_filter_moves_the_url(page, server, demo_db):
    open_page(page, server, "stars", "?year=2022&month=2022-03")
    assert parse_qs(urlparse(page.url).query).get("month") == ["2022-03"]
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(winners(demo_db, "2022-03")[0], timeout=30_000)

    month_box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="月份")
    month_box.click()
    page.get_by_role("option", name="2022年5月").click()
    settle(page)
    assert parse_qs(urlparse(page.url).query).get("month") == ["2022-05"]
    expect(main).to_contain_text(winners(demo_db, "2022-05")[0], timeout=30_000)


def test_a_copied_link_opens_the_same_view(browser, server):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    first = context.new_page()
    open_page(first, server, "flags", "?quarter=2022Q2&section=组织科")
    link = first.url
    other = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
    other.goto(link)
    settle(other)
    params = parse_qs(urlparse(other.url).query)
    assert params.get("quarter") == ["2022Q2"]
    sidebar = other.locator('[data-testid="stSidebar"]')
    expect(sidebar.get_by_role("combobox", name="季度")).to_have_value("2022年第二季度")
    expect(sidebar.get_by_role("combobox", name="科室")).to_have_value("组织科")
    context.close()
    other.context.close()


def filled_points_template() -> bytes:
    con = open_db(":memory:")
    book = current(con.cursor())
    con.close()
    wb = openpyxl.load_workbook(io.BytesIO(build_template("points", book)))
    ws = wb.worksheets[0]
    ws.append([1, "2022-12-20", "王建国", "", "", "宣传推广", "", 1, "浏览器测试：信息被采用"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_login_shows_the_admin_pages_which_a_url_alone_does_not_open(page, server):
    open_page(page, server, "accounts")
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("此页面需要登录", timeout=30_000)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav).to_contain_text("规则设置")
    expect(nav).not_to_contain_text("账号管理")
    expect(nav).not_to_contain_text("数据导入")
    log_in(page, server)
    expect(nav).to_contain_text("账号管理")
    go(page, "账号管理")
    expect(main).to_contain_text("账号列表", timeout=30_000)
    expect(main).to_contain_text(ADMIN)
    assert page.locator('[data-testid="stException"]').count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "accounts.png"), full_page=True)


def test_uploading_a_template_on_the_import_page_shows_the_preview(page, server, tmp_path):
    log_in(page, server)
    go(page, "数据导入")
    hint = page.locator('[data-testid="stFileUploaderDropzoneInstructions"] span').first
    shown = hint.evaluate("e => getComputedStyle(e, '::after').content")
    assert "拖到这里" in shown  # Streamlit's own English words are covered by Chinese
    file = tmp_path / "加减分记录模板.xlsx"
    file.write_bytes(filled_points_template())
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(file))
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("预览：加减分记录模板.xlsx", timeout=60_000)
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("加减分记录")
    assert page.locator('[data-testid="stException"]').count() == 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import-preview.png"), full_page=True)
