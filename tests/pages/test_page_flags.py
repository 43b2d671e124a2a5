"""季度夺旗 in AppTest: the empty states, the red flag holder and the flag flying now on the demo year, the quarter
filter, the flag history, the radar's section picker and a section's people."""

from __future__ import annotations

from apptest import no_exception, on, open_page, open_trace, read, texts_of

from analytics.results import flag_drill, flags
from ui import texts

T = texts.FLAGS


def test_empty_database_says_what_is_missing(empty_db):
    at = open_page("flags", empty_db)
    no_exception(at)
    assert texts.EMPTY_DATABASE in texts_of(at)


def test_a_quarter_without_data_says_so(db_with):
    db = db_with(participation=[["日期", "姓名", "活动类型"], ["2022-04-06", "李四", "荐学"]])
    at = open_page("flags", db)
    text = on(at, "quarter", "2022Q2")
    assert texts.EMPTY_PERIOD.format(period="2022年第二季度") in text
    assert T["red_none"].format(quarter="2022年第二季度") in text


def test_demo_quarter_shows_the_holders_and_switching_changes_them(demo_db):
    q2 = read(demo_db, lambda cur: flags.quarter_flags(cur, "2022Q2"))
    q3 = read(demo_db, lambda cur: flags.quarter_flags(cur, "2022Q3"))
    q1_red = read(demo_db, lambda cur: flags.quarter_flags(cur, "2022Q1").red_flag)
    assert len(q2.red_flag) == 1 and len(q3.red_flag) == 1 and len(q1_red) == 1
    (q1_red,) = q1_red
    at = open_page("flags", demo_db)
    text = on(at, "quarter", "2022Q2")
    assert f"## :red[{q2.red_flag[0]}]" in text
    assert T["red_caption"].format(quarter="2022年第二季度", next="2022年第三季度") in text
    # The flag flying in Q2 is the one won in Q1.
    assert f"## {q1_red}" in text
    assert T["flying_caption"].format(quarter="2022年第二季度", won_in="2022年第一季度") in text
    if q2.progress_flag:
        assert f"## {flags.flag_text(q2.progress_flag)}" in text
    assert "2022年第二季度 季度夺旗" not in text  # the trace panel is built only while open
    assert "2022年第二季度 季度夺旗" in open_trace(at, "flags")  # its subject
    text = on(at, "quarter", "2022Q3")
    assert f"## :red[{q3.red_flag[0]}]" in text
    assert f"## {q2.red_flag[0]}" in text  # now flying
    assert "2022年第三季度 季度夺旗" in text


def test_history_marks_every_quarter(demo_db):
    history = read(demo_db, lambda cur: flags.flag_history(cur, 2022))
    at = open_page("flags", demo_db)
    text = on(at, "quarter", "2022Q2")
    for row in history.itertuples(index=False):
        assert f"**{row.label}**" in text
        assert f"**{row.red_flag}**" in text


def test_radar_picker_and_section_people(demo_db):
    q2 = read(demo_db, lambda cur: flags.quarter_flags(cur, "2022Q2"))
    last = q2.sections.sort_values("rank").iloc[-1]
    people = read(demo_db, lambda cur: flag_drill.section_people(cur, int(last["section_id"]), "2022Q2"))
    at = open_page("flags", demo_db)
    on(at, "quarter", "2022Q2")
    at.multiselect(key="flags_radar_sections").set_value([last["section"]]).run()
    no_exception(at)
    assert at.multiselect(key="flags_radar_sections").value == [last["section"]]
    at.multiselect(key="flags_radar_sections").set_value([]).run()
    assert T["radar_none"] in texts_of(at)
    text = on(at, "flags_section", int(last["section_id"]))
    assert T["people_line"].split("·")[0].format(section=last["section"]) in text
    for name in people["name"]:
        assert name in text
    links = [link.label for link in at.page_link]
    assert set(people["name"]) <= set(links)


def test_global_section_filter_opens_that_section(demo_db):
    at = open_page("flags", demo_db)
    on(at, "quarter", "2022Q2")
    on(at, "section", "组织科")
    assert at.selectbox(key="flags_section").format_func(at.selectbox(key="flags_section").value) == "组织科"


def test_the_trace_table_shows_no_none(demo_db):
    at = open_page("flags", demo_db)
    on(at, "quarter", "2022Q2")
    open_trace(at, "flags")
    frames = [d.value for d in at.dataframe if "一票否决事由" in d.value.columns]
    assert frames
    for frame in frames:
        assert frame["一票否决事由"].notna().all()
        assert "None" not in frame.astype(str).to_string()
