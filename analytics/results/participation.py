"""Participation: the 五个一 learning cycle's completion per person, the campaign's counters (人次, 人数, 场次) as the
report speaks of them, and participation by month, section and person."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from analytics.results import participation_rollup
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df

# People present in the window [$start, $end] as of $as_of: on the roster by then and not gone before the window.
# Each is counted in the section they belong to on their reference day (the window's end, as_of, or the day they
# left, whichever is first), so a person moved between sections is counted once.
_PEOPLE = """
    presence as (
        select p.person_id, p.name,
               min(m.valid_from) as joined,
               least(max(coalesce(m.valid_to, date '9999-12-31')), coalesce(p.left_on, date '9999-12-31')) as gone
        from person p
        join membership m using (person_id)
        group by p.person_id, p.name, p.left_on
    ),
    present as (
        select *, least($end::date, $as_of::date, gone) as ref_day
        from presence
        where joined <= least($end::date, $as_of::date) and gone >= $start::date
    ),
    placed as (
        select pr.person_id, pr.name, pr.joined, pr.gone, arg_max(m.section_id, m.valid_from) as section_id
        from present pr
        join membership m on m.person_id = pr.person_id and m.valid_from <= pr.ref_day
        group by pr.person_id, pr.name, pr.joined, pr.gone
    ),
    people as (
        select pl.*, s.name as section, s.sort_order as section_order
        from placed pl
        join section s using (section_id)
        where ($section_id::integer is null or pl.section_id = $section_id)
          and ($person_id::integer is null or pl.person_id = $person_id)
    )
"""

# The frequency periods (calendar weeks Mon–Sun, half-months 1–15 / 16–end, months, quarters, years) that intersect
# the window: the period of each frequency holding each of its days, with the bounds participation_rollup gives (the
# one description of a period, shared with the rollup that stores them).
_PERIODS = f"""
    window_periods as (
        select distinct f.frequency,
               {participation_rollup.period_start("f.frequency", "t.d")} as p_start,
               {participation_rollup.period_end("f.frequency", "t.d")} as p_end
        from (values ('weekly'), ('half_monthly'), ('monthly'), ('quarterly'), ('yearly')) f(frequency),
             generate_series($start::date, $end::date, interval 1 day) t(d)
    )
"""

# One row per person x 五个一 activity. A period is expected of a person when it overlaps both the window and the
# person's time on the roster, and has either ended by as_of or already holds the person's participation (so a
# running week counts only once done, and 奖学 is not owed before the year is out). A period is done when the person
# took part in it on or before as_of, on any of its days (the week of Monday 12-27 is done in a January window by a
# 荐学 on 12-30).
#
# Counted without pairing every person with every period and probing for attendance (5,000 people x a year of weeks
# is half a million pairs): the attended periods (person x activity x period start) are matched to their people by a
# hash join and counted, and the periods that ended by as_of are counted per person from the window's few dozen
# periods. expected = ended + attended periods still running on as_of.
_MATRIX_HEAD = (
    "with "
    + _PEOPLE
    + ","
    + _PERIODS
    + """,
    acts as (
        select unnest($act_names::varchar[]) as activity, unnest($act_freqs::varchar[]) as frequency,
               unnest($act_order::integer[]) as act_order
    ),
"""
)

# The periods each person took part in by as_of, from the period holding $start on (nothing before it can fall in
# the window: a June window reads June's weeks, not the year's): read from the participation rollup when it is
# current, else each participation row mapped to the start of its period and the duplicates removed.
_ATTENDED_ROLLUP = f"""
    attended as (
        select r.person_id, a.act_order, r.p_start, r.p_end
        from participation_period r
        join acts a on a.activity = r.activity and a.frequency = r.frequency
        where r.p_start between {participation_rollup.period_start("a.frequency", "$start::date")} and $as_of::date
          and r.first_on <= $as_of::date
    ),
"""
_ATTENDED_DIRECT = f"""
    attended_starts as (
        select distinct p.person_id, a.act_order, a.frequency,
               {participation_rollup.period_start("a.frequency", "p.event_date")} as p_start
        from participation p
        join acts a using (activity)
        where p.event_date between {participation_rollup.period_start("a.frequency", "$start::date")}
                               and $as_of::date
    ),
    attended as (
        select person_id, act_order, p_start, {participation_rollup.period_end("frequency", "p_start")} as p_end
        from attended_starts
    ),
