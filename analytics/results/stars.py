"""Monthly stars (每月摘星): 月度之星 for the top N people by the month's net points and a content star (e.g.
宣传推广之星) for the top person of each content, with who was excluded and why, and the yearly star board (摘星榜)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from analytics.periods import Month, months_of_year
from analytics.results import rollup
from analytics.results.points import BOOKS_SQL, as_month, month_books, with_sql
from analytics.results.trace import Trace
from analytics.store.db import Con, fetch_df

MONTH_STAR = "月度之星"
STAR_PARAMS = ["star_top_n", "star_min_points", "content_star_threshold"]


@dataclass(frozen=True)
class Condition:
    """One condition a person must meet in a month to win a star: its SQL over person_month ``pm`` and books ``b``,
    the words of the formula, and the reason given to someone it keeps out ({low}: star_min_points)."""

    key: str
    sql: str
    words: str
    reason: str
    content_star: bool  # also a condition of the content stars


# Who may win a star in a month, stated once: the query (STAR_ELIGIBLE_SQL), the explanation (star_formula) and the
# trace's exclusions (_excluded) are all read from this table. A person meets them in this order, and the first one
# missed is the reason given.
ELIGIBILITY: tuple[Condition, ...] = (
    Condition("no_veto", "not pm.veto", "没有一票否决事项", "当月有一票否决事项：{veto_reasons}", True),
    Condition(
        "present",
        "pm.present",
        "当月在岗",
        "当月不在岗（不在人员名单有效期内或已离岗），不参加评选",
        True,
    ),
    Condition(
        "above_min",
        "pm.net > b.star_min_points",
        "当月净得分大于 {low:g} 分",
        "净得分未超过 {low:g}（当月净得分 {net:g} 分）",
        False,
    ),
)


def _all(conditions) -> str:
    return " and ".join(f"({c.sql})" for c in conditions)


# One row per person x month with the eligibility for 月度之星 (eligible) and for a content star (may_win_content).
STAR_ELIGIBLE_SQL = f"""
    star_eligible as (
        select pm.*, ({_all(ELIGIBILITY)}) as eligible,
               ({_all(c for c in ELIGIBILITY if c.content_star)}) as may_win_content, b.star_top_n
        from person_month pm join books b using (month_start)
    )"""

# One row per award x month: 月度之星 to every eligible person ranked within the month's top N (competition ranking,
# so ties at the cut all get it), and each content's star to its top person(s) at or above the threshold.
AWARDS_SQL = (
    STAR_ELIGIBLE_SQL
    + """,
    month_rank as (
        select e.month_start, e.person_id, e.section_id, e.net,
               rank() over (partition by e.month_start order by e.net desc) as rank
        from star_eligible e
        where e.eligible
    ),
    content_points as (
        select month_start, person_id, content, round(sum(counted), 4) as points
        from grain
        group by month_start, person_id, content
    ),
    content_rank as (
        select cp.month_start, cp.person_id, e.section_id, e.net, cp.content, cp.points,
               rank() over (partition by cp.month_start, cp.content order by cp.points desc) as rank
        from content_points cp
        join star_eligible e using (month_start, person_id)
        join books b using (month_start)
        where e.may_win_content and cp.points >= b.content_star_threshold and cp.points > 0
    ),
    award as (
        select r.month_start, r.person_id, r.section_id, null::varchar as award, 'month' as award_kind,
               null::varchar as content, r.net as net_points, r.net as points, r.rank, -1 as content_order
        from month_rank r join books b using (month_start)
        where r.rank <= b.star_top_n
        union all
        select r.month_start, r.person_id, r.section_id, coalesce(rc.star_name, r.content || '之星'), 'content',
               r.content, r.net, r.points, r.rank, coalesce(rc.sort_order, 999)
        from content_rank r
        join books b using (month_start)
        left join rule_content rc on rc.version_id = b.version_id and rc.name = r.content
        where r.rank = 1
    )"""
)

AWARD_COLUMNS = [
    "month",
    "person_id",
    "name",
    "section_id",
    "section",
    "award",
    "award_kind",
    "content",
    "net_points",
    "points",
    "rank",
]


def eligibility_words(low: float, content_star: bool = False) -> str:
    """The conditions of ELIGIBILITY in words (没有一票否决事项、当月在岗、且当月净得分大于 0 分)."""
    words = [c.words.format(low=low) for c in ELIGIBILITY if c.content_star or not content_star]
    return "、".join(words[:-1]) + ("、且" if len(words) > 1 else "") + words[-1]


def star_formula(params: dict[str, float]) -> str:
    top_n, low, threshold = (params[k] for k in STAR_PARAMS)
    return (
        f"月度之星：{eligibility_words(low)}的人员，按当月净得分（月度上限封顶后的计入分）"
        f"从高到低排名，分数相同名次相同、下一名次顺延（如 1、2、2、4）；名次在前 {int(top_n)} 名以内的都获得月度之星，"
        f"在第 {int(top_n)} 名处并列的同时摘星，因此人数可能多于 {int(top_n)} 人。"
        f"单项之星：每项考核内容当月计入得分最高、且不低于 {threshold:g} 分（须为正分）的人员获得该项之星"
        "（如宣传推广之星），并列第一的同时获得。当月有一票否决事项的人员不参加当月任何评选。"
    )


# Award rows with names, for a query made of the shared blocks and AWARDS_SQL (a condition on ``a`` may go between).
AWARD_ROWS = """
    select strftime(a.month_start, '%Y-%m') as month, a.person_id, p.name, a.section_id, s.name as section,
           a.award, a.award_kind, a.content, a.net_points, a.points, a.rank::integer as rank
    from award a
    join person p on p.person_id = a.person_id
    left join section s on s.section_id = a.section_id
