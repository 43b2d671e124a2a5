"""The person x month layer over the points rollup (migration 008) holds exactly what the direct computation gives:
every month's person_month rows with their ranks and year-to-date columns, and every month's awards, computed from
the score events with the very blocks a direct query uses. After an import, an undo, a roster change or a rule edit
the first reader recomputes only the months whose inputs changed (and the later months of their year, for the
running totals), and what it leaves equals a whole rebuild; on the demo year and on random departments."""

from __future__ import annotations

from datetime import date

import pandas as pd
from conftest import csv_bytes, load
from hypothesis import HealthCheck, given, settings
from test_rollup import build, check_against_direct, demo_copy, departments, months_of, same  # noqa: F401

from analytics.periods import Month, months_of_year
from analytics.results import pages, points, profile, rollup, stars, trends
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import undo
from analytics.store.db import data_version, fetch_df, transaction


def event_months(cur) -> list[Month]:
    return [
        Month(m.year, m.month)
        for m in sorted(months_of(cur, "select distinct date_trunc('month', event_date)::date from score_event"))
    ]


def layer_direct(cur) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The layer's rows and awards computed from the events for every month with events, ordered for comparison."""
    months = event_months(cur)
    books = points.month_books(cur, months)
    blocks = points.with_sql(points.BOOKS_SQL, points.EVENTS_SQL, points.GRAIN_SQL, points.PERSON_MONTH_SQL)
    people = fetch_df(
        cur,
        f"select {rollup.PERSON_COLUMNS} from ({blocks} {rollup.SERIES_SQL}) order by month_start, person_id",
        books.sql_params(),
    )
    blocks = points.with_sql(
        points.BOOKS_SQL, points.EVENTS_SQL, points.GRAIN_SQL, points.PERSON_MONTH_SQL, stars.AWARDS_SQL
    )
    awarded = fetch_df(
        cur,
        f"select {rollup.AWARD_COLUMNS} from ({blocks} select * from award) "
        "order by month_start, award_kind, content, person_id",
        books.sql_params(),
    )
    return people, awarded


def counted_direct(cur) -> pd.DataFrame:
    """Every event's counted points computed from the events (points.EVENTS_SQL), as points_rollup_event holds them."""
    books = points.month_books(cur, event_months(cur))
    sql = points.with_sql(points.BOOKS_SQL, points.EVENTS_SQL)
    sql += " select month_start, fact_id, counted from counted_event order by fact_id"
    return fetch_df(cur, sql, books.sql_params())


def event_cases(cur, year: int) -> dict[str, object]:
    """The functions that read each event's counted points: on every month, a few people each."""
    found: dict[str, object] = {}
    people = [row[0] for row in cur.execute("select person_id from person order by person_id limit 4").fetchall()]
    for m in event_months(cur):
        if m.year == year:
            found[f"posting {m}"] = points.posting(cur, m)
            found[f"points_trace {m}"] = points.points_trace(cur, m)
            for person_id in people:
                found[f"event_sources {person_id} {m}"] = points.event_sources(cur, person_id, m)
    for person_id in people:
        found[f"person_events {person_id}"] = profile.person_events(cur, person_id, year)
    return found


def check_events(con, year: int = 2022) -> None:
    """The stored counted points equal the direct ones, and so do the functions reading them."""
    cur = con.cursor()
    assert rollup.ready(cur)
    stored = fetch_df(cur, "select month_start, fact_id, counted from points_rollup_event order by fact_id")
    same(stored, counted_direct(cur), "points_rollup_event")
    with rollup.direct():
        expected = event_cases(cur, year)
    got = event_cases(cur, year)
    assert got.keys() == expected.keys() and got
    for key in expected:
        same(got[key], expected[key], key)


def layer_stored(cur) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    people = fetch_df(cur, f"select {rollup.PERSON_COLUMNS} from points_person_month order by month_start, person_id")
    awarded = fetch_df(
        cur,
        f"select {rollup.AWARD_COLUMNS} from points_award order by month_start, award_kind, content, person_id",
    )
    prints = fetch_df(cur, "select * from points_person_print order by month_start")
    return people, awarded, prints


def check_layer(con, recomputed: set[date] | None = None) -> None:
    """The first reader after a change brings the layer up (recomputing exactly ``recomputed`` when given); it equals
    the direct computation and a whole rebuild, and holds every month with events."""
    cur = con.cursor()
    assert rollup.built_for(cur) != data_version(cur)
    assert rollup.ready(cur)
    if recomputed is not None:
        assert set(rollup.last_people_rebuild) == recomputed
    partial = layer_stored(cur)
    people, awarded = layer_direct(cur)
    same(partial[0], people, "points_person_month")
    same(partial[1], awarded, "points_award")
    assert {d for d in partial[2]["month_start"]} == {m.start for m in event_months(cur)}
    assert rollup.rebuild(cur, whole=True)
    for name, got, whole in zip(("people", "awards", "prints"), partial, layer_stored(cur)):
        same(got, whole, f"{name}: partial vs whole")


def bump(con) -> None:
    with transaction(con):
        pass


