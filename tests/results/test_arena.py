"""Arena marks: self-marks left out, highest and lowest dropped with enough judges, ranks with ties, traces."""

from __future__ import annotations

import math
from datetime import date

import pytest
from conftest import load

from analytics.results import arena as ar
from analytics.rules import rulebook as rb
from analytics.store.db import transaction

HEADER = ["日期", "擂台", "主题", "选手", "评委", "得分"]
PEOPLE = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十", "钱一"]
ROSTER = [["姓名", "科室"], *[[name, "组织科" if n < 4 else "干部一科"] for n, name in enumerate(PEOPLE)]]
DAY = "2022-04-15"


@pytest.fixture
def arena_con(con):
    load(con, ROSTER, "名单.xlsx")
    return con


def marks_for(contestant, marks, day=DAY, arena="科长擂台", topic="一季度工作晒比", judges=None):
    judges = judges or [p for p in PEOPLE if p != contestant]
    return [[day, arena, topic, contestant, judge, mark] for judge, mark in zip(judges, marks)]


def load_marks(con, rows, name="擂台评分.xlsx"):
    return load(con, [HEADER, *rows], name)


def result_of(con, contestant, **filters):
    frame = ar.arena_results(con.cursor(), **filters)
    hit = frame[frame["contestant"] == contestant]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize(
    "marks, final, judges, method, high, low",
    [
        # 4 judges: fewer than 5, plain mean.
        ([90, 80, 85, 70], 81.25, 4, "评委不足 5 人，未去掉最高分和最低分", None, None),
        # 7 judges: 95 and 70 go; (90 + 85 + 88 + 92 + 80) / 5.
        ([90, 85, 88, 92, 70, 95, 80], 87.0, 7, "去掉一个最高分、一个最低分后取平均", 95, 70),
        # Tied top and bottom: only one copy of each goes; (90 + 80 + 85) / 3.
        ([90, 90, 80, 80, 85], 85.0, 5, "去掉一个最高分、一个最低分后取平均", 90, 80),
        ([80, 80, 80, 80, 80], 80.0, 5, "去掉一个最高分、一个最低分后取平均", 80, 80),
    ],
)
def test_final_mark(arena_con, marks, final, judges, method, high, low):
    load_marks(arena_con, marks_for("张三", marks))
    got = result_of(arena_con, "张三")
    assert got["final_mark"] == pytest.approx(final)
    assert got["judges"] == judges
    assert got["method"] == method
    assert bool(got["trimmed"]) == (high is not None)
    if high is None:
        assert math.isnan(got["dropped_high"]) and math.isnan(got["dropped_low"])
    else:
        assert (got["dropped_high"], got["dropped_low"]) == (high, low)
    assert got["section"] == "组织科"


@pytest.mark.parametrize(
    "judges, marks, final, valid, method",
    [
        # Five marks, one by 张三 himself: four valid, so no trimming; (90 + 80 + 85 + 70) / 4.
        (
            ["张三", "李四", "王五", "赵六", "孙七"],
            [100, 90, 80, 85, 70],
            81.25,
            4,
            "评委不足 5 人，未去掉最高分和最低分",
        ),
        # Six marks, one his own: five valid, 90 and 70 go; (80 + 85 + 75) / 3.
        (
            ["张三", "李四", "王五", "赵六", "孙七", "周八"],
            [100, 90, 80, 85, 70, 75],
            80.0,
            5,
            "去掉一个最高分、一个最低分后取平均",
        ),
    ],
)
def test_a_judge_marking_themselves_is_left_out(arena_con, judges, marks, final, valid, method):
    load_marks(arena_con, marks_for("张三", marks, judges=judges))
    got = result_of(arena_con, "张三")
    assert got["self_marks_excluded"] == 1
    assert got["judges"] == valid
    assert got["final_mark"] == pytest.approx(final)
    assert got["method"] == method
    listed = ar.arena_marks(arena_con.cursor(), "科长擂台", date(2022, 4, 15))
    own = listed[listed["judge"] == "张三"].iloc[0]
    assert own["status"] == "self"
    assert own["note"] == "评委本人即选手，已剔除"
    assert bool(own["dropped"])


