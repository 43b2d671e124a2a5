"""One person's file (一人一档): who they are, every score event of the year as counted (after monthly caps) with its
source row, points by month and content, their standing in the department, their stars and their participation."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from analytics.periods import Month, months_of_year
from analytics.results import points as points_module
from analytics.results import rollup, stars
from analytics.results.points import BOOKS_SQL, contents_of, month_books, with_sql
from analytics.store.db import Con, fetch_df, first_row

EVENT_COLUMNS = [
    "fact_id",
    "event_date",
    "month",
    "section_id",
    "section",
    "content",
    "item_code",
    "item_name",
    "points",
    "counted",
    "capped",
    "veto",
    "reason",
    "evidence",
    "recorder",
    "batch_id",
    "source_file",
    "sheet",
    "row_no",
]


def person_card(cur: Con, person_id: int) -> dict[str, Any] | None:
    """The person's header: name, 工号, title, category, left_on, the current section and every stretch in a section
    (岗位交流), oldest first as [{"section", "valid_from", "valid_to"}]; None for an unknown id."""
    row = first_row(
        cur,
        """
        select p.person_id, p.name, p.staff_no, p.title, p.category, p.left_on, p.source_file, p.sheet, p.row_no
        from person p where p.person_id = $person_id
        """,
        {"person_id": int(person_id)},
    )
    if row is None:
        return None
    keys = ["person_id", "name", "staff_no", "title", "category", "left_on", "source_file", "sheet", "row_no"]
    card = dict(zip(keys, row))
    stretches = cur.execute(
        """
        select s.name, m.valid_from, m.valid_to
        from membership m join section s using (section_id)
        where m.person_id = $person_id
        order by m.valid_from, m.valid_to nulls last
        """,
        {"person_id": int(person_id)},
    ).fetchall()
    card["memberships"] = [{"section": name, "valid_from": start, "valid_to": end} for name, start, end in stretches]
    current = [m for m in card["memberships"] if m["valid_to"] is None] or card["memberships"][-1:]
    card["section"] = current[-1]["section"] if current else None
    return card


def person_events(cur: Con, person_id: int, year: int) -> pd.DataFrame:
    """One row per score event of the person in the year, in date order: month ('2022-03'), the section it was
    attributed to, content, item, points, the part counted after the item's monthly cap and the capped rest, veto,
    reason, evidence, recorder and lineage (batch, file, sheet, Excel row).

    Counting runs over everyone's events of the year, because a cap is a running total in date order and must be
    the same here as on the posting."""
    months = months_of_year(year)
    books = month_books(cur, months)
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.events_sql(cur))
        + """
        select c.fact_id, c.event_date, strftime(c.month_start, '%Y-%m') as month, c.section_id, s.name as section,
               c.content, c.item_code, i.name as item_name, c.points, c.counted,
               round(c.points - c.counted, 6) as capped, c.is_veto as veto, f.reason, f.evidence, f.recorder,
               f.batch_id, f.source_file, f.sheet, f.row_no
        from counted_event c
        join score_event f on f.fact_id = c.fact_id
        join books b on b.month_start = c.month_start
        left join rule_item i on i.version_id = b.version_id and i.code = c.item_code
        left join section s on s.section_id = c.section_id
        where c.person_id = $person_id
        order by c.event_date, c.fact_id
        """,
        books.sql_params(person_id=int(person_id)),
    )
    return frame[EVENT_COLUMNS].reset_index(drop=True)


def year_contents(cur: Con, year: int) -> list[str]:
    """The contents of the rule book in force at the year's end, in the book's order."""
    books = month_books(cur, [Month(year, 12)])
    return [name for _, name, _ in contents_of(cur, books.versions[-1])]


def by_month_content(events: pd.DataFrame, year: int, contents: list[str]) -> pd.DataFrame:
    """One row per month of the year x content (the listed contents, then any other content the events name):
    counted points, raw points and events; months and contents without events are zero, so a chart keeps its axes."""
    others = sorted(set(events["content"]) - set(contents)) if len(events) else []
    names = [*contents, *others]
    grid = pd.MultiIndex.from_product([[str(m) for m in months_of_year(year)], names], names=["month", "content"])
    sums = (
        events.groupby(["month", "content"])[["counted", "points"]].sum()
        if len(events)
        else pd.DataFrame(
            columns=["counted", "points"], index=pd.MultiIndex.from_tuples([], names=["month", "content"])
        )
    )
    counts = events.groupby(["month", "content"]).size() if len(events) else pd.Series(dtype="int64")
    out = pd.DataFrame(index=grid)
    out["counted"] = sums["counted"].reindex(grid).fillna(0.0).astype(float).round(4)
    out["raw"] = sums["points"].reindex(grid).fillna(0.0).astype(float).round(4)
    out["events"] = counts.reindex(grid).fillna(0).astype("int64")
    return out.reset_index()


def monthly_totals(events: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per month of the year: counted net, raw, capped, events, cumulative counted net."""
    months = [str(m) for m in months_of_year(year)]
    if len(events):
        sums = events.groupby("month").agg(net=("counted", "sum"), raw=("points", "sum"), events=("fact_id", "count"))
    else:
        sums = pd.DataFrame(columns=["net", "raw", "events"])
    out = sums.reindex(months).fillna(0)
    out["net"] = out["net"].astype(float).round(4)
    out["raw"] = out["raw"].astype(float).round(4)
    out["capped"] = (out["raw"] - out["net"]).round(4)
    out["events"] = out["events"].astype("int64")
    out["cumulative"] = out["net"].cumsum().round(4)
    out.index.name = "month"
    return out.reset_index()


