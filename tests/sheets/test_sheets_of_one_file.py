"""Several sheets of the same fact kind in one workbook, and rows that are "the same event" as stored rows, through
the real importer (import_bytes / undo): the same event in two sheets of a file is refused with the row and the sheet
named, re-sent rows claim stored events one to one, and overlapping files imported, undone in every order and imported
again leave exactly the events of the files still imported.
An event handed over on undo takes what the remaining file wrote of it (事项编号 and the rest), so it counts as that
file alone would."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from conftest import ROSTER, load, xlsx_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgers import TASK_HEADER, task_row

from analytics import open_db
from analytics.results import points
from analytics.sheets.ingest import Options, import_bytes, undo
from analytics.store.db import fetch_df

TODAY = date(2022, 7, 1)
POINTS = ["日期", "姓名", "考核内容", "分值", "事由"]
POINTS_CODED = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]
PART = ["日期", "姓名", "活动类型", "活动名称"]
ARENA = ["日期", "擂台", "选手", "评委", "得分"]
FACTS = ("score_event", "participation", "task_snapshot", "arena_mark", "fact_claim")


def send(con, sheets: dict[str, list[list]], name: str):
    return import_bytes(con, xlsx_bytes(sheets), name, Options(today=TODAY))


def imported(con, sheets: dict[str, list[list]], name: str) -> int:
    preview, batch = send(con, sheets, name)
    assert batch is not None, [p.text() for p in preview.errors]
    return batch


@pytest.fixture
def dept():
    con = open_db(":memory:")
    load(con, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
    yield con
    con.close()


def facts(con) -> dict[str, pd.DataFrame]:
    """The fact tables without ids and lineage: what the results are computed from."""
    out = {}
    for table in FACTS[:-1]:
        frame = fetch_df(con, f"select * exclude (fact_id, batch_id, source_file, sheet, row_no) from {table}")
        out[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True) if len(frame) else frame
    return out


def assert_same_facts(got, expected) -> None:
    for table in expected:
        pd.testing.assert_frame_equal(got[table], expected[table], obj=table)


# ---------------------------------------------------------------------------------------------------------------
# The same event in two sheets of one workbook: an error naming the earlier sheet's row, as a repeat within one sheet
# is (与第 n 行重复); each sheet is checked against the earlier sheets of its kind as well as the rows already stored.


def _refused_or_once(con, preview, batch, table: str, expected_rows: int) -> None:
    """Either refused, with an error on the repeat naming the first sheet (the sheets are otherwise clean), or
    imported with the event once."""
    if batch is None:
        first = preview.sheets[0].sheet
        assert preview.errors and all(first in p.text() for p in preview.errors), [p.text() for p in preview.problems]
    else:
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == expected_rows


def test_points_event_in_two_sheets_of_one_file_is_counted_once(dept):
    row = ["2022-03-05", "张三", "工作质量", 2, "批示"]
    preview, batch = send(dept, {"3月": [POINTS, row], "3月补": [POINTS, row]}, "加减分.xlsx")
    _refused_or_once(dept, preview, batch, "score_event", 1)


def test_participation_event_in_two_sheets_of_one_file_is_stored_once(dept):
    row = ["2022-03-05", "张三", "荐学", "书一"]
    preview, batch = send(dept, {"上": [PART, row], "下": [PART, row]}, "参与.xlsx")
    _refused_or_once(dept, preview, batch, "participation", 1)


def test_arena_mark_in_two_sheets_of_one_file_is_stored_once(dept):
    row = ["2022-03-05", "业务擂台", "张三", "李四", 90]
    preview, batch = send(dept, {"一": [ARENA, row], "二": [ARENA, row]}, "擂台.xlsx")
    _refused_or_once(dept, preview, batch, "arena_mark", 1)


def test_one_task_day_in_two_sheets_of_one_file_leaves_one_live_snapshot(dept):
    first, second = (task_row("T1", "2022-03-15", progress, start="2022-02-01") for progress in (30, 50))
    preview, batch = send(dept, {"a": [TASK_HEADER, first], "b": [TASK_HEADER, second]}, "台账.xlsx")
    if batch is None:
        assert preview.errors and all("「a」" in p.text() for p in preview.errors), [p.text() for p in preview.errors]
    else:
        live = "select count(*) from task_snapshot where superseded_by is null and task_code = 'T1'"
        assert dept.execute(live).fetchone()[0] == 1


# ---------------------------------------------------------------------------------------------------------------
# Two rows of one sheet that differ only in a 'detail' column (事项编号 / 活动名称), one of them blank, are two events for
# the in-sheet duplicate check, and either may match a stored fact (blank detail matches any). A later file sending
# both again claims the two stored facts one to one, so undoing the first file hands both over and loses nothing; a
# fact handed over takes what the remaining file wrote of it.


def test_points_rows_differing_by_blank_item_code_are_one_event_in_a_file_as_across_files(dept):
    blank = ["2022-03-05", "张三", "工作质量", None, 2, "批示"]
    coded = ["2022-03-05", "张三", "工作质量", "ZL01", 2, "批示"]
    other = ["2022-03-06", "李四", "工作质量", None, 1, "其他"]
    preview, batch = send(dept, {"s": [POINTS_CODED, blank, coded]}, "a.xlsx")
    assert batch is None and any("第 3 行" in p.text() and "与第 2 行重复" in p.text() for p in preview.errors)
    alone = open_db(":memory:")
    try:
        load(alone, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
        imported(alone, {"s": [POINTS_CODED, blank, other]}, "b.xlsx")
        expected = facts(alone)
    finally:
        alone.close()
    # The coded row first; the blank one sent again is the same event, claimed by b.xlsx, and kept (as b.xlsx says
    # it) when the first file is undone.
    first = imported(dept, {"s": [POINTS_CODED, coded]}, "a.xlsx")
    imported(dept, {"s": [POINTS_CODED, blank, other]}, "b.xlsx")
    assert dept.execute("select count(*) from score_event").fetchone()[0] == 2
    undo(dept, first)
    assert_same_facts(facts(dept), expected)  # b.xlsx alone: 2 events, 3 points


def test_resent_rows_are_matched_one_to_one_with_stored_events_as_many_as_can_be():
    """Row 2 (blank detail) matches facts 1 and 2, row 3 only fact 1: taking the first match for row 2 would leave
    row 3 unmatched (stored again); the matching moves row 2 to fact 2. A row prefers its exact match."""
    from analytics.sheets.events import _one_to_one

    rows, facts, exact = [2, 2, 3], [1, 2, 1], [True, False, False]
    assert sorted((rows[n], facts[n]) for n in _one_to_one(rows, facts, exact)) == [(2, 2), (3, 1)]
    rows, facts, exact = [2, 2, 3, 3], [1, 2, 1, 2], [False, True, True, False]
    assert sorted((rows[n], facts[n]) for n in _one_to_one(rows, facts, exact)) == [(2, 2), (3, 1)]
    rows, facts, exact = [2, 3, 4], [7, 7, 7], [True, False, False]  # one fact: one row claims it
    assert [(rows[n], facts[n]) for n in _one_to_one(rows, facts, exact)] == [(2, 7)]


def test_participation_rows_differing_by_blank_title_survive_undo_of_the_first_file(dept):
    blank = ["2022-03-05", "张三", "荐学", None]
    titled = ["2022-03-05", "张三", "荐学", "书一"]
    first = imported(dept, {"s": [PART, blank, titled]}, "a.xlsx")
    assert dept.execute("select count(*) from participation").fetchone()[0] == 2
    imported(dept, {"s": [PART, blank, titled, ["2022-03-06", "李四", "研学", "书二"]]}, "b.xlsx")
    undo(dept, first)
    # b.xlsx is still imported and holds three events.
    assert dept.execute("select count(*) from participation").fetchone()[0] == 3


def test_event_handed_over_on_undo_counts_as_in_the_file_that_keeps_it(dept):
    def rows(code):
        return [[f"2022-03-{d:02d}", "张三", "工作质量", code, 2, f"批示{d}"] for d in (1, 2, 3, 4)]  # ZL01: cap 6

    extra = ["2022-03-09", "李四", "工作质量", None, 1, "新"]
    alone = open_db(":memory:")
    try:
        load(alone, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
        imported(alone, {"s": [POINTS_CODED, *rows(None), extra]}, "b.xlsx")
        expected = points.posting_totals(alone.cursor(), "2022-03")
    finally:
        alone.close()
    first = imported(dept, {"s": [POINTS_CODED, *rows("ZL01")]}, "a.xlsx")
    imported(dept, {"s": [POINTS_CODED, *rows(None), extra]}, "b.xlsx")  # the 4 events: skipped, claimed
    undo(dept, first)
    got = points.posting_totals(dept.cursor(), "2022-03")
    pd.testing.assert_frame_equal(got, expected)  # 张三: net 8 (no item, no cap), as b.xlsx alone


def test_a_file_that_fills_the_item_code_of_stored_events_waits_for_their_batch_to_be_undone(dept):
    def rows(code):
        return [[f"2022-03-{d:02d}", "张三", "工作质量", code, 2, f"批示{d}"] for d in (1, 2, 3, 4)]  # ZL01: cap 6

    coded = {"s": [POINTS_CODED, *rows("ZL01"), ["2022-03-09", "李四", "工作质量", None, 1, "新"]]}
    alone = open_db(":memory:")
    try:
        load(alone, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
        imported(alone, coded, "b.xlsx")
        expected = points.posting_totals(alone.cursor(), "2022-03")
    finally:
        alone.close()
    first = imported(dept, {"s": [POINTS_CODED, *rows(None)]}, "a.xlsx")
    preview, batch = send(dept, coded, "b.xlsx")
    assert batch is None and sum(f"撤销批次 #{first}" in p.text() for p in preview.errors) == 4
    undo(dept, first)
    imported(dept, coded, "b.xlsx")
    pd.testing.assert_frame_equal(points.posting_totals(dept.cursor(), "2022-03"), expected)  # 张三: net 6, capped


# ---------------------------------------------------------------------------------------------------------------
# Several sheets of one kind whose rows do not repeat each other, overlapping files already imported, undone in every
# order and imported again.

PEOPLE = ["张三", "李四", "王五", "赵六"]
event = st.tuples(
    st.integers(0, 3),  # person
    st.integers(1, 6),  # month
    st.integers(1, 3),  # day
    st.sampled_from([1.0, 2.0, -1.0]),
)


def points_rows(events) -> list[list]:
    return [POINTS] + [
        [f"2022-{m:02d}-{d:02d}", PEOPLE[p], "工作质量", v, f"事由{p}{m}{d}{v:g}"] for p, m, d, v in events
    ]


def part_rows(events) -> list[list]:
    return [PART] + [[f"2022-{m:02d}-{d:02d}", PEOPLE[p], "荐学", f"书{p}{m}{d}"] for p, m, d, _ in events]


@st.composite
def files(draw):
    """Three files, each a workbook of two points sheets and one participation sheet; inside a file the sheets do
    not repeat each other (that is the bug above), across files they overlap freely."""
    pool = draw(st.lists(event, min_size=2, max_size=10, unique_by=lambda e: e[:3]))
    out = []
    for n in range(3):
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))
        cut = draw(st.integers(0, len(chosen)))
        # Sheet names differ between files, so two files are never the same bytes (that is refused, rightly).
        sheets = {
            f"一{n}": points_rows(chosen[:cut]),
            f"二{n}": points_rows(chosen[cut:]),
            f"参与{n}": part_rows(chosen),
        }
        out.append({k: v for k, v in sheets.items() if len(v) > 1})
    return out


def expected_facts(files_active: list[dict]) -> dict[str, set]:
    points, part = set(), set()
    for sheets in files_active:
        for name, rows in sheets.items():
            for r in rows[1:]:
                (part if name.startswith("参与") else points).add(tuple(r))
    return {"points": points, "participation": part}


def stored_facts(con) -> dict[str, set]:
    points = con.execute(
        "select strftime(e.event_date, '%Y-%m-%d'), p.name, e.content, e.points, e.reason"
        " from score_event e join person p using (person_id)"
    ).fetchall()
    part = con.execute(
        "select strftime(e.event_date, '%Y-%m-%d'), p.name, e.activity, e.title"
        " from participation e join person p using (person_id)"
    ).fetchall()
    assert len(points) == len(set(points)) and len(part) == len(set(part)), "an event stored twice"
    return {"points": {tuple(r) for r in points}, "participation": {tuple(r) for r in part}}


def fresh():
    con = open_db(":memory:")
    load(con, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
    return con


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files(), st.permutations([0, 1, 2]), st.integers(0, 2))
def test_overlapping_multi_sheet_files_imported_undone_in_any_order_and_again(made, undo_order, again):
    con = fresh()
    try:
        start = facts(con)
        batches: dict[int, int | None] = {}
        for n, sheets in enumerate(made):
            preview, batch = send(con, sheets, f"f{n}.xlsx")
            assert batch is not None or preview.rows_skipped, [p.text() for p in preview.errors]
            batches[n] = batch
        active = [n for n in range(3) if batches[n] is not None]
        assert stored_facts(con) == expected_facts(made)
        for n in undo_order:
            if batches[n] is None:
                continue
            undo(con, batches[n])
            active.remove(n)
            assert stored_facts(con) == expected_facts([made[k] for k in active])
            if n == again:  # imported again right after its undo, then undone again
                preview, batch = send(con, made[n], f"f{n}.xlsx")
                if batch is not None:
                    active.append(n)
                    assert stored_facts(con) == expected_facts([made[k] for k in active])
                    undo(con, batch)
                    active.remove(n)
        assert_same_facts(facts(con), start)
        assert con.execute("select count(*) from fact_claim").fetchone()[0] == 0
    finally:
        con.close()


def test_handed_over_participation_takes_the_remaining_files_title_role_and_hours(dept):
    header = [*PART, "角色", "时长(小时)"]
    # 活动名称 and 角色 are decisive (filled in by a later file they are asked about): the first file names the
    # title with 角色 blank (参与), the second writes 角色 参与 and adds the hours.
    bare = ["2022-03-05", "张三", "荐学", "书一", None, None]
    full = ["2022-03-05", "张三", "荐学", "书一", "参与", 2]
    other = ["2022-03-06", "李四", "研学", "书二", "参与", 1]
    alone = open_db(":memory:")
    try:
        load(alone, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
        imported(alone, {"s": [header, full, other]}, "b.xlsx")
        expected = facts(alone)
    finally:
        alone.close()
    first = imported(dept, {"s": [header, bare]}, "a.xlsx")
    imported(dept, {"s": [header, full, other]}, "b.xlsx")  # 张三's row: the same event, skipped and claimed
    assert dept.execute("select hours from participation where person_id = 1").fetchone()[0] is None
    undo(dept, first)
    assert_same_facts(facts(dept), expected)
    assert dept.execute("select count(*) from fact_claim").fetchone()[0] == 0


def test_a_claim_written_before_details_were_kept_hands_over_the_lineage_only(dept):
    named = ["2022-03-05", "张三", "荐学", "书一"]
    first = imported(dept, {"s": [PART, named]}, "a.xlsx")
    second = imported(
        dept, {"s": [PART, ["2022-03-05", "张三", "荐学", None], ["2022-03-06", "李四", "研学", None]]}, "b.xlsx"
    )
    dept.execute("update fact_claim set details = null")
    undo(dept, first)
    row = dept.execute("select title, batch_id, row_no from participation where person_id = 1").fetchone()
    assert row == ("书一", second, 2)


# ---------------------------------------------------------------------------------------------------------------
# A rule sheet beside sheets of facts is the table their 分值 are looked up in: passed over and said so, never a new
# rule book riding along with a points file. A roster sheet beside them is read (see test_reading).


def test_a_rule_sheet_beside_a_points_sheet_is_a_helper_and_leaves_the_rule_book(dept):
    from analytics.rules import rulebook as rb

    before = [item.code for item in rb.current(dept).items]
    points_sheet = [["日期", "姓名", "事项编号", "分值", "事由"], ["2022-03-05", "张三", "XC01", 1, "信息被采用"]]
    helper = [["事项编号", "考核内容", "事项名称", "分值"], ["XC01", "宣传推广", "信息被区级以上媒体或简报采用", 1]]
    preview, batch = send(dept, {"3月": points_sheet, "事项": helper}, "3月.xlsx")
    assert batch is not None, [p.text() for p in preview.errors]
    assert [item.code for item in rb.current(dept).items] == before
    assert "辅助表" in dict(preview.ignored)["事项"] and "单独上传" in dict(preview.ignored)["事项"]
    assert dept.execute("select count(*) from score_event").fetchone()[0] == 1