def test_ties_share_a_rank_and_the_next_rank_is_skipped(arena_con):
    load_marks(
        arena_con,
        [
            *marks_for("张三", [88, 88, 88, 88]),
            *marks_for("李四", [85, 85, 85, 85]),
            *marks_for("王五", [80, 90, 85, 85]),  # also 85
            *marks_for("赵六", [80, 80, 80, 80]),
        ],
    )
    frame = ar.arena_results(arena_con.cursor())
    assert frame[["contestant", "rank"]].values.tolist() == [["张三", 1], ["李四", 2], ["王五", 2], ["赵六", 4]]
    trace = ar.arena_trace(arena_con.cursor(), "科长擂台", date(2022, 4, 15), _pid(arena_con, "王五"))
    assert trace.ties == ["与李四同为 85 分，并列第 2 名"]


def test_sessions_are_ranked_separately(arena_con):
    load_marks(
        arena_con,
        [
            *marks_for("张三", [88, 88, 88, 88]),
            *marks_for("李四", [85, 85, 85, 85]),
            *marks_for("李四", [70, 70, 70, 70], topic="业务流程讲解", arena="业务擂台"),
            *marks_for("王五", [95, 95, 95, 95], day="2022-05-20"),
        ],
    )
    frame = ar.arena_results(arena_con.cursor())
    assert frame[["arena", "contestant", "rank"]].values.tolist() == [
        ["业务擂台", "李四", 1],
        ["科长擂台", "张三", 1],
        ["科长擂台", "李四", 2],
        ["科长擂台", "王五", 1],
    ]
    assert len(ar.arena_results(arena_con.cursor(), arena="业务擂台")) == 1
    assert len(ar.arena_results(arena_con.cursor(), year=2023)) == 0


def test_judge_threshold_comes_from_the_rule_book_in_force(arena_con):
    load_marks(
        arena_con, [*marks_for("张三", [90, 80, 85, 70]), *marks_for("李四", [90, 80, 85, 70], day="2022-06-01")]
    )
    book = rb.current(arena_con.cursor())
    with transaction(arena_con) as cur:
        rb.save(cur, book.with_changes(params={**book.params, "arena_trim_min_judges": 4}), date(2022, 5, 1), "edit")
    before = result_of(arena_con, "张三")
    after = result_of(arena_con, "李四")
    assert before["final_mark"] == pytest.approx(81.25)
    assert after["final_mark"] == pytest.approx(82.5)  # 90 and 70 dropped
    assert after["method"] == "去掉一个最高分、一个最低分后取平均"
    trace = ar.arena_trace(arena_con.cursor(), "科长擂台", date(2022, 6, 1), _pid(arena_con, "李四"))
    assert trace.params == {"arena_trim_min_judges": 4}


def _pid(con, name):
    return con.execute("select person_id from person where name = ?", [name]).fetchone()[0]


def test_arena_trace_names_every_mark_and_its_row(arena_con):
    rows = marks_for("张三", [100, 90, 85, 88, 92, 70], judges=["张三", "李四", "王五", "赵六", "孙七", "周八"])
    load_marks(arena_con, rows, "四月擂台.xlsx")
    trace = ar.arena_trace(arena_con.cursor(), "科长擂台", date(2022, 4, 15), _pid(arena_con, "张三"))
    assert trace.excluded == [{"name": "张三", "reason": "评委本人即选手，已剔除"}]
    notes = dict(zip(trace.inputs["judge"], trace.inputs["note"]))
    assert notes == {
        "张三": "评委本人即选手，已剔除",
        "李四": "计入",
        "王五": "计入",
        "赵六": "计入",
        "孙七": "去掉的最高分",
        "周八": "去掉的最低分",
    }
    assert set(trace.inputs["row_no"]) == {2, 3, 4, 5, 6, 7}
    assert set(trace.inputs["source_file"]) == {"四月擂台.xlsx"}
    assert "去掉一个最高分和一个最低分" in trace.formula
    assert any("最后得分 87.6667" in note for note in trace.notes)  # (90 + 85 + 88) / 3
    assert "一季度工作晒比" in trace.subject


