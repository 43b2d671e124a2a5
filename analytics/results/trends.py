"""Trends over the months of a year: counted points per person, section and content, cumulative totals, month-on-month
change, rank per month and rank movement (the bump chart), and the month's biggest risers and fallers."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.periods import Month, months_of_year
from analytics.results import rollup
from analytics.results.points import BOOKS_SQL, as_month, month_books, with_sql
from analytics.results.stars import last_month_with_data
from analytics.store.db import Con, fetch_df

PERSON_COLUMNS = [
    "month",
    "person_id",
    "name",
    "section_id",
    "section",
    "present",
    "net",
    "cumulative",
    "change",
    "rank",
    "rank_change",
    "cumulative_rank",
    "cumulative_rank_change",
]
SECTION_COLUMNS = [
    "month",
    "section_id",
    "section",
    "headcount",
    "net",
    "net_per_capita",
    "cumulative",
    "change",
    "rank",
    "rank_change",
]
CONTENT_COLUMNS = ["month", "content", "raw", "counted", "capped", "cumulative", "change"]
MOVER_COLUMNS = [
    "person_id",
    "name",
    "section",
    "previous_rank",
    "rank",
    "rank_change",
    "previous_net",
    "net",
    "net_change",
]


def _months(cur: Con, year: int, through: Month | str | date | None) -> list[Month]:
    """January of the year up to ``through``, or up to the last month with data."""
    last = as_month(through) if through is not None else last_month_with_data(cur, year)
    if last is None:
        return []
    return [m for m in months_of_year(year) if m <= last]


# The person series read from the person x month layer, whose rows carry the month's rank and the year-to-date net
# and rank: no window runs here, the month before is a join.
LAYER_SERIES_SQL = """
    , held as (
        select month_start, person_id, section_id, present, net, month_rank, ytd_net, ytd_rank
        from points_person_month
        where month_start between $span_start::date and $span_end::date
          and month_start in (select month_start from books)
    )
    select strftime(x.month_start, '%Y-%m') as month, x.person_id, p.name, x.section_id, s.name as section,
           x.present, x.net, x.ytd_net as cumulative,
           round(x.net - b.net, 4) as change,
           x.month_rank::integer as rank,
           (b.month_rank - x.month_rank)::integer as rank_change,
           x.ytd_rank::integer as cumulative_rank,
           (b.ytd_rank - x.ytd_rank)::integer as cumulative_rank_change
    from held x
    left join held b on b.person_id = x.person_id and b.month_start = cast(x.month_start - interval 1 month as date)
    join person p on p.person_id = x.person_id
    left join section s on s.section_id = x.section_id
    order by x.month_start, x.month_rank, s.sort_order, x.person_id
"""


def _person_series(cur: Con, months: list[Month]) -> pd.DataFrame:
    books = month_books(cur, months)
    # The layer's running totals start in January: they are the series' own when the months are a year's first ones.
    if months == months_of_year(months[0].year)[: len(months)] and rollup.layer_ready(cur, books):
        return fetch_df(cur, with_sql(BOOKS_SQL) + LAYER_SERIES_SQL, books.sql_params())
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        , series as (
            select month_start, person_id, section_id, present, net,
                   round(sum(net) over (partition by person_id order by month_start), 4) as cumulative,
                   rank() over (partition by month_start order by net desc) as rank
            from person_month
        ),
        ranked as (
            select *, rank() over (partition by month_start order by cumulative desc) as cumulative_rank
            from series
        ),
        previous as (
            select *,
                   lag(month_start) over w = cast(month_start - interval 1 month as date) as follows,
                   lag(net) over w as previous_net,
                   lag(rank) over w as previous_rank,
                   lag(cumulative_rank) over w as previous_cumulative_rank
            from ranked
            window w as (partition by person_id order by month_start)
        )
        select strftime(x.month_start, '%Y-%m') as month, x.person_id, p.name, x.section_id, s.name as section,
               x.present, x.net, x.cumulative,
               case when x.follows then round(x.net - x.previous_net, 4) end as change,
               x.rank::integer as rank,
               case when x.follows then (x.previous_rank - x.rank)::integer end as rank_change,
               x.cumulative_rank::integer as cumulative_rank,
               case when x.follows then (x.previous_cumulative_rank - x.cumulative_rank)::integer end
                   as cumulative_rank_change
        from previous x
        join person p on p.person_id = x.person_id
        left join section s on s.section_id = x.section_id
        order by x.month_start, x.rank, s.sort_order, x.person_id
        """,
        books.sql_params(),
    )


def _typed(frame: pd.DataFrame, columns: list[str], ints: tuple[str, ...]) -> pd.DataFrame:
    frame = frame[columns] if len(frame) else pd.DataFrame(columns=columns)
    return frame.astype({c: "Int64" for c in ints}).reset_index(drop=True)


def person_trend(cur: Con, year: int, through: Month | str | date | None = None) -> pd.DataFrame:
    """One row per person x month (January up to ``through``, default the last month with data) in which the person
    was present or had events: counted net points, cumulative net, change from the month before (null when the
    person was absent then), competition rank by the month's net and by cumulative net, and rank movement
    (previous rank - rank: positive = moved up)."""
    months = _months(cur, year, through)
    frame = _person_series(cur, months) if months else pd.DataFrame()
    return _typed(frame, PERSON_COLUMNS, ("rank", "rank_change", "cumulative_rank", "cumulative_rank_change"))