"""

_MATRIX_TAIL = """
    done_periods as (
        select att.person_id, att.act_order, att.p_end
        from attended att
        join people pe on pe.person_id = att.person_id
        where att.p_end >= greatest($start::date, pe.joined) and att.p_start <= least($end::date, pe.gone)
    ),
    done_counts as (
        select person_id, act_order, count(*) as done, count(*) filter (where p_end > $as_of::date) as running
        from done_periods
        group by person_id, act_order
    ),
    ended_counts as (
        select pe.person_id, a.act_order, count(*) as ended
        from people pe
        cross join acts a
        join window_periods wp on wp.frequency = a.frequency
        where wp.p_end <= $as_of::date
          and wp.p_end >= greatest($start::date, pe.joined) and wp.p_start <= least($end::date, pe.gone)
        group by pe.person_id, a.act_order
    ),
    matrix as (
        select pe.person_id, pe.name, pe.section_id, pe.section, pe.section_order, a.activity, a.frequency,
               a.act_order, coalesce(e.ended, 0) + coalesce(d.running, 0) as expected, coalesce(d.done, 0) as done,
               coalesce(d.done, 0) / nullif(coalesce(e.ended, 0) + coalesce(d.running, 0), 0)::double as completion
        from people pe
        cross join acts a
        left join done_counts d on d.person_id = pe.person_id and d.act_order = a.act_order
        left join ended_counts e on e.person_id = pe.person_id and e.act_order = a.act_order
    ),
    matrix_overall as (
        select *, avg(completion) over (partition by person_id) as overall
        from matrix
    )
"""


def _matrix(cur: Con, book: rb.RuleBook) -> str:
    """The CTEs down to matrix_overall, reading the attended periods from the rollup when it holds the book's
    五个一 activities."""
    pairs = [(a.name, a.frequency) for a in book.activities if a.five_one and a.frequency]
    current = participation_rollup.ready(cur) and participation_rollup.covers(cur, pairs)
    return _MATRIX_HEAD + (_ATTENDED_ROLLUP if current else _ATTENDED_DIRECT) + _MATRIX_TAIL


def _five_one_params(
    book: rb.RuleBook,
    start: date,
    end: date,
    as_of: date,
    section_id: int | None = None,
    person_id: int | None = None,
) -> dict[str, Any]:
    acts = [a for a in book.activities if a.five_one and a.frequency]
    return {
        "start": start,
        "end": end,
        "as_of": as_of,
        "section_id": section_id,
        "person_id": person_id,
        "act_names": [a.name for a in acts],
        "act_freqs": [a.frequency for a in acts],
        "act_order": list(range(len(acts))),
    }


def five_one_matrix(
    cur: Con,
    start: date,
    end: date,
    as_of: date,
    section_id: int | None = None,
    person_id: int | None = None,
) -> pd.DataFrame:
    """One row per person present in [start, end] x 五个一 activity: expected periods, periods done, completion
    (NaN when nothing is expected yet), and ``overall``, the person's mean of the defined completions."""
    book = rb.in_force(cur, end)
    frame = fetch_df(
        cur,
        _matrix(cur, book)
        + """
        select person_id, name, section_id, section, activity, frequency, expected, done, completion, overall
        from matrix_overall
        order by section_order, section_id, person_id, act_order
        """,
        _five_one_params(book, start, end, as_of, section_id, person_id),
    )
    return frame.astype({"expected": "int64", "done": "int64", "completion": float, "overall": float})


def five_one_by_person(cur: Con, start: date, end: date, as_of: date, section_id: int | None = None) -> pd.DataFrame:
    """One row per person: the completion of each 五个一 activity as a column (named by the activity) and overall."""
    frame = five_one_matrix(cur, start, end, as_of, section_id)
    if frame.empty:
        book = rb.in_force(cur, end)
        names = [a.name for a in book.activities if a.five_one and a.frequency]
        return pd.DataFrame(columns=["person_id", "name", "section_id", "section", *names, "overall"])
    names = list(dict.fromkeys(frame["activity"]))  # the matrix lists activities in rule-book order
    wide = frame.pivot(index="person_id", columns="activity", values="completion").reindex(columns=names)
    wide.columns.name = None
    people = frame.drop_duplicates("person_id")[["person_id", "name", "section_id", "section", "overall"]]
    out = people.merge(wide.reset_index(), on="person_id", how="left")
    return out[["person_id", "name", "section_id", "section", *names, "overall"]].reset_index(drop=True)


