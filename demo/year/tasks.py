"""The demo year's tasks and how each progresses month by month, with its owner's notes."""

from __future__ import annotations

import random
from datetime import date, timedelta

from demo.year.days import _friday_on_or_before, _fridays
from demo.year.model import _Task, _Year
from demo.year.plan import _TASK_TIMING, _TASKS


def _tasks(y: _Year) -> None:
    rng = y.rng
    end = date(y.year, 12, 31)
    for ledger, prefix, entries in _TASKS:
        for n, (name, section) in enumerate(entries, start=1):
            owners = [p for p in y.people if p.section == section and not p.fixed and not p.title == "部长"]
            if ledger in ("揭榜挂帅", "重点任务清单", "领导批示督办"):
                owners = [p for p in owners if p.head or p.deputy or p.leader] or owners
            owner = rng.choice(owners)
            if ledger == "领导批示督办":
                start = y.day(rng.randint(4, 9), rng.randint(1, 28))
                due = start + timedelta(days=rng.choice((30, 45, 60)))
            elif ledger == "会议确定事项":
                start = y.day(rng.randint(2, 9), rng.randint(1, 28))
                due = start + timedelta(days=rng.choice((45, 60, 90)))
            elif ledger == "制度文件修订" and n == 1:
                start, due = y.day(1, 10), y.day(2, 28)
            else:
                first, last, due_first, due_last = _TASK_TIMING[ledger]
                start = y.day(rng.randint(first, last), rng.randint(1, 25))
                due_month = rng.randint(due_first, due_last)
                due = date(y.year, due_month, 30 if due_month != 2 else 28)
                if ledger == "揭榜挂帅" and n in (3, 7):
                    due = date(y.year + 1, 6, 30)
            y.tasks.append(
                _Task(f"{prefix}-{n:02d}", name, ledger, section, owner, start, min(due, date(y.year + 1, 6, 30)))
            )
    # Most tasks close on time; a few close late, a few are overdue, a few lag, two fall silent for weeks.
    ending = [t for t in y.tasks if t.due <= end - timedelta(days=30)]
    running = [t for t in y.tasks if t.due > end - timedelta(days=30)]
    rng.shuffle(ending)
    rng.shuffle(running)
    for task in ending[:6]:
        task.profile = "late"
    for task in ending[6:10]:
        task.profile = "overdue"
    # Two long tasks fall silent for a month or more before they are closed on time.
    for task in [t for t in ending[10:] if (t.due - t.start).days >= 150][:2]:
        task.profile = "silent"
    # A handful of the year-long tasks carry over into next year, so the year-end ledger still shows every light.
    for n, task in enumerate(running):
        if n < 5:
            task.profile = "behind"
        elif n < 7:
            task.profile = "stale"
        elif n < 10 or task.due > end:
            task.profile = "open"
        if task.profile != "on_time" and task.due <= end:
            task.due = date(y.year + 1, 3, 31) if n % 2 else date(y.year + 1, 6, 30)
    for task in y.tasks:
        _simulate(y, task)


def _note(rng: random.Random, task: _Task, stage: str, progress: float) -> str:
    if stage == "领办登记":
        return rng.choice(("已领办登记，正在制定工作方案", "已明确责任人和时间节点", "已召开专题会研究部署"))
    if stage == "即时反馈":
        return rng.choice(("已报送办理情况，等待审核销号", "主体工作完成，已反馈办理结果"))
    if stage == "办结销号":
        if task.ledger == "制度文件修订":
            return "已经部务会审议通过并印发"
        return rng.choice(("已办结，材料已归档", "已办结销号，成果已报送"))
    if task.profile == "overdue" and progress >= 60:
        return rng.choice(("受疫情影响进度滞后，正在加快推进", "已超期，正在督促加快办理"))
    if task.profile == "behind":
        return rng.choice(("进度滞后，已督促加快推进", "协调难度较大，正在研究推进措施"))
    if task.ledger == "制度文件修订":
        if progress < 40:
            return "正在梳理现行制度、调研起草"
        return "已形成初稿，正在征求意见" if progress < 75 else "已修改完善，拟提交部务会审议"
    if progress < 40:
        return rng.choice(("正在开展调研摸底", "方案已印发，正在组织实施", "已召开推进会，细化任务分工"))
    if progress < 80:
        return rng.choice(("按节点推进，已完成阶段性任务", "正在督导落实，已召开调度会", f"已完成约{int(progress)}%"))
    return "主体工作已完成，正在查漏补缺"


