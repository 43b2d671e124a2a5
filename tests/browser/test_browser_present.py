"""汇报模式 in a real browser: the agenda from the URL, the next button moving the page counter and the URL, the sidebar
hidden, and auto-advance turning the page on its own."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from .driving import SHOTS, open_page, settle

pytestmark = pytest.mark.browser


def counter(tab) -> str:
    return tab.get_by_text(re.compile(r"第 \d+ / \d+ 页")).first.inner_text()


def test_clicking_through_a_quarter_deck(server, page):
    open_page(page, server, "present", "?agenda=quarter&period=2022Q1")
    expect(page.get_by_text("2022年第一季度季度讲评").first).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    assert counter(page).startswith("第 1 / ")
    page.get_by_role("button", name="下一页").click()
    settle(page)
    assert counter(page).startswith("第 2 / ")
    page.get_by_role("button", name="下一页").click()
    settle(page)
    expect(page.get_by_text("2022年第一季度 夺旗排名").first).to_be_visible()
    assert parse_qs(urlparse(page.url).query)["slide"] == ["3"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "present.png"), full_page=True)


def test_auto_advance_moves_on_its_own(server, page):
    open_page(page, server, "present", "?agenda=month&period=2022-03&auto=10")
    assert counter(page).startswith("第 1 / ")
    expect(page.get_by_text(re.compile(r"第 2 / \d+ 页"))).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"第 3 / \d+ 页"))).to_be_visible(timeout=30_000)


def _downloaded_deck(tab, button) -> bytes:
    with tab.expect_download(timeout=120_000) as caught:
        button.click()
    path = caught.value.path()
    assert caught.value.suggested_filename.endswith(".pptx")
    return Path(path).read_bytes()


def test_the_deck_is_made_on_the_click_and_downloads(server, page):
    """The deck is not built on every run of the page: the button makes it when clicked, and it is a real deck."""
    open_page(page, server, "present", "?agenda=month&period=2022-03")
    content = _downloaded_deck(page, page.get_by_role("button", name="下载 PPTX"))
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert "ppt/presentation.xml" in names and sum(n.startswith("ppt/slides/slide") for n in names) >= 5
    open_page(page, server, "stars", "?month=2022-03")
    content = _downloaded_deck(page, page.get_by_role("button", name=re.compile("下载讲评材料")))
    assert zipfile.ZipFile(io.BytesIO(content)).testzip() is None


SCROLL = """() => { const main = document.querySelector('[data-testid="stMain"]');
    return [main.scrollHeight, main.clientHeight]; }"""


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_every_slide_fits_the_screen(browser, server, width, height):
    """A projector shows one screen: no slide needs a scroll, on a 1080p room screen or a 1366×768 laptop."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    tab = context.new_page()
    try:
        open_page(tab, server, "present", "?agenda=month&period=2022-12")
        total = int(re.search(r"第 1 / (\d+) 页", counter(tab)).group(1))
        for n in range(total):
            if n:
                tab.get_by_role("button", name="下一页").click()
                settle(tab)
            tab.wait_for_timeout(1200)  # the slide is sized once Streamlit has drawn it
            scroll, shown = tab.evaluate(SCROLL)
            assert scroll <= shown + 1, f"第 {n + 1} 页 高 {scroll}，屏幕 {shown}"
    finally:
        context.close()
