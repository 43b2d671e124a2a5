"""The agenda of a review meeting and its slides, as data: titles, KPIs, a chart (categories and series), a table of
text cells and bullets. 汇报模式 draws these slides and the deck writes them, so a slide, a page and a deck show the
same numbers. Every number comes from a function of analytics.results (or the meetings core), never re-derived here;
a slide only filters those answers to the sections the meeting reviews.

Three agendas: 月度讲评 (a month, a deputy head's sections or the whole department), 季度讲评 (a quarter, everyone, with
the flags) and 科室周讲评 (one section, one week)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from analytics.errors import DashboardError
from analytics.meetings import deadlines as dl
from analytics.meetings import deputies as dp
from analytics.meetings import publish as pub
from analytics.periods import Month, Quarter, week_start
from analytics.results import arena as arena_results
from analytics.results import flags as flag_results
from analytics.results import pages
from analytics.results import participation as part
from analytics.results import points as pts
from analytics.results import stars as star_results
from analytics.results import tasks as task_results
from analytics.results import trends as trend_results
from analytics.rules import rulebook as rb
from analytics.store import catalog as catalog_module
from analytics.store.db import Con, scalar

AGENDAS = {"month": "月度讲评", "quarter": "季度讲评", "week": "科室周讲评"}
WHOLE = "全部门"
RED_LIGHTS = ("逾期", "滞后")
ATTENTION_LIGHTS = ("逾期", "久未反馈", "滞后")
COMING_DAYS = 30
MAX_ROWS = 10


@dataclass
class Chart:
    """A chart as data. kind: bar | stacked | line | doughnut; series: (name, values) aligned with categories."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float]]]
    value_label: str = ""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Slide:
    key: str
    title: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    chart: Chart | None = None
    table: Table | None = None
    bullets: list[str] = field(default_factory=list)
    source: str = ""  # where this slide's numbers come from, for the speaker notes

    @property
    def empty(self) -> bool:
        return not (self.kpis or self.chart or self.table or self.bullets)


@dataclass
class Meeting:
    """One review: what is reviewed (agenda, period, scope) and its slides, with the lineage every slide carries."""

    agenda: str
    period: str
    title: str
    subtitle: str
    start: date
    end: date
    scope: list[str]
    data_as_of: datetime | None
    rule_version: int
    batches: list[int]
    final: bool
    slides: list[Slide]
    closing: Slide
    deputy: str | None = None
    section: str | None = None

    @property
    def as_of_text(self) -> str:
        """The line on every slide: the last import (数据截至 …)."""
        if self.data_as_of is None:
            return "数据截至：尚无导入数据"
        return f"数据截至 {self.data_as_of:%Y-%m-%d %H:%M}（最近一次导入）"

    @property
    def lineage(self) -> str:
        batches = "、".join(f"#{b}" for b in self.batches) or "无"
        final = "；本月公示已定稿" if self.final else ""
        return f"规则第 {self.rule_version} 版；{self.as_of_text}；导入批次 {batches}{final}"

    @property
    def agenda_label(self) -> str:
        return AGENDAS[self.agenda]

    @property
    def file_stem(self) -> str:
        who = self.section or self.deputy or WHOLE
        return safe_file_name(f"{self.agenda_label}_{self.period}_{who}")


def safe_file_name(text: str) -> str:
    """A file name Windows accepts: no \\ / : * ? " < > | or control characters, no trailing dot or space."""
    cleaned = "".join("_" if ch in '\\/:*?"<>|' or ord(ch) < 32 else ch for ch in str(text))
    cleaned = cleaned.strip(" .") or "导出"
    return cleaned[:120]


