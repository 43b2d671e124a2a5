"""The slides that count and list: every change the 上次讲评以来的变化 KPI row counts is listed or counted in its table,
and the 任务督办 slide says why its 久未反馈 KPI and its chart differ when they do."""

from __future__ import annotations

import re

import pytest

from analytics import open_db
from analytics.meetings import slides


@pytest.fixture(scope="module")
def demo_cur(demo_db):
    con = open_db(demo_db)
    yield con.cursor()
    con.close()


def slide_of(meeting, key):
    return next(s for s in meeting.slides if s.key == key)


@pytest.mark.parametrize("kind, period", [("month", "2022-12"), ("month", "2022-06"), ("quarter", "2022Q4")])
def test_every_change_counted_is_listed_or_counted_in_the_table(demo_cur, kind, period):
    changes = slide_of(slides.build(demo_cur, kind, period), "changes")
    rows = changes.table.rows if changes.table else []
    for label, value in changes.kpis:
        counted = int(re.match(r"\d+", value).group())
        mine = [text for kind_, text in rows if kind_ == label]
        more = sum(int(n) for n in re.findall(r"另有 (\d+) ", " ".join(mine)))
        unlisted = sum(int(n) for n in re.findall(r"^(\d+) .*（未逐一列出）$", " ".join(mine)))
        listed = len(mine) - (1 if unlisted else 0)
        assert listed + more + unlisted == counted, (label, value, mine)


def test_the_task_slide_explains_a_stale_count_the_chart_does_not_show(demo_cur):
    tasks = slide_of(slides.build(demo_cur, "month", "2022-12"), "tasks")
    stale_kpi = int(re.match(r"\d+", dict(tasks.kpis)["久未反馈"]).group())
    on_chart = dict(zip(tasks.chart.categories, tasks.chart.series[0][1])).get("久未反馈", 0) if tasks.chart else 0
    said = [b for b in tasks.bullets if "按主灯" in b]
    if stale_kpi != on_chart:
        assert said and f"计全部 {stale_kpi} 项" in said[0] and f"其中 {stale_kpi - int(on_chart)} 项" in said[0]
    else:
        assert not said


def test_a_deck_table_keeps_names_on_one_line_and_stays_on_its_slide():
    from pptx.util import Inches, Pt

    from analytics.meetings.deck import _PAD_X, _em, _fitted
    from analytics.meetings.meeting import Table

    columns = ["任务", "科室", "责任人", "亮灯", "进度/应达", "计划完成"]
    row = [
        "全市组工干部“能力画像”系统建设与数据治理专项行动",
        "干部监督科",
        "曹雨娜",
        "滞后",
        "40% / 75%",
        "2023-03-31",
    ]
    w, h = Inches(7.2), Inches(3.9)
    size, widths, rows = _fitted(Table(columns, [row] * 6), w, h)
    assert rows == [row] * 6 and size >= 10
    for text, width in zip(row[1:], widths[1:]):  # every column but the task's holds its text on one line
        assert _em(text) * Pt(size) / 10 <= width - _PAD_X, (text, width)
    size, widths, rows = _fitted(Table(columns, [row] * 40), w, h)
    assert size == 10 and 1 < len(rows) < 40
    assert rows[-1][0] == f"另有 {40 - (len(rows) - 1)} 行未列出，见看板页面" and rows[:-1] == [row] * (len(rows) - 1)
