"""The guard in the real browser: hostile uploads on 数据导入 end in a Chinese message with the server alive, an
unknown address shows 页面不存在, and no table offers Streamlit's raw CSV download."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from .driving import ROOT, go, log_in, open_page, settle

pytestmark = pytest.mark.browser

BAD = ROOT / "tests" / "data" / "bad"


def alive(running: dict) -> bool:
    with urllib.request.urlopen(f"{running['url']}/_stcore/health", timeout=5) as response:
        return response.status == 200


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("dimension_bomb.xlsx", "超过了上限 300,000 行"),
        ("far_cell_no_dimension.xlsx", "超出了可以安全读取的范围"),
        ("zip_bomb.xlsx", "超出了可以安全读取的范围"),
        ("shared_strings_bomb.xlsx", "超出了可以安全读取的范围"),
    ],
)
def test_a_hostile_upload_is_refused_in_chinese_and_the_server_lives(page, server, name, message):
    log_in(page, server)  # importing needs an account
    go(page, "数据导入")
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(BAD / name))
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(message, timeout=60_000)
    settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert alive(server)
    # The same server still serves a board page to the next visitor.
    open_page(page, server, "overview")
    expect(page.locator("h1").first).to_contain_text("总览", timeout=30_000)


@pytest.mark.parametrize("path", ["no-such-page", "stars.php", "%E4%B8%8D%E5%AD%98%E5%9C%A8"])
def test_an_unknown_address_shows_a_chinese_page(page, server, path):
    page.goto(f"{server['url']}/{path}")
    settle(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("页面不存在", timeout=30_000)
    assert "Page not found" not in page.inner_text("body")
    page.get_by_test_id("stPageLink-NavLink").filter(has_text="返回总览").click()
    settle(page)
    expect(page.locator("h1").first).to_contain_text("总览", timeout=30_000)


def test_tables_offer_no_raw_csv_download(page, server):
    open_page(page, server, "tasks")
    tables = page.locator('[data-testid="stDataFrame"]:visible')
    expect(tables.first).to_be_visible(timeout=30_000)
    tables.first.hover(force=True)
    toolbar = page.locator('[data-testid="stElementToolbar"]').first
    expect(toolbar.get_by_role("button").first).to_be_attached(timeout=10_000)
    labels = toolbar.inner_html()
    assert "搜索" in labels  # the toolbar is there (its labels in Chinese, see ui/shell.chrome_words) …
    assert "Download" not in labels  # … without its CSV download


NAMED = """() => [...document.querySelectorAll('[aria-label], [title], [placeholder]')]
    .flatMap(e => ['aria-label', 'title', 'placeholder'].map(a => e.getAttribute(a)).filter(Boolean))"""


def test_help_icons_and_controls_are_named_in_chinese(page, server):
    open_page(page, server, "overview")
    page.wait_for_timeout(500)  # the observer renames as Streamlit draws
    names = page.evaluate(NAMED)
    assert "本月净得分的说明" in names
    english = [n for n in names if n.startswith("Help") or n in ("Fullscreen", "Collapse sidebar", "Choose an option")]
    assert english == []
