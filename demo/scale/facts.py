"""The scale data set's facts: score events within monthly caps, participation, task snapshots, arena marks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.rules import rulebook as rb
from demo.scale.days import _as_date, _Calendar, _month_start
from demo.scale.people import _Roster
from demo.scale.plan import (
    DEMO_ITEM_COUNTS,
    ITEM_DENSITY,
    LEDGER_WEIGHTS,
    NOTES,
    PERSONAL_ACTIVITIES,
    REASON_TAILS,
    SESSION_ACTIVITIES,
    TASKS_PER_PERSON_YEAR,
    TOPICS,
)


def _score_events(rng: np.random.Generator, book: rb.RuleBook, roster: _Roster, cal: _Calendar) -> pd.DataFrame:
    """One row per event: per person, month and item a Poisson count around the demo year's density (×ITEM_DENSITY), scaled by the
    person's own zeal (some people earn far more), so monthly caps bind for the keen and content stars tie."""
    people, months = roster.active.shape
    zeal = rng.gamma(2.0, 0.5, people)
    frames = []
    for item in book.items:
        per_month = DEMO_ITEM_COUNTS.get(item.code, 6) / 60 / 12 * ITEM_DENSITY
        lam = (zeal[:, None] * per_month) * roster.active
        counts = rng.poisson(lam)
        pid, month = np.nonzero(counts)
        reps = counts[pid, month]
        pid, month = np.repeat(pid, reps), np.repeat(month, reps)
        n = len(pid)
        if not n:
            continue
        if item.points_min == item.points_max:
            points = np.full(n, item.points_min)
        else:
            low, high = sorted((item.points_min, item.points_max))
            points = rng.integers(int(np.ceil(low)), int(np.floor(high)) + 1, n).astype(float)
        tails = np.array(REASON_TAILS)[rng.integers(0, len(REASON_TAILS), n)]
        frames.append(
            pd.DataFrame(
                {
                    "day": cal.workday(rng, month),
                    "month": month,
                    "person_id": pid + 1,
                    "section_id": roster.section_by_month[pid, month],
                    "content": item.content,
                    "item_code": item.code,
                    "points": points,
                    "reason": np.char.add(item.name, tails),
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    events["evidence"] = np.where(events["points"] > 0, "科室申报材料", None)
    events["recorder"] = "考核专员"
    events["veto_flag"] = pd.array([None] * len(events), dtype="boolean")
    return events


def _sessions(kind: str | int, cal: _Calendar, rng: np.random.Generator) -> np.ndarray:
    if kind == "weekly":
        return cal.fridays()
    months = np.arange(cal.months)
    if kind == "half_monthly":
        first = cal.padded[months, np.minimum(5, cal.count - 1)]
        second = cal.padded[months, np.minimum(15, cal.count - 1)]
        return np.sort(np.concatenate([first, second]))
    if kind == "monthly":
        return cal.padded[months, np.minimum(10, cal.count - 1)]
    if kind == "quarterly":
        last = months[months % 3 == 2]
        return cal.padded[last, cal.count[last] - 3]
    if kind == "yearly":
        dec = months[months % 12 == 11]
        return cal.padded[dec, cal.count[dec] - 5]
    per_year = int(kind)
    chosen = months[np.isin(months % 12, np.array([1, 2, 3, 4, 5, 6, 8, 9, 10, 11])[:per_year])]
    return cal.padded[chosen, np.minimum(12, cal.count[chosen] - 1)]


def _participation(rng: np.random.Generator, book: rb.RuleBook, roster: _Roster, cal: _Calendar) -> pd.DataFrame:
    """One row per person × activity attended: the calendar activities with one speaker per section and session, and
    the occasional ones at their demo-year rate."""
    known = {a.name for a in book.activities}
    people, months = roster.active.shape
    frames = []
    for activity, (kind, share, hours) in SESSION_ACTIVITIES.items():
        if activity not in known:
            continue
        days = _sessions(kind, cal, rng)
        month = cal.month_of(days)
        present = roster.active[:, month] & (rng.random((people, len(days))) < share)
        pid, s = np.nonzero(present)
        frame = pd.DataFrame(
            {
                "day": days[s],
                "month": month[s],
                "person_id": pid + 1,
                "section_id": roster.section_by_month[pid, month[s]],
                "activity": activity,
                "title": np.char.add(f"{activity}第", np.char.add((s + 1).astype(str), "期")),
                "hours": hours,
            }
        )
        # Sections take turns to lead 荐学 and 研学: the first attendee of each section and session speaks.
        if activity in ("荐学", "研学"):
            lead = ~frame.duplicated(["day", "section_id"])
        elif activity == "组工讲堂":
            lead = ~frame.duplicated(["day"])
        else:
            lead = np.zeros(len(frame), dtype=bool)
        frame["role"] = np.where(lead, "主讲", "参与")
        frames.append(frame)
    for activity, (per_year, role, hours) in PERSONAL_ACTIVITIES.items():
        if activity not in known:
            continue
        counts = rng.poisson(per_year / 12 * roster.active)
        pid, month = np.nonzero(counts)
        reps = counts[pid, month]
        pid, month = np.repeat(pid, reps), np.repeat(month, reps)
        frames.append(
            pd.DataFrame(
                {
                    "day": cal.workday(rng, month),
                    "month": month,
                    "person_id": pid + 1,
                    "section_id": roster.section_by_month[pid, month],
                    "activity": activity,
                    "title": np.char.add(f"{activity}：", np.array(TOPICS)[rng.integers(0, len(TOPICS), len(pid))]),
                    "hours": hours,
                    "role": role,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _tasks(rng: np.random.Generator, book: rb.RuleBook, roster: _Roster, cal: _Calendar) -> pd.DataFrame:
    """One row per task × weekly update: tasks started through each year, most closed on time, some late, some overdue
    and still open; every open task reported each Friday until it closes or the data ends."""
    people, months = roster.active.shape
    ledgers = [name for name in LEDGER_WEIGHTS if any(x.name == name for x in book.ledgers)] or [
        x.name for x in book.ledgers
    ]
    weights = np.array([LEDGER_WEIGHTS.get(x, 5) for x in ledgers], dtype=float)
    stages = sorted(book.stages, key=lambda s: s.step)
    first_stage, middle_stage, report_stage, closed_stage = (
        stages[0].name,
        stages[min(1, len(stages) - 1)].name,
        stages[min(2, len(stages) - 1)].name,
        stages[-1].name,
    )
    tasks = []
    for year_start in range(0, months, 12):
        present = np.flatnonzero(roster.active[:, year_start])
        n = int(round(TASKS_PER_PERSON_YEAR * len(present)))
        owner = rng.choice(present, n)
        start = np.minimum(cal.starts[year_start] + rng.integers(0, 210, n), cal.end)
        duration = rng.choice(np.array([90, 150, 180, 240, 270, 300, 330, 360]), n)
        profile = rng.choice(np.array([0, 1, 2]), n, p=[0.88, 0.07, 0.05])  # on time, late, overdue
        year = _month_start(year_start).year
        tasks.append(
            pd.DataFrame(
                {
                    "owner": owner,
                    "start": start,
                    "due": start + duration,
                    "profile": profile,
                    "ledger": np.array(ledgers)[rng.choice(len(ledgers), n, p=weights / weights.sum())],
                    "code": [f"RW{year}-{k + 1:05d}" for k in range(n)],
                }
            )
        )
    tasks = pd.concat(tasks, ignore_index=True)
    tasks["month0"] = cal.month_of(tasks["start"].to_numpy())
    tasks["section_id"] = roster.section_by_month[tasks["owner"], tasks["month0"]]
    tasks["close"] = np.where(
        tasks["profile"] == 0,
        tasks["start"] + ((tasks["due"] - tasks["start"]) * rng.uniform(0.6, 1.0, len(tasks))).astype(int),
        np.where(tasks["profile"] == 1, tasks["due"] + rng.integers(7, 60, len(tasks)), cal.end + 1000),
    )
    # Weekly snapshots: the first Friday on or after the start, then every 7 days until closed or the data ends.
    first = tasks["start"] + (1 - (tasks["start"] + 3)) % 7
    last = np.minimum(tasks["close"], cal.end)
    weeks = np.maximum(1, (last - first) // 7 + 1).to_numpy()
    idx = np.repeat(np.arange(len(tasks)), weeks)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    t = tasks.iloc[idx].reset_index(drop=True)
    updated = first.to_numpy()[idx] + 7 * k
    closes = (t["close"].to_numpy() <= cal.end) & (k == weeks[idx] - 1)
    span = np.maximum(1, (t["close"] - t["start"]).to_numpy())
    planned = np.clip((updated - t["start"].to_numpy()) / np.maximum(1, (t["due"] - t["start"]).to_numpy()), 0, 1)
    pace = np.where(t["profile"].to_numpy() == 2, 0.7, (t["due"] - t["start"]).to_numpy() / span)
    progress = np.clip(np.round(planned * pace * 100 / 5) * 5, 0, 95)
    progress = np.where(closes, 100.0, progress)
    stage = np.where(
        k == 0,
        first_stage,
        np.where(closes, closed_stage, np.where(rng.random(len(idx)) < 0.05, report_stage, middle_stage)),
    )
    names = roster.person["name"].to_numpy()
    snapshots = pd.DataFrame(
        {
            "task_code": t["code"],
            "task_name": t["ledger"] + "任务" + t["code"].str[-5:],
            "ledger": t["ledger"],
            "section_id": t["section_id"],
            "owner_name": names[t["owner"]],
            "owner_person_id": t["owner"] + 1,
            "start_date": _as_date(t["start"]),
            "due_date": _as_date(t["due"]),
            "progress": progress,
            "stage": stage,
            "latest_note": np.where(closes, NOTES[-1], np.array(NOTES[:-1])[np.minimum(k, len(NOTES) - 2)]),
            "updated_on": _as_date(updated),
            "day": updated,
        }
    )
    snapshots["month"] = cal.month_of(updated)
    # A task started in the data's last days has its first Friday after the end: it is not reported yet.
    return snapshots[updated <= cal.end].reset_index(drop=True)


def _arena(rng: np.random.Generator, book: rb.RuleBook, roster: _Roster, cal: _Calendar) -> pd.DataFrame:
    """One row per judge × contestant mark: each arena meets once a quarter, about 1% of the people compete, 7–11 judge."""
    people, months = roster.active.shape
    frames = []
    for q_month in range(1, months, 3):
        present = np.flatnonzero(roster.active[:, q_month])
        for n, arena in enumerate(book.arenas):
            day = int(cal.padded[q_month, min(4 + 3 * n, cal.count[q_month] - 1)])
            picked = rng.choice(
                present, min(len(present), max(4, people // 100) + int(rng.integers(7, 12))), replace=False
            )
            judges, contestants = picked[: len(picked) - max(4, people // 100)], picked[-max(4, people // 100) :]
            if len(judges) < 3:
                continue
            skill = rng.normal(85, 4, len(contestants))
            marks = np.clip(
                np.round((skill[:, None] + rng.normal(0, 2.5, (len(contestants), len(judges)))) * 2) / 2, 60, 100
            )
            c, j = np.meshgrid(np.arange(len(contestants)), np.arange(len(judges)), indexing="ij")
            frames.append(
                pd.DataFrame(
                    {
                        "day": day,
                        "month": q_month,
                        "arena": arena.name,
                        "topic": f"{TOPICS[(q_month // 3 + n) % len(TOPICS)]}{arena.name}",
                        "contestant_id": contestants[c.ravel()] + 1,
                        "judge_id": judges[j.ravel()] + 1,
                        "mark": marks.ravel(),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
