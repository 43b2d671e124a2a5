"""The points rollup gives the same answers as the direct computation from the score events: every result function
that reads it, compared with its direct answer (``rollup.direct()``) on the demo year and on random departments
(hypothesis: caps hit and not, vetoes, moves between sections, a rule version changing mid-year, a batch undone).
And the rollup is only read when it is current: after an import, an undo or a rule edit it is rebuilt; inside a
what-if transaction, on a read-only database or while another rebuild runs, the direct computation answers. A
rebuild recomputes only the months whose inputs changed, and what it leaves equals a whole rebuild."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from datetime import date

import duckdb
import pandas as pd
import pytest
from answers import same
from conftest import csv_bytes, load
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import open_db
from analytics.periods import months_of_year
from analytics.results import flag_drill, flags, pages, points, profile, rollup, stars, trends
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, fetch_df, rolled_back, transaction


def cases(cur, year: int, every: int = 1) -> dict[str, object]:
    """Every function that reads the rollup, on each month (or every ``every``-th and the last), quarter and
    section of the year with data."""
    found: dict[str, object] = {}
    last = stars.last_month_with_data(cur, year)
    months = [m for m in months_of_year(year) if last is not None and m <= last]
    checked = sorted(set(months[::every] + months[-1:]))
    quarters = sorted({m.quarter for m in months})
    sections = [row[0] for row in cur.execute("select section_id from section order by section_id").fetchall()]
    people = [row[0] for row in cur.execute("select person_id from person order by person_id").fetchall()]
    found["star_board"] = stars.star_board(cur, year)
    found["awards"] = stars.awards(cur, months)
    found["flag_history"] = flags.flag_history(cur, year)
    found["person_trend"] = trends.person_trend(cur, year)
    found["section_trend"] = trends.section_trend(cur, year)
    found["content_trend"] = trends.content_trend(cur, year)
    for m in checked:
        found[f"ytd_points {m}"] = points.ytd_points(cur, year, m)
        found[f"person_month_net {m}"] = points.person_month_net(cur, m)
        found[f"month_points {m}"] = points.month_points(cur, m)
        found[f"posting_totals {m}"] = points.posting_totals(cur, m)
        # The readers of each event's counted points (rollup.EVENT_SQL when the rollup is current).
        found[f"posting {m}"] = points.posting(cur, m)
        found[f"points_trace {m}"] = points.points_trace(cur, m)
        found[f"monthly_stars {m}"] = stars.monthly_stars(cur, m)
        found[f"movers {m}"] = trends.movers(cur, m)
    for q in quarters:
        found[f"quarter_flags {q}"] = flags.quarter_flags(cur, q)
        found[f"quarter_contents {q}"] = flag_drill.quarter_contents(cur, q)
        for section_id in sections:
            found[f"section_people {section_id} {q}"] = flag_drill.section_people(cur, section_id, q)
    if months:
        for person_id in people:
            found[f"year_standing {person_id}"] = profile.year_standing(cur, person_id, year, months[-1])
        for person_id in people[:: max(1, len(people) // 5)]:
            found[f"person_events {person_id}"] = profile.person_events(cur, person_id, year)
            found[f"event_sources {person_id}"] = points.event_sources(cur, person_id, months[-1])
    return found


def check_against_direct(con, year: int, every: int = 1) -> dict[str, object]:
    """Each case via the rollup equals the direct computation; the rollup was really read (built for this data)."""
    cur = con.cursor()
    with rollup.direct():
        assert not rollup.ready(cur)
        expected = cases(cur, year, every)
    assert rollup.ready(cur)
    assert rollup.built_for(cur) == data_version(cur)
    got = cases(cur, year, every)
    assert got.keys() == expected.keys()
    for key in expected:
        same(got[key], expected[key], key)
    return got


def grain_direct(cur) -> pd.DataFrame:
    """The rollup's rows computed from the events, ordered for comparison."""
    months = rollup._months(cur)
    books = points.month_books(cur, months)
    sql = (
        points.with_sql(points.BOOKS_SQL, points.EVENTS_SQL, points.GRAIN_SQL)
        + f"""
        select {rollup.GRAIN_COLUMNS} from grain order by month_start, person_id, section_id, content"""
    )
    return fetch_df(cur, sql, books.sql_params())