def year_standing(cur: Con, person_id: int, year: int, through: Month | str | int) -> dict[str, Any]:
    """The person's year to date through ``through``: net, raw, capped, events, months present, months with a veto,
    and the competition rank by net among everyone counted that year (rank None when the person is not among them),
    with the number of people ranked. Everyone's year is summed from the points rollup (person x month), and the
    rank is one count, not a sort of the department."""
    last = points_module._through(year, through)
    books = month_books(cur, [m for m in months_of_year(year) if m <= last])
    row = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        , per_person as (
            select person_id, round(sum(net), 4) as net, round(sum(raw), 4) as raw, round(sum(capped), 4) as capped,
                   sum(events)::bigint as events,
                   count(*) filter (where present) as months_present,
                   count(*) filter (where veto) as veto_months
            from person_month
            group by person_id
        ),
        me as (select * from per_person where person_id = $person_id)
        select (select count(*) from per_person) as people, me.net, me.raw, me.capped, me.events,
               me.months_present, me.veto_months,
               case when me.person_id is not null
                    then 1 + (select count(*) from per_person o where o.net > me.net) end as rank
        from (select 1) one left join me on true
        """,
        books.sql_params(person_id=int(person_id)),
    ).iloc[0]
    if pd.isna(row["rank"]):
        return {
            "net": 0.0,
            "raw": 0.0,
            "capped": 0.0,
            "events": 0,
            "months_present": 0,
            "veto_months": 0,
            "rank": None,
            "people": int(row["people"]),
        }
    return {
        "net": float(row["net"]),
        "raw": float(row["raw"]),
        "capped": float(row["capped"]),
        "events": int(row["events"]),
        "months_present": int(row["months_present"]),
        "veto_months": int(row["veto_months"]),
        "rank": int(row["rank"]),
        "people": int(row["people"]),
    }


def person_awards(cur: Con, person_id: int, year: int) -> pd.DataFrame:
    """The person's rows of star_board(cur, year)["awards"], as awards_of gives them, read for this person alone (the
    board of a year lists tens of thousands of awards when content stars tie at capped scores)."""
    last = stars.last_month_with_data(cur, year)
    months = [m for m in months_of_year(year) if last is not None and m <= last]
    if not months:
        return awards_of(pd.DataFrame(columns=stars.AWARD_COLUMNS), person_id)
    books = month_books(cur, months)
    mine = stars.AWARD_ROWS + "    where a.person_id = $person_id" + stars.AWARD_ORDER
    frame = fetch_df(
        cur, with_sql(BOOKS_SQL, rollup.awards_sql(cur, books)) + mine, books.sql_params(person_id=int(person_id))
    )
    return awards_of(stars._named_awards(frame)[stars.AWARD_COLUMNS], person_id)


def awards_of(awards: pd.DataFrame, person_id: int) -> pd.DataFrame:
    """The person's rows of a star board's awards (one row per award x month), 月度之星 before content stars within
    a month."""
    mine = awards[awards["person_id"] == int(person_id)]
    order = (mine["award_kind"] != "month").astype(int)
    return (
        mine.assign(_order=order)
        .sort_values(["month", "_order", "award"])
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def activity_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per activity of a person's participation rows: times taken part, times as 主讲, hours, first and
    last date; most frequent first."""
    columns = ["activity", "times", "speaker", "hours", "first", "last"]
    if rows is None or rows.empty:
        return pd.DataFrame(columns=columns)
    frame = rows.assign(is_speaker=rows["role"].eq("主讲").fillna(False), hours=rows["hours"].astype(float))
    out = frame.groupby("activity", sort=False).agg(
        times=("event_date", "size"),
        speaker=("is_speaker", "sum"),
        hours=("hours", "sum"),
        first=("event_date", "min"),
        last=("event_date", "max"),
    )
    out = out.astype({"times": "int64", "speaker": "int64"}).reset_index()
    return out.sort_values(["times", "activity"], ascending=[False, True]).reset_index(drop=True)[columns]


def as_of_for(year: int, last_date: date | None) -> date:
    """The day a person's year is read on: the year's last day, or the latest data day when the year is running."""
    end = date(year, 12, 31)
    if last_date is None or last_date > end or last_date.year < year:
        return end
    return last_date