"""
AWARD_ORDER = """
    order by a.month_start, a.content_order, a.rank, s.sort_order, a.person_id
"""
AWARD_SELECT = AWARD_ROWS + AWARD_ORDER


def _named_awards(frame: pd.DataFrame) -> pd.DataFrame:
    frame["award"] = frame["award"].where(frame["award_kind"] != "month", MONTH_STAR)
    return frame


def awards(cur: Con, months: list[Month]) -> pd.DataFrame:
    """One row per award x month over the given months: month ('2022-03'), person, the section the person scored in
    that month, award name, award_kind ('month'|'content'), content, net_points, points (for the award), rank."""
    if not months:
        return pd.DataFrame(columns=AWARD_COLUMNS)
    books = month_books(cur, months)
    sql = with_sql(BOOKS_SQL, rollup.awards_sql(cur, books)) + AWARD_SELECT
    return _named_awards(fetch_df(cur, sql, books.sql_params()))


@dataclass
class StarResult:
    """One month's stars: the award rows, who was kept out by a rule and why, the trace (parameters, formula, the
    ranking table as inputs, tie sentences, notes) and the ranking table itself."""

    month: Month
    stars: pd.DataFrame
    excluded: list[dict[str, Any]]
    trace: Trace
    ranking: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def has_data(self) -> bool:
        return bool(len(self.ranking)) and int(self.ranking["events"].sum()) > 0


RANKING_COLUMNS = [
    "person_id",
    "name",
    "section_id",
    "section",
    "present",
    "events",
    "net",
    "raw",
    "capped",
    "veto",
    "veto_reasons",
    "eligible",
    "rank",
    "star",
]


def _ranking_and_awards(cur: Con, books) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For one month, in one query: the ranking table (one row per person present or with events: net, veto,
    eligibility, rank among the eligible, star) and the awards (one row per award)."""
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.awards_sql(cur, books))
        + """
        , ranked as (
            select *, case when eligible then rank() over (partition by eligible order by net desc) end as rank
            from star_eligible
        ),
        rows as (
            select 'ranking' as row_kind, r.person_id, r.section_id, r.present, r.events, r.net, r.raw, r.capped,
                   r.veto, r.veto_reasons, r.eligible, r.rank, coalesce(r.rank <= r.star_top_n, false) as star,
                   null::varchar as award, null::varchar as award_kind, null::varchar as content, r.net as points,
                   0 as content_order
            from ranked r
            union all
            select 'award', a.person_id, a.section_id, true, null, a.net_points, null, null, false, null, true,
                   a.rank, true, a.award, a.award_kind, a.content, a.points, a.content_order
            from award a
        )
        select x.row_kind, x.person_id, p.name, x.section_id, s.name as section, x.present, x.events, x.net, x.raw,
               x.capped, x.veto, x.veto_reasons, x.eligible, x.rank::integer as rank, x.star, x.award, x.award_kind,
               x.content, x.net as net_points, x.points
        from rows x
        join person p on p.person_id = x.person_id
        left join section s on s.section_id = x.section_id
        order by x.row_kind, x.content_order, x.eligible desc, x.rank, x.net desc, s.sort_order, x.person_id
        """,
        books.sql_params(),
    )
    ranking = frame[frame["row_kind"] == "ranking"][RANKING_COLUMNS].reset_index(drop=True)
    ranking = ranking.astype({"events": "int64", "rank": "Int64", "present": bool, "veto": bool, "eligible": bool})
    given = frame[frame["row_kind"] == "award"].reset_index(drop=True)
    given = _named_awards(given.assign(month=str(books.months[0])))[AWARD_COLUMNS]
    return ranking, given.astype({"rank": "int64"})