def stored_grain(cur) -> pd.DataFrame:
    return fetch_df(
        cur, f"select {rollup.GRAIN_COLUMNS} from points_rollup order by month_start, person_id, section_id, content"
    )


def veto_direct(cur) -> pd.DataFrame:
    """The rollup's veto rows computed from the events, ordered for comparison."""
    books = points.month_books(cur, rollup._months(cur))
    sql = (
        points.with_sql(points.BOOKS_SQL, points.EVENTS_SQL, points.GRAIN_SQL)
        + f"""
        select {rollup.VETO_COLUMNS} from veto_event order by month_start, person_id, event_date, fact_id"""
    )
    return fetch_df(cur, sql, books.sql_params())


def stored_tables(cur) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rollup's rows, its veto rows and its per-month fingerprints, ordered for comparison."""
    veto = fetch_df(
        cur,
        f"select {rollup.VETO_COLUMNS} from points_rollup_veto order by month_start, person_id, event_date, fact_id",
    )
    prints = fetch_df(cur, "select * from points_rollup_month order by month_start")
    return stored_grain(cur), veto, prints


def check_partial(con, recomputed: set[date], dropped: set[date] = frozenset()) -> None:
    """After a change, the first reader recomputes exactly the months named (and drops those named), and what it
    leaves equals the direct computation and a whole rebuild, fingerprints included."""
    cur = con.cursor()
    assert rollup.built_for(cur) != data_version(cur)
    assert rollup.ready(cur)
    assert rollup.built_for(cur) == data_version(cur)
    assert set(rollup.last_rebuild[0]) == recomputed
    assert set(rollup.last_rebuild[1]) == dropped
    partial = stored_tables(cur)
    same(partial[0], grain_direct(cur), "points_rollup")
    same(partial[1], veto_direct(cur), "points_rollup_veto")
    months = set(rollup.stored_fingerprints(cur))
    assert rollup.rebuild(cur, whole=True)
    assert set(rollup.last_rebuild[0]) == months
    for name, got, whole in zip(("rollup", "veto", "fingerprints"), partial, stored_tables(cur)):
        same(got, whole, f"{name}: partial vs whole")


# The demo year ----------------------------------------------------------------------------------


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = open_db(path)
    yield con
    con.close()


def test_demo_year_via_the_rollup_equals_the_direct_computation(demo_copy):
    got = check_against_direct(demo_copy, 2022)
    # The demo year really exercises it: several months, quarters and sections, capped points and stars.
    cur = demo_copy.cursor()
    assert len(got["star_board"]["months"]) >= 6
    assert len(got["flag_history"]) >= 2
    assert len(got["section_trend"]["section_id"].unique()) >= 3
    stored = stored_grain(cur)
    assert (stored["raw"] - stored["counted"]).abs().max() > 0
    same(stored, grain_direct(cur), "points_rollup")


def test_undo_of_a_batch_rebuilds_the_rollup(demo_copy):
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    before = rollup.built_for(cur)
    batch = cur.execute(
        "select max(batch_id) from import_batch where kind = 'points' and status = 'committed'"
    ).fetchall()[0][0]
    undo(demo_copy, batch)
    assert rollup.built_for(cur) == before  # stale until read
    check_against_direct(demo_copy, 2022)
    assert rollup.built_for(cur) == data_version(cur) != before
    same(stored_grain(cur), grain_direct(cur), "points_rollup")


def test_bring_up_to_date_builds_every_rollup_once(demo_copy):
    cur = demo_copy.cursor()
    load(
        demo_copy,
        csv_bytes([["日期", "姓名", "事项编号", "分值", "事由"], ["2022-05-03", "郭一颖", "XC01", 1, "补录"]]),
        "补录.csv",
    )
    version = data_version(cur)
    assert set(rollup.built_versions(cur).values()) != {version}  # an import leaves them to their first reader
    with rolled_back(demo_copy) as inside:
        # Inside a transaction none may be built (the data may differ from the version): each says so.
        assert set(rollup.bring_up_to_date(inside).values()) == {-1.0}
    took = rollup.bring_up_to_date(cur)
    assert set(took) == {"points", "flags", "participation", "tasks"} and min(took.values()) >= 0
    assert set(rollup.built_versions(cur).values()) == {version}
    check_against_direct(demo_copy, 2022, every=4)


def months_of(cur, sql: str, params: dict | None = None) -> set[date]:
    return {row[0] for row in cur.execute(sql, params or {}).fetchall()}