def num(value, digits: int = 1) -> str:
    """A figure as a slide shows it: — when missing, no trailing zeros."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, (int,)) or float(value).is_integer():
        return f"{int(round(float(value)))}"
    return f"{float(value):.{digits}f}".rstrip("0").rstrip(".")


def pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.0%}"  # as ui.format.percent writes it


def day(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "—"
    return f"{pd.Timestamp(value):%m-%d}"


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(value)


def _in(frame: pd.DataFrame, scope: list[str], column: str = "section") -> pd.DataFrame:
    return frame[frame[column].isin(scope)].reset_index(drop=True)


# The period and scope ----------------------------------------------------------------------------


def parse_week(text: str | date) -> date:
    if isinstance(text, date):
        return week_start(text)
    try:
        return week_start(date.fromisoformat(str(text).strip()))
    except ValueError as exc:
        raise ValueError(f"周应写成该周任一天的日期，如 2022-03-07，而不是“{text}”") from exc


def _period(agenda: str, period: str | date) -> tuple[str, date, date, date, str]:
    """(canonical period, start, end, the end of the period reviewed last time, label)."""
    if agenda == "month":
        m = Month.parse(period)
        return str(m), m.start, m.end, m.shift(-1).end, m.label
    if agenda == "quarter":
        q = Quarter.parse(period)
        return str(q), q.start, q.end, q.shift(-1).end, q.label
    if agenda == "week":
        start = parse_week(period)
        end = start + timedelta(days=6)
        return str(start), start, end, start - timedelta(days=1), f"{start:%Y年%m月%d日}—{end:%m月%d日}"
    raise ValueError(f"未知的讲评类型“{agenda}”，应为 month、quarter 或 week")


def _data_as_of(cur: Con) -> datetime | None:
    return scalar(cur, "select max(imported_at) from import_batch where status = 'committed'")


def _batches(cur: Con, start: date, end: date) -> list[int]:
    """The committed import batches with facts in the period (points, participation, arena, task snapshots)."""
    rows = cur.execute(
        """
        select distinct batch_id from (
            select batch_id from score_event where event_date between $start and $end
            union all select batch_id from participation where event_date between $start and $end
            union all select batch_id from arena_mark where event_date between $start and $end
            union all select batch_id from task_snapshot
            where superseded_by is null and updated_on between $start and $end
        ) order by batch_id
        """,
        {"start": start, "end": end},
    ).fetchall()
    return [r[0] for r in rows]


def periods_with_data(cur: Con, agenda: str) -> list[str]:
    """The periods a meeting can review: months or quarters with points, or weeks with any fact; newest last."""
    row = cur.execute(
        """
        select min(d), max(d) from (
            select min(event_date) as d from score_event union all select max(event_date) from score_event
            union all select min(updated_on) from task_snapshot union all select max(updated_on) from task_snapshot
        )
        """
    ).fetchone()
    if row is None or row[0] is None:
        return []
    first, last = row
    if agenda == "month":
        out, m = [], Month.parse(first)
        while m <= Month.parse(last):
            out.append(str(m))
            m = m.shift(1)
        return out
    if agenda == "quarter":
        out, q = [], Quarter.parse(first)
        while q <= Quarter.parse(last):
            out.append(str(q))
            q = q.shift(1)
        return out
    out, w = [], week_start(first)
    while w <= last:
        out.append(str(w))
        w += timedelta(days=7)
    return out


# The slides ---------------------------------------------------------------------------------------


def overviews(cur: Con, month: Month, scope: list[str], every: list[str]) -> list[pages.OverviewPage]:
    """The 总览 page objects a meeting reads: the department's when it reviews every section, else one per section it
    reviews (the page's own section view), so each figure on the slide is a figure 总览 shows."""
    months = list(catalog_module.load(cur).months)
    if set(scope) == set(every):
        return [pages.overview_page(cur, month, None, months)]
    ids = dict(cur.execute("select name, section_id from section").fetchall())
    return pages.overview_pages(cur, month, [int(ids[s]) for s in scope if s in ids], months)


def _overview_slide(cur: Con, month: Month, scope: list[str], every: list[str], label: str) -> Slide:
    """The month at a glance: the KPI cards of 总览 (one page object, or the sum of each reviewed section's) and the
    sections' net points from the same object."""
    found = overviews(cur, month, scope, every)
    tasks = sum(p.tasks for p in found)
    present = sum(p.people_present for p in found)
    holder = found[0].flag_holder if found else None
    kpis = [
        ("本季度流动红旗", holder or "暂无"),
        ("在岗人数", f"{sum(p.headcount for p in found)} 人"),
        ("本月净得分", num(sum(p.net for p in found))),
        ("本月摘星", f"{sum(p.month_star_count for p in found)} 人"),
        ("任务办结率", pct(sum(p.tasks_closed for p in found) / tasks if tasks else None)),
        ("本月参与率", pct(sum(p.people_active for p in found) / present if present else None)),
    ]
    slide = Slide(
        "overview",
        f"{label} 总体情况",
        kpis,
        source="与“总览”页同一组数据：加减分按当月适用规则计入（含月度上限封顶），任务按月末亮灯，流动红旗为上季度夺旗结果",
    )
    now = _in(found[0].sections, scope) if found else pd.DataFrame()
    if len(now):
        slide.chart = Chart(
            "bar",
            list(now["section"]),
            [("净得分", [float(x) for x in now["net"]]), ("人均净得分", [float(x) for x in now["net_per_capita"]])],
            "分",
        )
    totals = _in(pts.posting_totals(cur, month), scope)
    if len(totals):
        slide.bullets.append(
            f"有加减分的 {len(totals)} 人，共 {int(totals['events'].sum())} 条记录，"
            f"封顶扣除 {num(totals['capped'].sum())} 分；另有单项之星 {sum(p.content_star_count for p in found)} 人"
        )
    return slide


def _stars_slide(cur: Con, months: list[Month], scope: list[str], label: str) -> Slide:
    frames = []
    for m in months:
        result = star_results.monthly_stars(cur, m)
        stars = _in(result.stars, scope)
        stars.insert(0, "month", m.label)
        frames.append(stars)
    stars = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    slide = Slide(
        "stars", f"{label} 摘星", source="每月摘星：月度之星按净得分前 N 名（并列同得），单项之星按单项最高分"
    )
    if stars.empty:
        slide.bullets.append("本期没有摘星人员")
        return slide
    month_stars = stars[stars["award_kind"] == "month"]
    content = stars[stars["award_kind"] == "content"]
    slide.kpis = [("月度之星", f"{len(month_stars)} 人次"), ("单项之星", f"{len(content)} 人次")]
    rows = [
        [r.month, _text(r.award), _text(r.name), _text(r.section), num(r.net_points)]
        for r in stars.sort_values(["month", "award_kind", "rank"], ascending=[True, False, True]).itertuples()
    ]
    columns = ["月份", "奖项", "姓名", "科室", "当月净得分"]
    if len(months) == 1:
        rows = [r[1:] for r in rows]
        columns = columns[1:]
    slide.table = Table(columns, rows[: MAX_ROWS + 4])
    by_section = stars.groupby("section", sort=False).size()
    slide.chart = Chart("doughnut", list(by_section.index), [("摘星人次", [float(x) for x in by_section])], "人次")
    if len(rows) > MAX_ROWS + 4:
        slide.bullets.append(f"另有 {len(rows) - MAX_ROWS - 4} 人次未列出")
    return slide


def _flags_slide(cur: Con, quarter: Quarter) -> Slide:
    result = flag_results.quarter_flags(cur, quarter)
    slide = Slide("flags", f"{quarter.label} 夺旗排名", source=flag_results.flag_formula(result.trace.params))
    if not result.has_data:
        slide.bullets.append("本季度没有数据，不评夺旗")
        return slide
    sections = result.sections.sort_values("rank")
    slide.kpis = [
        (flag_results.RED_FLAG, flag_results.flag_text(result.red_flag) or "本季度无"),
        (flag_results.PROGRESS_FLAG, flag_results.flag_text(result.progress_flag) or "本季度无"),
    ]
    # The weighted parts that add up to the score: the bars 季度夺旗 stacks.
    slide.chart = Chart(
        "stacked",
        list(sections["section"]),
        [
            ("人均净得分部分", [float(x) for x in sections["part_points"].fillna(0)]),
            ("人均摘星部分", [float(x) for x in sections["part_stars"].fillna(0)]),
            ("按期办结率部分", [float(x) for x in sections["part_tasks"].fillna(0)]),
        ],
        "分",
    )
    slide.table = Table(
        ["名次", "科室", "人均净得分", "人均摘星", "按期办结率", "夺旗得分"],
        [
            [num(r.rank), _text(r.section), num(r.net_per_capita, 2), num(r.stars_per_capita, 2)]
            + [pct(r.on_time_rate), num(r.score)]
            for r in sections.itertuples()
        ],
    )
    slide.bullets = [f"{e['name']}：{e['reason']}" for e in result.excluded][:3]
    return slide


def _trend_slide(cur: Con, month: Month, scope: list[str], title: str) -> Slide:
    trend = _in(trend_results.section_trend(cur, month.year, month), scope)
    slide = Slide("trends", title, source="趋势：各科室每月计入的净得分；升降：当月净得分名次与上月相比")
    if len(trend):
        months = list(dict.fromkeys(trend["month"]))
        series = []
        for section in dict.fromkeys(trend["section"]):
            values = trend[trend["section"] == section].set_index("month")["net"]
            series.append((section, [float(values.get(m, 0.0)) for m in months]))
        slide.chart = Chart("line", [f"{int(m[5:])}月" for m in months], series, "分")
    moved = trend_results.movers(cur, month, n=50)
    rows = []
    for kind, frame in (("上升", moved["risers"]), ("下降", moved["fallers"])):
        for r in _in(frame, scope).head(4).itertuples():
            rows.append([kind, _text(r.name), _text(r.section), f"{num(r.previous_rank)} → {num(r.rank)}"])
            rows[-1].append(f"{num(r.previous_net)} → {num(r.net)}")
    if rows:
        slide.table = Table(["升降", "姓名", "科室", "名次", "净得分"], rows)
    else:
        slide.bullets.append("本月没有名次变动的人员")
    return slide


def _task_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [_text(r.task_name), _text(r.section), _text(r.owner_name), _text(r.light)]
        + [f"{num(r.progress, 0)}% / {num(r.expected, 0)}%", day(r.due_date)]
        for r in frame.itertuples()
    ]


