"""Our own table exports, in place of Streamlit's table download (disabled app-wide): the pages users export from
offer an xlsx and a csv, and what they write keeps formula-looking text as text."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pandas as pd
from apptest import no_exception, open_page, read

from analytics import open_db
from analytics.accounts.roles import ADMIN, Actor
from analytics.meetings import publish
from analytics.results import pages
from analytics.sheets import cells
from ui import components, texts

BOTH = {texts.DOWNLOAD["xlsx"], texts.DOWNLOAD["csv"]}


def buttons(at) -> dict[str, set[str]]:
    """The export buttons by the key they were given (<key>_xlsx / <key>_csv)."""
    found: dict[str, set[str]] = {}
    for button in at.get("download_button"):
        if button.label in BOTH:
            key = button.proto.id.rsplit("-", 1)[-1].rsplit("_", 1)[0]
            found.setdefault(key, set()).add(button.label)
    return found


def test_the_task_list_and_the_profile_events_offer_both_exports(demo_db):
    at = open_page("tasks", demo_db)
    no_exception(at)
    assert buttons(at).get("task_table") == BOTH
    leader = read(demo_db, lambda cur: pages.year_leader(cur, 2022))
    at = open_page("profile", demo_db, {"person": str(leader)})
    no_exception(at)
    assert buttons(at).get("profile_events") == BOTH


def test_the_posting_page_exports_its_rows_and_objections(demo_db, tmp_path):
    db = tmp_path / "posting.duckdb"
    shutil.copy(demo_db, db)
    con = open_db(db)
    publish.publish(con, "2022-03", Actor("管理员", ADMIN))
    fact = read(db, lambda cur: int(publish.frozen_rows(cur, "2022-03", 1)["fact_id"].iat[0]))
    publish.raise_objection(con, "2022-03", Actor("查看者", "viewer"), '=HYPERLINK("http://x")', fact_id=fact)
    con.close()
    at = open_page("posting", db, {"month": "2022-03"}, as_role="admin")
    no_exception(at)
    found = buttons(at)
    assert found.get("posting_rows") == BOTH and found.get("posting_obj") == BOTH


def test_the_export_writes_lists_as_text_and_formulas_as_text():
    shown = pd.DataFrame(
        {"任务": ['=HYPERLINK("http://x","点我")', "+1"], "亮灯": [["逾期", "久未反馈"], []], "进度": [40, None]}
    )
    flat = components._flat(shown)
    book = openpyxl.load_workbook(io.BytesIO(cells.table_xlsx(flat, "任务")))
    ws = book.active
    assert [c.value for c in ws[1]] == ["任务", "亮灯", "进度"]
    assert ws["A2"].value == '=HYPERLINK("http://x","点我")' and ws["A2"].data_type == "s"
    assert ws["B2"].value == "逾期、久未反馈" and ws["A3"].data_type == "s"
    text = cells.table_csv(flat).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1" in text


def test_a_table_given_as_a_function_is_built_only_for_the_export():
    """A month's posting is passed as the function that gives it, so a page run does not copy the whole month."""
    shown = pd.DataFrame({"任务": ["=1+1"], "亮灯": [["逾期"]]})
    calls = []

    def table() -> pd.DataFrame:
        calls.append(1)
        return shown

    flat = components._flat(table)
    assert calls == [1]
    pd.testing.assert_frame_equal(flat, components._flat(shown))
    assert flat["亮灯"].tolist() == ["逾期"]
