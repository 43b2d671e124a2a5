"""汇报模式 and 每月公示 pages with AppTest on the demo year: each agenda opens from its URL and shows the core's
numbers, previous/next move through the pages and into the URL, and an admin publishes a month."""

from __future__ import annotations

import shutil

import pytest
from apptest import PAGES, no_exception, open_page, read, texts_of
from streamlit.testing.v1 import AppTest

from analytics import open_db
from analytics.accounts.roles import ADMIN, Actor
from analytics.meetings import deputies, publish, slides
from ui import tables

BOSS = Actor("管理员", ADMIN)  # the acting admin of these tests


def open_view(path: str, db, query: dict[str, str] | None = None, as_role: str | None = None) -> AppTest:
    key = next(k for k, v in PAGES.items() if v == path)
    at = open_page(key, db, query, timeout=90, as_role=as_role)
    no_exception(at)
    return at


def html_of(at: AppTest) -> str:
    return "\n".join(str(e.proto.body) for e in at.get("html"))


def counter(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "页" in m.value and "/" in m.value)


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ({"agenda": "month", "period": "2022-03"}, "2022年3月月度讲评"),
        ({"agenda": "quarter", "period": "2022Q1"}, "2022年第一季度季度讲评"),
        ({"agenda": "week", "period": "2022-03-07", "sec": "组织科"}, "科室周讲评"),
    ],
)
def test_each_agenda_opens_from_its_url(demo_db, query, title):
    at = open_view("views/present.py", demo_db, query)
    assert title in html_of(at)
    assert counter(at).startswith("**第 1 / ")
    assert "数据截至" in html_of(at)
    # The first topic shows the same KPIs the core computes for it.
    at.button(key="present_next").click().run()
    no_exception(at)
    meeting = read(demo_db, lambda cur: slides.build(cur, query["agenda"], query["period"], section=query.get("sec")))
    first = meeting.slides[0]
    assert first.title in html_of(at)
    shown = {m.label: m.value for m in at.metric}
    for label, value in first.kpis:
        assert shown[label] == value
    assert at.query_params["slide"] == ["2"] or at.query_params["slide"] == "2"


def test_a_deputy_month_shows_only_his_sections(demo_db):
    led = read(demo_db, deputies.deputies)
    deputy, sections = next(iter(led.items()))
    at = open_view("views/present.py", demo_db, {"agenda": "month", "period": "2022-03", "deputy": deputy})
    assert deputy in html_of(at) and "、".join(sections) in html_of(at)
    at.button(key="present_next").click().run()
    chart = at.get("plotly_chart")[0]
    assert chart is not None
    others = [s for s in read(demo_db, deputies.sections) if s not in sections]
    frame = "\n".join(str(t.value) for t in at.table)
    assert frame == "" or not any(o in frame for o in others)


def test_previous_wraps_to_the_closing_page_and_the_deck_downloads(demo_db):
    at = open_view("views/present.py", demo_db, {"agenda": "quarter", "period": "2022Q1", "slide": "3"})
    assert counter(at).startswith("**第 3 / ")
    at.button(key="present_previous").click().run()
    at.button(key="present_previous").click().run()
    at.button(key="present_previous").click().run()
    no_exception(at)
    assert "近期到期任务" in html_of(at)
    total = counter(at).split("/ ")[1].split(" ")[0]
    assert counter(at).startswith(f"**第 {total} / ")
    assert at.get("download_button")


def test_the_posting_page_publishes_a_month(demo_db, tmp_path):
    db = tmp_path / "posting.duckdb"
    shutil.copy(demo_db, db)
    at = open_view("views/posting.py", db, {"month": "2022-03"}, as_role="admin")
    assert "尚未公示" in texts_of(at)
    at.button(key="posting_publish").click().run()
    no_exception(at)
    text = texts_of(at)
    assert "已公示：第 1 版" in text
    assert read(db, lambda cur: publish.latest(cur, "2022-03").version) == 1
    rows = next(d.value for d in at.dataframe if "记录编号" in d.value.columns)
    frozen = read(db, lambda cur: len(publish.frozen_rows(cur, "2022-03", 1)))
    # One page of the frozen rows, and the count of them all.
    assert len(rows) == min(frozen, tables.PAGE_SIZE)
    assert any(f"共 {frozen:,} 条" in c.value for c in at.caption)


def test_a_published_month_is_marked_final_on_the_stars_page(demo_db, tmp_path):
    db = tmp_path / "final.duckdb"
    shutil.copy(demo_db, db)
    at = open_view("views/stars.py", db, {"month": "2022-03"})
    assert "已定稿" not in texts_of(at)
    con = open_db(db)
    publish.publish(con, "2022-03", BOSS)
    con.close()
    at = open_view("views/stars.py", db, {"month": "2022-03"})
    assert "已定稿（公示第 1 版）" in texts_of(at)
    assert at.get("download_button")


def test_the_tasks_page_shows_the_deadline_history(demo_db):
    at = open_view("views/tasks.py", demo_db, {"month": "2022-06"})
    assert "延期情况" in texts_of(at)
