"""The slides on the work in hand: task lights (任务督办), deadline moves (延期情况), what changed since the last review
(上次讲评以来的变化) and the tasks falling due next (the closing slide). Every number comes from analytics.results or
the meetings core; a slide only filters those answers to the sections the meeting reviews."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from analytics.meetings import deadlines as dl
from analytics.meetings.meeting import MAX_ROWS, Chart, Slide, Table, cell, day, num, pct, within
from analytics.periods import Month
from analytics.results import pages
from analytics.results import stars as star_results
from analytics.results import tasks as task_results
from analytics.results import trends as trend_results
from analytics.store.db import Con

RED_LIGHTS = ("逾期", "滞后")
ATTENTION_LIGHTS = ("逾期", "久未反馈", "滞后")
COMING_DAYS = 30


def _task_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [cell(r.task_name), cell(r.section), cell(r.owner_name), cell(r.light)]
        + [f"{num(r.progress, 0)}% / {num(r.expected, 0)}%", day(r.due_date)]
        for r in frame.itertuples()
    ]


def tasks_slide(cur: Con, as_of: date, scope: list[str], label: str) -> Slide:
    lights = within(task_results.task_lights(cur, as_of), scope)
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
    on_chart = int(counts.get("久未反馈", 0))
    if k.stale != on_chart:
        # The chart counts each task once, under its main light; the KPI counts every task not updated for long.
        slide.bullets.append(
            "环形图中每项任务只计一次，按主灯（逾期 > 滞后 > 久未反馈 > 临期 > 正常）；“久未反馈”指标计全部 "
            f"{k.stale} 项久未反馈的任务，其中 {k.stale - on_chart} 项在图中计入逾期或滞后"
        )
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


def deadline_slide(cur: Con, as_of: date, scope: list[str]) -> Slide:
    history = within(dl.moved_tasks(cur, as_of), scope)
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
                [cell(r.task_name), cell(r.section), cell(r.owner_name), day(r.original_due), day(r.current_due)]
                + [num(r.postponements), cell(r.verdict)]
                for r in history.head(MAX_ROWS).itertuples()
            ],
        )
        slide.bullets.append("期限推后后才“按期”的任务不计为按期")
    else:
        slide.bullets.append("没有调整过计划完成日期的任务")
    return slide


# Each kind of change lists at most this many lines on the slide; the rest are counted on its last line, so every
# kind the KPI row counts shows at least one line and nothing counted goes unmentioned.
CHANGE_LINES = 2


def _listed(kind: str, texts: list[str], total: int, unit: str) -> list[list[str]]:
    """A kind of change as table rows: its first CHANGE_LINES texts, the last one saying how many more there are."""
    rows = [[kind, text] for text in texts[:CHANGE_LINES]]
    rest = total - len(rows)
    if rest > 0:
        if rows:
            rows[-1][1] += f"；另有 {rest} {unit}未列出"
        else:
            rows.append([kind, f"{rest} {unit}（未逐一列出）"])
    return rows


def changes_since(cur: Con, before: date, end: date, scope: list[str], months: list[Month]) -> Slide:
    """What changed since the last review (the end of the period before): new stars, rank moves, tasks closed,
    lights that turned red and deadlines pushed out, each from the core's own answers on the two dates. Every
    change the KPI row counts is listed or counted in the table."""
    slide = Slide("changes", "上次讲评以来的变化", source=f"比较 {before:%Y-%m-%d} 与 {end:%Y-%m-%d} 两个时点")
    rows: list[list[str]] = []
    new_stars = 0
    star_texts: list[str] = []
    # Stars and rank moves belong to months: a week reports them only in the week a month's results are complete.
    months = [m for m in months if before < m.end <= end]
    for m in months:
        stars = within(star_results.monthly_stars(cur, m).stars, scope)
        new_stars += len(stars)
        star_texts += [
            f"{r.name}（{r.section}）获{m.label}{r.award}" for r in stars[stars["award_kind"] == "month"].itertuples()
        ]
    rows += _listed("新摘星", star_texts, new_stars, "人次（含单项之星）")
    # Everyone whose rank moved is counted; the one who rose most and the one who fell most are named.
    moved = trend_results.movers(cur, months[-1], n=None) if months else {}
    risers, fallers = (within(moved[k], scope) for k in ("risers", "fallers")) if moved else (None, None)
    moves = (len(risers) + len(fallers)) if risers is not None and fallers is not None else 0
    move_texts = [
        f"{r.name}（{r.section}）第 {r.previous_rank} 名 → 第 {r.rank} 名"
        for frame in (risers, fallers)
        if frame is not None
        for r in frame.head(1).itertuples()
    ]
    rows += _listed("名次变化", move_texts, moves, "人")
    now = within(task_results.task_lights(cur, end), scope)
    then = task_results.task_lights(cur, before)
    was = dict(zip(then["task_code"], then["light"]))
    closed = now[
        (now["light"] == "已办结")
        & now["closed_on"].notna()
        & (pd.to_datetime(now["closed_on"]) > pd.Timestamp(before))
    ]
    rows += _listed(
        "办结销号",
        [f"{r.task_name}（{r.section}，{day(r.closed_on)} 办结）" for r in closed.head(CHANGE_LINES).itertuples()],
        len(closed),
        "项",
    )
    was_red = now["task_code"].map(lambda c: was.get(c) in RED_LIGHTS).astype(bool)
    red = now[now["light"].isin(RED_LIGHTS) & ~was_red]
    rows += _listed(
        "转为红灯",
        [
            f"{r.task_name}（{r.section}）：{was.get(r.task_code, '新任务')} → {r.light}"
            for r in red.head(CHANGE_LINES).itertuples()
        ],
        len(red),
        "项",
    )
    pushed = within(dl.deadline_moves(cur, before + timedelta(days=1), end), scope)
    rows += _listed(
        "期限推后",
        [
            f"{r.task_name}（{r.section}）：{day(r.from_due)} → {day(r.to_due)}"
            for r in pushed.head(CHANGE_LINES).itertuples()
        ],
        len(pushed),
        "次",
    )
    slide.kpis = [
        ("新摘星", f"{new_stars} 人次"),
        ("名次变化", f"{moves} 人"),
        ("办结销号", f"{len(closed)} 项"),
        ("转为红灯", f"{len(red)} 项"),
        ("期限推后", f"{len(pushed)} 次"),
    ]
    if rows:
        slide.table = Table(["变化", "内容"], rows)
    else:
        slide.bullets.append("上次讲评以来没有变化")
    return slide


def closing(cur: Con, end: date, scope: list[str]) -> Slide:
    lights = within(task_results.task_lights(cur, end), scope)
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
