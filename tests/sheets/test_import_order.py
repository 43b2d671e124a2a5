"""Results do not depend on the order files arrive in, and undo is exact: property tests through the real importer."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import open_db
from analytics.results import flags, participation, stars
from analytics.sheets.ingest import Options, import_bytes, undo

PEOPLE = [("张一", "组织科", "A1"), ("张二", "组织科", "A2"), ("王一", "干部科", "B1"), ("王二", "干部科", "B2")]
CONTENTS = ["工作质量", "宣传推广", "学习提升"]
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])

event = st.tuples(
    st.integers(0, len(PEOPLE) - 1),
    st.integers(1, 6),
    st.integers(1, 28),
    st.sampled_from(CONTENTS),
    st.sampled_from([-1.0, 0.5, 1.0, 2.0]),
)


@st.composite
def year(draw):
    """A base roster, two overlapping points files, and a dated move of one person."""
    events = draw(st.lists(event, min_size=1, max_size=16, unique_by=lambda e: e[:3]))
    cut = draw(st.integers(0, len(events)))
    overlap = draw(st.integers(0, cut))
    mover = draw(st.integers(0, len(PEOPLE) - 1))
    month = draw(st.integers(2, 6))
    return events[:cut], events[overlap:], mover, month


def points_file(events) -> bytes:
    rows = [["日期", "姓名", "工号", "考核内容", "分值", "事由"]]
    for who, month, day, content, value in events:
        name, _, staff = PEOPLE[who]
        rows.append([f"2022-{month:02d}-{day:02d}", name, staff, content, value, f"事由{who}-{month}-{day}"])
    return csv_bytes(rows)


def move_file(mover: int, month: int) -> bytes:
    name, section, staff = PEOPLE[mover]
    other = "干部科" if section == "组织科" else "组织科"
    return csv_bytes([["姓名", "科室", "工号", "调整日期"], [name, other, staff, f"2022-{month:02d}-01"]])


def fresh():
    con = open_db(":memory:")
    load(con, csv_bytes([["姓名", "科室", "工号"], *[list(p) for p in PEOPLE]]), "名单.csv")
    return con


def send(con, content: bytes, name: str) -> int | None:
    """Import; a file holding nothing new is refused (that is no change), anything else must import."""
    preview, batch = import_bytes(con, content, name, Options(today=date(2022, 7, 1)))
    assert batch is not None or preview.rows_skipped or not preview.rows_imported, [p.text() for p in preview.errors]
    return batch


def results(con) -> tuple:
    cur = con.cursor()
    events = cur.execute(
        """
        select p.name, e.event_date, e.content, e.points, s.name from score_event e
        join person p using (person_id) join section s on s.section_id = e.section_id
        order by all
        """
    ).fetchall()
    month_stars = [stars.stars_json(cur, f"2022-{m:02d}") for m in range(1, 7)]
    quarter_flags = [flags.flags_json(cur, q) for q in ("2022Q1", "2022Q2")]
    return events, month_stars, quarter_flags


@SETTINGS
@given(year())
def test_results_do_not_depend_on_upload_order(case):
    first, second, mover, month = case
    files = [(points_file(first), "一.csv"), (points_file(second), "二.csv"), (move_file(mover, month), "调动.csv")]
    outcomes = []
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        con = fresh()
        for n in order:
            send(con, *files[n])
        outcomes.append(results(con))
        con.close()
    assert outcomes[0] == outcomes[1] == outcomes[2]


@SETTINGS
@given(year(), st.integers(0, 2))
def test_undo_of_any_batch_then_reimport_equals_never_undoing(case, chosen):
    first, second, mover, month = case
    files = [(points_file(first), "一.csv"), (points_file(second), "二.csv"), (move_file(mover, month), "调动.csv")]
    con = fresh()
    batches = [send(con, *f) for f in files]
    expected = results(con)
    if batches[chosen] is not None:
        undo(con, batches[chosen])
        send(con, *files[chosen])
    assert results(con) == expected
    con.close()


POINTS_HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]
PARTICIPATION_HEADER = ["日期", "姓名", "活动类型", "活动名称"]


def one_event(kind: str, detail: str | None) -> bytes:
    """One file holding one event of 张一 on 2022-03-05 (a points row or a participation row) with the given
    事项编号 / 活动名称, plus a row of its own so no file is wholly stored already."""
    if kind == "points":
        own = ["2022-03-08", "张二", "工作质量", None, 1, f"简报{detail}"]
        return csv_bytes([POINTS_HEADER, ["2022-03-05", "张一", "学习提升", detail, 2, "讲授组工讲堂"], own])
    own = ["2022-03-08", "张二", "荐学", f"读书{detail}"]
    return csv_bytes([PARTICIPATION_HEADER, ["2022-03-05", "张一", "荐学", detail], own])


def stored_events(con, table: str) -> list[tuple]:
    return con.execute(f"select event_date, person_id, count(*) from {table} group by all order by all").fetchall()


@pytest.mark.parametrize(
    ("kind", "table", "codes"),
    [("points", "score_event", ("XX01", "XX02")), ("participation", "participation", ("读书会", "观影"))],
)
@pytest.mark.parametrize("order", ["ABC", "ACB", "BAC"])
def test_undo_leaves_what_importing_the_remaining_files_gives(kind, table, codes, order):
    """A and B hold one event with two different 事项编号 (two events); C holds it with the column blank, so it
    matches either. Undoing A must not hand A's event to C's row while that row also matches B's event: the
    remaining files count the event as a fresh import of them does (B then C: C first would have B asked about
    its 事项编号)."""
    files = {"A": one_event(kind, codes[0]), "B": one_event(kind, codes[1]), "C": one_event(kind, None)}
    con = fresh()
    batches = {name: send(con, files[name], f"{name}.csv") for name in order}
    undo(con, batches["A"])
    after_undo = stored_events(con, table)
    con.close()
    remaining = fresh()
    for name in "BC":
        send(remaining, files[name], f"{name}.csv")
    assert after_undo == stored_events(remaining, table)
    remaining.close()


@pytest.mark.parametrize(("kind", "table", "codes"), [("participation", "participation", ("读书会", "观影"))])
def test_a_blank_detail_filled_in_by_later_files_is_asked_about_not_claimed(kind, table, codes):
    """C holds the event with 活动名称 blank; A and B later fill it in differently. Were A's row taken as C's event
    sent again, the event would be counted under whichever title came first, and undoing A or B would leave a count
    no fresh import gives: A is refused, naming C's batch and the column, and once C is undone A and B import and C
    claims one of them, as a fresh import of C last does."""
    files = {"A": one_event(kind, codes[0]), "B": one_event(kind, codes[1]), "C": one_event(kind, None)}
    con = fresh()
    c = send(con, files["C"], "C.csv")
    preview, batch = import_bytes(con, files["A"], "A.csv", Options(today=date(2022, 7, 1)))
    assert batch is None
    assert any(f"批次 #{c}" in p.text() and "「活动名称」未填写" in p.text() for p in preview.errors), [
        p.text() for p in preview.errors
    ]
    undo(con, c)
    batches = {name: send(con, files[name], f"{name}.csv") for name in "ABC"}
    undo(con, batches["A"])
    after_undo = stored_events(con, table)
    con.close()
    remaining = fresh()
    for name in "BC":
        send(remaining, files[name], f"{name}.csv")
    assert after_undo == stored_events(remaining, table)
    remaining.close()


PARTICIPATION_ROLE_HEADER = ["日期", "姓名", "活动类型", "活动名称", "角色"]
FIRST_COPY = csv_bytes(
    [
        PARTICIPATION_ROLE_HEADER,
        ["2022-03-15", "张一", "组工讲堂", None, "参与"],
        ["2022-03-10", "张一", "组工论坛", "论坛一", "参与"],
        ["2022-03-15", "张二", "组工讲堂", "第一期", "参与"],
    ]
)
CORRECTED_COPY = csv_bytes(
    [
        PARTICIPATION_ROLE_HEADER,
        ["2022-03-15", "张一", "组工讲堂", "第一期", "参与"],
        ["2022-03-10", "张一", "组工论坛", "论坛一", "主讲"],
        ["2022-03-15", "张二", "组工讲堂", "第一期", None],
    ]
)


def participation_counts(con) -> tuple:
    stored = con.execute(
        "select p.name, f.activity, f.title, f.role from participation f join person p using (person_id) order by all"
    ).fetchall()
    return stored, participation.counters(con.cursor(), date(2022, 1, 1), date(2022, 12, 31))


@pytest.mark.parametrize("corrected_first", [False, True])
def test_participation_details_completed_by_a_later_file_give_the_same_counts_in_either_order(corrected_first):
    """The first copy leaves 张一's 活动名称 blank and says 参与 where the corrected copy says 主讲. Kept as first
    stored, the 组工讲堂 sessions and 组工论坛 speakers would follow which copy came first: the second copy is
    refused in either order, naming the batch, the column and both values, and following its words (undo, import
    the corrected copy) gives the counts of the corrected copy alone."""
    alone = fresh()
    send(alone, CORRECTED_COPY, "改.csv")
    expected = participation_counts(alone)
    alone.close()
    con = fresh()
    first, second = (CORRECTED_COPY, FIRST_COPY) if corrected_first else (FIRST_COPY, CORRECTED_COPY)
    held = send(con, first, "一.csv")
    preview, batch = import_bytes(con, second, "二.csv", Options(today=date(2022, 7, 1)))
    assert batch is None
    texts = [p.text() for p in preview.errors]
    assert any(f"批次 #{held}" in t and "「角色」" in t and "主讲" in t for t in texts), texts
    if not corrected_first:
        assert any("「活动名称」未填写" in t and "第一期" in t for t in texts), texts
        undo(con, held)
        send(con, CORRECTED_COPY, "二.csv")
    assert participation_counts(con) == expected
    con.close()


NAMESAKE_ROW = ["2022-03-10", "张一", "干部科", "宣传推广", 3, "信息被市委简报采用"]
NAMESAKE_HEADER = ["日期", "姓名", "科室", "考核内容", "分值", "事由"]
NEW_NAMESAKE = csv_bytes([["姓名", "科室", "工号"], ["张一", "干部科", "B9"]])


def namesake_events(con) -> list[tuple]:
    return con.execute(
        "select p.staff_no, e.event_date, e.points from score_event e join person p using (person_id) order by all"
    ).fetchall()


@pytest.mark.parametrize("roster_first", [False, True])
def test_a_row_sent_again_after_the_roster_gained_a_namesake_is_not_counted_for_both(roster_first):
    """张一 of 干部科 is written, 科室 left blank, before the roster lists him: the row goes to the only 张一 (组织科).
    Once the roster has the new 张一, the cumulative copy (科室 filled in) names him: counting it would give one
    event to two people. It is refused, naming the batch and both people; following the message gives what the
    roster-first order gives."""
    once = csv_bytes([NAMESAKE_HEADER, [*NAMESAKE_ROW[:2], None, *NAMESAKE_ROW[3:]]])
    cumulative = csv_bytes([NAMESAKE_HEADER, NAMESAKE_ROW, ["2022-04-02", "王一", "干部科", "工作质量", 1, "按时报送"]])
    con = fresh()
    if roster_first:
        send(con, NEW_NAMESAKE, "名单2.csv")
        send(con, csv_bytes([NAMESAKE_HEADER, NAMESAKE_ROW]), "3月.csv")  # 科室 blank would name neither 张一
        send(con, cumulative, "累计.csv")
    else:
        first = send(con, once, "3月.csv")
        send(con, NEW_NAMESAKE, "名单2.csv")
        preview, batch = import_bytes(con, cumulative, "累计.csv", Options(today=date(2022, 7, 1)))
        assert batch is None
        texts = [p.text() for p in preview.errors]
        assert any(f"批次 #{first}" in t and "工号 A1" in t and "工号 B9" in t for t in texts), texts
        undo(con, first)
        send(con, cumulative, "累计.csv")
    assert namesake_events(con) == [("B1", date(2022, 4, 2), 1.0), ("B9", date(2022, 3, 10), 3.0)]
    con.close()


def test_a_sign_in_list_without_roles_sent_after_the_speakers_is_no_change_of_role():
    """A blank 角色 is stored as 参与 but, sent again, says nothing: the sign-in list of everyone (no 角色 column)
    after the file naming 张一 主讲 goes in, and 张一 stays the speaker."""
    con = fresh()
    send(con, csv_bytes([PARTICIPATION_ROLE_HEADER, ["2022-03-10", "张一", "组工论坛", "论坛一", "主讲"]]), "主讲.csv")
    sign_in = [
        ["日期", "姓名", "活动类型", "活动名称"],
        ["2022-03-10", "张一", "组工论坛", "论坛一"],
        ["2022-03-10", "张二", "组工论坛", "论坛一"],
    ]
    assert send(con, csv_bytes(sign_in), "签到.csv") is not None
    assert con.execute("select role from participation order by person_id").fetchall() == [("主讲",), ("参与",)]
    con.close()