def _tasks_slide(cur: Con, as_of: date, scope: list[str], label: str) -> Slide:
    lights = _in(task_results.task_lights(cur, as_of), scope)
    counts = task_results.light_counts(lights)
    attention = lights[lights["light"].isin(ATTENTION_LIGHTS)]
    slide = Slide(
        "tasks",
        f"{label} 任务督办",
        source=f"与“任务督办”页同一组数据：截至 {as_of:%Y-%m-%d} 每项任务最新一次进度快照的亮灯",
    )
    k = pages.task_kpis(lights, as_of)
    slide.kpis = [
        ("任务总数", f"{k.tasks} 项"),
        ("已办结", f"{k.closed} 项"),
        ("完成率", pct(k.completion)),
        ("按期办结率", pct(k.on_time_rate)),
        ("逾期未办结", f"{k.overdue} 项"),
        ("久未反馈", f"{k.stale} 项"),
    ]
    present = [light for light in task_results.LIGHTS if counts.get(light, 0)]
    if present:
        slide.chart = Chart("doughnut", present, [("任务数", [float(counts[x]) for x in present])], "项")
    if len(attention):
        slide.table = Table(
            ["任务", "科室", "责任人", "亮灯", "进度/应达", "计划完成"], _task_rows(attention.head(MAX_ROWS))
        )
        if len(attention) > MAX_ROWS:
            slide.bullets.append(f"另有 {len(attention) - MAX_ROWS} 项逾期、久未反馈或滞后的任务未列出")
    else:
        slide.bullets.append("没有逾期、久未反馈或滞后的任务")
    return slide