def _simulate(y: _Year, task: _Task) -> None:
    """Weekly snapshots (one row per Friday while the task is open) and the points that follow from them."""
    rng = y.rng
    fridays = [f for f in _fridays(y.year) if f >= task.start]
    if not fridays:
        return
    close: date | None = None
    if task.profile in ("on_time", "silent"):
        close = _friday_on_or_before(task.due - timedelta(days=rng.choice((0, 0, 7, 14))))
        close = max(close, fridays[min(2, len(fridays) - 1)])
    elif task.profile == "late":
        close = _friday_on_or_before(task.due + timedelta(days=rng.randint(8, 35)))
    gap: tuple[date, date] | None = None
    if task.profile == "silent" and close is not None:
        before_close = [f for f in fridays if f < close - timedelta(days=14)]
        first = before_close[len(before_close) // 3]
        weeks = min(rng.randint(4, 6), len(before_close) - len(before_close) // 3 - 1)
        gap = (first, first + timedelta(days=7 * weeks))
    stale_after = date(y.year, 11, 18) if task.profile == "stale" else None
    pace = {"behind": 0.55, "overdue": 0.75, "late": 0.85}.get(task.profile, 1.0)
    curve = rng.uniform(0.8, 1.2)
    progress = 0.0
    missed = 0
    milestone = False
    overdue_noted: set[int] = set()
    for week, friday in enumerate(fridays):
        if close is not None and friday > close:
            break
        if gap and gap[0] <= friday < gap[1]:
            missed += 1
            continue
        if stale_after and friday > stale_after:
            break
        if missed:
            y.add_point(friday, task.owner, "DC03", f"“{task.name}”连续{missed}周未反馈进展", evidence="督查通报")
            missed = 0
        if friday == close:
            progress, stage = 100.0, "办结销号"
        else:
            # Tasks that will close pace themselves to the closing week; the others to their due date.
            target = close if close is not None else task.due
            fraction = max(0.0, (friday - task.start).days) / max((target - task.start).days, 7)
            planned = 100 * min(fraction, 1.0) ** curve * pace + rng.uniform(-4, 6)
            if task.profile == "overdue" and friday > task.due:
                planned = progress + rng.choice((0, 0, 5))
            progress = max(progress, min(95.0, 5 * round(planned / 5)))
            if week == 0:
                progress, stage = min(progress, 10.0), "领办登记"
            elif progress >= 90 and close is not None and (close - friday).days <= 14:
                stage = "即时反馈"
            else:
                stage = "全程督查"
        y.snapshots.append(
            {
                "code": task.code,
                "name": task.name,
                "ledger": task.ledger,
                "section": task.section,
                "owner": task.owner.name,
                "start": task.start,
                "due": task.due,
                "progress": progress,
                "stage": stage,
                "note": _note(rng, task, stage, progress),
                "updated": friday,
            }
        )
        if task.ledger == "揭榜挂帅" and not milestone and progress >= 50:
            milestone = True
            y.add_point(
                friday, task.owner, "CX01", f"揭榜挂帅项目“{task.name}”取得阶段成果", evidence="创新专班评估意见"
            )
        if stage == "办结销号":
            if friday <= task.due:
                y.add_point(friday, task.owner, "DC01", f"牵头的“{task.name}”按期办结销号", evidence="销号单")
            if task.ledger == "揭榜挂帅":
                y.add_point(
                    friday, task.owner, "CX01", f"揭榜挂帅项目“{task.name}”完成揭榜", evidence="创新专班评估意见"
                )
        elif friday > task.due and friday.month not in overdue_noted:
            overdue_noted.add(friday.month)
            y.add_point(
                friday,
                task.owner,
                "DC02",
                f"督办事项“{task.name}”逾期未办结（{friday.month}月督查）",
                evidence="督办专报",
            )
