"""总览 as data: the OverviewPage object for a month and the department or one section, and several sections'
pages in one pass (the deputy head's deck). Re-exported by pages, where the other page objects live."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.periods import Month, Quarter
from analytics.results import flags, participation, points, stars, tasks, trends
from analytics.results.lights import CLOSED, OVERDUE
from analytics.store import catalog as catalog_module
from analytics.store.db import Con

# 总览 ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewPage:
    """What 总览 shows for a month and (optionally) one section.

    KPI cards: ``flag_holder`` (流动红旗 flying this quarter, won in ``flag_quarter``), ``headcount`` (people on the
    roster that month), ``net`` and ``net_before`` (the month before, None without data), ``month_star_count`` and
    ``content_star_count``, ``tasks`` / ``tasks_closed`` / ``tasks_overdue`` on the month's last day and
    ``task_close_rate``, ``people_active`` / ``people_present`` and ``participation_rate``, ``participation_rows``,
    ``five_one`` (五个一 completion weighted by headcount).
    Charts: ``series`` (one row per month: net, headcount, per_capita), ``sections`` (one row per section of the
    month: headcount, net, net_per_capita), ``mix`` (one row per content: counted, capped), ``stars`` (the month's
    awards in scope)."""

    month: Month
    section_id: int | None
    has_points: bool
    headcount: int
    net: float
    net_before: float | None
    series: pd.DataFrame
    sections: pd.DataFrame
    mix: pd.DataFrame
    stars: pd.DataFrame
    month_star_count: int
    content_star_count: int
    flag_holder: str | None
    flag_quarter: Quarter
    tasks: int
    tasks_closed: int
    tasks_overdue: int
    people_active: int
    people_present: int
    participation_rows: int
    five_one: float | None

    @property
    def net_change(self) -> float | None:
        """The net against the month before; None when that month has no data."""
        return None if self.net_before is None else self.net - self.net_before

    @property
    def task_close_rate(self) -> float | None:
        return self.tasks_closed / self.tasks if self.tasks else None

    @property
    def participation_rate(self) -> float | None:
        return self.people_active / self.people_present if self.people_present else None


def in_section(frame: pd.DataFrame, section_id: int | None) -> pd.DataFrame:
    """The rows of one section (by its section_id column), or all rows for the department (None): the section
    filter of 总览, and of every page that narrows the same frames (每月摘星's wall, ranking and board)."""
    return frame if section_id is None else frame[frame["section_id"] == section_id]


def _series(frame: pd.DataFrame, section_id: int | None) -> pd.DataFrame:
    """One row per month: net, headcount and net per capita of the department or of one section."""
    frame = in_section(frame, section_id)
    out = frame.groupby("month", sort=True).agg(net=("net", "sum"), headcount=("headcount", "sum")).reset_index()
    out["net"] = out["net"].astype(float).round(2)
    out["per_capita"] = (out["net"] / out["headcount"].where(out["headcount"] > 0)).astype(float).round(2)
    return out


def _month_net(trend_before: pd.DataFrame | None, month: Month, section_id: int | None) -> float | None:
    """A month's net (also in another year) from that year's section trend; None when that month has no data."""
    if trend_before is None:
        return None
    return float(in_section(trend_before[trend_before["month"] == str(month)], section_id)["net"].sum())


def overview_page(
    cur: Con, month: Month | str, section_id: int | None = None, months: list[str] | None = None
) -> OverviewPage:
    """What 总览 shows; months = the months with any data (the catalog's, read when not given)."""
    return overview_pages(cur, month, [section_id], months)[0]


def overview_pages(
    cur: Con, month: Month | str, section_ids: list[int | None], months: list[str] | None = None
) -> list[OverviewPage]:
    """What 总览 shows for each of several scopes (None = the department) in one pass: every engine runs once for
    the month and each page takes its section's rows (a deputy head's deck shows two or three sections)."""
    m = Month.parse(str(month))
    months = list(catalog_module.load(cur).months if months is None else months)
    before = m.shift(-1)
    trend = trends.section_trend(cur, m.year)
    trend_before = None
    if str(before) in months:
        trend_before = trend if before.year == m.year else trends.section_trend(cur, before.year)
    shared = (
        points.month_points(cur, m),
        list(points.content_columns(cur, m).values()),
        stars.monthly_stars(cur, m).stars,
        flags.quarter_flags(cur, m.quarter.shift(-1)),
        tasks.section_light_counts(cur, m.end),
        participation.section_participation(cur, m.start, m.end, m.end),
    )
    return [_overview(m, section_id, months, trend, trend_before, *shared) for section_id in section_ids]


def _overview(
    m: Month,
    section_id: int | None,
    months: list[str],
    trend: pd.DataFrame,
    trend_before: pd.DataFrame | None,
    month_mix: pd.DataFrame,
    listed: list[str],
    month_stars: pd.DataFrame,
    held: flags.FlagResult,
    month_lights: pd.DataFrame,  # tasks per section and light (tasks.section_light_counts)
    month_part: pd.DataFrame,
) -> OverviewPage:
    series = _series(trend, section_id)
    row = series[series["month"] == str(m)]
    sections = trend[trend["month"] == str(m)][["section_id", "section", "headcount", "net", "net_per_capita"]]

    mix = in_section(month_mix, section_id)
    order = listed + sorted(set(mix["content"]) - set(listed))
    mix = mix.groupby("content")[["counted", "capped"]].sum().reindex(order).fillna(0.0).reset_index()

    awarded = in_section(month_stars, section_id)
    lights = in_section(month_lights, section_id)
    took_part = in_section(month_part, section_id)
    # People on the roster that month, also in a month without points (the points series is then empty).
    heads = int(took_part["headcount"].sum())
    completion = took_part["five_one_completion"].astype(float)
    weights = took_part["headcount"].astype(float)
    five_one = (
        float((completion * weights).sum() / weights[completion.notna()].sum()) if completion.notna().any() else None
    )
    return OverviewPage(
        month=m,
        section_id=section_id,
        has_points=bool(len(row)) and str(m) in months,
        headcount=heads,
        net=float(row["net"].iat[0]) if len(row) else 0.0,
        net_before=_month_net(trend_before, m.shift(-1), section_id),
        series=series,
        sections=sections.reset_index(drop=True),
        mix=mix,
        stars=awarded.reset_index(drop=True),
        month_star_count=int((awarded["award_kind"] == "month").sum()),
        content_star_count=int((awarded["award_kind"] == "content").sum()),
        flag_holder=flags.flag_text(held.red_flag),
        flag_quarter=held.quarter,
        tasks=int(lights["tasks"].sum()),
        tasks_closed=int(lights.loc[lights["light"] == CLOSED, "tasks"].sum()),
        tasks_overdue=int(lights.loc[lights["light"] == OVERDUE, "tasks"].sum()),
        people_active=int(took_part["active_people"].sum()),
        people_present=heads,
        participation_rows=int(took_part["rows"].sum()),
        five_one=five_one,
    )