def _deadline_slide(cur: Con, as_of: date, scope: list[str]) -> Slide:
    history = _in(dl.moved_tasks(cur, as_of), scope)
    slide = Slide(
        "deadlines",
        "延期情况",
        source="延期次数：任务台账各次快照中计划完成日期推后的次数；按原定期限判断是否按期",
    )
    after_move = int((history["verdict"] == dl.ON_TIME_AFTER_MOVE).sum()) if len(history) else 0
    late_original = int((history["verdict"] == dl.LATE_BY_ORIGINAL).sum()) if len(history) else 0
    slide.kpis = [
        ("调整过期限的任务", num(len(history))),
        ("延期后按期办结", num(after_move)),
        ("按原期限已逾期", num(late_original)),
    ]
    if len(history):
        slide.table = Table(
            ["任务", "科室", "责任人", "原定期限", "现期限", "延期次数", "结论"],
            [
                [_text(r.task_name), _text(r.section), _text(r.owner_name), day(r.original_due), day(r.current_due)]
                + [num(r.postponements), _text(r.verdict)]
                for r in history.head(MAX_ROWS).itertuples()
            ],
        )
        slide.bullets.append("期限推后后才“按期”的任务不计为按期")
    else:
        slide.bullets.append("没有调整过计划完成日期的任务")
    return slide