def test_demo_layer_equals_the_direct_computation_and_is_read(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    bump(demo_copy)
    check_layer(demo_copy)
    books = points.month_books(cur, months_of_year(2022))
    assert rollup.layer_ready(cur, books)
    assert "points_person_month" in rollup.people_sql(cur, books)
    assert "points_award" in rollup.awards_sql(cur, books)
    people, awarded, _ = layer_stored(cur)
    # The demo year really exercises it: ranks, running totals, vetoes, people present without events, both awards.
    assert people["month_rank"].max() > 1 and (people["ytd_net"] != people["net"]).any()
    assert people["veto"].any() and (people["present"] & (people["events"] == 0)).any()
    assert set(awarded["award_kind"]) == {"month", "content"}
    check_events(demo_copy)


def test_a_data_version_bump_without_change_recomputes_nothing(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    bump(demo_copy)
    check_layer(demo_copy, set())


def test_an_import_recomputes_its_month_and_the_later_months_of_its_year(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    rows = [["日期", "姓名", "事项编号", "分值", "事由"]]
    rows += [[f"2022-05-{d:02d}", "郭一颖", "XC01", 1, f"新增事由{d}"] for d in range(1, 9)]
    load(demo_copy, csv_bytes(rows), "五月补录.csv")
    check_layer(demo_copy, {m.start for m in months_of_year(2022) if m.month >= 5})
    load(demo_copy, csv_bytes([rows[0], ["2023-01-05", "郭一颖", "XC01", 1, "新年事由"]]), "一月.csv")
    check_layer(demo_copy, {date(2023, 1, 1)})
    check_events(demo_copy)


def test_an_undo_and_a_roster_change_and_a_star_rule(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    batch = cur.execute(
        "select max(batch_id) from import_batch where kind = 'points' and status = 'committed'"
    ).fetchall()[0][0]
    first = min(
        months_of(
            cur, "select date_trunc('month', event_date)::date from score_event where batch_id = $b", {"b": batch}
        )
    )
    undo(demo_copy, batch)
    check_layer(
        demo_copy,
        {m for m in months_of(cur, "select date_trunc('month', event_date)::date from score_event") if m >= first},
    )
    # A roster change (who is present, where) reaches every month.
    load(demo_copy, csv_bytes([["姓名", "科室", "调整日期"], ["郭一颖", "研究室", "2022-11-15"]]), "调整.csv")
    check_layer(demo_copy, {m.start for m in event_months(cur)})
    # A star parameter from August (the undo left no events after September): the months of the new rule version.
    with transaction(demo_copy) as tx:
        book = rb.current(tx)
        rb.save(tx, book.with_changes(params={**book.params, "star_top_n": 1.0}), date(2022, 8, 1), "edit")
    later = {m.start for m in event_months(cur) if m.start >= date(2022, 8, 1)}
    assert later
    check_layer(demo_copy, later)


def test_a_year_with_a_month_without_events_is_computed_not_read(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    with transaction(demo_copy) as tx:
        tx.execute("delete from score_event where event_date between '2022-04-01' and '2022-04-30'")

    def answers():
        return (
            trends.person_trend(cur, 2022),
            stars.star_board(cur, 2022),
            stars.monthly_stars(cur, "2022-04"),
            points.ytd_points(cur, 2022, 12),
            points.person_month_net(cur, "2022-04"),
            trends.section_trend(cur, 2022),
            pages.year_leader(cur, 2022),
            points.ytd_points(cur, 2023, 6),
        )

    with rollup.direct():
        expected = answers()
    books = points.month_books(cur, months_of_year(2022))
    assert not rollup.layer_ready(cur, books)
    assert rollup.layer_ready(cur, points.month_books(cur, months_of_year(2022)[:3]))
    # The months without events (April, and 2023) are read as the people present, the others from the layer.
    assert "points_person_month" in rollup.people_sql(cur, books)
    same(answers(), expected)


def test_person_awards_are_the_boards_rows_of_the_person(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    board = stars.star_board(cur, 2022)["awards"]
    people = [int(p) for p in board["person_id"].unique()][:12] + [-1]
    for person_id in people:
        same(profile.person_awards(cur, person_id, 2022), profile.awards_of(board, person_id), str(person_id))
        with rollup.direct():
            same(profile.person_awards(cur, person_id, 2022), profile.awards_of(board, person_id), str(person_id))
    empty = stars.star_board(cur, 2031)["awards"]
    same(profile.person_awards(cur, people[0], 2031), profile.awards_of(empty, people[0]))
    file = pages.person_file(cur, people[0], 2022, None)
    assert file is not None and file.month_star_count + file.content_star_count > 0


def test_the_year_leader_is_the_first_of_the_year_to_date(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    for year, through in ((2022, 12), (2022, 3), (2022, 7), (2031, 12)):
        people = points.ytd_points(cur, year, through)["people"]
        first = int(people["person_id"].iloc[0]) if len(people) else None
        assert points.ytd_leader(cur, year, through) == first
        with rollup.direct():
            assert points.ytd_leader(cur, year, through) == first
    assert pages.year_leader(cur, 2022) == points.ytd_leader(cur, 2022, 12) is not None


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(departments())
def test_random_departments_layer_equals_the_direct_computation(department):
    con, batch = build(department)
    try:
        bump(con)
        check_layer(con)
        check_against_direct(con, 2022, every=3)
        check_events(con)
        people = points.ytd_points(con.cursor(), 2022, 12)["people"]
        assert points.ytd_leader(con.cursor(), 2022, 12) == (int(people["person_id"].iloc[0]) if len(people) else None)
        if batch is not None:
            undo(con, batch)
            check_layer(con)
            check_against_direct(con, 2022, every=3)
            check_events(con)
    finally:
        con.close()


def test_the_layer_is_kept_apart_from_what_if_transactions(demo_copy):  # noqa: F811
    cur = demo_copy.cursor()
    assert rollup.ready(cur)
    with transaction(demo_copy) as tx:
        tx.execute("delete from score_event where event_date < '2022-03-01'")
        assert not rollup.layer_ready(tx, points.month_books(tx, months_of_year(2022)[2:]))
    check_layer(demo_copy)
