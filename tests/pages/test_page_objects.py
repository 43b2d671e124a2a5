"""One fact, one place: on the demo year, what each board page shows is exactly the core's page object
(analytics/results/pages.py and friends), the object the meeting deck and the monthly posting read too."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest
from apptest import no_exception, on, open_page, read, texts_of

from analytics.results import arena, flags, pages, stars, tasks
from ui import format as fmt
from ui import texts

OV = texts.OVERVIEW
T = texts.TASKS
P = texts.PROFILE
A = texts.ARENA


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at) -> dict[str, str]:
    return {m.label: m.proto.delta for m in at.metric}


@pytest.mark.parametrize("month", ["2022-06", "2022-11"])
def test_overview_cards_are_the_overview_page_object(demo_db, month):
    page = read(demo_db, lambda cur: pages.overview_page(cur, month))
    at = open_page("overview", demo_db)
    on(at, "month", month)
    shown = metrics(at)
    assert shown[OV["kpi_flag"]] == (page.flag_holder or OV["none"])
    assert shown[OV["kpi_people"]] == OV["people_value"].format(n=page.headcount)
    assert shown[OV["kpi_net"]] == fmt.points_text(page.net)
    assert shown[OV["kpi_stars"]] == OV["stars_value"].format(n=page.month_star_count)
    assert shown[OV["kpi_tasks"]] == fmt.percent(page.task_close_rate)
    assert shown[OV["kpi_part"]] == fmt.percent(page.participation_rate)
    moved = deltas(at)
    assert moved[OV["kpi_net"]].startswith(fmt.signed(page.net_change))
    assert moved[OV["kpi_stars"]] == OV["content_stars_value"].format(n=page.content_star_count)
    assert moved[OV["kpi_tasks"]] == OV["overdue_value"].format(n=page.tasks_overdue)


def test_overview_object_agrees_with_the_engines(demo_db):
    page, result, lights = read(
        demo_db,
        lambda cur: (
            pages.overview_page(cur, "2022-06"),
            stars.monthly_stars(cur, "2022-06"),
            tasks.task_lights(cur, date(2022, 6, 30)),
        ),
    )
    assert page.month_star_count == int((result.stars["award_kind"] == "month").sum())
    assert page.tasks == len(lights) and page.tasks_overdue == int((lights["light"] == "逾期").sum())
    assert page.net == pytest.approx(float(page.series.set_index("month").loc["2022-06", "net"]))


def test_task_kpis_shown_are_the_task_kpis_object(demo_db):
    day = date(2022, 12, 31)
    k = read(demo_db, lambda cur: pages.task_kpis(tasks.task_lights(cur, day), day))
    at = open_page("tasks", demo_db)
    no_exception(at)
    shown = metrics(at)
    assert shown[T["kpi_tasks"]] == f"{k.tasks} 项"
    assert shown[T["kpi_closed"]] == f"{k.closed} 项"
    assert shown[T["kpi_completion"]] == fmt.percent(k.completion)
    assert shown[T["kpi_on_time"]] == fmt.percent(k.on_time_rate)
    assert shown[T["kpi_overdue"]] == f"{k.overdue} 项"
    assert shown[T["kpi_stale"]] == f"{k.stale} 项"


def test_the_flag_bars_are_the_cores_weighted_parts_and_add_up_to_the_score(demo_db):
    result = read(demo_db, lambda cur: flags.quarter_flags(cur, "2022Q2"))
    parts = result.sections[["part_points", "part_stars", "part_tasks"]].sum(axis=1)
    assert np.allclose(parts, result.sections["score"], atol=1e-6)
    at = open_page("flags", demo_db, {"quarter": "2022Q2"})
    no_exception(at)
    figure = next(c for c in at.get("plotly_chart") if "flags_scores" in c.proto.id)

    bars = [t for t in json.loads(figure.proto.spec)["data"] if t.get("type") == "bar"]
    shown = sorted(round(float(v), 6) for t in bars for v in _values(t["x"]))
    core = sorted(
        round(float(v), 6)
        for column in ("part_points", "part_stars", "part_tasks")
        for v in result.sections.sort_values("score", na_position="first")[column]
    )
    assert shown == core


def _values(x) -> list:
    """Plotly's JSON writes a numeric array either as a list or as {"dtype", "bdata"} (base64)."""
    if isinstance(x, dict) and "bdata" in x:
        return list(np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"])))
    return list(x)


def test_profile_cards_are_the_person_file_object(demo_db):
    leader = read(demo_db, lambda cur: pages.year_leader(cur, 2022))
    last = read(demo_db, lambda cur: cur.execute("select max(event_date) from score_event").fetchone()[0])
    file = read(demo_db, lambda cur: pages.person_file(cur, leader, 2022, last))
    at = open_page("profile", demo_db, {"person": str(leader)})
    no_exception(at)
    shown = metrics(at)
    assert shown[P["kpi_stars"]] == P["stars_value"].format(n=file.month_star_count)
    assert shown[P["kpi_five_one"]] == fmt.percent(file.five_one_overall)
    assert shown[P["kpi_tasks"]] == P["tasks_value"].format(n=len(file.tasks))
    assert shown[P["kpi_arena"]] == P["arena_value"].format(n=len(file.arena))
    assert P["events_line"].format(
        n=len(file.events),
        net=fmt.signed(file.events_net),
        capped=fmt.points_text(file.events_capped),
        files=file.events_files,
    ) in texts_of(at)


def test_the_star_streak_line_is_the_cores_streak(demo_db):
    streak = read(demo_db, lambda cur: pages.star_streak(stars.star_board(cur, 2022)))
    at = open_page("stars", demo_db)
    no_exception(at)
    if streak is None:
        assert "最长连续摘星" not in texts_of(at)
    else:
        assert texts.STARS["streak_line"].format(
            name=streak.name, n=streak.months, end=fmt.month_label(streak.end)
        ) in texts_of(at)


def test_arena_cards_are_the_arena_kpis_object(demo_db):
    k = read(
        demo_db,
        lambda cur: arena.arena_kpis(
            arena.arena_sessions(arena.arena_results(cur, 2022)),
            arena.arena_results(cur, 2022),
            arena.judge_spread(cur, 2022),
        ),
    )
    at = open_page("arena", demo_db, {"year": "2022"})
    no_exception(at)
    shown = metrics(at)
    assert shown[A["kpi_sessions"]] == f"{k.sessions} 场"
    assert shown[A["kpi_contestants"]] == f"{k.contestants} 人"
    assert shown[A["kpi_judges"]] == f"{k.judges} 人"
    assert shown[A["kpi_marks"]] == f"{k.marks} 个"