def completion_text(value: float | None) -> str:
    """A completion as the page shows it: 75%, or — when nothing was expected yet."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.0%}"


# The counters in the campaign report's own words; an activity the report does not name is spoken of by its counter.
_PHRASES = {
    "每日鉴学": ("条", "每日鉴学累计推送经验 {v} 条"),
    "金点子": ("条", "征集“金点子” {v} 条"),
    "志愿服务": ("人次", "{v} 人次参与社区志愿服务"),
    "组工论坛": ("名", "组工论坛 {v} 名机关干部上讲台"),
    "考察学习": ("个", "派出 {v} 个小分队考察学习"),
    "组工讲堂": ("期", "开设组工讲堂 {v} 期"),
    "一线实践": ("名", "选派 {v} 名机关干部到一线实践锻炼"),
    "联企业联群众": ("名", "{v} 名机关干部参与联企业联群众"),
    "业务比武": ("人", "{v} 人参加业务比武"),
    "岗位练兵": ("人", "{v} 人参加岗位练兵"),
}
_COUNTER_PHRASES = {
    "rows": ("人次", "{a} {v} 人次"),
    "people": ("人", "{a} {v} 人参与"),
    "speakers": ("名", "{a} {v} 名主讲人"),
    "teams": ("个", "{a} {v} 个小分队"),
    "sessions": ("场", "{a} {v} 场"),
}


# Each activity's counter over [$start, $end]; each distinct count runs only over the rows of the activities counted
# that way (one aggregate computing all four over every row was most of the time).
_COUNTERS_SQL = """
    with acts as (
        select unnest($activities::varchar[]) as activity, unnest($counters::varchar[]) as counter,
               unnest($orders::integer[]) as act_order
    ),
    counted as (
        select p.activity, a.counter, p.person_id, p.role, p.event_date, p.title
        from participation p
        join acts a using (activity)
        where p.event_date between $start and $end
    ),
    values_ as (
        select activity, count(*) as value from counted where counter = 'rows' group by activity
        union all
        select activity, count(distinct person_id) from counted where counter = 'people' group by activity
        union all
        select activity, count(distinct person_id) from counted where counter = 'speakers' and role = '主讲'
        group by activity
        union all
        select activity, count(*)
        from (
            select distinct activity, event_date, coalesce(title, '') as title
            from counted
            where counter not in ('rows', 'people', 'speakers')
        )
        group by activity
    )
    select a.activity, a.counter, coalesce(v.value, 0) as value
    from acts a
    left join values_ v using (activity)
    order by a.act_order
"""


def _counter_params(acts: list, start: date, end: date) -> dict[str, Any]:
    return {
        "activities": [a.name for a in acts],
        "counters": [a.counter for a in acts],
        "orders": list(range(len(acts))),
        "start": start,
        "end": end,
    }


def counters(cur: Con, start: date, end: date) -> list[dict]:
    """One dict per activity the rule book counts (in its order): {"activity", "value", "unit", "label"}, the value
    counted over [start, end] by the activity's counter (rows, distinct people, distinct 主讲 speakers, distinct
    (date, title) teams or sessions)."""
    book = rb.in_force(cur, end)
    acts = [a for a in book.activities if a.counter]
    if not acts:
        return []
    rows = cur.execute(_COUNTERS_SQL, _counter_params(acts, start, end)).fetchall()
    out = []
    for activity, counter, value in rows:
        unit, text = _PHRASES.get(activity) or _COUNTER_PHRASES.get(counter, ("", "{a} {v}"))
        out.append(
            {"activity": activity, "value": int(value), "unit": unit, "label": text.format(a=activity, v=int(value))}
        )
    return out


# Participation rows and distinct people per month x activity of the year: from the participation rollup when it is
# current, else counted from the participation rows.
_MONTH_COUNTS_ROLLUP = """
    select month_start, activity, rows, people
    from participation_month
    where month_start between $first and $last
