"""Hostile names stay text: a roster and uploads whose names, sections, reasons and task names are Markdown and HTML
render on every board page as the text they are — no live image, link or colour directive in any Markdown the page
sends, no live tag in any chart."""

from __future__ import annotations

import json
import re

import pytest
from apptest import PAGES, no_exception, open_page

from ui.safe import html_text, md

IMAGE = "![t](http://h/x.png)"
LINK = '<a href="http://h">科</a>'
COLOUR = ":red[张三]"
HOSTILE = (IMAGE, LINK, COLOUR)

# The importer refuses markup in names (analytics/sheets/names.py), so names enter as plain placeholders and are
# turned hostile in the stored rows afterwards: data that came in before that check, or through a future path, must
# still render as text.
P_IMAGE, P_COLOUR, P_LINK = "甲一", "乙二", "丙科"
PLACEHOLDERS = {P_IMAGE: IMAGE, P_COLOUR: COLOUR, P_LINK: LINK}

ROSTER = [
    ["姓名", "科室", "职务", "工号"],
    [P_IMAGE, P_LINK, "科长", "A01"],
    [P_COLOUR, P_LINK, "科员", "A02"],
    ["王五", "干部一科", "科长", "B01"],
    ["赵六", "干部一科", "科员", "B02"],
]
POINTS = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-04", P_IMAGE, "宣传推广", 6, LINK],
    ["2022-03-08", P_COLOUR, "工作质量", 5, IMAGE],
    ["2022-03-10", "王五", "宣传推广", 2, "信息采用"],
    ["2022-04-12", P_COLOUR, "宣传推广", 4, COLOUR],
]
PARTICIPATION = [
    ["日期", "姓名", "活动类型", "活动名称", "角色"],
    ["2022-03-07", P_IMAGE, "荐学", LINK, "参与"],
    ["2022-03-09", P_COLOUR, "组工论坛", IMAGE, "主讲"],
]
TASKS = [
    [
        "任务编号",
        "任务名称",
        "台账类别",
        "责任科室",
        "责任人",
        "开始日期",
        "计划完成日期",
        "进度(%)",
        "当前环节",
        "更新日期",
    ],
    ["T-1", IMAGE, "基础夯实工程", "干部一科", P_COLOUR, "2022-02-01", "2022-03-25", 40, "全程督查", "2022-03-10"],
    ["T-2", LINK, "基础夯实工程", "干部一科", P_IMAGE, "2022-01-10", "2022-03-15", 100, "办结销号", "2022-03-10"],
]
ARENA = [["日期", "擂台", "主题", "选手", "评委", "得分"]] + [
    ["2022-03-15", "科长擂台", LINK, contestant, judge, mark]
    for contestant in (P_IMAGE, P_COLOUR)
    for judge, mark in (("王五", 90), ("赵六", 85), (P_IMAGE if contestant == P_COLOUR else P_COLOUR, 88))
]
# Markdown that would act: an image or link target, a tag, a colour directive, not preceded by an escaping backslash.
LIVE = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<a |(?<!\\):red\[张")
BOARD = [key for key in PAGES if key not in ("import", "rules")]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    from conftest import UPLOAD_NAMES, load

    from analytics import open_db

    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    con = open_db(path)
    load(con, ROSTER, "名单.xlsx")
    for kind, rows in (("points", POINTS), ("participation", PARTICIPATION), ("tasks", TASKS), ("arena", ARENA)):
        load(con, rows, UPLOAD_NAMES[kind])
    text_columns = con.execute(
        """
        select table_name, column_name from information_schema.columns
        where data_type = 'VARCHAR' and table_schema = 'main'
          and table_name in (select table_name from information_schema.tables where table_type = 'BASE TABLE')
        """
    ).fetchall()
    for table, column in text_columns:
        for placeholder, hostile in PLACEHOLDERS.items():
            con.execute(
                f'update "{table}" set "{column}" = replace("{column}", $p, $h)', {"p": placeholder, "h": hostile}
            )
    con.close()
    return path


def markdown_sent(at) -> list[str]:
    """Every Markdown source the page sends: text elements, metric and link labels, help texts."""
    sources = []
    for kind in ("markdown", "caption", "subheader", "header", "title", "info", "success", "warning", "error"):
        for element in getattr(at, kind):
            sources.append(str(element.value))
    for element in at.metric:
        sources.append(str(element.label))
    for element in at.get("page_link"):
        sources.append(element.proto.label)
    return sources


def charts_sent(at) -> list[str]:
    """Every chart's figure as text, with the JSON's own escapes (\\u003c for <) decoded."""
    return [json.dumps(json.loads(chart.proto.spec), ensure_ascii=False) for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("page", BOARD)
def test_hostile_text_renders_inert_on_every_board_page(hostile_db, page):
    query = {"month": "2022-03", "quarter": "2022Q1", "year": "2022"}
    at = open_page(page, hostile_db, query)
    no_exception(at)
    sent = "\n".join(markdown_sent(at))
    for text in HOSTILE:
        assert text not in sent, (page, text)
    assert not LIVE.search(sent), (page, LIVE.search(sent))
    figures = "\n".join(charts_sent(at))
    assert "<a " not in figures, page


def test_the_escaped_text_is_what_the_pages_show(hostile_db):
    at = open_page("stars", hostile_db, {"month": "2022-03"})
    no_exception(at)
    sent = "\n".join(markdown_sent(at))
    assert md(IMAGE) in sent or md(COLOUR) in sent
    at = open_page("overview", hostile_db, {"month": "2022-03", "section": LINK})
    no_exception(at)
    assert md(LINK) in "\n".join(markdown_sent(at))
    assert html_text(LINK) in "\n".join(charts_sent(at))
    at = open_page("tasks", hostile_db, {"month": "2022-03"})
    no_exception(at)
    assert md(IMAGE) in "\n".join(markdown_sent(at)) or md(LINK) in "\n".join(markdown_sent(at))
    assert html_text(IMAGE) in "\n".join(charts_sent(at))