def test_an_import_into_one_month_recomputes_that_month_only(demo_copy):
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    rows = [["日期", "姓名", "事项编号", "分值", "事由"]]
    rows += [[f"2022-05-{d:02d}", "郭一颖", "XC01", 1, f"新增事由{d}"] for d in range(1, 9)]
    load(demo_copy, csv_bytes(rows), "五月补录.csv")
    check_partial(demo_copy, {date(2022, 5, 1)})
    # And a month that had no events before.
    load(demo_copy, csv_bytes([rows[0], ["2023-01-05", "郭一颖", "XC01", 1, "新年事由"]]), "一月.csv")
    check_partial(demo_copy, {date(2023, 1, 1)})


def test_an_undo_recomputes_and_drops_the_batchs_months_only(demo_copy):
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    batch = cur.execute(
        "select max(batch_id) from import_batch where kind = 'points' and status = 'committed'"
    ).fetchall()[0][0]
    months = months_of(
        cur, "select distinct date_trunc('month', event_date)::date from score_event where batch_id = $b", {"b": batch}
    )
    assert months
    undo(demo_copy, batch)
    still = months_of(cur, "select distinct date_trunc('month', event_date)::date from score_event")
    check_partial(demo_copy, months & still, months - still)


def test_a_rule_edit_from_a_date_recomputes_the_months_from_then(demo_copy):
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    with transaction(demo_copy) as tx:
        book = rb.current(tx)
        items = [dataclasses.replace(i, monthly_cap=2.0 if i.code == "XC01" else i.monthly_cap) for i in book.items]
        rb.save(tx, book.with_changes(items=items), date(2022, 10, 1), "edit")
    check_partial(demo_copy, {date(2022, 10, 1), date(2022, 11, 1), date(2022, 12, 1)})
    # A version's items changed in place (no new version): the months that version governs are recomputed.
    with transaction(demo_copy) as tx:
        version = tx.execute("select max(version_id) from rule_version").fetchall()[0][0]
        tx.execute("update rule_item set monthly_cap = 1.0 where version_id = $v and code = 'XC01'", {"v": version})
    check_partial(demo_copy, {date(2022, 10, 1), date(2022, 11, 1), date(2022, 12, 1)})


def test_a_rule_edit_that_keeps_the_items_recomputes_no_month(demo_copy):
    # A new version from October with other star parameters and an item renamed: the counted points stand; the months'
    # fingerprints move to the new version (check_partial compares them with a whole rebuild's).
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    with transaction(demo_copy) as tx:
        book = rb.current(tx)
        items = [dataclasses.replace(i, name=i.name + "（新）") if i.code == "XC01" else i for i in book.items]
        rb.save(
            tx, book.with_changes(items=items, params={**book.params, "star_top_n": 1.0}), date(2022, 10, 1), "edit"
        )
    check_partial(demo_copy, set())
    version = cur.execute("select max(version_id) from rule_version").fetchall()[0][0]
    moved = cur.execute(
        "select month_start from points_rollup_month where version_id = $v order by 1", {"v": version}
    ).fetchall()
    assert [row[0] for row in moved] == [date(2022, 10, 1), date(2022, 11, 1), date(2022, 12, 1)]


def test_a_roster_move_recomputes_the_months_of_the_re_sectioned_events(demo_copy):
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    person, section = cur.execute(
        "select p.person_id, s.section_id from person p, section s where p.name = '郭一颖' and s.name = '研究室'"
    ).fetchall()[0]
    assert months_of(cur, "select distinct section_id from score_event where person_id = $p", {"p": person}) != {
        section
    }
    load(demo_copy, csv_bytes([["姓名", "科室", "调整日期"], ["郭一颖", "研究室", "2022-11-15"]]), "调整.csv")
    moved = months_of(
        cur,
        "select distinct date_trunc('month', event_date)::date from score_event "
        "where person_id = $p and event_date >= '2022-11-15'",
        {"p": person},
    )
    assert (
        moved
        and (
            cur.execute(
                "select bool_and(section_id = $s) from score_event where person_id = $p and event_date >= '2022-11-15'",
                {"p": person, "s": section},
            ).fetchall()[0][0]
        )
    )
    check_partial(demo_copy, moved)


