"""The clerk's workbench in a real browser: a sheet with a misnamed column and one misspelled name is matched and
fixed on 数据导入 — the column named in the matching step, the name picked from the closest roster names in the
editable table — and committed without leaving the browser; the original name stays in the lineage."""

from __future__ import annotations

import openpyxl
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from analytics import open_db

from .driving import SHOTS, go, log_in, settle

pytestmark = pytest.mark.browser

REASON = "浏览器测试：改正姓名"


def someone(db) -> tuple[str, str]:
    """A person of the demo roster with a three-character name, and that name misspelled in its last character."""
    con = open_db(db)
    try:
        name = con.execute(
            "select name from person where length(name) = 3 and not ends_with(name, '果') order by person_id limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    return name, name[:2] + "果"


def sheet(path, misspelled: str) -> None:
    book = openpyxl.Workbook()
    book.active.title = "12月"
    book.active.append(["日期", "姓名", "考核内容", "分值", "经过"])
    book.active.append(["2022-12-21", misspelled, "宣传推广", 1, REASON])
    book.save(path)


def test_fix_a_misnamed_column_and_a_misspelled_name_in_the_browser_and_commit(page, server, demo_db, tmp_path):
    log_in(page, server)
    go(page, "数据导入")
    file = tmp_path / "十二月加减分.xlsx"
    name, misspelled = someone(demo_db)
    sheet(file, misspelled)
    page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(str(file))
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("缺少必填列“事由”", timeout=60_000)
    settle(page)

    # The matching step: 事由 is read from the column titled 经过.
    main.get_by_role("combobox", name="「事由」由哪一列读取？").click()
    page.get_by_role("option", name=f"经过（{REASON}）").click()
    settle(page)
    expect(main).not_to_contain_text("缺少必填列", timeout=30_000)
    expect(main).to_contain_text("在此改正有错误的行（1 行）")

    # The editable table: the name cell, picked from the closest roster names.
    # The grid is a canvas: a click lands on a cell only once it is drawn, which a busy machine can delay; a click
    # that missed changes nothing, so it is tried again (a person would click again too).
    for attempt in range(3):
        grid = main.locator('.st-key-fixbox_0_0 [data-testid="stDataFrame"]')
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 35 + 17)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            page.get_by_text(name, exact=True).last.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Escape")
        settle(page)
        try:
            expect(main).to_contain_text("检查通过，可以导入", timeout=30_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    expect(main).to_contain_text("检查通过，可以导入", timeout=30_000)
    expect(main).to_contain_text(f"“{misspelled}”→“{name}”")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "import-workbench.png"), full_page=True)

    main.get_by_role("button", name="确认导入").click()
    expect(main).to_contain_text("已导入「十二月加减分.xlsx」", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # The server holds the database; the stored lineage (import_correction) is checked in tests/test_workbench.py.
    expect(main).not_to_contain_text("在此改正有错误的行")
