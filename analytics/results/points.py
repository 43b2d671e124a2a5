"""Points (加减分): the month's raw and counted points per person and content after monthly caps, net points with
vetoes, the public posting (公示), year-to-date totals and the source rows behind any number.

The SQL building blocks here (the rule book per month, counted events, person x month) are shared by stars, flags
and trends, so every ranking counts points exactly the way the posting shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.errors import RuleBookError
from analytics.periods import Month, months_of_year
from analytics.results import rollup
from analytics.results.trace import Trace
from analytics.rules import rulebook as rb
from analytics.store.db import Con, fetch_df

CAP_FORMULA = (
    "计分办法：每条加减分记录计入当月该考核内容的得分。设有月度上限的加减分事项，每人每月该事项累计分值按"
    "“符号 × min(|累计分值|, 月度上限)”计入，按日期先后逐条累计，超过上限的部分记为“封顶未计分”，"
    "在公示中单列，不删除原始记录。当月净得分 = 各考核内容计入分值之和。"
    "月度上限和一票否决按该月最后一天在用的规则版本判定；记录中填写了“一票否决”的，以记录为准。"
)

# Shared SQL ---------------------------------------------------------------------------------------
# Each block is a named CTE; a query starts with BOOKS_SQL and adds the blocks it needs, in this order.

# One row per month: its dates, the rule version in force on its last day and that version's star parameters.
BOOKS_SQL = """
    books as (
        select unnest($month_starts::date[]) as month_start,
               unnest($month_ends::date[]) as month_end,
               unnest($versions::integer[]) as version_id,
               unnest($star_top_n::double[]) as star_top_n,
               unnest($star_min_points::double[]) as star_min_points,
               unnest($content_star_threshold::double[]) as content_star_threshold
    )"""

# One row per score event of the months with the points it counts for after its item's monthly cap (only the columns
# rankings need; the posting joins score_event for the rest). Events of a capped item are taken in date order and
# each counts for what it adds to the capped running total, so the counted parts of a person's month add up to
# sign(sum) * min(|sum|, cap) and the part over the cap stays visible on the very rows that went over it.
EVENTS_SQL = """
    event_rule as (
        select e.fact_id, e.event_date, b.month_start, e.person_id, e.section_id, e.content, e.item_code, e.points,
               i.monthly_cap,
               coalesce(e.veto_flag, i.veto, false) as is_veto,
               case when coalesce(e.veto_flag, i.veto, false) then e.reason end as veto_reason
        from score_event e
        join books b on b.month_start = cast(date_trunc('month', e.event_date) as date)
        left join rule_item i on i.version_id = b.version_id and i.code = e.item_code
        -- A range on the column itself, so the scan skips row groups outside the months (the join alone cannot).
        where e.event_date between $span_start::date and $span_end::date
    ),
    event as (
        select *,
               sum(points) over (
                   partition by person_id, month_start, item_code
                   order by event_date, fact_id
                   rows between unbounded preceding and current row
               ) as running
        from event_rule
    ),
    counted_event as (
        select fact_id, event_date, month_start, person_id, section_id, content, item_code, points, monthly_cap,
               is_veto, veto_reason,
               round(case when monthly_cap is null then points
                          else sign(running) * least(abs(running), monthly_cap)
                             - sign(running - points) * least(abs(running - points), monthly_cap)
                     end, 6) as counted
        from event
    )"""

# The grain every total of points is summed from: one row per month x person x the section an event was attributed
# to x content, with raw and counted points, events, whether any was a veto and the last event (date, fact) for the
# person's section of the month; and the veto events themselves (few), for their reasons in date order. The rollup
# table (analytics/results/rollup.py) stores exactly these rows, so a query reads them from there or from here.
GRAIN_SQL = """
    grain as (
        select month_start, person_id, section_id, content,
               sum(points) as raw, sum(counted) as counted, count(*) as events, bool_or(is_veto) as veto,
               max(event_date) as last_date, arg_max(fact_id, (event_date, fact_id)) as last_fact
        from counted_event
        group by month_start, person_id, section_id, content
    ),
    veto_event as (
        select month_start, person_id, section_id, event_date, fact_id, veto_reason
        from event_rule where is_veto
    )"""

# The posting's events: counted_event's rows with the columns only the posting shows (the item's name in the month's
# rule version, reason, evidence, lineage). The rollup gives the same block from one scan of score_event
# (rollup.POSTED_SQL).
POSTED_SQL = """
    posted_event as (
        select c.*, i.name as item_name,
               f.reason, f.evidence, f.recorder, f.batch_id, f.source_file, f.sheet, f.row_no
        from counted_event c
        join score_event f on f.fact_id = c.fact_id
        join books b on b.month_start = c.month_start
        left join rule_item i on i.version_id = b.version_id and i.code = c.item_code
    )"""

# One row per person x month: everyone present that month (a membership overlapping it, not left before it began)
# and everyone with events. The section is that of the person's last event of the month; without events, the
# membership in force at the month's end (the latest one overlapping the month).
PERSON_MONTH_SQL = """
    present as (
        select b.month_start, m.person_id, arg_max(m.section_id, m.valid_from) as home_section_id
        from books b
        join membership m on m.valid_from <= b.month_end and (m.valid_to is null or m.valid_to >= b.month_start)
        join person p on p.person_id = m.person_id
        where p.left_on is null or p.left_on >= b.month_start
        group by b.month_start, m.person_id
    ),
    veto_reasons as (
        select month_start, person_id,
               string_agg(strftime(event_date, '%-m月%-d日') || ' ' || veto_reason, '；' order by event_date, fact_id)
                   as veto_reasons
        from veto_event
        group by month_start, person_id
    ),
    scored as (
        select g.month_start, g.person_id,
               arg_max(g.section_id, (g.last_date, g.last_fact)) as event_section_id,
               round(sum(g.raw), 4) as raw,
               round(sum(g.counted), 4) as net,
               round(sum(g.raw) - sum(g.counted), 4) as capped,
               sum(g.events)::bigint as events,
               bool_or(g.veto) as veto,
               any_value(v.veto_reasons) as veto_reasons
        from grain g
        left join veto_reasons v on v.month_start = g.month_start and v.person_id = g.person_id
        group by g.month_start, g.person_id
    ),
    person_month as (
        select coalesce(s.month_start, p.month_start) as month_start,
               coalesce(s.person_id, p.person_id) as person_id,
               coalesce(s.event_section_id, p.home_section_id) as section_id,
               p.home_section_id,
               p.person_id is not null as present,
               coalesce(s.net, 0) as net,
               coalesce(s.raw, 0) as raw,
               coalesce(s.capped, 0) as capped,
               coalesce(s.events, 0) as events,
               coalesce(s.veto, false) as veto,
               s.veto_reasons
        from scored s
        full join present p on p.month_start = s.month_start and p.person_id = s.person_id
    )"""


@dataclass(frozen=True)
class MonthBooks:
    """The rule version in force for each month (on its last day) and that version's parameters and start date."""

    months: tuple[Month, ...]
    versions: tuple[int, ...]
    params: tuple[dict[str, float], ...]
    effective: tuple[date | None, ...]

    def sql_params(self, **more: Any) -> dict[str, Any]:
        """The named values BOOKS_SQL takes, and the query's own (``more``) beside them."""
        return {
            "month_starts": [m.start for m in self.months],
            "month_ends": [m.end for m in self.months],
            "versions": list(self.versions),
            "star_top_n": [p["star_top_n"] for p in self.params],
            "star_min_points": [p["star_min_points"] for p in self.params],
            "content_star_threshold": [p["content_star_threshold"] for p in self.params],
            "span_start": min((m.start for m in self.months), default=None),
            "span_end": max((m.end for m in self.months), default=None),
            **more,
        }

    def trace(self, subject: str, keys: list[str], formula: str, **rest) -> Trace:
        """A trace naming the version in force for the last month, with the parameters it used."""
        params = self.params[-1]
        return Trace(subject, self.versions[-1], self.effective[-1], {k: params[k] for k in keys}, formula, **rest)