def _participation_slide(cur: Con, start: date, end: date, scope: list[str], label: str) -> Slide:
    counters = part.counters(cur, start, end)
    sections = _in(part.section_participation(cur, start, end), scope)
    slide = Slide(
        "participation",
        f"{label} 学习实践",
        source="“五个一”完成率按规则库的周期计算；活动计数（上方数字）为全部门口径",
    )
    slide.kpis = [(c["activity"], f"{c['value']} {c['unit']}") for c in counters if c["value"]][:6]
    if len(sections):
        slide.chart = Chart(
            "bar",
            list(sections["section"]),
            [("人均参与次数", [float(x) for x in sections["rows_per_capita"].fillna(0)])],
            "次",
        )
        slide.table = Table(
            ["科室", "人数", "参与人次", "参与人数", "“五个一”完成率"],
            [
                [_text(r.section), num(r.headcount), num(r.rows), num(r.active_people), pct(r.five_one_completion)]
                for r in sections.itertuples()
            ],
        )
    return slide


def _arena_slide(cur: Con, start: date, end: date, scope: list[str], label: str) -> Slide:
    results = arena_results.arena_results(cur, start.year)
    results = results[(results["date"] >= pd.Timestamp(start).date()) & (results["date"] <= end)]
    results = _in(results, scope)
    slide = Slide("arena", f"{label} 擂台", source="擂台：剔除本人评分，评委足够时去掉一个最高分、一个最低分后取平均")
    if results.empty:
        slide.bullets.append("本期没有擂台比赛")
        return slide
    top = results.sort_values(["date", "arena", "rank"]).head(MAX_ROWS)
    slide.table = Table(
        ["日期", "擂台", "选手", "科室", "最后得分", "名次"],
        [
            [day(r.date), _text(r.arena), _text(r.contestant), _text(r.section), num(r.final_mark, 2), num(r.rank)]
            for r in top.itertuples()
        ],
    )
    best = results.sort_values("final_mark", ascending=False).head(8)
    slide.chart = Chart("bar", list(best["contestant"]), [("最后得分", [float(x) for x in best["final_mark"]])], "分")
    return slide


