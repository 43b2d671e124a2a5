"""Monthly stars: ties at the cut, vetoes, the net > 0 rule and thresholds, content stars, an empty month, the JSON
shape and the yearly star board, on tiny hand-computed months."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import load

from analytics.results import stars
from analytics.rules import rulebook as rb
from analytics.store.db import transaction

PEOPLE = ["张一", "王二", "李三", "赵四", "钱五", "孙六", "周七", "吴八"]
HEADER = ["日期", "姓名", "考核内容", "事项编号", "分值", "事由"]


@pytest.fixture
def people_con(con):
    rows = [["姓名", "科室"]] + [[name, "组织科" if n < 4 else "干部一科"] for n, name in enumerate(PEOPLE)]
    load(con, rows, "名单.xlsx")
    return con


def month_of(con, scores: dict[str, float], day="2022-03-10", content="工作质量"):
    """One event per person on the same day; 工作质量 points below 3 win no content star."""
    rows = [HEADER] + [[day, name, content, "", value, f"事由{n}"] for n, (name, value) in enumerate(scores.items())]
    load(con, rows, f"加减分{day}{content}.xlsx")


def set_params(con, **params):
    with transaction(con) as cur:
        book = rb.current(cur)
        rb.save(cur, book.with_changes(params={**book.params, **params}), date(2022, 1, 1), "edit")


def month_stars(result):
    frame = result.stars
    return frame[frame["award_kind"] == "month"]


@pytest.mark.parametrize(
    ("scores", "winners", "ranks", "tie_text"),
    [
        # Two tied at 3rd: four stars.
        (
            {"张一": 2.5, "王二": 2, "李三": 1.5, "赵四": 1.5, "钱五": 1},
            ["张一", "王二", "李三", "赵四"],
            [1, 2, 3, 3],
            "第 3 名并列 2 人（李三、赵四，均 1.5 分），同时摘星",
        ),
        # Four tied at 1st: four stars, nobody else.
        (
            {"张一": 2, "王二": 2, "李三": 2, "赵四": 2, "钱五": 1},
            ["张一", "王二", "李三", "赵四"],
            [1, 1, 1, 1],
            "第 1 名并列 4 人（张一、王二、李三、赵四，均 2 分），同时摘星",
        ),
        # Tied at 2nd within the cut: the 4th is out.
        (
            {"张一": 2.5, "王二": 2, "李三": 2, "赵四": 1},
            ["张一", "王二", "李三"],
            [1, 2, 2],
            "第 2 名并列 2 人（王二、李三，均 2 分），同时摘星",
        ),
        # No tie: exactly N.
        ({"张一": 2.5, "王二": 2, "李三": 1.5, "赵四": 1}, ["张一", "王二", "李三"], [1, 2, 3], None),
    ],
)
def test_ties_at_the_cut(people_con, scores, winners, ranks, tie_text):
    month_of(people_con, scores)
    result = stars.monthly_stars(people_con.cursor(), "2022-03")
    got = month_stars(result)
    assert got["name"].tolist() == winners
    assert got["rank"].tolist() == ranks
    if tie_text:
        assert tie_text in result.trace.ties
    else:
        assert result.trace.ties == []
    assert result.trace.params == {"star_top_n": 3, "star_min_points": 0, "content_star_threshold": 3}


def test_veto_excludes_from_every_award(people_con):
    month_of(people_con, {"张一": 5, "王二": 2, "李三": 1}, content="宣传推广")
    load(people_con, [HEADER, ["2022-03-20", "张一", "", "JL03", -10, "泄露工作秘密"]], "否决.xlsx")
    month_of(people_con, {"张一": 15}, day="2022-03-25", content="创新突破")
    result = stars.monthly_stars(people_con.cursor(), "2022-03")
    assert "张一" not in set(result.stars["name"])
    assert {"name": "张一", "reason": "当月有一票否决事项：3月20日 泄露工作秘密"} in result.excluded
    # 宣传推广之星 goes to nobody: the vetoed top scorer is out and 王二's 2 points are under the threshold of 3.
    assert result.stars[result.stars["award_kind"] == "content"].empty
    assert month_stars(result)["name"].tolist() == ["王二", "李三"]


@pytest.mark.parametrize(
    ("scores", "min_points", "winners", "excluded"),
    [
        ({"张一": 2, "王二": 0, "李三": -1}, 0, ["张一"], {"王二", "李三"}),
        ({"张一": 2, "王二": 1, "李三": 0.5}, 1, ["张一"], {"王二", "李三"}),
        ({"张一": -2, "王二": -1}, 0, [], {"张一", "王二"}),
    ],
)
def test_net_must_exceed_the_minimum(people_con, scores, min_points, winners, excluded):
    set_params(people_con, star_min_points=min_points)
    # 王二's 0 comes from +1 and -1 so that a record exists for him.
    rows = [HEADER]
    for n, (name, value) in enumerate(scores.items()):
        if value == 0:
            rows += [
                ["2022-03-10", name, "工作质量", "", 1, f"加{n}"],
                ["2022-03-11", name, "工作质量", "", -1, f"减{n}"],
            ]
        else:
            rows.append(["2022-03-10", name, "工作质量", "", value, f"事由{n}"])
    load(people_con, rows)
    result = stars.monthly_stars(people_con.cursor(), "2022-03")
    assert month_stars(result)["name"].tolist() == winners
    reasons = {e["name"]: e["reason"] for e in result.excluded}
    assert set(reasons) == excluded
    assert all(r.startswith(f"净得分未超过 {min_points:g}") for r in reasons.values())
    if not winners:
        assert any("不评选月度之星" in n for n in result.trace.notes)


def test_star_top_n_comes_from_the_rule_book(people_con):
    set_params(people_con, star_top_n=1)
    month_of(people_con, {"张一": 2, "王二": 1.5})
    assert month_stars(stars.monthly_stars(people_con.cursor(), "2022-03"))["name"].tolist() == ["张一"]


@pytest.mark.parametrize(
    ("scores", "winners"),
    [
        ({"张一": 2, "王二": 1}, []),  # under the threshold of 3
        ({"张一": 3, "王二": 1}, ["张一"]),  # at the threshold
        ({"张一": 4, "王二": 4, "李三": 1}, ["张一", "王二"]),  # tied at the top: both
    ],
)
def test_content_star_threshold_and_ties(people_con, scores, winners):
    month_of(people_con, scores, content="宣传推广")
    result = stars.monthly_stars(people_con.cursor(), "2022-03")
    content = result.stars[result.stars["award_kind"] == "content"]
    assert content["name"].tolist() == winners
    assert set(content["award"]) <= {"宣传推广之星"}
    assert set(content["rank"]) <= {1}
    if len(winners) > 1:
        assert f"宣传推广之星并列 2 人（{'、'.join(winners)}，均 4 分），同时获得" in result.trace.ties


def test_content_star_counts_capped_points(people_con):
    # Six XC01 (+1, cap 5) count for 5; 王二's 4 free points are less.
    rows = [HEADER] + [[f"2022-03-{d:02d}", "张一", "", "XC01", 1, f"信息{d}"] for d in range(1, 7)]
    rows.append(["2022-03-10", "王二", "宣传推广", "", 4, "经验推广"])
    load(people_con, rows)
    result = stars.monthly_stars(people_con.cursor(), "2022-03")
    content = result.stars[result.stars["award_kind"] == "content"].iloc[0]
    assert (content["name"], content["points"]) == ("张一", 5.0)


def test_month_without_data(people_con):
    month_of(people_con, {"张一": 2})
    result = stars.monthly_stars(people_con.cursor(), "2022-05")
    assert result.stars.empty and result.excluded == []
    assert not result.has_data
    assert result.trace.notes == ["2022年5月没有加减分记录，不评选月度之星和单项之星"]
    assert stars.stars_json(people_con.cursor(), "2022-05") == {"month": "2022-05", "stars": [], "excluded": []}


def test_stars_json_shape(people_con):
    month_of(people_con, {"张一": 4, "钱五": 2, "王二": -1}, content="宣传推广")
    assert stars.stars_json(people_con.cursor(), "2022-03") == {
        "month": "2022-03",
        "stars": [
            {"name": "张一", "section": "组织科", "award": "月度之星", "net_points": 4.0, "rank": 1},
            {"name": "钱五", "section": "干部一科", "award": "月度之星", "net_points": 2.0, "rank": 2},
            {"name": "张一", "section": "组织科", "award": "宣传推广之星", "net_points": 4.0, "rank": 1},
        ],
        "excluded": [{"name": "王二", "reason": "净得分未超过 0（当月净得分 -1 分）"}],
    }


def test_trace_shows_formula_and_ranking(people_con):
    month_of(people_con, {"张一": 2, "王二": 1})
    trace = stars.monthly_stars(people_con.cursor(), "2022-03").trace
    assert "前 3 名" in trace.formula and "并列" in trace.formula and "一票否决" in trace.formula
    ranking = trace.inputs.set_index("name")
    assert ranking.loc["张一", "rank"] == 1 and bool(ranking.loc["张一", "star"])
    assert any("没有加减分记录" in n for n in trace.notes)  # six people had no records
    assert trace.as_dict()["rule_version"] == 1


def test_star_board_counts_and_streaks(people_con):
    # 张一: stars in Jan, Feb and Apr (longest run 2); 王二: Mar; 宣传推广之星 to 张一 in Jan.
    month_of(people_con, {"张一": 3}, day="2022-01-10", content="宣传推广")
    month_of(people_con, {"张一": 2}, day="2022-02-10")
    month_of(people_con, {"王二": 2, "张一": -1}, day="2022-03-10")
    month_of(people_con, {"张一": 1}, day="2022-04-10")
    board = stars.star_board(people_con.cursor(), 2022)
    assert board["months"] == ["2022-01", "2022-02", "2022-03", "2022-04"]
    people = board["people"].set_index("name")
    assert people.loc["张一", ["month_stars", "content_stars", "total", "longest_streak"]].tolist() == [3, 1, 4, 2]
    assert people.loc["张一", "streak_end"] == "2022-02"
    assert people.loc["王二", ["month_stars", "total", "longest_streak"]].tolist() == [1, 1, 1]
    assert board["people"]["name"].tolist()[0] == "张一"
    sections = board["sections"].set_index("section")
    assert sections.loc["组织科", ["month_stars", "content_stars", "total"]].tolist() == [4, 1, 5]
    assert sections.loc["干部一科", "total"] == 0


def test_star_board_of_an_empty_year(people_con):
    board = stars.star_board(people_con.cursor(), 2022)
    assert board["months"] == [] and board["people"].empty and board["notes"]
    assert board["sections"]["total"].tolist() == [0, 0]


def test_one_eligibility_table_drives_the_query_the_formula_and_the_exclusions():
    from analytics.results.stars import AWARDS_SQL, ELIGIBILITY, star_formula

    formula = star_formula({"star_top_n": 10, "star_min_points": 0, "content_star_threshold": 3})
    for condition in ELIGIBILITY:
        assert condition.sql in AWARDS_SQL, condition.key
        assert condition.words.format(low=0) in formula, condition.key
    # The query tests eligibility in one place only: month_rank and content_rank read star_eligible's flags.
    after = AWARDS_SQL.split("month_rank as", 1)[1]
    assert "veto" not in after and "star_min_points" not in after and "present" not in after