def month_books(cur: Con, months: list[Month]) -> MonthBooks:
    """Resolve the rule version of each month with the rule book's own spans, without loading whole books (a
    ranking over a year needs twelve versions' parameters, not twelve books)."""
    spans = rb.version_spans(cur)
    if not spans:
        raise RuleBookError("数据库中还没有规则，请重新启动以写入默认规则")
    versions = []
    for m in months:
        chosen = spans[0][0]
        for version_id, valid_from, _ in spans:
            if valid_from <= m.end:
                chosen = version_id
        versions.append(chosen)
    rows = cur.execute(
        """
        select p.version_id, p.key, p.value, v.effective_from
        from rule_param p join rule_version v on v.version_id = p.version_id
        where p.version_id in (select unnest($versions))
        """,
        {"versions": sorted(set(versions))},
    ).fetchall()
    by_version: dict[int, dict[str, float]] = {}
    starts: dict[int, date] = {}
    for version_id, key, value, effective_from in rows:
        by_version.setdefault(version_id, {})[key] = value
        starts[version_id] = effective_from
    return MonthBooks(
        tuple(months),
        tuple(versions),
        tuple(by_version[v] for v in versions),
        tuple(starts.get(v) for v in versions),
    )


def contents_of(cur: Con, version_id: int) -> list[tuple[str, str, str]]:
    """(code, name, star name) of a rule version's contents, in the book's order."""
    return cur.execute(
        "select code, name, star_name from rule_content where version_id = $version_id order by sort_order",
        {"version_id": version_id},
    ).fetchall()