def changes_since(cur: Con, before: date, end: date, scope: list[str], months: list[Month]) -> Slide:
    """What changed since the last review (the end of the period before): new stars, rank moves, tasks closed,
    lights that turned red and deadlines pushed out, each from the core's own answers on the two dates."""
    slide = Slide("changes", "上次讲评以来的变化", source=f"比较 {before:%Y-%m-%d} 与 {end:%Y-%m-%d} 两个时点")
    rows: list[list[str]] = []
    new_stars = 0
    # Stars and rank moves belong to months: a week reports them only in the week a month's results are complete.
    months = [m for m in months if before < m.end <= end]
    for m in months:
        stars = _in(star_results.monthly_stars(cur, m).stars, scope)
        new_stars += len(stars)
        for r in stars[stars["award_kind"] == "month"].itertuples():
            rows.append(["新摘星", f"{r.name}（{r.section}）获{m.label}{r.award}"])
    moved = trend_results.movers(cur, months[-1], n=50) if months else {}
    moves = 0
    for frame in moved.values():
        for r in _in(frame, scope).head(3).itertuples():
            moves += 1
            rows.append(["名次变化", f"{r.name}（{r.section}）第 {r.previous_rank} 名 → 第 {r.rank} 名"])
    now = _in(task_results.task_lights(cur, end), scope)
    then = task_results.task_lights(cur, before)
    was = dict(zip(then["task_code"], then["light"]))
    closed = now[
        (now["light"] == "已办结")
        & now["closed_on"].notna()
        & (pd.to_datetime(now["closed_on"]) > pd.Timestamp(before))
    ]
    for r in closed.head(5).itertuples():
        rows.append(["办结销号", f"{r.task_name}（{r.section}，{day(r.closed_on)} 办结）"])
    was_red = now["task_code"].map(lambda c: was.get(c) in RED_LIGHTS).astype(bool)
    red = now[now["light"].isin(RED_LIGHTS) & ~was_red]
    for r in red.head(5).itertuples():
        rows.append(["转为红灯", f"{r.task_name}（{r.section}）：{was.get(r.task_code, '新任务')} → {r.light}"])
    pushed = _in(dl.deadline_moves(cur, before + timedelta(days=1), end), scope)
    for r in pushed.head(5).itertuples():
        rows.append(["期限推后", f"{r.task_name}（{r.section}）：{day(r.from_due)} → {day(r.to_due)}"])
    slide.kpis = [
        ("新摘星", f"{new_stars} 人次"),
        ("名次变化", f"{moves} 人"),
        ("办结销号", f"{len(closed)} 项"),
        ("转为红灯", f"{len(red)} 项"),
        ("期限推后", f"{len(pushed)} 次"),
    ]
    if rows:
        slide.table = Table(["变化", "内容"], rows[: MAX_ROWS + 4])
    else:
        slide.bullets.append("上次讲评以来没有变化")
    return slide


def _closing(cur: Con, end: date, scope: list[str]) -> Slide:
    lights = _in(task_results.task_lights(cur, end), scope)
    coming = lights[
        (lights["light"] != "已办结")
        & (pd.to_datetime(lights["due_date"]) > pd.Timestamp(end))
        & (pd.to_datetime(lights["due_date"]) <= pd.Timestamp(end + timedelta(days=COMING_DAYS)))
    ].sort_values("due_date")
    slide = Slide(
        "closing", f"近期到期任务（{COMING_DAYS} 天内）", source="任务亮灯：未办结且计划完成日期在讲评期后 30 天内"
    )
    if len(coming):
        slide.table = Table(
            ["任务", "科室", "责任人", "亮灯", "进度/应达", "计划完成"], _task_rows(coming.head(MAX_ROWS))
        )
    else:
        slide.bullets.append(f"讲评期后 {COMING_DAYS} 天内没有到期的任务")
    return slide