def test_a_what_if_inside_a_transaction_sees_its_own_data(demo_copy):
    cur = demo_copy.cursor()
    before = stars.star_board(cur, 2022)
    assert rollup.ready(cur)
    with rolled_back(demo_copy) as tx:
        tx.execute("delete from score_event where event_date < '2022-07-01'")
        assert not rollup.ready(tx)
        inside = stars.star_board(tx, 2022)
        assert inside["months"] == before["months"]
        assert set(inside["awards"]["month"]) <= {f"2022-{n:02d}" for n in range(7, 13)}
    same(stars.star_board(cur, 2022), before)


def test_a_read_only_database_answers_directly(demo_db, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, path)
    con = open_db(path)
    with rollup.direct():
        expected = flags.flag_history(con.cursor(), 2022)
    with transaction(con):  # the data version moves on: the stored rollup (if any) is stale
        pass
    con.close()
    readonly = duckdb.connect(str(path), read_only=True)
    try:
        cur = readonly.cursor()
        assert not rollup.ready(cur)
        same(flags.flag_history(cur, 2022), expected)
    finally:
        readonly.close()


def test_a_reader_does_not_wait_for_another_rebuild(demo_copy):
    cur = demo_copy.cursor()
    with transaction(demo_copy):
        pass
    with rollup._BUILDING:
        assert not rollup.ready(cur)  # another thread would be building: answer directly
        result = trends.section_trend(cur, 2022)
    assert rollup.built_for(cur) != data_version(cur)
    assert rollup.ready(cur)
    same(trends.section_trend(cur, 2022), result)


def test_two_threads_rebuild_once_and_agree(demo_copy):
    with transaction(demo_copy):
        pass
    results: list[object] = []

    def run() -> None:
        results.append(stars.star_board(demo_copy.cursor(), 2022))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3
    for r in results[1:]:
        same(r, results[0])
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    assert cur.execute("select count(*) from points_rollup_state").fetchall()[0][0] == 1


# Random departments -----------------------------------------------------------------------------

SECTIONS = ["组织科", "干部科", "研究室"]
NAMES = ["张一", "张二", "王一", "王二", "李一", "李二", "赵一"]
CONTENTS = ["督查落实", "工作质量", "宣传推广", "学习提升", "纪律作风"]
# (item code, points): XC01 and XC03 have monthly caps, DC03 is a deduction; None = a free entry.
ITEMS = [("XC01", 1.0), ("XC03", 0.5), ("XC01", 1.0), ("DC03", -1.0), (None, None)]
FREE_POINTS = [-1.0, -0.5, 0.5, 1.0, 2.0, 3.0]


@st.composite
def departments(draw):
    people = [(name, draw(st.sampled_from(SECTIONS))) for name in NAMES[: draw(st.integers(2, len(NAMES)))]]
    moves = draw(
        # At most one move a person: the same move drawn twice would be a roster file the importer refuses as sent
        # before, not a department.
        st.lists(
            st.tuples(st.integers(0, len(people) - 1), st.sampled_from(SECTIONS), st.integers(2, 11)),
            max_size=2,
            unique_by=lambda move: move[0],
        )
    )
    event = st.tuples(
        st.integers(0, len(people) - 1),
        st.integers(1, 12),
        st.integers(1, 28),
        st.sampled_from(ITEMS),
        st.sampled_from(CONTENTS),
        st.sampled_from(FREE_POINTS),
        st.integers(0, 20),
    )
    first = draw(st.lists(event, min_size=1, max_size=40))
    second = draw(st.lists(event, max_size=15))
    # A rule version from some month on: the capped items' caps move (tighter or looser), maybe XC03 becomes a veto.
    new_rules = draw(
        st.one_of(
            st.none(),
            st.tuples(st.integers(2, 12), st.sampled_from([1.0, 2.0, 8.0]), st.booleans()),
        )
    )
    return people, moves, first, second, new_rules


def points_rows(people, events, tag):
    rows = [["日期", "姓名", "考核内容", "事项编号", "分值", "事由", "一票否决"]]
    for n, (who, month, day, (code, value), content, free, veto) in enumerate(events):
        name = people[who][0]
        when = f"2022-{month:02d}-{day:02d}"
        if veto == 0:
            rows.append([when, name, "纪律作风", "", -0.5, f"违纪{tag}{n}", "是"])
        elif code is None:
            rows.append([when, name, content, "", free, f"事由{tag}{n}", ""])
        else:
            rows.append([when, name, "", code, value, f"事由{tag}{n}", ""])
    return rows


