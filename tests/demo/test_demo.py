"""The demo year: the same bytes every time, loaded through the real importer with the campaign report's figures,
refused a second time, and cleared in one transaction."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, load

from analytics import open_db
from analytics.errors import ImportRefused
from analytics.sheets.ingest import import_bytes
from analytics.sheets.reader import read_file
from analytics.store.db import get_meta
from demo import year as demo

TABLES = (
    "import_batch",
    "person",
    "membership",
    "section",
    "rule_version",
    "score_event",
    "participation",
    "task_snapshot",
    "arena_mark",
)


@pytest.fixture(scope="module")
def files():
    return demo.build_files()


@pytest.fixture(scope="module")
def loaded():
    """A database with the demo loaded once for the read-only tests, and the progress steps it reported."""
    connection = open_db(":memory:")
    steps: list[tuple[float, str]] = []
    demo.load_demo(connection, progress=lambda fraction, text: steps.append((fraction, text)))
    yield connection, steps
    connection.close()


@pytest.fixture
def demo_con(loaded):
    return loaded[0]


def digests(files) -> list[tuple[str, str]]:
    return [(name, hashlib.sha256(content).hexdigest()) for name, content in files]


def one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


def counts(con) -> dict[str, int]:
    return {table: one(con, f"select count(*) from {table}") for table in TABLES}


# Building ----------------------------------------------------------------------------------------


def test_build_gives_the_same_bytes_every_time(files):
    assert digests(demo.build_files()) == digests(files)


def test_build_does_not_depend_on_the_hash_seed(files):
    script = "import hashlib; from demo import year as demo; print([hashlib.sha256(c).hexdigest() for _, c in demo.build_files()])"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([sha for _, sha in digests(files)])


def test_files_come_in_import_order(files):
    names = [name for name, _ in files]
    assert names[0] == "人员名单.xlsx"
    assert names.index("人员名单（7月调整）.xlsx") < names.index("2022年第三季度加减分情况.xlsx")
    assert names.index("加减分事项（7月1日起施行）.xlsx") < names.index("2022年第三季度加减分情况.xlsx")
    assert sum(name.startswith("任务台账推进情况") for name in names) == 12
    assert len(set(sha for _, sha in digests(files))) == len(files)


def test_sheets_are_messy_the_way_clerks_make_them(files):
    by_name = dict(files)
    points = read_file(by_name["2022年第二季度加减分情况.xlsx"], "q2.xlsx")
    assert [s.name for s in points] == ["4月", "5月", "6月"]
    grid = points[0].grid
    assert grid[0][0] == "2022年4月加减分情况公示"
    header = grid[2]
    assert "序号" in header and "加减分事由" in header and "部门" in header and "事由" not in header
    assert any(row[0] == "合计" for row in grid[-4:])
    assert any(all(cell == "" for cell in row) for row in grid[3:-4])  # a blank row in the body
    assert isinstance(grid[3][header.index("日期")], str) and "年" in grid[3][header.index("日期")]
    q1 = read_file(by_name["2022年第一季度加减分情况.xlsx"], "q1.xlsx")[0].grid
    assert isinstance(q1[3][q1[2].index("日期")], date)  # real dates in another quarter

    roster = openpyxl.load_workbook(io.BytesIO(by_name["人员名单.xlsx"]))["干部名单"]
    merged = [str(r) for r in roster.merged_cells.ranges]
    assert "A1:F1" in merged  # the title row
    assert sum(r.startswith("B") for r in merged) == len(demo.SECTIONS)  # 科室 merged over each section


def test_write_files_numbers_them_in_import_order(tmp_path: Path, files):
    paths = demo.write_files(tmp_path / "演示数据")
    assert [p.name for p in paths][:2] == ["01_人员名单.xlsx", "02_任务台账推进情况（2022年1月）.xlsx"]
    assert [p.read_bytes() for p in paths] == [content for _, content in files]


# Loading -----------------------------------------------------------------------------------------


def test_every_file_is_a_committed_demo_batch(loaded, files):
    demo_con, steps = loaded
    rows = demo_con.execute(
        "select file_name, is_demo, uploader, status from import_batch order by batch_id"
    ).fetchall()
    assert [r[0] for r in rows] == [name for name, _ in files]
    assert all(r[1] and r[2] == "演示数据" and r[3] == "committed" for r in rows)
    assert demo.demo_loaded(demo_con.cursor())
    assert steps[-1][0] == 1.0 and len(steps) == len(files) + 2


def test_ledgers_hold_the_planned_tasks(demo_con):
    by_ledger = dict(
        demo_con.execute(
            "select ledger, count(distinct task_code) from task_snapshot where superseded_by is null group by ledger"
        ).fetchall()
    )
    assert by_ledger["组织保障专项台账"] == 22
    assert by_ledger["基础夯实工程"] == 28
    assert by_ledger["揭榜挂帅"] == 10
    assert by_ledger["制度文件修订"] == 21
    for ledger in ("重点任务清单", "领导批示督办", "会议确定事项", "形象提升任务"):
        assert 1 <= by_ledger[ledger] <= 6


def test_task_snapshots_move_along_the_loop(demo_con):
    # Weekly snapshots on Fridays, several per monthly file, stages never going back.
    assert one(demo_con, "select count(*) from task_snapshot where dayofweek(updated_on) <> 5") == 0
    assert one(demo_con, "select count(distinct updated_on) from task_snapshot where month(updated_on) = 6") >= 4
    back = one(
        demo_con,
        """
        select count(*) from (
            select s.step, lag(s.step) over (partition by t.task_code order by t.updated_on) as before
            from task_snapshot t join rule_stage s on s.name = t.stage and s.version_id = 1
        ) where step < before
    """,
    )
    assert back == 0
    closed_late = one(
        demo_con,
        """
        select count(*) from (
            select task_code, min(updated_on) as closed, any_value(due_date) as due
            from task_snapshot where stage = '办结销号' group by task_code
        ) where closed > due
    """,
    )
    assert 3 <= closed_late <= 10
    silent = one(
        demo_con,
        """
        select count(distinct task_code) from (
            select task_code, updated_on - lag(updated_on) over (partition by task_code order by updated_on) as gap
            from task_snapshot
        ) where gap > 21
    """,
    )
    assert silent >= 2


def test_participation_matches_the_campaign_report(demo_con):
    def activity(name: str, what: str = "count(*)") -> int:
        return one(demo_con, f"select {what} from participation where activity = ?", [name])

    assert activity("每日鉴学") >= 400
    assert (
        one(
            demo_con,
            "select count(distinct person_id) from participation where activity = '组工论坛' and role = '主讲'",
        )
        == 31
    )
    assert activity("志愿服务") >= 110
    assert activity("联企业联群众", "count(distinct person_id)") >= 50
    assert activity("一线实践", "count(distinct person_id)") >= 10
    assert activity("考察学习", "count(distinct title)") == 3
    assert activity("奖学", "count(distinct event_date)") == 1
    assert activity("评学", "count(distinct event_date)") == 4
    assert activity("游学", "count(distinct event_date)") == 12
    assert activity("研学", "count(distinct event_date)") == 24
    assert activity("荐学", "count(distinct event_date)") >= 50
    assert activity("组工讲堂", "count(distinct title)") >= 8
    assert activity("金点子") >= 30
    # Good but imperfect attendance at the weekly 荐学.
    sessions, people = activity("荐学", "count(distinct event_date)"), one(demo_con, "select count(*) from person")
    assert 0.85 * sessions * (people - 2) <= activity("荐学") < sessions * people


def test_people_and_sections(demo_con):
    assert 58 <= one(demo_con, "select count(*) from person") <= 64
    sizes = dict(
        demo_con.execute("""
        select s.name, count(*) from membership m join section s using (section_id)
        where m.valid_from <= date '2022-01-31' and coalesce(m.valid_to, date '2022-12-31') >= date '2022-01-31'
        group by s.name
    """).fetchall()
    )
    assert len(sizes) == 8 and min(sizes.values()) == 3 and max(sizes.values()) >= 11
    twins = demo_con.execute(
        """
        select p.person_id, p.staff_no, m.section_id, (select count(*) from score_event e where e.person_id = p.person_id)
        from person p join membership m using (person_id) where p.name = ?
    """,
        [demo.DUPLICATE_NAME],
    ).fetchall()
    assert len(twins) == 2 and all(t[1] for t in twins) and twins[0][2] != twins[1][2] and all(t[3] > 0 for t in twins)
    assert one(demo_con, "select count(*) from (select name from person group by name having count(*) > 1)") == 1
    moved = demo_con.execute(
        "select person_id, min(valid_to) from membership group by person_id having count(*) = 2"
    ).fetchall()
    assert len(moved) == 2 and all(r[1] == date(2022, 7, 3) for r in moved)
    assert demo_con.execute("select left_on from person where left_on is not null").fetchall() == [(date(2022, 7, 15),)]
    assert one(demo_con, "select count(*) from person where category is null or category = 'nan'") == 0


def test_every_month_has_points_and_stars_change_hands(demo_con):
    months = demo_con.execute("select month(event_date), count(*) from score_event group by 1 order by 1").fetchall()
    assert [m for m, _ in months] == list(range(1, 13))
    assert all(n >= 300 for _, n in months)
    assert 5500 <= sum(n for _, n in months) <= 7000
    vetoes = demo_con.execute("select distinct month(event_date) from score_event where item_code = 'JL03'").fetchall()
    assert 2 <= len(vetoes) <= 3
    tops = demo_con.execute("""
        select m, arg_max(person_id, net) from (
            select month(event_date) as m, person_id, sum(points) as net from score_event group by all
        ) group by m
    """).fetchall()
    assert len({person for _, person in tops}) >= 6


def test_points_mostly_keep_within_monthly_caps(demo_con):
    groups = demo_con.execute("""
        select e.total > i.monthly_cap
        from (
            select person_id, month(event_date) as m, item_code, sum(abs(points)) as total
            from score_event group by all
        ) e
        join rule_item i on i.code = e.item_code and i.version_id = 1
        where i.monthly_cap is not null
    """).fetchall()
    over = sum(1 for (flag,) in groups if flag)
    assert 1 <= over <= 0.02 * len(groups)


def test_the_rules_change_of_july_applies_from_july(demo_con):
    versions = demo_con.execute("select effective_from from rule_version order by version_id").fetchall()
    assert versions == [(date(2022, 1, 1),), (date(2022, 7, 1),)]
    values = dict(
        demo_con.execute(
            """
        select event_date >= date '2022-07-01', list(distinct points) from score_event where item_code = ? group by 1
    """,
            [demo.RAISED_ITEM],
        ).fetchall()
    )
    assert values == {False: [2.0], True: [3.0]}


def test_arenas(demo_con):
    sessions = demo_con.execute("""
        select event_date, arena, count(distinct contestant_id), count(distinct judge_id),
               count(*) filter (where contestant_id = judge_id), min(mark), max(mark)
        from arena_mark group by all order by event_date
    """).fetchall()
    heads = one(demo_con, "select count(*) from person where title in ('科长', '主任')")
    chief = [s for s in sessions if s[1] == "科长擂台"]
    assert chief and all(s[2] == heads and s[3] >= 7 for s in chief)
    assert {s[1] for s in sessions} == {"科长擂台", "业务擂台", "学习擂台"}
    assert sorted(s[3] for s in sessions)[0] == 4 and all(s[3] >= 7 for s in sessions if s[3] != 4)
    assert sum(s[4] for s in sessions) == 1
    assert min(s[5] for s in sessions) >= 80 and max(s[6] for s in sessions) <= 98


def test_loading_the_same_files_again_is_refused_and_changes_nothing(demo_con, files):
    before = counts(demo_con)
    for name, content in files:
        preview, batch_id = import_bytes(demo_con, content, name, demo._options(name, 2022))
        assert batch_id is None
        assert "不能重复导入" in preview.errors[0].message
    with pytest.raises(ImportRefused, match="人员名单.xlsx"):
        demo.load_demo(demo_con)
    assert counts(demo_con) == before


# First start and clearing -------------------------------------------------------------------------


def test_first_start_loads_once_and_clearing_takes_everything_back(con, files):
    assert demo.load_on_first_start(con) is True
    assert demo.load_on_first_start(con) is False
    assert demo.clear_demo(con) == len(files)
    assert not demo.demo_loaded(con.cursor())
    after = counts(con)
    assert after["import_batch"] == len(files)
    assert {k: v for k, v in after.items() if k not in ("import_batch", "rule_version")} == {
        k: 0 for k in TABLES if k not in ("import_batch", "rule_version")
    }
    assert after["rule_version"] == 1
    assert one(con, "select count(*) from import_batch where status = 'committed'") == 0
    assert get_meta(con.cursor(), "demo_cleared") == "1"
    assert demo.load_on_first_start(con) is False
    assert one(con, "select count(*) from import_batch") == len(files)


def test_first_start_leaves_a_database_with_data_alone(con):
    load(con, [["姓名", "科室"], ["李明", "组织科"]], "名单.xlsx")
    assert demo.load_on_first_start(con) is False
    assert one(con, "select count(*) from import_batch") == 1


def test_a_refused_file_undoes_what_the_demo_had_loaded(con, files):
    # The January ledger is already in (uploaded by hand), so the demo stops at it and takes its roster back.
    load(con, [["姓名", "科室"], *[[f"值班员{n}", name] for n, name in enumerate(demo.SECTION_NAMES)]], "科室.xlsx")
    name, content = files[1]
    load(con, content, name)
    before = counts(con)
    with pytest.raises(ImportRefused, match=r"任务台账推进情况（2022年1月）.xlsx.*不能重复导入"):
        demo.load_demo(con)
    assert {k: v for k, v in counts(con).items() if k != "import_batch"} == {
        k: v for k, v in before.items() if k != "import_batch"
    }
    assert not demo.demo_loaded(con.cursor())