def section_trend(cur: Con, year: int, through: Month | str | date | None = None) -> pd.DataFrame:
    """One row per section x month with people or events: headcount (people present, by month-end membership),
    counted net points of events attributed to it, net per capita, cumulative net, change from the month before,
    rank by net per capita (the fair comparison between sections of different sizes) and rank movement."""
    months = _months(cur, year, through)
    if not months:
        return _typed(pd.DataFrame(), SECTION_COLUMNS, ("headcount", "rank", "rank_change"))
    books = month_books(cur, months)
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        , heads as (
            select month_start, home_section_id as section_id, count(*) as headcount
            from present group by month_start, home_section_id
        ),
        pts as (
            select month_start, section_id, round(sum(counted), 4) as net
            from grain group by month_start, section_id
        ),
        grid as (
            select coalesce(h.month_start, p.month_start) as month_start,
                   coalesce(h.section_id, p.section_id) as section_id,
                   coalesce(h.headcount, 0) as headcount, coalesce(p.net, 0) as net
            from heads h full join pts p on p.month_start = h.month_start and p.section_id = h.section_id
        ),
        series as (
            select *,
                   case when headcount > 0 then round(net / headcount, 4) end as net_per_capita,
                   round(sum(net) over (partition by section_id order by month_start), 4) as cumulative
            from grid
        ),
        ranked as (
            select *,
                   case when net_per_capita is not null then
                       rank() over (partition by month_start, net_per_capita is null order by net_per_capita desc)
                   end as rank
            from series
        ),
        previous as (
            select *,
                   lag(month_start) over w = cast(month_start - interval 1 month as date) as follows,
                   lag(net) over w as previous_net,
                   lag(rank) over w as previous_rank
            from ranked
            window w as (partition by section_id order by month_start)
        )
        select strftime(x.month_start, '%Y-%m') as month, x.section_id, s.name as section, x.headcount, x.net,
               x.net_per_capita, x.cumulative,
               case when x.follows then round(x.net - x.previous_net, 4) end as change,
               x.rank::integer as rank,
               case when x.follows then (x.previous_rank - x.rank)::integer end as rank_change
        from previous x left join section s on s.section_id = x.section_id
        order by x.month_start, x.rank nulls last, s.sort_order
        """,
        books.sql_params(),
    )
    return _typed(frame, SECTION_COLUMNS, ("headcount", "rank", "rank_change"))


def content_trend(cur: Con, year: int, through: Month | str | date | None = None) -> pd.DataFrame:
    """One row per content x month (every content of the month's rule book, plus any other content with events):
    raw points, counted points after caps, the capped part, cumulative counted points and change from the month
    before."""
    months = _months(cur, year, through)
    if not months:
        return _typed(pd.DataFrame(), CONTENT_COLUMNS, ())
    books = month_books(cur, months)
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.counted_sql(cur))
        + """
        , listed as (
            select b.month_start, c.name as content, c.sort_order
            from books b join rule_content c on c.version_id = b.version_id
        ),
        pts as (
            select month_start, content, round(sum(raw), 4) as raw, round(sum(counted), 4) as counted
            from grain group by month_start, content
        ),
        grid as (
            select coalesce(l.month_start, p.month_start) as month_start, coalesce(l.content, p.content) as content,
                   coalesce(l.sort_order, 999) as sort_order,
                   coalesce(p.raw, 0) as raw, coalesce(p.counted, 0) as counted
            from listed l full join pts p on p.month_start = l.month_start and p.content = l.content
        )
        select strftime(month_start, '%Y-%m') as month, content, raw, counted, round(raw - counted, 4) as capped,
               round(sum(counted) over w, 4) as cumulative,
               round(counted - lag(counted) over w, 4) as change
        from grid
        window w as (partition by content order by month_start)
        order by month_start, sort_order, content
        """,
        books.sql_params(),
    )
    return _typed(frame, CONTENT_COLUMNS, ())


def movers(cur: Con, month: Month | str | date, n: int | None = 5) -> dict[str, pd.DataFrame]:
    """The month's biggest movers against the month before, by rank of the month's net points.

    Returns {"risers": up to n people who moved up most (rank_change > 0), "fallers": up to n who moved down most
    (rank_change < 0)}, everyone who moved when n is None; one row per person with previous_rank, rank, rank_change, previous_net, net, net_change.
    Only people present or scored in both months take part; ties in movement go to the larger change in points."""
    m = as_month(month)
    series = _person_series(cur, [m.shift(-1), m])
    now = series[series["month"] == str(m)]
    moved = now[now["rank_change"].notna()].copy()
    moved["previous_rank"] = moved["rank"] + moved["rank_change"]
    moved["net_change"] = moved["change"]
    moved["previous_net"] = (moved["net"] - moved["change"]).round(4)
    risers = moved[moved["rank_change"] > 0].sort_values(
        ["rank_change", "net_change", "rank"], ascending=[False, False, True]
    )
    fallers = moved[moved["rank_change"] < 0].sort_values(
        ["rank_change", "net_change", "rank"], ascending=[True, True, True]
    )
    ints = ("previous_rank", "rank", "rank_change")
    return {
        "risers": _typed(risers if n is None else risers.head(n), MOVER_COLUMNS, ints),
        "fallers": _typed(fallers if n is None else fallers.head(n), MOVER_COLUMNS, ints),
    }
