"""A page, a slide and a posting cannot disagree: on a demo month, the meeting's 总体情况 and 任务督办 slides carry the
numbers of the core's page objects (pages.overview_page, pages.task_kpis), the 总览 and 任务督办 pages show those same
numbers (AppTest), and the month's 公示表 adds up to the same net."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from apptest import no_exception, on, open_page, read, texts_of

from analytics import open_db
from analytics.accounts.roles import ADMIN, Actor
from analytics.meetings import posting, publish, slides
from analytics.periods import Month
from analytics.results import pages, stars, tasks
from ui import format as fmt
from ui import texts

MONTH = "2022-06"
OV = texts.OVERVIEW
T = texts.TASKS


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(scope="module")
def month_meeting(demo_db):
    return read(demo_db, lambda cur: slides.build(cur, "month", MONTH))


def slide(meeting, key: str) -> dict[str, str]:
    return dict(next(s for s in meeting.slides if s.key == key).kpis)


def test_the_overview_slide_page_and_posting_show_one_set_of_numbers(demo_db, month_meeting):
    page = read(demo_db, lambda cur: pages.overview_page(cur, MONTH))
    shown_on_slide = slide(month_meeting, "overview")
    at = open_page("overview", demo_db)
    on(at, "month", MONTH)
    no_exception(at)
    shown_on_page = metrics(at)

    assert shown_on_slide["本季度流动红旗"] == shown_on_page[OV["kpi_flag"]] == (page.flag_holder or OV["none"])
    assert shown_on_slide["在岗人数"] == shown_on_page[OV["kpi_people"]] == f"{page.headcount} 人"
    assert (
        float(shown_on_slide["本月净得分"]) == float(shown_on_page[OV["kpi_net"]]) == pytest.approx(page.net, abs=0.05)
    )
    assert shown_on_slide["本月摘星"] == shown_on_page[OV["kpi_stars"]] == f"{page.month_star_count} 人"
    assert shown_on_slide["任务办结率"] == shown_on_page[OV["kpi_tasks"]] == fmt.percent(page.task_close_rate)
    assert shown_on_slide["本月参与率"] == shown_on_page[OV["kpi_part"]] == fmt.percent(page.participation_rate)

    # The printed posting of the month adds up to the net the page and the slide show.
    sheet = read(demo_db, lambda cur: posting.posting_sheet(cur, MONTH, live=True))
    assert float(sheet.person_totals["net"].sum()) == pytest.approx(page.net, abs=1e-6)
    # The slide's chart is the page object's sections, in the same order.
    chart = next(s for s in month_meeting.slides if s.key == "overview").chart
    assert chart.categories == list(page.sections["section"])
    assert chart.series[0][1] == [float(x) for x in page.sections["net"]]


def test_the_task_slide_and_the_task_page_show_the_task_kpis_object(demo_db, month_meeting):
    day = date(2022, 6, 30)
    k = read(demo_db, lambda cur: pages.task_kpis(tasks.task_lights(cur, day), pages.task_as_of(Month.parse(MONTH))))
    shown_on_slide = slide(month_meeting, "tasks")
    at = open_page("tasks", demo_db)
    on(at, "month", MONTH)
    no_exception(at)
    shown_on_page = metrics(at)
    pairs = {
        "任务总数": (T["kpi_tasks"], f"{k.tasks} 项"),
        "已办结": (T["kpi_closed"], f"{k.closed} 项"),
        "完成率": (T["kpi_completion"], fmt.percent(k.completion)),
        "按期办结率": (T["kpi_on_time"], fmt.percent(k.on_time_rate)),
        "逾期未办结": (T["kpi_overdue"], f"{k.overdue} 项"),
        "久未反馈": (T["kpi_stale"], f"{k.stale} 项"),
    }
    assert set(shown_on_slide) == set(pairs)
    for label, (page_label, value) in pairs.items():
        assert shown_on_slide[label] == shown_on_page[page_label] == value, label


def test_a_deputy_month_adds_up_his_sections_page_objects(demo_db):
    def build(cur):
        led = slides.dp.deputies(cur)
        deputy, scope = next(iter(led.items()))
        ids = dict(cur.execute("select name, section_id from section").fetchall())
        per_section = [pages.overview_page(cur, MONTH, int(ids[s])) for s in scope]
        return slides.build(cur, "month", MONTH, deputy=deputy), per_section

    meeting, per_section = read(demo_db, build)
    shown = slide(meeting, "overview")
    assert shown["在岗人数"] == f"{sum(p.headcount for p in per_section)} 人"
    assert float(shown["本月净得分"]) == pytest.approx(sum(p.net for p in per_section), abs=0.05)
    assert shown["本月摘星"] == f"{sum(p.month_star_count for p in per_section)} 人"


def test_the_flag_slide_stacks_the_weighted_parts_of_the_score(demo_db):
    from analytics.results import flags

    meeting, result = read(
        demo_db, lambda cur: (slides.build(cur, "quarter", "2022Q2"), flags.quarter_flags(cur, "2022Q2"))
    )
    chart = next(s for s in meeting.slides if s.key == "flags").chart
    ranked = result.sections.sort_values("rank")
    for (_, values), column in zip(chart.series, ("part_points", "part_stars", "part_tasks"), strict=True):
        assert values == [float(x) for x in ranked[column].fillna(0)]
    totals = [sum(parts) for parts in zip(*(v for _, v in chart.series), strict=True)]
    assert totals == pytest.approx([float(x) for x in ranked["score"].fillna(0)], abs=1e-6)


def test_a_published_month_is_marked_final_on_the_overview_and_the_profile(demo_db, tmp_path):
    db = tmp_path / "final.duckdb"
    shutil.copy(demo_db, db)
    winner = read(
        db,
        lambda cur: int(stars.monthly_stars(cur, "2022-03").stars.query("award_kind == 'month'")["person_id"].iat[0]),
    )
    at = open_page("overview", db, {"month": "2022-03"})
    assert "已定稿" not in texts_of(at)
    con = open_db(db)
    publish.publish(con, "2022-03", Actor("管理员", ADMIN))
    con.close()
    at = open_page("overview", db, {"month": "2022-03"})
    no_exception(at)
    assert "已定稿（公示第 1 版）" in texts_of(at)
    at = open_page("profile", db, {"person": str(winner), "year": "2022"})
    no_exception(at)
    assert "已定稿：2022年3月" in texts_of(at)
