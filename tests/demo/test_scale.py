"""The scale generator builds a consistent database (people, sections, memberships with moves and leavers, facts with
lineage in committed batches) on which the engine runs, and the benchmark reports every figure it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from analytics import open_db
from analytics.results import flags, participation, stars, tasks
from analytics.rules import rulebook as rb
from analytics.sheets.ingest import import_path, undo
from analytics.store.db import transaction
from bench.page_timing import page_paths
from bench.report import print_table
from demo.scale import generate, parse_fraction, write_import_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scale_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scale")
    summary = generate(folder / "scale.duckdb", months=15, fraction=Fraction(1, 16), xlsx_rows=60)
    return summary


def one(cur, sql: str, params=None):
    return cur.execute(sql, params or []).fetchone()[0]


def test_sizes_follow_the_fraction(scale_db):
    assert scale_db.people == 312 and scale_db.sections == 6 and scale_db.months == 15
    # About 133 score events and 110 participation rows per person-year, as the demo year has them (×1.34).
    per_person_year = scale_db.rows["score_event"] / scale_db.people / 1.25
    assert 90 < per_person_year < 180
    assert 60 < scale_db.rows["participation"] / scale_db.people / 1.25 < 160
    assert scale_db.rows["task_snapshot"] > 0 and scale_db.rows["arena_mark"] > 0


def test_every_fact_names_a_person_and_the_section_they_were_in(scale_db):
    cur = open_db(scale_db.path).cursor()
    for table, person in (
        ("score_event", "person_id"),
        ("participation", "person_id"),
        ("task_snapshot", "owner_person_id"),
        ("arena_mark", "contestant_id"),
        ("arena_mark", "judge_id"),
    ):
        assert one(cur, f"select count(*) from {table} f anti join person p on p.person_id = f.{person}") == 0, table
    for table in ("score_event", "participation", "task_snapshot"):
        assert one(cur, f"select count(*) from {table} f anti join section s using (section_id)") == 0, table
    for table in ("score_event", "participation"):
        outside = one(
            cur,
            f"""
            select count(*) from {table} f
            where not exists (
                select 1 from membership m
                where m.person_id = f.person_id and m.section_id = f.section_id
                  and f.event_date between m.valid_from and coalesce(m.valid_to, date '9999-12-31'))
            """,
        )
        assert outside == 0, table
        after_leaving = one(
            cur, f"select count(*) from {table} f join person p using (person_id) where f.event_date > p.left_on"
        )
        assert after_leaving == 0, table


def test_roster_has_moves_leavers_and_joiners_without_overlaps(scale_db):
    cur = open_db(scale_db.path).cursor()
    assert one(cur, "select count(*) from person where left_on is not null") > 0
    assert one(cur, "select count(*) from (select person_id from membership group by 1 having count(*) > 1)") > 0
    assert one(cur, "select count(*) from membership where valid_from > date '2022-01-01'") > 0
    overlaps = one(
        cur,
        """
        select count(*) from membership a join membership b
          on a.person_id = b.person_id and a.valid_from < b.valid_from
        where a.valid_to is null or a.valid_to >= b.valid_from
        """,
    )
    assert overlaps == 0
    assert one(cur, "select count(*) from membership where valid_to is null") == scale_db.people


def test_lineage_points_to_committed_batches_of_the_right_kind(scale_db):
    cur = open_db(scale_db.path).cursor()
    for table, kind in (
        ("score_event", "points"),
        ("participation", "participation"),
        ("task_snapshot", "tasks"),
        ("arena_mark", "arena"),
    ):
        wrong = one(
            cur,
            f"""
            select count(*) from {table} f left join import_batch b using (batch_id)
            where b.batch_id is null or b.kind <> ? or b.status <> 'committed' or f.source_file <> b.file_name
               or f.sheet is null or f.row_no < 3
            """,
            [kind],
        )
        assert wrong == 0, table
        assert (
            one(
                cur,
                f"select count(*) from (select 1 from {table} group by batch_id, sheet, row_no having count(*) > 1)",
            )
            == 0
        )
        counted = one(
            cur,
            f"""
            select count(*) from import_batch b
            where kind = ? and rows_imported <> (select count(*) from {table} f where f.batch_id = b.batch_id)
            """,
            [kind],
        )
        assert counted == 0, table
    # A superseded snapshot was replaced by a later batch's live row of the same task and date.
    superseded = one(cur, "select count(*) from task_snapshot where superseded_by is not null")
    assert superseded > 0
    unmatched = one(
        cur,
        """
        select count(*) from task_snapshot old
        where old.superseded_by is not null and not exists (
            select 1 from task_snapshot new
            where new.batch_id = old.superseded_by and new.task_code = old.task_code
              and new.updated_on = old.updated_on and new.superseded_by is null)
        """,
    )
    assert unmatched == 0


def test_the_engine_runs_and_gives_sane_answers(scale_db):
    cur = open_db(scale_db.path).cursor()
    month = stars.monthly_stars(cur, "2022-06")
    assert len(month.stars) >= 3
    assert (month.stars["net_points"] > 0).all()
    # Monthly caps make content stars tie as real data does: some content has several leaders at the cap.
    content = month.stars.dropna(subset=["content"])
    assert content.groupby("content").size().max() > 1
    result = flags.quarter_flags(cur, "2022Q2")
    assert set(result.sections["section"]) == {r[0] for r in cur.execute("select name from section").fetchall()}
    lights = tasks.task_lights(cur, __import__("datetime").date(2022, 6, 30))
    assert len(lights) > 0 and lights["progress"].between(0, 100).all()
    counts = participation.monthly_participation(cur, 2022)
    assert len(counts) > 0


def test_a_generated_database_is_ready_to_serve(tmp_path):
    """The rollups the pages read are built by the generator, so the first visitor of a scale database does not wait
    for them (and the benchmark's first page is not a first build)."""
    from analytics.results import rollup
    from analytics.store.db import data_version

    summary = generate(tmp_path / "s.duckdb", months=3, fraction=Fraction(1, 128), xlsx_rows=None)
    assert set(summary.rollups) == {"points", "flags", "participation", "tasks"}
    assert min(summary.rollups.values()) >= 0
    assert any("汇总表" in line for line in summary.lines())
    cur = open_db(summary.path).cursor()
    version = data_version(cur)
    for name, built in rollup.built_versions(cur).items():
        assert built == version, name


def test_undo_takes_a_generated_batch_out(tmp_path):
    summary = generate(tmp_path / "s.duckdb", months=3, fraction=Fraction(1, 128), xlsx_rows=None)
    con = open_db(summary.path)
    cur = con.cursor()
    batch = one(cur, "select min(batch_id) from import_batch where kind = 'points'")
    rows = one(cur, "select count(*) from score_event where batch_id = ?", [batch])
    result = undo(con, batch, "测试")
    assert result["removed"]["score_event"] == rows > 0
    assert one(cur, "select count(*) from score_event where batch_id = ?", [batch]) == 0


def test_the_benchmark_workbooks_import_cleanly(scale_db, tmp_path):
    con = open_db(":memory:")
    preview, batch = import_path(con, scale_db.roster_xlsx)
    assert batch is not None, [p.text() for p in preview.errors[:3]]
    preview, batch = import_path(con, scale_db.points_xlsx)
    assert batch is not None, [p.text() for p in preview.errors[:3]]
    assert one(con.cursor(), "select count(*) from score_event") == 60
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(scale_db.path.read_bytes())
    big = open_db(copy)
    before = one(big.cursor(), "select count(*) from score_event")
    preview, batch = import_path(big, scale_db.points_xlsx)
    assert batch is not None, [p.text() for p in preview.errors[:3]]
    assert one(big.cursor(), "select count(*) from score_event") == before + 60


def test_the_benchmark_workbooks_follow_the_rule_version_of_the_year(scale_db, tmp_path):
    """A database whose rules changed in the campaign year (the demo year's do): the rows are written from the version
    in force on most of its days and dated inside them, so they import into it, and into an empty database given that
    version from that day, as the benchmark does."""
    copy = tmp_path / "changed.duckdb"
    copy.write_bytes(scale_db.path.read_bytes())
    con = open_db(copy)
    book = rb.current(con.cursor())
    year = book.campaign_year
    first = next(i for i in book.items if not i.veto and i.points_min == i.points_max)
    changed = replace(first, points_min=first.points_min + 1, points_max=first.points_max + 1)
    with transaction(con) as tx:
        rb.save(
            tx, book.with_changes(items=[changed if i is first else i for i in book.items]), date(year, 3, 1), "edit"
        )
    points_path, roster_path = tmp_path / "p.xlsx", tmp_path / "r.xlsx"
    written, from_day = write_import_files(con.cursor(), points_path, roster_path, 400)
    assert from_day == date(year, 3, 1)
    assert next(i for i in written.items if i.code == first.code).points_min == first.points_min + 1
    rows = pd.read_excel(points_path, engine="calamine")
    assert pd.to_datetime(rows["日期"]).min().date() >= from_day
    assert (rows.loc[rows["事项编号"] == first.code, "分值"] == first.points_min + 1).all()
    preview, batch = import_path(con, points_path)
    assert batch is not None, [p.text() for p in preview.errors[:3]]
    empty = open_db(":memory:")
    with transaction(empty) as tx:
        rb.save(tx, written, from_day, "基准")
    for path in (roster_path, points_path):
        preview, batch = import_path(empty, path)
        assert batch is not None, [p.text() for p in preview.errors[:3]]


def test_the_benchmark_workbooks_need_people_on_the_roster(tmp_path):
    con = open_db(tmp_path / "empty.duckdb")
    with pytest.raises(ValueError, match="在册人员"):
        write_import_files(con.cursor(), tmp_path / "p.xlsx", tmp_path / "r.xlsx", 10)
    run = subprocess.run(
        [sys.executable, "-m", "analytics", "bench", "--scale", str(tmp_path / "empty.duckdb"), "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2 and "在册人员" in run.stderr and "Traceback" not in run.stderr


def test_generation_is_deterministic(tmp_path):
    def fingerprint(path):
        cur = open_db(path).cursor()
        return cur.execute(
            """
            select (select count(*) from score_event), (select sum(points) from score_event),
                   (select count(*) from participation), (select sum(progress) from task_snapshot),
                   (select string_agg(name, ',' order by person_id) from person)
            """
        ).fetchone()

    a = generate(tmp_path / "a.duckdb", months=4, fraction=Fraction(1, 128), xlsx_rows=None)
    b = generate(tmp_path / "b.duckdb", months=4, fraction=Fraction(1, 128), xlsx_rows=None)
    c = generate(tmp_path / "c.duckdb", months=4, fraction=Fraction(1, 128), xlsx_rows=None, seed=7)
    assert fingerprint(a.path) == fingerprint(b.path) != fingerprint(c.path)


def test_fraction_parsing_and_refusals(tmp_path):
    assert parse_fraction("1/16") == Fraction(1, 16) and parse_fraction("0.25") == Fraction(1, 4)
    with pytest.raises(ValueError):
        parse_fraction("3/2")
    target = tmp_path / "x.duckdb"
    target.write_bytes(b"")
    run = subprocess.run(
        [sys.executable, "-m", "analytics", "scale", "-o", str(target)], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 2 and "文件已存在" in run.stderr and "Traceback" not in run.stderr


def test_the_benchmark_reports_every_figure(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "analytics", "bench", "--fraction", "1/64", "--rows", "60", "--repeat", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout)
    for key in (
        "import_s",
        "calamine_parse_s",
        "openpyxl_parse_s",
        "import_ratio_vs_calamine",
        "import_into_scale_ratio",
        "empty_page_s",
        "naive_df_s",
        "naive_arrow_s",
        "peak_rss_mb",
    ):
        assert result[key] is not None, key
    # Every page of the navigation, 汇报模式's slowest page turn (a topic is built when it is shown) and 每月公示 once
    # its month is published.
    assert set(result["pages"]) == set(page_paths()) | {"present_turn", "posting_published"}
    assert "overview" in result["pages"] and result["pages"]["posting_published"]["child_peak_rss_mb"] > 0
    for key, page in result["pages"].items():
        assert page["page_cold_s"] is not None and page["page_warm_s"] is not None, (key, page)
    assert "stars.monthly_stars" in result["functions"]
    assert all(v is not None for v in result["functions"].values()), result["errors"]
    assert result["errors"] == {}
    if __import__("importlib").util.find_spec("analytics.meetings") is not None:
        assert result["deck_s"] is not None and result["posting_s"] is not None
    # The table prints every section from the same object.
    print_table(result)