def _week_people(cur: Con, start: date, end: date, section: str) -> Slide:
    """The section's people in the week: their counted points of the week's events and their month-to-date net."""
    months = sorted({Month.parse(start), Month.parse(end)})
    events = pd.concat([pts.posting(cur, m) for m in months], ignore_index=True)
    week = events[(events["section"] == section) & (events["event_date"] >= start) & (events["event_date"] <= end)]
    month_net = _in(pts.posting_totals(cur, Month.parse(end)), [section])
    people = month_net[["name", "net"]].rename(columns={"net": "month_net"})
    by_person = week.groupby("name", sort=False)["counted"].agg(["sum", "count"]).reset_index()
    frame = people.merge(by_person, on="name", how="outer").fillna({"sum": 0.0, "count": 0})
    frame = frame.sort_values(["sum", "month_net"], ascending=False)
    slide = Slide("people", f"{section} 本周加减分", source="本周加减分按当月适用规则计入；本月累计为当月计入净得分")
    slide.kpis = [("本周记录", f"{len(week)} 条"), ("本周计入", f"{num(week['counted'].sum())} 分")]
    if len(frame):
        slide.chart = Chart("bar", list(frame["name"]), [("本周计入", [float(x) for x in frame["sum"]])], "分")
        slide.table = Table(
            ["姓名", "本周记录", "本周计入", "本月累计"],
            [
                [_text(r.name), num(r.count), num(r.sum), num(r.month_net)]
                for r in frame.head(MAX_ROWS + 4).itertuples()
            ],
        )
    else:
        slide.bullets.append("本周没有加减分记录")
    return slide


def build(
    cur: Con,
    agenda: str,
    period: str | date,
    deputy: str | None = None,
    section: str | None = None,
) -> Meeting:
    """The meeting for an agenda ('month', 'quarter', 'week') and period ('2022-03', '2022Q1', a day of the week).

    A month is reviewed for a deputy head's sections (``deputy``) or the whole department; a week for one
    ``section``. Raises DashboardError with a Chinese message for an unknown deputy or section."""
    key, start, end, before, label = _period(agenda, period)
    every = dp.sections(cur)
    if agenda == "week":
        if not section:
            raise DashboardError("科室周讲评须选择一个科室。")
        if section not in every:
            raise DashboardError(f"没有名为“{section}”的科室。")
        scope, who = [section], section
    elif agenda == "month" and deputy:
        led = dp.deputies(cur)
        if deputy not in led:
            raise DashboardError(f"“{deputy}”不是分管部长。分管部长：{'、'.join(led) or '尚未设置'}。")
        scope, who = led[deputy], f"{deputy} 分管：{'、'.join(led[deputy])}"
    else:
        scope, who, deputy = every, WHOLE, None
    months = Quarter.parse(key).months if agenda == "quarter" else [Month.parse(end)]
    last = months[-1]
    slides: list[Slide] = []
    if agenda == "month":
        slides.append(_overview_slide(cur, last, scope, every, label))
        slides.append(_stars_slide(cur, months, scope, label))
        slides.append(_trend_slide(cur, last, scope, f"{label} 趋势与升降"))
    elif agenda == "quarter":
        slides.append(_overview_slide(cur, last, scope, every, last.label))
        slides.append(_flags_slide(cur, Quarter.parse(key)))
        slides.append(_stars_slide(cur, months, scope, label))
        slides.append(_trend_slide(cur, last, scope, f"{label} 趋势与升降"))
    else:
        slides.append(_week_people(cur, start, end, scope[0]))
    slides.append(_tasks_slide(cur, end, scope, label))
    slides.append(_deadline_slide(cur, end, scope))
    slides.append(_participation_slide(cur, start, end, scope, label))
    slides.append(_arena_slide(cur, start, end, scope, label))
    slides.append(changes_since(cur, before, end, scope, months))
    book = rb.in_force(cur, end)
    final = all(pub.is_final(cur, m) for m in months)
    title = f"{label}{AGENDAS[agenda]}"
    return Meeting(
        agenda=agenda,
        period=key,
        title=title,
        subtitle=who,
        start=start,
        end=end,
        scope=scope,
        data_as_of=_data_as_of(cur),
        rule_version=int(book.version_id or 0),
        batches=_batches(cur, start, end),
        final=final,
        slides=slides,
        closing=_closing(cur, end, scope),
        deputy=deputy,
        section=section if agenda == "week" else None,
    )