def with_sql(*blocks: str) -> str:
    """The `with` clause of a query made of the shared blocks."""
    return "with " + ",".join(blocks)


def as_month(month: Month | str | date) -> Month:
    return Month.parse(month)


def content_column(code: str) -> str:
    return f"content_{code.lower()}"


def content_columns(cur: Con, month: Month | str) -> dict[str, str]:
    """Per-content column of person_month_net → the content's Chinese name, in the rule book's order."""
    books = month_books(cur, [as_month(month)])
    return {content_column(code): name for code, name, _ in contents_of(cur, books.versions[-1])}


# Month ------------------------------------------------------------------------------------------


def month_points(cur: Con, month: Month | str) -> pd.DataFrame:
    """One row per person x content with events in the month: raw points, counted points after monthly caps and the
    capped part (raw - counted), with the person's section that month."""
    m = as_month(month)
    books = month_books(cur, [m])
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        select $month as month, g.person_id, p.name, pm.section_id, s.name as section, g.content,
               sum(g.events)::bigint as events,
               round(sum(g.raw), 4) as raw,
               round(sum(g.counted), 4) as counted,
               round(sum(g.raw) - sum(g.counted), 4) as capped
        from grain g
        join person_month pm using (month_start, person_id)
        join person p on p.person_id = g.person_id
        left join section s on s.section_id = pm.section_id
        group by g.person_id, p.name, pm.section_id, s.name, s.sort_order, g.content
        order by s.sort_order, g.person_id, g.content
        """,
        books.sql_params(month=str(m)),
    )


def person_month_net(cur: Con, month: Month | str) -> pd.DataFrame:
    """One row per person present in the month or with events in it: section, net (counted) points, raw, capped,
    veto and its reasons, and one column per content (``content_<code>``, see content_columns) with counted points.

    ``present`` is false for someone with events but no membership that month (for example after leaving)."""
    m = as_month(month)
    books = month_books(cur, [m])
    listed = contents_of(cur, books.versions[-1])
    contents = [name for _, name, _ in listed]
    # A content renamed by a later rule version still gets its own column rather than vanishing.
    others = [
        row[0]
        for row in cur.execute(
            """
            select distinct content from score_event
            where event_date between $start and $end and content not in (select unnest($contents::varchar[]))
            order by content
            """,
            {"start": m.start, "end": m.end, "contents": contents},
        ).fetchall()
    ]
    names = contents + others
    codes = {name: code for code, name, _ in listed}
    # Numbered aliases and parameters keep rule-book text out of the SQL; the names go in as values.
    per_content = "".join(
        f",\n               round(coalesce(sum(g.counted) filter (where g.content = $content{n}), 0), 4) as c{n}"
        for n in range(len(names))
    )
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + f"""
        , by_content as (
            select g.person_id{per_content}
            from grain g
            group by g.person_id
        )
        select $month as month, pm.person_id, p.name, p.staff_no, pm.section_id, s.name as section, pm.present,
               pm.net, pm.raw, pm.capped, pm.events, pm.veto, pm.veto_reasons, bc.* exclude (person_id)
        from person_month pm
        join person p on p.person_id = pm.person_id
        left join section s on s.section_id = pm.section_id
        left join by_content bc on bc.person_id = pm.person_id
        order by pm.net desc, s.sort_order, pm.person_id
        """,
        books.sql_params(month=str(m), **{f"content{n}": name for n, name in enumerate(names)}),
    )
    renamed = {f"c{n}": content_column(codes.get(name, name)) for n, name in enumerate(names)}
    frame = frame.rename(columns=renamed)
    for column in renamed.values():
        frame[column] = frame[column].fillna(0.0).astype(float)
    return frame


def posting(cur: Con, month: Month | str) -> pd.DataFrame:
    """The public posting (公示): one row per score event of the month, with person, section, content, item, points,
    the counted and capped part, reason, evidence and lineage, plus ``person_total`` (the person's counted net for
    the month, summed from the grain every other total comes from). Per-person totals as a table: posting_totals()."""
    m = as_month(month)
    books = month_books(cur, [m])
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.posting_sql(cur))
        + """
        , totals as (
            select person_id, round(sum(counted), 4) as person_total from grain group by person_id
        )
        select c.fact_id, c.event_date, c.person_id, p.name, c.section_id, s.name as section, c.content,
               c.item_code, c.item_name, c.points, c.counted, round(c.points - c.counted, 6) as capped,
               c.is_veto as veto, c.reason, c.evidence, c.recorder,
               c.batch_id, c.source_file, c.sheet, c.row_no, t.person_total
        from posted_event c
        join person p on p.person_id = c.person_id
        left join section s on s.section_id = c.section_id
        join totals t on t.person_id = c.person_id
        order by s.sort_order, c.person_id, c.event_date, c.fact_id
        """,
        books.sql_params(),
    )


def posting_totals(cur: Con, month: Month | str) -> pd.DataFrame:
    """Totals of the posting: one row per person with events in the month (events, raw, counted net, capped, veto)."""
    m = as_month(month)
    books = month_books(cur, [m])
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        select pm.person_id, p.name, pm.section_id, s.name as section, pm.events, pm.raw, pm.net, pm.capped,
               pm.veto, pm.veto_reasons
        from person_month pm
        join person p on p.person_id = pm.person_id
        left join section s on s.section_id = pm.section_id
        where pm.events > 0
        order by s.sort_order, pm.person_id
        """,
        books.sql_params(),
    )


