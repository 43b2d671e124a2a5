"""个人档案 in AppTest: the empty state, the first person by default, a person named by a link (?person=ID), the
person's events with their source file, stars, tasks and participation, and switching the person by key."""

from __future__ import annotations

from datetime import date

from apptest import no_exception, open_page, read, texts_of

from analytics.results import points, profile, stars, tasks
from ui import texts

T = texts.PROFILE


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("profile", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_first_person_by_default_even_without_points(db_with):
    db = db_with()
    at = open_page("profile", db)
    no_exception(at)
    text = texts_of(at)
    assert "## :material/badge: 张三" in text
    assert T["no_events"].format(year=2022) in text
    assert T["no_tasks"] in text


def test_a_link_by_id_opens_that_person_with_sources(demo_db):
    winner = read(demo_db, lambda cur: stars.monthly_stars(cur, "2022-06").stars.iloc[0])
    person_id = int(winner["person_id"])
    events = read(demo_db, lambda cur: profile.person_events(cur, person_id, 2022))
    at = open_page("profile", demo_db, query={"person": str(person_id)})
    no_exception(at)
    assert at.selectbox(key="person").value == person_id
    text = texts_of(at)
    assert f"## :material/badge: {winner['name']}" in text
    assert T["events_line"].split("，")[0].format(n=len(events)) in text
    for name in set(events["source_file"]):
        assert name in text
    # Every star of the year is listed, the June 月度之星 among them.
    assert "2022年6月" in text and "月度之星" in text


def test_switching_the_person_by_key(demo_db):
    # Without a choice the page opens on the year's top scorer.
    first = read(demo_db, lambda cur: points.ytd_points(cur, 2022, 12)["people"].iloc[0])
    first_id, first_name = int(first["person_id"]), first["name"]
    owner = read(demo_db, lambda cur: tasks.task_lights(cur, date(2022, 12, 31)).dropna(subset=["owner_person_id"]))
    owner_id = int(owner["owner_person_id"].iat[0])
    codes = set(owner.loc[owner["owner_person_id"] == owner_id, "task_code"])
    at = open_page("profile", demo_db)
    no_exception(at)
    assert at.selectbox(key="person").value == first_id
    assert f"## :material/badge: {first_name}" in texts_of(at)
    at.selectbox(key="person").set_value(owner_id).run()
    no_exception(at)
    # The address names the person by id, the way links from the other pages do, so it can be copied.
    assert at.query_params["person"] == str(owner_id)
    text = texts_of(at)
    assert all(code in text for code in codes)
    assert T["kpi_tasks"] in text and T["tasks_value"].format(n=len(codes)) in text
