"""The agenda of a review meeting and its slides: which slides each agenda shows, for which period and sections, and
the slides on points and honours (总体情况, 摘星, 夺旗, 趋势与升降, a section's week), learning (学习实践) and the arena
(擂台). The slides on tasks and deadlines are in task_slides.py; the meeting and slide objects in meeting.py. Every
number comes from a function of analytics.results (or the meetings core), never re-derived here; a slide only filters
those answers to the sections the meeting reviews. 汇报模式 draws the slides and the deck writes them, so a slide, a
page and a deck show the same numbers.

Three agendas: 月度讲评 (a month, a deputy head's sections or the whole department), 季度讲评 (a quarter, everyone, with
the flags) and 科室周讲评 (one section, one week)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from analytics.errors import DashboardError
from analytics.meetings import deputies as dp
from analytics.meetings import publish as pub
from analytics.meetings import task_slides as work
from analytics.meetings.meeting import (
    AGENDAS,
    MAX_ROWS,
    WHOLE,
    Chart,
    Meeting,
    Slide,
    Table,
    cell,
    day,
    num,
    pct,
    within,
)
from analytics.meetings.meeting import safe_file_name as safe_file_name  # callers name a file through slides
from analytics.periods import Month, Quarter, week_start
from analytics.results import arena as arena_results
from analytics.results import flags as flag_results
from analytics.results import pages
from analytics.results import participation as part
from analytics.results import points as pts
from analytics.results import stars as star_results
from analytics.results import trends as trend_results
from analytics.rules import rulebook as rb
from analytics.store import catalog as catalog_module
from analytics.store.db import Con, first_row, scalar

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
    row = first_row(
        cur,
        """
        select min(d), max(d) from (
            select min(event_date) as d from score_event union all select max(event_date) from score_event
            union all select min(updated_on) from task_snapshot union all select max(updated_on) from task_snapshot
        )
        """,
    )
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
    now = within(found[0].sections, scope) if found else pd.DataFrame()
    if len(now):
        slide.chart = Chart(
            "bar",
            list(now["section"]),
            [("净得分", [float(x) for x in now["net"]]), ("人均净得分", [float(x) for x in now["net_per_capita"]])],
            "分",
        )
    totals = within(pts.posting_totals(cur, month), scope)
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
        stars = within(result.stars, scope)
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
        [r.month, cell(r.award), cell(r.name), cell(r.section), num(r.net_points)]
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
            [num(r.rank), cell(r.section), num(r.net_per_capita, 2), num(r.stars_per_capita, 2)]
            + [pct(r.on_time_rate), num(r.score)]
            for r in sections.itertuples()
        ],
    )
    slide.bullets = [f"{e['name']}：{e['reason']}" for e in result.excluded][:3]
    return slide


def _trend_slide(cur: Con, month: Month, scope: list[str], title: str) -> Slide:
    trend = within(trend_results.section_trend(cur, month.year, month), scope)
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
        for r in within(frame, scope).head(4).itertuples():
            rows.append([kind, cell(r.name), cell(r.section), f"{num(r.previous_rank)} → {num(r.rank)}"])
            rows[-1].append(f"{num(r.previous_net)} → {num(r.net)}")
    if rows:
        slide.table = Table(["升降", "姓名", "科室", "名次", "净得分"], rows)
    else:
        slide.bullets.append("本月没有名次变动的人员")
    return slide


def _participation_slide(cur: Con, start: date, end: date, scope: list[str], label: str) -> Slide:
    counters = part.counters(cur, start, end)
    sections = within(part.section_participation(cur, start, end), scope)
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
                [cell(r.section), num(r.headcount), num(r.rows), num(r.active_people), pct(r.five_one_completion)]
                for r in sections.itertuples()
            ],
        )
    return slide


def _arena_slide(cur: Con, start: date, end: date, scope: list[str], label: str) -> Slide:
    results = arena_results.arena_results(cur, start.year)
    results = results[(results["date"] >= pd.Timestamp(start).date()) & (results["date"] <= end)]
    results = within(results, scope)
    slide = Slide("arena", f"{label} 擂台", source="擂台：剔除本人评分，评委足够时去掉一个最高分、一个最低分后取平均")
    if results.empty:
        slide.bullets.append("本期没有擂台比赛")
        return slide
    top = results.sort_values(["date", "arena", "rank"]).head(MAX_ROWS)
    slide.table = Table(
        ["日期", "擂台", "选手", "科室", "最后得分", "名次"],
        [
            [day(r.date), cell(r.arena), cell(r.contestant), cell(r.section), num(r.final_mark, 2), num(r.rank)]
            for r in top.itertuples()
        ],
    )
    best = results.sort_values("final_mark", ascending=False).head(8)
    slide.chart = Chart("bar", list(best["contestant"]), [("最后得分", [float(x) for x in best["final_mark"]])], "分")
    return slide


def _week_people(cur: Con, start: date, end: date, section: str) -> Slide:
    """The section's people in the week: their counted points of the week's events and their month-to-date net."""
    months = sorted({Month.parse(start), Month.parse(end)})
    events = pd.concat([pts.posting(cur, m) for m in months], ignore_index=True)
    week = events[(events["section"] == section) & (events["event_date"] >= start) & (events["event_date"] <= end)]
    month_net = within(pts.posting_totals(cur, Month.parse(end)), [section])
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
            [[cell(r.name), num(r.count), num(r.sum), num(r.month_net)] for r in frame.head(MAX_ROWS + 4).itertuples()],
        )
    else:
        slide.bullets.append("本周没有加减分记录")
    return slide


# Which topics each agenda shows, in order; every meeting ends with the closing slide (coming deadlines).
TOPICS: dict[str, tuple[str, ...]] = {
    "month": ("overview", "stars", "trends", "tasks", "deadlines", "participation", "arena", "changes"),
    "quarter": ("overview", "flags", "stars", "trends", "tasks", "deadlines", "participation", "arena", "changes"),
    "week": ("people", "tasks", "deadlines", "participation", "arena", "changes"),
}
CLOSING = "closing"


def outline(
    cur: Con,
    agenda: str,
    period: str | date,
    deputy: str | None = None,
    section: str | None = None,
) -> Meeting:
    """The meeting for an agenda ('month', 'quarter', 'week') and period ('2022-03', '2022Q1', a day of the week),
    without its slides: what is reviewed, the lineage and the topics in order. 汇报模式 opens on this and builds a
    topic when it is shown (``topic``); ``build`` builds them all.

    A month is reviewed for a deputy head's sections (``deputy``) or the whole department; a week for one
    ``section``. Raises DashboardError with a Chinese message for an unknown deputy or section."""
    key, start, end, _, label = _period(agenda, period)
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
    book = rb.in_force(cur, end)
    return Meeting(
        agenda=agenda,
        period=key,
        title=f"{label}{AGENDAS[agenda]}",
        subtitle=who,
        start=start,
        end=end,
        scope=scope,
        data_as_of=_data_as_of(cur),
        rule_version=int(book.version_id or 0),
        batches=_batches(cur, start, end),
        final=all(pub.is_final(cur, m) for m in _months(agenda, key, end)),
        deputy=deputy,
        section=section if agenda == "week" else None,
        topics=TOPICS[agenda],
    )


def _months(agenda: str, key: str, end: date) -> list[Month]:
    return Quarter.parse(key).months if agenda == "quarter" else [Month.parse(end)]


def topic(cur: Con, meeting: Meeting, name: str) -> Slide:
    """One topic of the meeting (a key of ``meeting.topics``, or ``CLOSING``), computed from analytics.results."""
    _, start, end, before, label = _period(meeting.agenda, meeting.period)
    months = _months(meeting.agenda, meeting.period, end)
    last, scope = months[-1], meeting.scope
    if name == "overview":
        # A quarter opens on the state at its last month.
        return _overview_slide(cur, last, scope, dp.sections(cur), last.label)
    if name == "stars":
        return _stars_slide(cur, months, scope, label)
    if name == "flags":
        return _flags_slide(cur, Quarter.parse(meeting.period))
    if name == "trends":
        return _trend_slide(cur, last, scope, f"{label} 趋势与升降")
    if name == "people":
        return _week_people(cur, start, end, scope[0])
    if name == "tasks":
        return work.tasks_slide(cur, end, scope, label)
    if name == "deadlines":
        return work.deadline_slide(cur, end, scope)
    if name == "participation":
        return _participation_slide(cur, start, end, scope, label)
    if name == "arena":
        return _arena_slide(cur, start, end, scope, label)
    if name == "changes":
        return work.changes_since(cur, before, end, scope, months)
    if name == CLOSING:
        return work.closing(cur, end, scope)
    raise ValueError(f"未知的讲评议题“{name}”")


def build(
    cur: Con,
    agenda: str,
    period: str | date,
    deputy: str | None = None,
    section: str | None = None,
) -> Meeting:
    """The meeting with every slide built (the deck, the command line): ``outline`` and then each ``topic``."""
    meeting = outline(cur, agenda, period, deputy=deputy, section=section)
    meeting.slides = [topic(cur, meeting, name) for name in meeting.topics]
    meeting.closing = topic(cur, meeting, CLOSING)
    return meeting