def points_trace(cur: Con, month: Month | str) -> Trace:
    """How the month's points were counted: the cap rule in words and, as inputs, every person x item that hit its
    monthly cap (one row per person x item: raw, cap, counted, capped)."""
    m = as_month(month)
    books = month_books(cur, [m])
    capped = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.events_sql(cur))
        + """
        select p.name, s.name as section, c.item_code, i.name as item_name, max(c.monthly_cap) as monthly_cap,
               round(sum(c.points), 4) as raw, round(sum(c.counted), 4) as counted,
               round(sum(c.points) - sum(c.counted), 4) as capped
        from counted_event c
        join books b on b.month_start = c.month_start
        left join rule_item i on i.version_id = b.version_id and i.code = c.item_code
        join person p on p.person_id = c.person_id
        left join section s on s.section_id = c.section_id
        where c.monthly_cap is not null
        group by c.person_id, p.name, s.name, c.item_code, i.name
        having abs(sum(c.points) - sum(c.counted)) > 1e-9
        order by p.name, c.item_code
        """,
        books.sql_params(),
    )
    notes = []
    if len(capped):
        notes.append(
            f"{m.label}共有 {len(capped)} 人次的事项超过月度上限，封顶未计分合计 {capped['capped'].sum():g} 分"
        )
    return books.trace(f"{m.label} 加减分计分", [], CAP_FORMULA, inputs=capped, notes=notes)


# Year to date -----------------------------------------------------------------------------------


def _through(year: int, through_month: Month | str | int) -> Month:
    if isinstance(through_month, int):
        return Month(year, through_month)
    found = as_month(through_month)
    if found.year != year:
        raise ValueError(f"截止月份 {found} 不在 {year} 年内")
    return found


YTD_PEOPLE_COLUMNS = [
    "person_id",
    "name",
    "section_id",
    "section",
    "net",
    "raw",
    "capped",
    "events",
    "months_present",
    "veto_months",
]
YTD_SECTION_COLUMNS = ["section_id", "section", "net", "raw", "capped", "events", "people"]