# Whether each row of a ranking meets a condition of ELIGIBILITY (column-wise: a month has thousands of people).
_MET = {
    "no_veto": lambda frame, low: ~frame["veto"].astype(bool),
    "present": lambda frame, low: frame["present"].astype(bool),
    "above_min": lambda frame, low: frame["net"] > low,
}


def _excluded(ranking: pd.DataFrame, low: float) -> list[dict[str, Any]]:
    """Everyone with events kept out of the awards by a rule rather than by rank (a veto always counts), with the
    first condition of ELIGIBILITY they miss; people with no events are only counted in a note."""
    out = ranking[~ranking["eligible"].astype(bool) & ((ranking["events"] != 0) | ranking["veto"].astype(bool))]
    if out.empty:
        return []
    # The first condition missed: later conditions only fill the rows no earlier one has claimed.
    missed = pd.Series(None, index=out.index, dtype=object)
    for condition in ELIGIBILITY:
        missed = missed.where(missed.notna() | _MET[condition.key](out, low), condition)
    return [
        {"name": name, "reason": c.reason.format(low=low, net=net, veto_reasons=reasons)}
        for name, c, net, reasons in zip(out["name"], missed, out["net"], out["veto_reasons"])
    ]


def _names(frame: pd.DataFrame) -> str:
    return "、".join(frame["name"])


