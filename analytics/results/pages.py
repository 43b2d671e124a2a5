"""What each board page shows, as data: one object per page and period, built from the engines in this folder.

The page draws these objects and computes nothing of its own, and the meeting deck and the monthly posting read the
same objects, so a page, a slide and a printed posting cannot disagree. Names here are stable: other modules import
them.

- ``overview_page(cur, month, section_id)`` → ``OverviewPage``: what 总览 shows for a month (department or one
  section); ``overview_pages(cur, month, section_ids)`` for several sections in one pass (analytics/results/overview.py);
  ``in_section(frame, section_id)``: its section filter, which 每月摘星 applies to its wall, ranking and board too.
- ``content_ranking(cur, month)`` → ``ContentRanking``: 每月摘星's ranking by content.
- ``star_streak(board)`` → ``Streak | None``: the longest run of 月度之星 on the year's 摘星榜.
- ``flags.quarter_flags`` (``FlagResult``; ``.sections`` carries the weighted parts ``part_points``,
  ``part_stars``, ``part_tasks`` that add up to ``score``), ``flags.flag_holder``, ``flag_drill.quarter_contents``:
  季度夺旗.
- ``task_kpis(frame, as_of)`` → ``TaskKpis``: 任务督办's KPI row; ``task_as_of``, ``attention_groups``,
  ``filter_tasks``: its day, its 需要关注 tabs and its filters.
- ``trend_lines(...)`` → ``TrendLines``: 趋势分析's three small charts and the figures in their sentences.
- ``person_file(cur, person_id, year, last_date)`` → ``PersonFile | None``: 个人档案.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from analytics.periods import Month
from analytics.results import arena, participation, points, profile, stars, tasks, trends
from analytics.results.lights import ATTENTION, CLOSED, OVERDUE, STALE, Light
from analytics.results.overview import OverviewPage as OverviewPage
from analytics.results.overview import in_section as in_section
from analytics.results.overview import overview_page as overview_page
from analytics.results.overview import overview_pages as overview_pages
from analytics.store.db import Con

# 每月摘星 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentRanking:
    """每月摘星's ranking: ``people`` = the month's people with events, net first (person_id, name, section_id,
    section, net, raw, capped, events, veto, rank, star = won 月度之星, and counted points per content in columns
    named by content); ``contents`` = the content names in the rule book's order."""

    people: pd.DataFrame
    contents: list[str]


def content_ranking(cur: Con, month: Month | str) -> ContentRanking:
    frame = points.person_month_net(cur, month)
    columns = points.content_columns(cur, month)
    result = stars.monthly_stars(cur, month)
    scored = frame[frame["events"] > 0].rename(columns=columns)
    winners = set(result.stars.loc[result.stars["award_kind"] == "month", "person_id"])
    scored = scored.assign(star=scored["person_id"].isin(winners))
    scored["rank"] = scored["person_id"].map(result.ranking.set_index("person_id")["rank"])
    keep = ["person_id", "name", "section_id", "section", "net", "raw", "capped", "events", "veto", "rank", "star"]
    return ContentRanking(scored[keep + list(columns.values())].reset_index(drop=True), list(columns.values()))


@dataclass(frozen=True)
class Streak:
    """The longest run of consecutive months with 月度之星 on a year's board (more than one month)."""

    person_id: int
    name: str
    months: int
    end: str  # '2022-07'


def star_streak(board: dict[str, Any]) -> Streak | None:
    """The best streak of star_board(...): longest run first, then the most stars; None without a run of two."""
    people = board["people"]
    if people.empty:
        return None
    best = people.sort_values(["longest_streak", "total"], ascending=False).iloc[0]
    if best["longest_streak"] <= 1:
        return None
    return Streak(int(best["person_id"]), str(best["name"]), int(best["longest_streak"]), str(best["streak_end"]))


# 任务督办 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskKpis:
    """What 任务督办's KPI row shows for the tasks on the wall (after the ledger and section filters): tasks, closed
    and the completion rate; tasks due by as_of, those closed by their due date and the on-time rate (the same rule
    as ``rates`` counts in SQL); overdue (light 逾期) and stale (flag 久未反馈 present, beside any light)."""

    tasks: int
    closed: int
    completion: float | None
    due: int
    on_time: int
    on_time_rate: float | None
    overdue: int
    stale: int

    @property
    def open(self) -> int:
        return self.tasks - self.closed


def task_kpis(frame: pd.DataFrame, as_of: date) -> TaskKpis:
    """The KPI row of a frame of task_lights on as_of (column-wise: a city's ledger holds tens of thousands of tasks)."""
    if frame.empty:
        return TaskKpis(0, 0, None, 0, 0, None, 0, 0)
    light = frame["light"]
    closed = light == CLOSED
    due_date = pd.to_datetime(frame["due_date"])
    closed_on = pd.to_datetime(frame["closed_on"])
    due = due_date <= pd.Timestamp(as_of)
    on_time = due & closed & closed_on.notna() & (closed_on <= due_date)
    n, n_closed, n_due = len(frame), int(closed.sum()), int(due.sum())
    return TaskKpis(
        tasks=n,
        closed=n_closed,
        completion=n_closed / n,
        due=n_due,
        on_time=int(on_time.sum()),
        on_time_rate=int(on_time.sum()) / n_due if n_due else None,
        overdue=int((light == OVERDUE).sum()),
        stale=int(frame["flags"].map(lambda flags: STALE in flags).sum()),
    )