def test_arena_trace_asks_for_the_topic_when_two_sessions_share_a_day(arena_con):
    load_marks(
        arena_con,
        [
            *marks_for("张三", [90, 80, 85, 70]),
            *marks_for("张三", [60, 60, 60, 60], topic="第二场", judges=["周八", "吴九", "郑十", "钱一"]),
        ],
    )
    with pytest.raises(Exception, match="请指定主题"):
        ar.arena_trace(arena_con.cursor(), "科长擂台", date(2022, 4, 15), _pid(arena_con, "张三"))
    trace = ar.arena_trace(arena_con.cursor(), "科长擂台", date(2022, 4, 15), _pid(arena_con, "张三"), topic="第二场")
    assert len(trace.inputs) == 4


def test_judge_spread(arena_con):
    load_marks(
        arena_con,
        [
            *marks_for("张三", [90, 80, 85, 70], judges=["李四", "王五", "赵六", "孙七"]),  # final 81.25
            *marks_for("李四", [80, 80, 80, 80], judges=["张三", "王五", "赵六", "孙七"]),  # final 80
        ],
    )
    spread = ar.judge_spread(arena_con.cursor()).set_index("judge")
    assert spread.loc["王五", "marks"] == 2
    assert spread.loc["王五", "mean_mark"] == pytest.approx(80)
    assert spread.loc["王五", "mean_deviation"] == pytest.approx((-1.25 + 0) / 2)
    assert spread.loc["孙七", "mean_abs_deviation"] == pytest.approx((11.25 + 0) / 2)
    assert spread.loc["李四", "marks"] == 1
    assert math.isnan(spread.loc["李四", "std_mark"])
    # The judge furthest from the final marks first: 李四 |90 − 81.25| = 8.75 over 孙七 (11.25 + 0) / 2.
    assert spread.index.tolist()[:2] == ["李四", "孙七"]


def test_arena_json(arena_con):
    load_marks(arena_con, [*marks_for("张三", [90, 80, 85, 70]), *marks_for("李四", [95, 95, 90, 90])])
    data = ar.arena_json(arena_con.cursor())
    assert data == {
        "sessions": [
            {
                "arena": "科长擂台",
                "date": "2022-04-15",
                "topic": "一季度工作晒比",
                "results": [
                    {
                        "name": "李四",
                        "section": "组织科",
                        "final_mark": 92.5,
                        "judges": 4,
                        "method": "评委不足 5 人，未去掉最高分和最低分",
                        "rank": 1,
                    },
                    {
                        "name": "张三",
                        "section": "组织科",
                        "final_mark": 81.25,
                        "judges": 4,
                        "method": "评委不足 5 人，未去掉最高分和最低分",
                        "rank": 2,
                    },
                ],
            }
        ]
    }


def test_sessions_without_a_topic(arena_con):
    header = ["日期", "擂台", "选手", "评委", "得分"]
    load(
        arena_con,
        [
            header,
            *[[DAY, "学习擂台", "张三", j, m] for j, m in zip(PEOPLE[1:5], [90, 80, 85, 70])],
            *[["2022-04-16", "学习擂台", "张三", j, m] for j, m in zip(PEOPLE[1:5], [60, 60, 60, 60])],
        ],
    )
    data = ar.arena_json(arena_con.cursor())
    assert [(s["date"], s["topic"], s["results"][0]["final_mark"]) for s in data["sessions"]] == [
        ("2022-04-15", None, 81.25),
        ("2022-04-16", None, 60.0),
    ]
    trace = ar.arena_trace(arena_con.cursor(), "学习擂台", date(2022, 4, 15), _pid(arena_con, "张三"))
    assert trace.subject == "2022-04-15 学习擂台 张三 的最后得分"