def monthly_stars(cur: Con, month: Month | str | date) -> StarResult:
    """The month's stars: ``.stars`` one row per award (person_id, name, section, award, award_kind, content,
    net_points, points, rank), ``.excluded`` [{"name", "reason"}], ``.trace`` with the ranking table as inputs."""
    m = as_month(month)
    books = month_books(cur, [m])
    params = books.params[0]
    low = params["star_min_points"]
    ranking, stars = _ranking_and_awards(cur, books)
    excluded = _excluded(ranking, low)
    ties: list[str] = []
    notes: list[str] = []
    if not bool(len(ranking)) or int(ranking["events"].sum()) == 0:
        notes.append(f"{m.label}没有加减分记录，不评选月度之星和单项之星")
    else:
        month_stars = stars[stars["award_kind"] == "month"]
        for rank, group in month_stars.groupby("rank", sort=True):
            if len(group) > 1:
                ties.append(
                    f"第 {rank} 名并列 {len(group)} 人（{_names(group)}，均 {group['points'].iat[0]:g} 分），同时摘星"
                )
        top_n = int(round(params["star_top_n"]))
        if len(month_stars) > top_n:
            notes.append(f"因并列，本月月度之星共 {len(month_stars)} 人（名额 {top_n} 人）")
        if month_stars.empty:
            notes.append(f"本月没有符合条件的人员（须{eligibility_words(low)}），不评选月度之星")
        content_stars = stars[stars["award_kind"] == "content"]
        for award, group in content_stars.groupby("award", sort=False):
            if len(group) > 1:
                ties.append(
                    f"{award}并列 {len(group)} 人（{_names(group)}，均 {group['points'].iat[0]:g} 分），同时获得"
                )
        silent = int(((ranking["events"] == 0) & ranking["present"] & ~ranking["eligible"]).sum())
        if silent:
            notes.append(f"另有 {silent} 人当月没有加减分记录，净得分 0 分未超过 {low:g} 分，不参加排名")
    trace = books.trace(
        f"{m.label} 月度之星与单项之星",
        STAR_PARAMS,
        star_formula(params),
        inputs=ranking,
        excluded=excluded,
        ties=ties,
        notes=notes,
    )
    columns = [c for c in AWARD_COLUMNS if c != "month"]
    return StarResult(m, stars[columns].reset_index(drop=True), excluded, trace, ranking)


def stars_json(cur: Con, month: Month | str | date) -> dict[str, Any]:
    """{"month": "2022-03", "stars": [{"name", "section", "award", "net_points", "rank"}], "excluded": [...]}; rank is
    the rank within that award."""
    result = monthly_stars(cur, month)
    return {
        "month": str(result.month),
        "stars": [
            {
                "name": row.name,
                "section": row.section,
                "award": row.award,
                "net_points": float(row.net_points),
                "rank": int(row.rank),
            }
            for row in result.stars.itertuples(index=False)
        ],
        "excluded": [{"name": e["name"], "reason": e["reason"]} for e in result.excluded],
    }


# The yearly board -------------------------------------------------------------------------------


def last_month_with_data(cur: Con, year: int) -> Month | None:
    """The last month of the year with any score event."""
    rows = cur.execute(
        "select max(event_date) from score_event where event_date between $start and $end",
        {"start": date(year, 1, 1), "end": date(year, 12, 31)},
    ).fetchall()
    last = rows[0][0]
    return Month(last.year, last.month) if last else None


# Award rows, each carrying its person's yearly counts (grouped and joined back: a window over every award row costs
# more), the person's longest run of consecutive months with 月度之星 (gaps and islands over the month index) and the
# person's section at the end of the span.
BOARD_SQL = """
    , month_marks as (
        select distinct person_id, year(month_start) * 12 + month(month_start) as idx
        from award where award_kind = 'month'
    ),
    runs as (
        select person_id, count(*) as length, max(idx) as end_idx
        from (select *, idx - row_number() over (partition by person_id order by idx) as island from month_marks)
        group by person_id, island
    ),
    streaks as (
        select person_id, max(length) as longest_streak, arg_max(end_idx, (length, end_idx)) as end_idx
        from runs group by person_id
    ),
    counts as (
        select person_id, count(*) filter (where award_kind = 'month') as person_month_stars,
               count(*) filter (where award_kind = 'content') as person_content_stars
        from award group by person_id
    ),
    home as (
        select person_id, arg_max(section_id, valid_from) as section_id
        from membership where valid_from <= (select max(month_end) from books)
        group by person_id
    )
    select strftime(a.month_start, '%Y-%m') as month, a.person_id, p.name, a.section_id, s.name as section,
           a.award, a.award_kind, a.content, a.net_points, a.points, a.rank::integer as rank,
           h.section_id as home_section_id, hs.name as home_section, hs.sort_order as home_order,
           c.person_month_stars, c.person_content_stars,
           coalesce(st.longest_streak, 0)::integer as longest_streak,
           case when st.end_idx is not null
                then ((st.end_idx - 1) // 12)::varchar || '-' || lpad((((st.end_idx - 1) % 12) + 1)::varchar, 2, '0')
           end as streak_end
    from award a
    join person p on p.person_id = a.person_id
    left join section s on s.section_id = a.section_id
    join counts c on c.person_id = a.person_id
    left join streaks st on st.person_id = a.person_id
    left join home h on h.person_id = a.person_id
    left join section hs on hs.section_id = h.section_id
    order by a.month_start, a.content_order, a.rank, s.sort_order, a.person_id
"""