def _known(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def task_as_of(month: Month, today: date | None = None) -> date:
    """The wall is read on the last day of the chosen month, or today while that month is still running."""
    return min(month.end, today or date.today())


def attention_groups(attention: pd.DataFrame) -> list[tuple[Light, pd.DataFrame]]:
    """The attention list split by what is wrong, overdue and 久未反馈 first; a task with two flags is in both."""
    return [(light, attention[attention["flags"].map(lambda f, x=light.label: x in f)]) for light in ATTENTION]


# The Gantt chart draws at most this many tasks (the wall's first ones: what needs attention is on top).
GANTT_LIMIT = 150


def tasks_in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The tasks of task_lights that belong to the chosen year's wall: still open on the as-of day, or closed on or
    after the year's first day. Tasks closed in earlier years stay in the KPIs and rates, not in the lists."""
    start = date(year, 1, 1)
    closed_before = frame["closed_on"].map(lambda d: _known(d) and d < start)
    return frame[~closed_before.astype(bool)].reset_index(drop=True)


def gantt_rows(frame: pd.DataFrame, limit: int = GANTT_LIMIT) -> pd.DataFrame:
    """The first ``limit`` tasks of the wall for the Gantt chart: a bounded, relevant set, whatever the data size."""
    return frame.head(limit)


def filter_tasks(frame: pd.DataFrame, ledger: str | None, section_id: int | None) -> pd.DataFrame:
    keep = pd.Series(True, index=frame.index)
    if ledger is not None:
        keep &= frame["ledger"] == ledger
    if section_id is not None:
        keep &= frame["section_id"] == section_id
    return frame[keep].reset_index(drop=True)


# 趋势分析 -------------------------------------------------------------------------------------------

MEASURES = {"monthly": "value", "cumulative": "cumulative", "change": "change"}


@dataclass(frozen=True)
class TrendLines:
    """趋势分析's three small charts in the chosen measure and the figures their sentences quote.

    ``person``: month, mine, average (the department's net per capita); ``section``: month, ours, average;
    ``content``: month, counted. Person: ``person_total``, ``person_average`` (per month), ``person_now`` (the month's
    net), ``person_rank`` (None when unranked). Section: ``section_total``, ``section_now`` (net per capita, None
    without people), ``section_rank``, ``section_count`` (sections ranked that month). Content: ``content_total``,
    ``content_now``."""

    person: pd.DataFrame
    person_total: float
    person_average: float
    person_now: float
    person_rank: int | None
    section: pd.DataFrame
    section_total: float
    section_now: float | None
    section_rank: int | None
    section_count: int
    content: pd.DataFrame
    content_total: float
    content_now: float


def _measured(frame: pd.DataFrame, value: str, months: list[str]) -> pd.DataFrame:
    """A monthly value over every month (zero when missing) with its running total and change on the month before."""
    out = frame.set_index("month")[[value]].reindex(months).fillna(0.0).rename(columns={value: "value"})
    out["value"] = out["value"].astype(float).round(2)
    out["cumulative"] = out["value"].cumsum().round(2)
    out["change"] = out["value"].diff().round(2)
    out.index.name = "month"
    return out.reset_index()


def _rank(frame: pd.DataFrame) -> int | None:
    return int(frame["rank"].iat[0]) if len(frame) and pd.notna(frame["rank"].iat[0]) else None


def trend_lines(
    people: pd.DataFrame,
    sections: pd.DataFrame,
    contents: pd.DataFrame,
    person_id: int,
    section: str,
    content: str,
    measure: str,
    month: str,
) -> TrendLines:
    """From trends.person_trend, section_trend and content_trend of one year (read once and shared by the page)."""
    months = sorted(set(people["month"]))
    column = MEASURES[measure]
    totals = sections.groupby("month").agg(net=("net", "sum"), headcount=("headcount", "sum")).reset_index()
    totals["per_capita"] = totals["net"] / totals["headcount"].where(totals["headcount"] > 0)
    average = _measured(totals, "per_capita", months)

    mine = _measured(people[people["person_id"] == person_id], "net", months)
    part = sections[sections["section"] == section]
    ours = _measured(part, "net_per_capita", months)
    now = part[part["month"] == month]
    theirs = _measured(contents[contents["content"] == content], "counted", months)
    return TrendLines(
        person=pd.DataFrame({"month": months, "mine": mine[column], "average": average[column]}),
        person_total=float(mine["value"].sum()),
        person_average=float(mine["value"].mean()),
        person_now=float(mine.set_index("month")["value"].get(month, 0.0)),
        person_rank=_rank(people[(people["person_id"] == person_id) & (people["month"] == month)]),
        section=pd.DataFrame({"month": months, "ours": ours[column], "average": average[column]}),
        section_total=float(part["net"].sum()),
        section_now=float(now["net_per_capita"].iat[0])
        if len(now) and pd.notna(now["net_per_capita"].iat[0])
        else None,
        section_rank=_rank(now),
        section_count=int(sections[sections["month"] == month]["rank"].notna().sum()),
        content=pd.DataFrame({"month": months, "counted": theirs[column]}),
        content_total=float(theirs["value"].sum()),
        content_now=float(theirs.set_index("month")["value"].get(month, 0.0)),
    )


# 个人档案 -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFile:
    """What 个人档案 shows for one person and year: ``card`` (profile.person_card), ``as_of`` (the day tasks and
    五个一 are judged), ``events`` (the year's score events as counted), ``by_month_content`` and ``months`` (the
    points chart), ``standing`` (year rank, None before any data), ``awards``, ``five_one`` (the matrix row),
    ``five_one_overall`` (None when nothing is owed yet), ``activities`` and ``participation_rows``, ``tasks`` (as
    responsible person) with ``tasks_overdue``, and ``arena`` (their contest results)."""

    card: dict[str, Any]
    as_of: date
    events: pd.DataFrame
    by_month_content: pd.DataFrame
    months: pd.DataFrame
    standing: dict[str, Any] | None
    awards: pd.DataFrame
    five_one: pd.DataFrame
    activities: pd.DataFrame
    participation_rows: int
    tasks: pd.DataFrame
    arena: pd.DataFrame

    @property
    def month_star_count(self) -> int:
        return int((self.awards["award_kind"] == "month").sum())

    @property
    def content_star_count(self) -> int:
        return int((self.awards["award_kind"] == "content").sum())

    @property
    def five_one_overall(self) -> float | None:
        overall = self.five_one["overall"].dropna() if "overall" in self.five_one else pd.Series(dtype=float)
        return float(overall.iat[0]) if len(overall) else None

    @property
    def events_net(self) -> float:
        return float(self.events["counted"].sum())

    @property
    def events_capped(self) -> float:
        return float(self.events["capped"].sum())

    @property
    def events_files(self) -> int:
        return int(self.events["source_file"].nunique())

    @property
    def tasks_overdue(self) -> int:
        return int((self.tasks["light"] == OVERDUE).sum()) if len(self.tasks) else 0


def person_file(cur: Con, person_id: int, year: int, last_date: date | None) -> PersonFile | None:
    """个人档案 of one person and year; None for an unknown person. last_date = the last day with any data."""
    card = profile.person_card(cur, person_id)
    if card is None:
        return None
    as_of = profile.as_of_for(year, last_date)
    events = profile.person_events(cur, person_id, year)
    contents = profile.year_contents(cur, year)
    last = stars.last_month_with_data(cur, year)
    rows = participation.person_participation(cur, person_id, year)
    results = arena.arena_results(cur, year)
    return PersonFile(
        card=card,
        as_of=as_of,
        events=events,
        by_month_content=profile.by_month_content(events, year, contents),
        months=profile.monthly_totals(events, year),
        standing=profile.year_standing(cur, person_id, year, last) if last else None,
        awards=profile.person_awards(cur, person_id, year),
        five_one=participation.five_one_matrix(cur, date(year, 1, 1), date(year, 12, 31), as_of, person_id=person_id),
        activities=profile.activity_summary(rows),
        participation_rows=len(rows),
        tasks=tasks.tasks_of_person(cur, person_id, as_of),
        arena=results[results["contestant_id"] == person_id].reset_index(drop=True),
    )


def year_leader(cur: Con, year: int) -> int | None:
    """The person with the year's highest net points: the 个人档案 a leader most likely wants first."""
    return points.ytd_leader(cur, year, 12)


@dataclass(frozen=True)
class TrendChoices:
    """The lists behind 趋势分析's selectors and its year-wide charts: people by year total (best first) with their
    labels, sections and contents in order, the three trend frames of the year and the year's top ten people."""

    person_ids: list[int]
    person_names: dict[int, str]
    sections: list[str]
    contents: list[str]
    people_trend: pd.DataFrame
    section_trend: pd.DataFrame
    content_trend: pd.DataFrame
    top10: list[int]


def trend_choices(cur: Con, year: int) -> TrendChoices:
    people = trends.person_trend(cur, year)
    last = people["month"].max()
    totals = people[people["month"] == last].sort_values(["cumulative", "person_id"], ascending=[False, True])
    names = people.drop_duplicates("person_id", keep="last").set_index("person_id")
    ordered = totals["person_id"].astype(int).tolist()
    seen = set(ordered)
    ordered += [int(p) for p in names.index if int(p) not in seen]
    sections = trends.section_trend(cur, year)
    contents = trends.content_trend(cur, year)
    return TrendChoices(
        person_ids=ordered,
        person_names={int(p): f"{n}（{s}）" for p, n, s in zip(names.index, names["name"], names["section"])},
        sections=list(dict.fromkeys(sections.sort_values("section_id")["section"].dropna())),
        contents=list(dict.fromkeys(contents["content"])),
        people_trend=people,
        section_trend=sections,
        content_trend=contents,
        top10=ordered[:10],
    )
