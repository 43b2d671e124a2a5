"""任务督办 in AppTest: the empty states, the overdue tasks first, the KPIs, the ledger filter, one task's history and
trace, on the demo year and on small databases."""

from __future__ import annotations

from datetime import date

import pandas as pd
from apptest import no_exception, open_page, open_trace, read, texts_of
from conftest import ROSTER, load

from analytics import open_db
from analytics.results import pages, tasks
from ui import tables, texts

T = texts.TASKS
# The demo's latest month is December 2022, long past: the wall is read on its last day.
AS_OF = date(2022, 12, 31)


def wall(at) -> pd.DataFrame:
    """The big task table: the one with both the ledger and the latest note."""
    cols = T["columns"]
    found = [d.value for d in at.dataframe if {cols["ledger"], cols["latest_note"]} <= set(d.value.columns)]
    assert len(found) == 1
    return found[0]


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("tasks", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_people_but_no_tasks_says_tasks_are_missing(db_with):
    db = db_with()
    at = open_page("tasks", db)
    no_exception(at)
    assert T["no_tasks"] in texts_of(at)


TASK_HEADER = [
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
]


def small_db(tmp_path):
    db = tmp_path / "tasks.duckdb"
    con = open_db(db)
    load(con, ROSTER, "名单.xlsx")
    rows = [
        TASK_HEADER,
        [
            "T-1",
            "党员信息库规范化",
            "基础夯实工程",
            "组织科",
            "张三",
            "2022-02-01",
            "2022-03-25",
            40,
            "全程督查",
            "2022-03-10",
        ],
        [
            "T-2",
            "招商引资组织保障",
            "组织保障专项台账",
            "干部一科",
            "王五",
            "2022-03-01",
            "2022-12-31",
            5,
            "领办登记",
            "2022-03-28",
        ],
        [
            "T-3",
            "修订考核办法",
            "制度文件修订",
            "组织科",
            "李四",
            "2022-01-10",
            "2022-03-15",
            100,
            "办结销号",
            "2022-03-10",
        ],
    ]
    load(con, rows, "台账.xlsx")
    con.close()
    return db


def test_small_wall_lights_and_kpis(tmp_path):
    db = small_db(tmp_path)
    at = open_page("tasks", db, {"month": "2022-03"})
    no_exception(at)
    text = texts_of(at)
    assert "截至 **2022年3月31日**" in text
    metrics = {m.label: m.value for m in at.metric}
    # T-1 is past due, behind and has not reported for 21 days; T-2 is on track; T-3 closed before its due date.
    assert metrics[T["kpi_tasks"]] == "3 项"
    assert metrics[T["kpi_closed"]] == "1 项"
    assert metrics[T["kpi_completion"]] == "33%"
    assert metrics[T["kpi_on_time"]] == "50%"  # due: T-1, T-3; on time: T-3
    assert metrics[T["kpi_overdue"]] == "1 项"
    assert metrics[T["kpi_stale"]] == "1 项"
    table = wall(at)
    assert table[T["columns"]["task_code"]].tolist() == ["T-1", "T-2", "T-3"]
    assert list(table[T["columns"]["flags"]].iloc[0]) == ["逾期", "滞后", "久未反馈"]
    assert list(table[T["columns"]["flags"]].iloc[2]) == ["已办结"]


def test_a_section_without_tasks_says_so(tmp_path):
    db = small_db(tmp_path)
    at = open_page("tasks", db, {"month": "2022-03", "section": "干部二科"})
    no_exception(at)
    scope = T["empty_scope"].format(day=date(2022, 3, 31), ledger=T["all_ledgers"], section="干部二科")
    assert texts.EMPTY_PERIOD.format(period=scope) in texts_of(at)


def test_demo_overdue_tasks_come_first(demo_db):
    lights = read(demo_db, lambda cur: tasks.task_lights(cur, AS_OF))
    overdue = lights.loc[lights["light"] == "逾期", "task_code"].tolist()
    assert overdue
    at = open_page("tasks", demo_db)
    no_exception(at)
    text = texts_of(at)
    for code in overdue:
        assert code in text
    assert T["attention_tab"].format(light="逾期", n=len(overdue)) in [t.label for t in at.tabs]
    table = wall(at)
    assert table[T["columns"]["task_code"]].tolist()[: len(overdue)] == overdue
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[T["kpi_overdue"]] == f"{len(overdue)} 项"
    assert metrics[T["kpi_tasks"]] == f"{len(lights)} 项"


def test_switching_the_ledger_changes_the_table_and_the_url(demo_db):
    ledger = "揭榜挂帅"
    expected = read(demo_db, lambda cur: tasks.task_lights(cur, AS_OF, ledger))["task_code"].tolist()
    at = open_page("tasks", demo_db)
    before = wall(at)
    at.selectbox(key="ledger").set_value(ledger).run()
    no_exception(at)
    after = wall(at)
    assert len(after) < len(before)
    assert after[T["columns"]["task_code"]].tolist() == expected
    assert set(after[T["columns"]["ledger"]]) == {ledger}
    assert at.query_params["ledger"] == ledger
    assert T["as_of"].format(day="2022年12月31日", ledger=ledger, section=texts.ALL_SECTIONS) in texts_of(at)


def test_a_shared_link_opens_the_same_ledger(demo_db):
    ledger = "制度文件修订"
    expected = read(demo_db, lambda cur: tasks.task_lights(cur, AS_OF, ledger))["task_code"].tolist()
    code = expected[-1]
    at = open_page("tasks", demo_db, {"ledger": ledger, "task": code})
    no_exception(at)
    assert at.selectbox(key="ledger").value == ledger
    assert wall(at)[T["columns"]["task_code"]].tolist() == expected
    assert at.selectbox(key="task").value == code


def test_a_chosen_task_shows_its_history_and_its_source_row(demo_db):
    lights = read(demo_db, lambda cur: tasks.task_lights(cur, AS_OF))
    code = lights.loc[lights["light"] == "已办结", "task_code"].iloc[0]
    trace = read(demo_db, lambda cur: tasks.light_trace(cur, code, AS_OF))
    at = open_page("tasks", demo_db)
    at.selectbox(key="task").set_value(code).run()
    no_exception(at)
    assert trace.subject not in texts_of(at)  # the trace panel is built only while open
    text = open_trace(at, "task")
    assert trace.subject in text
    source = trace.inputs.iloc[0]
    assert f"来源：批次 #{source['batch_id']}，文件“{source['source_file']}”" in text
    assert at.query_params["task"] == code


def test_kpis_agree_with_the_engines_rates(demo_db):
    frame, by_ledger = read(demo_db, lambda cur: (tasks.task_lights(cur, AS_OF), tasks.rates(cur, AS_OF)))
    k = pages.task_kpis(frame, AS_OF)
    assert k.tasks == by_ledger["tasks"].sum()
    assert k.closed == by_ledger["closed"].sum()
    assert k.due == by_ledger["due"].sum()
    assert k.on_time == by_ledger["on_time"].sum()
    assert k.overdue == by_ledger["overdue"].sum()


def test_as_of_is_the_month_end_or_today():
    from analytics.periods import Month

    assert pages.task_as_of(Month(2022, 3), today=date(2023, 1, 5)) == date(2022, 3, 31)
    assert pages.task_as_of(Month(2022, 3), today=date(2022, 3, 9)) == date(2022, 3, 9)


def test_the_wall_is_paged_and_searched(demo_db):
    wall_rows = read(demo_db, lambda cur: tasks.year_wall(cur, AS_OF, 2022))
    codes = wall_rows["task_code"].tolist()
    assert len(codes) > tables.PAGE_SIZE
    pages_n = -(-len(codes) // tables.PAGE_SIZE)
    at = open_page("tasks", demo_db)
    no_exception(at)
    text = texts_of(at)
    assert texts.PAGING["count"].format(n=len(codes), unit="项", page=1, pages=pages_n) in text
    assert wall(at)[T["columns"]["task_code"]].tolist() == codes[: tables.PAGE_SIZE]
    # The Gantt chart draws the page, and says how many there are in all.
    assert T["gantt_bounded"].format(shown=tables.PAGE_SIZE, n=f"{len(codes):,}") in text

    at.number_input(key="task_wall_page").set_value(2).run()
    no_exception(at)
    assert wall(at)[T["columns"]["task_code"]].tolist() == codes[tables.PAGE_SIZE : 2 * tables.PAGE_SIZE]
    # The task choice below lists the page shown.
    assert at.selectbox(key="task").options[0].startswith(codes[tables.PAGE_SIZE])

    # A search goes back to page 1 and keeps the rows whose code, name, section or owner contain the text.
    name = wall_rows["task_name"].iloc[-1]
    at.text_input(key="task_wall_search").input(name).run()
    no_exception(at)
    found = wall(at)
    expected = wall_rows[wall_rows["task_name"].str.contains(name, regex=False)]["task_code"].tolist()
    assert found[T["columns"]["task_code"]].tolist() == expected
    assert texts.PAGING["count_one"].format(n=len(expected), unit="项") in texts_of(at)
    at.text_input(key="task_wall_search").input("组织科").run()
    sections = set(wall(at)[T["columns"]["section"]])
    assert sections == {"组织科"}


def test_the_kpis_count_every_year_and_the_wall_only_this_one(tmp_path):
    db = small_db(tmp_path)
    con = open_db(db)
    # T-4 closed in 2021: in the KPIs of 2022, not on 2022's wall.
    load(
        con,
        [
            TASK_HEADER,
            [
                "T-4",
                "旧任务",
                "基础夯实工程",
                "组织科",
                "张三",
                "2021-12-01",
                "2021-12-31",
                100,
                "办结销号",
                "2021-12-10",
            ],
        ],
        "旧台账.xlsx",
    )
    con.close()
    at = open_page("tasks", db, {"month": "2022-03"})
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[T["kpi_tasks"]] == "4 项"
    assert metrics[T["kpi_closed"]] == "2 项"
    assert wall(at)[T["columns"]["task_code"]].tolist() == ["T-1", "T-2", "T-3"]
    assert texts.PAGING["count_one"].format(n=3, unit="项") in texts_of(at)


def test_page_of_and_search_rows():
    frame = pd.DataFrame({"task_code": [f"T{n}" for n in range(120)], "task_name": ["甲乙"] * 60 + ["丙"] * 60})
    assert tables.page_of(frame, 1)["task_code"].tolist() == [f"T{n}" for n in range(50)]
    assert tables.page_of(frame, 3)["task_code"].tolist() == [f"T{n}" for n in range(100, 120)]
    # A page past the end is the last; before the start, the first.
    assert tables.page_of(frame, 9).equals(tables.page_of(frame, 3))
    assert tables.page_of(frame, 0).equals(tables.page_of(frame, 1))
    assert tables.page_of(frame.head(0), 1).empty
    # Literal, case-insensitive text in any of the columns; regex characters are plain text.
    assert len(tables.search_rows(frame, ["task_code", "task_name"], "t11")) == 11  # T11, T110–T119
    assert len(tables.search_rows(frame, ["task_name"], "乙")) == 60
    assert tables.search_rows(frame, ["task_name"], ".*").empty
    assert tables.search_rows(frame, ["task_name"], "  ").equals(frame)