PEOPLE_COLUMNS = [
    "person_id",
    "name",
    "section_id",
    "section",
    "month_stars",
    "content_stars",
    "total",
    "longest_streak",
    "streak_end",
]
SECTION_BOARD_COLUMNS = ["section_id", "section", "month_stars", "content_stars", "total"]


def star_board(cur: Con, year: int) -> dict[str, Any]:
    """The year's star board (摘星榜), over January up to the last month with any data.

    Returns {"year", "months": ['2022-01', …], "awards": one row per award x month, "people": one row per person with
    a star (section = latest membership; month_stars, content_stars, total, longest_streak of consecutive months with
    月度之星, streak_end), "sections": one row per section (stars earned by people while in it), "notes"}."""
    last = last_month_with_data(cur, year)
    months = [m for m in months_of_year(year) if last is not None and m <= last]
    notes = [] if months else [f"{year}年还没有加减分记录，摘星榜为空"]
    sections = pd.DataFrame(
        cur.execute("select section_id, name, sort_order from section order by sort_order, section_id").fetchall(),
        columns=["section_id", "section", "sort_order"],
    )
    if months:
        books = month_books(cur, months)
        frame = fetch_df(
            cur,
            with_sql(BOOKS_SQL, rollup.awards_sql(cur, books)) + BOARD_SQL,
            books.sql_params(),
        )
        frame = _named_awards(frame)
    else:
        frame = pd.DataFrame(
            columns=[
                *AWARD_COLUMNS,
                "home_section_id",
                "home_section",
                "home_order",
                "person_month_stars",
                "person_content_stars",
                "longest_streak",
                "streak_end",
            ]
        )
    people = frame.drop_duplicates("person_id")
    people = pd.DataFrame(
        {
            "person_id": people["person_id"],
            "name": people["name"],
            "section_id": people["home_section_id"],
            "section": people["home_section"],
            "month_stars": people["person_month_stars"].astype(int),
            "content_stars": people["person_content_stars"].astype(int),
            "longest_streak": people["longest_streak"].astype(int),
            "streak_end": people["streak_end"],
            "order": people["home_order"],
        }
    )
    people["total"] = people["month_stars"] + people["content_stars"]
    people = people.sort_values(
        ["total", "month_stars", "longest_streak", "order", "name"], ascending=[False, False, False, True, True]
    )[PEOPLE_COLUMNS].reset_index(drop=True)
    kinds = frame["award_kind"]
    month_counts = frame.loc[kinds == "month", "section_id"].value_counts()
    content_counts = frame.loc[kinds == "content", "section_id"].value_counts()
    sections["month_stars"] = sections["section_id"].map(month_counts).fillna(0).astype(int)
    sections["content_stars"] = sections["section_id"].map(content_counts).fillna(0).astype(int)
    sections["total"] = sections["month_stars"] + sections["content_stars"]
    sections = sections.sort_values(["total", "month_stars", "sort_order"], ascending=[False, False, True])
    return {
        "year": year,
        "months": [str(m) for m in months],
        "awards": frame[AWARD_COLUMNS].reset_index(drop=True),
        "people": people,
        "sections": sections[SECTION_BOARD_COLUMNS].reset_index(drop=True),
        "notes": notes,
    }