def ytd_points(cur: Con, year: int, through_month: Month | str | int) -> dict[str, pd.DataFrame]:
    """Year-to-date net points from January through ``through_month`` (a Month, '2022-03' or 3).

    Returns {"people": one row per person present in a month of the span or with events in it (section = the one
    of the person's latest month; net, raw, capped, events, months_present, veto_months), "sections": one row per
    section with events (points attributed by the section on each event's date)}."""
    last = _through(year, through_month)
    months = [m for m in months_of_year(year) if m <= last]
    books = month_books(cur, months)
    # Both tables in one query: the shared blocks run once.
    frame = fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        , per_person as (
            select person_id,
                   arg_max(section_id, month_start) as section_id,
                   round(sum(net), 4) as net, round(sum(raw), 4) as raw, round(sum(capped), 4) as capped,
                   sum(events) as events,
                   count(*) filter (where present) as months_present,
                   count(*) filter (where veto) as veto_months
            from person_month
            group by person_id
        ),
        per_section as (
            select section_id, round(sum(counted), 4) as net, round(sum(raw), 4) as raw,
                   round(sum(raw) - sum(counted), 4) as capped, sum(events) as events,
                   count(distinct person_id) as people
            from grain
            group by section_id
        )
        select 'person' as row_kind, pp.person_id, p.name, pp.section_id, s.name as section, pp.net, pp.raw,
               pp.capped, pp.events::integer as events, pp.months_present::integer as months_present,
               pp.veto_months::integer as veto_months, null::integer as people, s.sort_order
        from per_person pp
        join person p on p.person_id = pp.person_id
        left join section s on s.section_id = pp.section_id
        union all
        select 'section', null, null, ps.section_id, s.name, ps.net, ps.raw, ps.capped, ps.events::integer, null,
               null, ps.people::integer, s.sort_order
        from per_section ps
        left join section s on s.section_id = ps.section_id
        order by row_kind, net desc, sort_order, person_id
        """,
        books.sql_params(),
    )
    people = frame[frame["row_kind"] == "person"][YTD_PEOPLE_COLUMNS].astype(
        {"person_id": "int64", "events": "int64", "months_present": "int64", "veto_months": "int64"}
    )
    sections = frame[frame["row_kind"] == "section"][YTD_SECTION_COLUMNS].astype({"events": "int64", "people": "int64"})
    people = people.reset_index(drop=True)
    sections = sections.reset_index(drop=True)
    return {"people": people, "sections": sections}


def ytd_leader(cur: Con, year: int, through_month: Month | str | int) -> int | None:
    """The first person of ytd_points(...)["people"] (the highest year-to-date net; ties by section order, then id),
    without summing the sections' table; None without anyone."""
    last = _through(year, through_month)
    books = month_books(cur, [m for m in months_of_year(year) if m <= last])
    rows = cur.execute(
        with_sql(BOOKS_SQL, rollup.people_sql(cur, books))
        + """
        , per_person as (
            select person_id, arg_max(section_id, month_start) as section_id, round(sum(net), 4) as net
            from person_month
            group by person_id
        )
        select pp.person_id
        from per_person pp
        join person p on p.person_id = pp.person_id
        left join section s on s.section_id = pp.section_id
        order by pp.net desc, s.sort_order, pp.person_id
        limit 1
        """,
        books.sql_params(),
    ).fetchall()
    return int(rows[0][0]) if rows else None


# Source rows ------------------------------------------------------------------------------------


def event_sources(cur: Con, person_id: int, month: Month | str, content: str | None = None) -> pd.DataFrame:
    """The events behind a person's number for a month (optionally one content): one row per score event with the
    counted and capped part and its lineage (batch, file, sheet, Excel row, import time)."""
    m = as_month(month)
    books = month_books(cur, [m])
    return fetch_df(
        cur,
        with_sql(BOOKS_SQL, rollup.events_sql(cur))
        + """
        select c.fact_id, c.event_date, c.content, c.item_code, i.name as item_name, c.points, c.counted,
               round(c.points - c.counted, 6) as capped, c.is_veto as veto, f.reason, f.evidence, f.recorder,
               f.batch_id, f.source_file, f.sheet, f.row_no, ib.imported_at
        from counted_event c
        join score_event f on f.fact_id = c.fact_id
        join import_batch ib on ib.batch_id = f.batch_id
        join books b on b.month_start = c.month_start
        left join rule_item i on i.version_id = b.version_id and i.code = c.item_code
        where c.person_id = $person_id and ($content::varchar is null or c.content = $content::varchar)
        order by c.event_date, c.fact_id
        """,
        books.sql_params(person_id=int(person_id), content=content),
    )