def build(department):
    people, moves, first, second, new_rules = department
    con = open_db(":memory:")
    load(con, csv_bytes([["姓名", "科室"], *[[n, s] for n, s in people]]), "名单.csv")
    for n, (who, section, month) in enumerate(moves):
        if section != people[who][1]:
            rows = [["姓名", "科室", "调整日期"], [people[who][0], section, f"2022-{month:02d}-15"]]
            load(con, csv_bytes(rows), f"调整{n}.csv")
    if new_rules is not None:
        month, cap, veto = new_rules
        with transaction(con) as cur:
            book = rb.current(cur)
            items = [
                dataclasses.replace(
                    item,
                    monthly_cap=cap if item.monthly_cap is not None else None,
                    veto=veto if item.code == "XC03" else item.veto,
                )
                for item in book.items
            ]
            rb.save(cur, book.with_changes(items=items), date(2022, month, 1), "edit")
    load(con, csv_bytes(points_rows(people, first, "a")), "加减分一.csv")
    batch = None
    if second:
        batch = load(con, csv_bytes(points_rows(people, second, "b")), "加减分二.csv")
    return con, batch


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(departments())
def test_random_departments_via_the_rollup_equal_the_direct_computation(department):
    con, batch = build(department)
    try:
        # Month functions on every other month (and the last): a year's functions cover all of them anyway.
        check_against_direct(con, 2022, every=2)
        same(stored_grain(con.cursor()), grain_direct(con.cursor()), "points_rollup")
        if batch is not None:
            # The undo goes the partial way: only the batch's months are recomputed (or dropped).
            cur = con.cursor()
            months = months_of(
                cur,
                "select distinct date_trunc('month', event_date)::date from score_event where batch_id = $b",
                {"b": batch},
            )
            undo(con, batch)
            check_against_direct(con, 2022, every=2)
            still = months_of(cur, "select distinct date_trunc('month', event_date)::date from score_event")
            assert set(rollup.last_rebuild[0]) == months & still
            assert set(rollup.last_rebuild[1]) == months - still
            same(stored_grain(cur), grain_direct(cur), "points_rollup after undo")
            same(stored_tables(cur)[1], veto_direct(cur), "points_rollup_veto after undo")
            partial = stored_tables(cur)
            assert rollup.rebuild(cur, whole=True)
            for name, got, whole in zip(("rollup", "veto", "fingerprints"), partial, stored_tables(cur)):
                same(got, whole, f"{name} after undo: partial vs whole")
    finally:
        con.close()


def test_a_rule_edit_rebuilds_the_rollup(roster_con):
    load(
        roster_con,
        csv_bytes(
            [["日期", "姓名", "事项编号", "分值", "事由"]]
            + [[f"2022-03-{d:02d}", "张三", "XC01", 1, f"事由{d}"] for d in range(1, 9)]
        ),
        "加减分.csv",
    )
    cur = roster_con.cursor()
    cap = next(i.monthly_cap for i in rb.current(cur).items if i.code == "XC01")
    assert cap is not None and cap < 8
    assert points.ytd_points(cur, 2022, 3)["people"].set_index("name").loc["张三", "net"] == cap
    with transaction(roster_con) as tx:
        book = rb.current(tx)
        items = [dataclasses.replace(i, monthly_cap=None if i.code == "XC01" else i.monthly_cap) for i in book.items]
        rb.save(tx, book.with_changes(items=items), date(2022, 1, 1), "edit")
    assert points.ytd_points(cur, 2022, 3)["people"].set_index("name").loc["张三", "net"] == 8
    assert rollup.built_for(cur) == data_version(cur)
    check_against_direct(roster_con, 2022)


def test_overview_pages_in_one_pass_equal_one_page_per_section(demo_copy):
    cur = demo_copy.cursor()
    sections = [row[0] for row in cur.execute("select section_id from section order by section_id").fetchall()]
    scopes: list[int | None] = [None, *sections[:3]]
    for month in ("2022-01", "2022-06"):
        together = pages.overview_pages(cur, month, scopes)
        assert [p.section_id for p in together] == scopes
        for page, scope in zip(together, scopes):
            same(page, pages.overview_page(cur, month, scope))
    assert len(together[1].stars) + len(together[2].stars) + len(together[3].stars) <= len(together[0].stars)
