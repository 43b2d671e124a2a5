"""What a section's flag score (季度夺旗) is made of, for the drill on the page: the section's people in the quarter
(months present, points attributed to the section, stars won in it, vetoes) and every section's counted points per
content and per capita (the radar)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analytics.periods import Quarter
from analytics.results import flag_rollup, rollup
from analytics.results.flags import _quarter, quarter_flags
from analytics.results.points import BOOKS_SQL, PERSON_MONTH_SQL, month_books, month_points, with_sql
from analytics.results.stars import AWARDS_SQL
from analytics.store.db import Con, fetch_df


def section_people(cur: Con, section_id: int, quarter: Quarter | str | date) -> pd.DataFrame:
    """One row per person in the section in any month of the quarter or with events attributed to it: months present
    in the section, net/raw/capped points of events attributed to it, stars won while in it, veto."""
    q = _quarter(quarter)
    books = month_books(cur, q.months)
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.counted_sql(cur), PERSON_MONTH_SQL, AWARDS_SQL)
        + """
        , members as (
            select person_id, count(*)::integer as months_present
            from present where home_section_id = $section_id group by person_id
        ),
        vetoes as (
            select person_id,
                   string_agg(strftime(event_date, '%-m月%-d日') || ' ' || veto_reason, '；' order by event_date, fact_id)
                       as veto_reasons
            from veto_event where section_id = $section_id group by person_id
        ),
        pts as (
            select g.person_id, round(sum(g.counted), 4) as net, round(sum(g.raw), 4) as raw,
                   round(sum(g.raw) - sum(g.counted), 4) as capped, sum(g.events)::integer as events,
                   bool_or(g.veto) as veto, any_value(v.veto_reasons) as veto_reasons
            from grain g left join vetoes v on v.person_id = g.person_id
            where g.section_id = $section_id group by g.person_id
        ),
        st as (
            select person_id,
                   count(*) filter (where award_kind = 'month')::integer as month_stars,
                   count(*) filter (where award_kind = 'content')::integer as content_stars
            from award where section_id = $section_id group by person_id
        ),
        ids as (
            select person_id from members union select person_id from pts union select person_id from st
        )
        select i.person_id, p.name, p.title, coalesce(m.months_present, 0) as months_present,
               coalesce(x.net, 0) as net, coalesce(x.raw, 0) as raw, coalesce(x.capped, 0) as capped,
               coalesce(x.events, 0) as events,
               coalesce(st.month_stars, 0) as month_stars, coalesce(st.content_stars, 0) as content_stars,
               coalesce(st.month_stars, 0) + coalesce(st.content_stars, 0) as stars,
               coalesce(x.veto, false) as veto, x.veto_reasons
        from ids i
        join person p on p.person_id = i.person_id
        left join members m on m.person_id = i.person_id
        left join pts x on x.person_id = i.person_id
        left join st on st.person_id = i.person_id
        order by net desc, stars desc, i.person_id
        """,
        books.sql_params(section_id=int(section_id)),
    )


def quarter_contents(cur: Con, quarter: Quarter | str | date) -> pd.DataFrame:
    """One row per section with people that quarter x content: counted points and per capita over the quarter's
    average headcount (the flag's headcount), for the contents radar of 季度夺旗."""
    q = _quarter(quarter)
    frame, order = _contents(cur, q)
    scored = quarter_flags(cur, q).sections.set_index("section_id")
    heads = scored["headcount"]
    if frame is None or heads.empty:
        return pd.DataFrame(columns=["section_id", "section", "content", "counted", "per_capita"])
    sums = frame.groupby(["section_id", "section", "content"], as_index=False)["counted"].sum()
    grid = pd.MultiIndex.from_product([heads.index, order], names=["section_id", "content"]).to_frame(index=False)
    out = grid.merge(sums.drop(columns="section"), on=["section_id", "content"], how="left").fillna({"counted": 0.0})
    out["section"] = out["section_id"].map(scored["section"])
    out["per_capita"] = (out["counted"] / out["section_id"].map(heads)).astype(float).round(2)
    return out[["section_id", "section", "content", "counted", "per_capita"]]


def _contents(cur: Con, q: Quarter) -> tuple[pd.DataFrame | None, list[str]]:
    """The quarter's counted points by the people's section x content (rows to sum; None when there are none) and
    the contents in the order the months' points tables first show them (month, then section order and person)."""
    if flag_rollup.ready(cur):
        starts = [m.start for m in q.months]
        rows = fetch_df(cur, flag_rollup.CONTENTS_SQL, {"months": starts, "first": starts[0], "last": starts[-1]})
        if rows.empty:
            return None, []
        # A section without an order sorts last, as it does in the points table (nulls last).
        keys = zip(
            rows["month_start"].tolist(),
            rows["sort_order"].isna().tolist(),
            rows["sort_order"].fillna(0).tolist(),
            rows["first_person"].tolist(),
            rows["content"].tolist(),
        )
        order = [key[-1] for key in sorted(keys)]
        return rows[["section_id", "section", "content", "counted"]], list(dict.fromkeys(order))
    parts = [month_points(cur, m) for m in q.months]
    if not any(len(p) for p in parts):
        return None, []
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    return frame, list(dict.fromkeys(frame["content"]))