"""
_MONTH_COUNTS_DIRECT = """
    select date_trunc('month', event_date)::date as month_start, activity,
           count(*) as rows, count(distinct person_id) as people
    from participation
    where event_date between $first and $last
    group by all
"""


def monthly_participation(cur: Con, year: int) -> pd.DataFrame:
    """One row per month x activity (every activity of the rule book, then any other recorded): participation rows
    and distinct people."""
    book = rb.in_force(cur, date(year, 12, 31))
    names = [a.name for a in book.activities]
    counts = _MONTH_COUNTS_ROLLUP if participation_rollup.ready(cur) else _MONTH_COUNTS_DIRECT
    return fetch_df(
        cur,
        f"""
        with agg as ({counts}),
        book_acts as (
            select unnest($names::varchar[]) as activity, unnest($order::integer[]) as act_order
        ),
        acts as (
            select activity, act_order from book_acts
            union all
            select distinct activity, null from agg where activity not in (select activity from book_acts)
        ),
        months as (
            select m::date as month_start from generate_series($first::date, $last::date, interval 1 month) t(m)
        )
        select strftime(m.month_start, '%Y-%m') as month, m.month_start, a.activity,
               coalesce(g.rows, 0) as rows, coalesce(g.people, 0) as people
        from months m
        cross join acts a
        left join agg g on g.month_start = m.month_start and g.activity = a.activity
        order by m.month_start, a.act_order nulls last, a.activity
        """,
        {"names": names, "order": list(range(len(names))), "first": date(year, 1, 1), "last": date(year, 12, 31)},
    )


def section_participation(cur: Con, start: date, end: date, as_of: date | None = None) -> pd.DataFrame:
    """One row per section (every section): people present in [start, end], their participation rows in the window,
    rows per capita, people who took part at least once, and the mean of their 五个一 overall completion."""
    as_of = as_of or end
    book = rb.in_force(cur, end)
    return fetch_df(
        cur,
        _matrix(cur, book)
        + """,
        persons as (
            select distinct person_id, section_id, overall from matrix_overall
        ),
        everyone as (
            select person_id, section_id from people
        ),
        took_part as (
            select e.section_id, count(p.fact_id) as rows, count(distinct p.person_id) as active_people
            from everyone e
            join participation p on p.person_id = e.person_id and p.event_date between $start and least($end, $as_of)
            group by e.section_id
        ),
        heads as (
            select section_id, count(*) as headcount from everyone group by section_id
        ),
        completion as (
            select section_id, avg(overall) as five_one_completion from persons group by section_id
        )
        select s.section_id, s.name as section,
               coalesce(h.headcount, 0) as headcount,
               coalesce(t.rows, 0) as rows,
               coalesce(t.rows, 0) / nullif(h.headcount, 0)::double as rows_per_capita,
               coalesce(t.active_people, 0) as active_people,
               c.five_one_completion
        from section s
        left join heads h using (section_id)
        left join took_part t using (section_id)
        left join completion c using (section_id)
        order by s.sort_order, s.section_id
        """,
        _five_one_params(book, start, end, as_of),
    )


def person_participation(cur: Con, person_id: int, year: int) -> pd.DataFrame:
    """One row per participation row of the person in the year, in date order, with its source row."""
    return fetch_df(
        cur,
        """
        select p.event_date, p.activity, p.title, p.role, p.hours, p.section_id, s.name as section,
               p.fact_id, p.batch_id, p.source_file, p.sheet, p.row_no
        from participation p
        left join section s using (section_id)
        where p.person_id = $person_id and p.event_date between $start and $end
        order by p.event_date, p.activity, p.fact_id
        """,
        {"person_id": person_id, "start": date(year, 1, 1), "end": date(year, 12, 31)},
    )


def five_one_totals(matrix: pd.DataFrame) -> pd.DataFrame:
    """One row per 五个一 activity: periods due, periods done and the completion over everyone in the grid."""
    out = (
        matrix.groupby("activity", sort=False)
        .agg(frequency=("frequency", "first"), expected=("expected", "sum"), done=("done", "sum"))
        .reset_index()
    )
    out["completion"] = (out["done"] / out["expected"].where(out["expected"] > 0)).astype(float)
    return out
