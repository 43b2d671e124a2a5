"""The scale data set: a city-sized department (default 5,000 people in 100 sections over 36 months, ≈2M score events)
written straight into DuckDB with the project's schema, fast and deterministic, plus a 100,000-row points workbook
(and the roster it needs) for the import benchmark.

Densities follow the demo year per person (score events per item, participation per activity, tasks per person),
the rule book in force supplies contents, items, caps, activities, ledgers, stages and arenas, and the monthly caps
make content ties the way real data has them. Every fact row carries lineage (batch, file, sheet, row) and belongs to
a committed import batch; the roster has moves, leavers and joiners, each through a roster batch."""

from __future__ import annotations

import hashlib
import io
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.rules import rulebook as rb
from analytics.store.db import Con, set_meta

UPLOADER = "规模数据生成"
START = date(2022, 1, 1)

# Score events per item in the demo year (60 people, 12 months); scaled per person-month, ×1.34 to ≈2M at full size.
DEMO_ITEM_COUNTS = {
    "DC01": 456, "DC02": 18, "DC03": 68, "ZL01": 945, "ZL02": 96, "ZL03": 2, "XC01": 2115, "XC02": 146,
    "XC03": 423, "XX01": 37, "XX02": 18, "XX03": 74, "CX01": 15, "CX02": 16, "YX01": 39, "YX02": 142,
    "YX03": 145, "TJ01": 1075, "TJ02": 18, "JL01": 9, "JL02": 206, "JL03": 0.06,
}  # fmt: skip
ITEM_DENSITY = 1.52
# Activities held for everyone on a calendar: (frequency or sessions a year, share of people attending, hours).
SESSION_ACTIVITIES = {
    "荐学": ("weekly", 0.93, 0.5),
    "研学": ("half_monthly", 0.90, 2.0),
    "游学": ("monthly", 0.90, 3.0),
    "评学": ("quarterly", 0.96, 2.0),
    "奖学": ("yearly", 0.95, 2.0),
    "组工讲堂": (10, 0.78, 2.0),
}
# Activities a person does now and then: rows per person per year (demo year), role, hours.
PERSONAL_ACTIVITIES = {
    "每日鉴学": (12.0, "参与", None),
    "志愿服务": (3.0, "参与", 4.0),
    "联企业联群众": (3.0, "参与", None),
    "岗位练兵": (1.2, "参与", 2.0),
    "业务比武": (0.67, "参与", 3.0),
    "一线实践": (0.65, "参与", None),
    "金点子": (0.8, "参与", None),
    "组工论坛": (0.55, "主讲", 1.0),
    "考察学习": (0.28, "参与", 8.0),
}
TASKS_PER_PERSON_YEAR = 1.56  # demo year: 95 tasks for 61 people
LEDGER_WEIGHTS = {
    "组织保障专项台账": 22, "基础夯实工程": 28, "揭榜挂帅": 10, "重点任务清单": 4, "领导批示督办": 3,
    "会议确定事项": 4, "制度文件修订": 21, "形象提升任务": 3,
}  # fmt: skip
SECTION_KINDS = (
    "办公室", "组织科", "干部一科", "干部二科", "干部监督科", "人才工作科", "公务员管理科", "研究室",
    "党员教育科", "基层党建科", "干部教育科", "信息调研科",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华建国志红晓子宏文俊雨思欣海春立新永家庆天嘉梦雅诗佳"
TITLES = (("一级主任科员", "一般干部"), ("二级主任科员", "一般干部"), ("四级主任科员", "一般干部"),
          ("一级科员", "青年干部"), ("科员", "青年干部"))  # fmt: skip
REASON_TAILS = ("（上级通报）", "（部务会确认）", "（科室申报）", "（督查室核实）", "（简报刊发）", "（群众反映）")
NOTES = ("已领办登记，正在制定方案", "已召开专题会研究部署", "按计划推进", "已形成初稿，正在征求意见",
         "已报部务会审议", "已完成阶段任务", "正在督促落实", "已办结，资料已归档")  # fmt: skip
TOPICS = ("学习贯彻党代会精神", "干部工作业务知识", "基层党建创新实践", "人才工作政策解读", "组织工作信息化")
QUARTER_WORDS = "一二三四"


@dataclass
class Summary:
    path: Path
    people: int
    sections: int
    months: int
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    points_xlsx: Path | None = None
    roster_xlsx: Path | None = None

    def lines(self) -> list[str]:
        counts = "，".join(f"{k} {v:,}" for k, v in self.rows.items())
        out = [
            f"已生成规模数据 {self.path}：{self.people:,} 人，{self.sections} 个科室，{self.months} 个月，用时 {self.seconds:.1f}s"
        ]
        out.append(f"  {counts}")
        if self.points_xlsx:
            out.append(f"  导入基准用文件：{self.points_xlsx}（加减分），{self.roster_xlsx}（人员名单）")
        return out


def parse_fraction(text: str | None) -> Fraction:
    """'1/16', '0.25' or '1' → a fraction in (0, 1]."""
    if not text:
        return Fraction(1)
    value = Fraction(text.strip())
    if not 0 < value <= 1:
        raise ValueError(f"--fraction 应在 0 与 1 之间：{text}")
    return value


def _month_start(m: int) -> date:
    return date(START.year + (START.month - 1 + m) // 12, (START.month - 1 + m) % 12 + 1, 1)


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


class _Calendar:
    """Month starts, month ends and the workdays of each month, as day numbers since 1970."""

    def __init__(self, months: int):
        self.months = months
        self.starts = np.array([_days(_month_start(m)) for m in range(months + 1)])
        self.end = int(self.starts[-1]) - 1
        self.workdays = []
        for m in range(months):
            days = np.arange(self.starts[m], self.starts[m + 1])
            self.workdays.append(days[((days + 3) % 7) < 5])  # 1970-01-01 was a Thursday
        width = max(len(w) for w in self.workdays)
        self.padded = np.stack([np.resize(w, width) for w in self.workdays])
        self.count = np.array([len(w) for w in self.workdays])

    def workday(self, rng: np.random.Generator, month: np.ndarray) -> np.ndarray:
        pick = (rng.random(len(month)) * self.count[month]).astype(np.int64)
        return self.padded[month, pick]

    def fridays(self) -> np.ndarray:
        days = np.arange(self.starts[0], self.end + 1)
        return days[((days + 3) % 7) == 1]

    def month_of(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, day, side="right") - 1


def _as_date(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]")


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surnames = np.array(list(SURNAMES))
    given = np.array(list(GIVEN))
    first = surnames[rng.integers(0, len(surnames), n)]
    second = given[rng.integers(0, len(given), n)]
    third = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return np.char.add(np.char.add(first, second), third)


# Roster ------------------------------------------------------------------------------------------


@dataclass
class _Roster:
    person: pd.DataFrame  # person_id, name, staff_no, title, category, join_month, leave_month, left_on
    section_by_month: np.ndarray  # people × months: section_id held in the month
    memberships: pd.DataFrame  # person_id, section_id, valid_from, valid_to, month (the roster batch's month)
    section_names: list[str]
    moves: pd.DataFrame  # person_id, month, from_section, to_section
    active: np.ndarray  # people × months: present the whole month


def _roster(rng: np.random.Generator, people: int, sections: int, cal: _Calendar) -> _Roster:
    months = cal.months
    names = [
        SECTION_KINDS[i % len(SECTION_KINDS)] + ("" if i < len(SECTION_KINDS) else str(i // len(SECTION_KINDS) + 1))
        for i in range(sections)
    ]
    quarters = list(range(3, months, 3))
    # 90% are on the first roster; the rest join at the start of a later quarter. About 1% leave each quarter.
    join = np.zeros(people, dtype=np.int64)
    joiners = rng.random(people) >= 0.9
    if quarters:
        join[joiners] = rng.choice(quarters, joiners.sum())
    leave = np.full(people, months, dtype=np.int64)
    if quarters:
        leaving = rng.random(people) < 0.01 * len(quarters)
        leave[leaving] = rng.choice(quarters, leaving.sum())
        leave = np.where(leave <= join, months, leave)
    home = rng.integers(1, sections + 1, people)
    section_by_month = np.repeat(home[:, None], months, axis=1)
    # About 1% move section at each quarter start (岗位交流).
    move_rows = []
    for q in quarters:
        movers = np.flatnonzero((rng.random(people) < 0.01) & (join < q) & (leave > q))
        if sections < 2:
            break
        target = (section_by_month[movers, q] + rng.integers(1, sections, len(movers)) - 1) % sections + 1
        for pid, to in zip(movers, target, strict=True):
            move_rows.append((pid + 1, q, int(section_by_month[pid, q]), int(to)))
            section_by_month[pid, q:] = to
    moves = pd.DataFrame(move_rows, columns=["person_id", "month", "from_section", "to_section"])
    active = (np.arange(months)[None, :] >= join[:, None]) & (np.arange(months)[None, :] < leave[:, None])
    title = rng.integers(0, len(TITLES), people)
    person = pd.DataFrame(
        {
            "person_id": np.arange(1, people + 1),
            "name": _names(rng, people),
            "staff_no": [f"S{n:05d}" for n in range(1, people + 1)],
            "title": [TITLES[t][0] for t in title],
            "category": [TITLES[t][1] for t in title],
            "join_month": join,
            "leave_month": leave,
        }
    )
    person["left_on"] = [None if m >= months else date.fromordinal(_month_start(m).toordinal() - 1) for m in leave]
    # Memberships: one stretch from joining, split at each move.
    spans = []
    for pid in range(people):
        row = section_by_month[pid]
        start = int(join[pid])
        for m in range(start + 1, months):
            if row[m] != row[m - 1]:
                spans.append((pid + 1, int(row[start]), start, m))
                start = m
        spans.append((pid + 1, int(row[start]), start, None))
    memberships = pd.DataFrame(spans, columns=["person_id", "section_id", "from_month", "to_month"])
    memberships["valid_from"] = [_month_start(m) for m in memberships["from_month"]]
    memberships["valid_to"] = [
        None if m is None or m != m else date.fromordinal(_month_start(int(m)).toordinal() - 1)
        for m in memberships["to_month"]
    ]
    return _Roster(person, section_by_month, memberships, names, moves, active)


# Facts -------------------------------------------------------------------------------------------


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


# Writing -----------------------------------------------------------------------------------------


def _insert(cur: Con, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    names = ", ".join(columns)
    cur.register("scale_rows", frame[columns])
    try:
        cur.execute(f"insert into {table} ({names}) select {names} from scale_rows")
    finally:
        cur.unregister("scale_rows")


def _lineage(frame: pd.DataFrame, batch_of_month: dict[int, int], files: dict[int, str], sheet: str) -> pd.DataFrame:
    """Batch, file, sheet and row number (as the clerk sees it: the header is on row 2) for each fact row."""
    frame = frame.sort_values(["month", "day", "section_id", "person_id"] if "person_id" in frame else ["month", "day"])
    frame = frame.reset_index(drop=True)
    frame["batch_id"] = frame["month"].map(batch_of_month).astype("int32")
    frame["source_file"] = frame["batch_id"].map(files)
    frame["sheet"] = sheet
    frame["row_no"] = (frame.groupby("batch_id").cumcount() + 3).astype("int32")
    if "day" in frame and "event_date" not in frame:
        frame["event_date"] = _as_date(frame["day"].to_numpy())
    return frame


def generate(
    path: str | Path,
    people: int = 5000,
    sections: int = 100,
    months: int = 36,
    fraction: Fraction | float = 1,
    seed: int = 2022,
    xlsx_rows: int | None = 100_000,
) -> Summary:
    """Build the scale database at `path` (which must not exist yet) and, unless xlsx_rows is None, the import
    benchmark's points workbook (xlsx_rows rows) and roster workbook beside it."""
    from analytics import open_db

    t0 = time.perf_counter()
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"文件已存在：{path}")
    fraction = Fraction(fraction).limit_denominator(1000)
    people = max(8, int(people * fraction))
    sections = max(2, int(round(sections * fraction)))
    rng = np.random.default_rng(seed)
    cal = _Calendar(months)
    con = open_db(path)
    cur = con.cursor()
    book = rb.current(cur)
    roster = _roster(rng, people, sections, cal)
    events = _score_events(rng, book, roster, cal)
    attended = _participation(rng, book, roster, cal)
    snapshots = _tasks(rng, book, roster, cal)
    marks = _arena(rng, book, roster, cal)

    # Batches in the order the clerks would have uploaded them: each month's roster changes (the first month and each
    # quarter start), then the month's points, participation, task updates and (at mid-quarter) arena marks.
    batches = []
    batch_of: dict[str, dict[int, int]] = {k: {} for k in ("roster", "points", "participation", "tasks", "arena")}
    files: dict[int, str] = {}
    roster_months = sorted({0, *roster.moves["month"].tolist(), *roster.person["join_month"].tolist(),
                            *[m for m in roster.person["leave_month"].tolist() if m < months]})  # fmt: skip
    arena_months = set(marks["month"].tolist()) if len(marks) else set()
    for m in range(months):
        start = _month_start(m)
        label = f"{start.year}年{start.month}月"
        for kind, name, present in (
            ("roster", f"人员名单（{label}调整）.xlsx" if m else "人员名单.xlsx", m in roster_months),
            ("points", f"{label}加减分情况.xlsx", True),
            ("participation", f"{label}学习活动参与情况.xlsx", True),
            ("tasks", f"任务台账推进情况（{label}）.xlsx", True),
            ("arena", f"{start.year}年第{QUARTER_WORDS[(start.month - 1) // 3]}季度擂台评分.xlsx", m in arena_months),
        ):
            if not present:
                continue
            batch_id = len(batches) + 1
            batch_of[kind][m] = batch_id
            files[batch_id] = name
            imported = datetime.combine(start, datetime.min.time()) + timedelta(
                days=33 if kind != "roster" else 0, hours=10
            )
            batches.append((batch_id, kind, name, m, imported))

    events = _lineage(events, batch_of["points"], files, "加减分")
    attended = _lineage(attended, batch_of["participation"], files, "学习活动")
    snapshots = _lineage(snapshots, batch_of["tasks"], files, "推进台账")
    if len(marks):
        marks = _lineage(marks.assign(section_id=0), batch_of["arena"], files, "擂台评分")
    # About 1% of task updates were reported again, corrected, in the next month's file: the old row is superseded.
    redo = snapshots[(rng.random(len(snapshots)) < 0.01) & (snapshots["month"] < months - 1)].copy()
    redo["progress"] = np.minimum(100.0, redo["progress"] + 5)
    redo["latest_note"] = redo["latest_note"] + "（更正）"
    redo["superseded_by"] = None
    snapshots["superseded_by"] = pd.array([None] * len(snapshots), dtype="Int32")
    later = (redo["month"] + 1).map(batch_of["tasks"]).astype("int32")
    snapshots.loc[redo.index, "superseded_by"] = later.to_numpy()
    redo["batch_id"] = later
    redo["source_file"] = redo["batch_id"].map(files)
    last_row = snapshots.groupby("batch_id")["row_no"].max()
    redo["row_no"] = (redo["batch_id"].map(last_row) + redo.groupby("batch_id").cumcount() + 1).astype("int32")
    snapshots = pd.concat([snapshots, redo], ignore_index=True)

    person = roster.person.copy()
    first_member = roster.memberships.groupby("person_id")["from_month"].min()
    person["batch_id"] = person["person_id"].map(first_member).map(batch_of["roster"]).astype("int32")
    person["source_file"] = person["batch_id"].map(files)
    person["sheet"] = "干部名单"
    person["row_no"] = (person.groupby("batch_id").cumcount() + 3).astype("int32")
    person.loc[person["left_on"].isna(), "left_on"] = None
    members = roster.memberships.copy()
    members["batch_id"] = members["from_month"].map(batch_of["roster"]).astype("int32")
    members["source_file"] = members["batch_id"].map(files)
    members["sheet"] = "干部名单"
    members["row_no"] = (members.groupby("batch_id").cumcount() + 3).astype("int32")

    totals = {
        "points": events.groupby("batch_id")["points"].agg(["size", "sum"]),
        "participation": attended.groupby("batch_id")["person_id"].agg(["size"]),
        "tasks": snapshots.groupby("batch_id")["task_code"].agg(["size"]),
        "arena": marks.groupby("batch_id")["mark"].agg(["size"]) if len(marks) else pd.DataFrame(),
        "roster": members.groupby("batch_id")["person_id"].agg(["size"]),
    }
    replaced = snapshots.dropna(subset=["superseded_by"]).groupby("superseded_by").size()
    batch_frame = pd.DataFrame(
        [
            {
                "batch_id": b,
                "kind": kind,
                "file_name": name,
                "sha256": hashlib.sha256(f"scale:{seed}:{fraction}:{name}".encode()).hexdigest(),
                "sheets": [
                    {
                        "roster": "干部名单",
                        "points": "加减分",
                        "participation": "学习活动",
                        "tasks": "推进台账",
                        "arena": "擂台评分",
                    }[kind]
                ],  # fmt: skip
                "uploader": UPLOADER,
                "imported_at": at,
                "rows_imported": int(totals[kind]["size"].get(b, 0)) if len(totals[kind]) else 0,
                "rows_replaced": int(replaced.get(b, 0)) if kind == "tasks" else 0,
                "rows_skipped": 0,
                "points_total": round(float(totals["points"]["sum"].get(b, 0.0)), 4) if kind == "points" else None,
                "status": "committed",
                "is_demo": False,
                "summary": json.dumps({"lines": [f"规模数据：{name}"]}, ensure_ascii=False),
            }
            for b, kind, name, m, at in batches
        ]
    )
    sections_frame = pd.DataFrame(
        {
            "section_id": np.arange(1, sections + 1),
            "name": roster.section_names,
            "sort_order": np.arange(1, sections + 1),
        }
    )
    changes = [(batch_of["roster"][0], "section", None, int(s), None) for s in sections_frame["section_id"]]
    changes += [(int(r.batch_id), "insert", int(r.person_id), None, None) for r in person.itertuples()]
    # Moves and leavers are journalled as apply_roster does: the person's fields and open membership before.
    by_person = person.set_index("person_id")
    spans = members.sort_values(["person_id", "from_month"])
    for r in roster.moves.itertuples():
        p = by_person.loc[r.person_id]
        before_span = spans[(spans["person_id"] == r.person_id) & (spans["from_month"] < r.month)].iloc[-1]
        before = {"name": p["name"], "staff_no": p["staff_no"], "title": p["title"], "category": p["category"],
                  "left_on": None, "open_section": int(r.from_section),
                  "open_from": before_span["valid_from"].isoformat()}  # fmt: skip
        changes.append((batch_of["roster"][r.month], "update", int(r.person_id), None, json.dumps(before, ensure_ascii=False)))  # fmt: skip
    for r in person[person["leave_month"] < months].itertuples():
        span = spans[(spans["person_id"] == r.person_id) & (spans["from_month"] < r.leave_month)].iloc[-1]
        before = {"name": r.name, "staff_no": r.staff_no, "title": r.title, "category": r.category, "left_on": None,
                  "open_section": int(span["section_id"]), "open_from": span["valid_from"].isoformat()}  # fmt: skip
        changes.append((batch_of["roster"][r.leave_month], "update", int(r.person_id), None, json.dumps(before, ensure_ascii=False)))  # fmt: skip
    change_frame = pd.DataFrame(changes, columns=["batch_id", "action", "person_id", "section_id", "before_json"])
    change_frame = change_frame.drop_duplicates(["batch_id", "action", "person_id", "section_id"])

    cur.execute("begin")
    try:
        _insert(cur, "import_batch", batch_frame, list(batch_frame.columns))
        _insert(cur, "section", sections_frame, list(sections_frame.columns))
        _insert(cur, "person", person, ["person_id", "name", "staff_no", "title", "category", "left_on", "batch_id",
                                        "source_file", "sheet", "row_no"])  # fmt: skip
        _insert(cur, "membership", members, ["person_id", "section_id", "valid_from", "valid_to", "batch_id",
                                             "source_file", "sheet", "row_no"])  # fmt: skip
        _insert(cur, "roster_change", change_frame, list(change_frame.columns))
        lineage = ["batch_id", "source_file", "sheet", "row_no"]
        _insert(cur, "score_event", events, lineage + ["event_date", "person_id", "section_id", "content", "item_code",
                                                       "points", "reason", "evidence", "recorder", "veto_flag"])  # fmt: skip
        _insert(cur, "participation", attended, lineage + ["event_date", "person_id", "section_id", "activity", "title",
                                                           "role", "hours"])  # fmt: skip
        _insert(cur, "task_snapshot", snapshots, lineage + ["task_code", "task_name", "ledger", "section_id",
                "owner_name", "owner_person_id", "start_date", "due_date", "progress", "stage", "latest_note",
                "updated_on", "superseded_by"])  # fmt: skip
        if len(marks):
            _insert(
                cur,
                "arena_mark",
                marks,
                lineage + ["event_date", "arena", "topic", "contestant_id", "judge_id", "mark"],
            )
        # Later roster imports draw ids from the sequences: move them past the ids written here.
        cur.execute("select max(nextval('seq_person')) from range(?)", [people]).fetchall()
        cur.execute("select max(nextval('seq_section')) from range(?)", [sections]).fetchall()
        set_meta(cur, "data_version", "1")
        set_meta(cur, "scale_generator", json.dumps({"people": people, "sections": sections, "months": months,
                                                     "fraction": str(fraction), "seed": seed}))  # fmt: skip
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    cur.execute("checkpoint")
    summary = Summary(path, people, sections, months, seconds=0.0)
    for table in ("score_event", "participation", "task_snapshot", "arena_mark", "membership", "import_batch"):
        summary.rows[table] = cur.execute(f"select count(*) from {table}").fetchone()[0]
    if xlsx_rows:
        summary.points_xlsx, summary.roster_xlsx = import_file_paths(path)
        write_import_files(cur, summary.points_xlsx, summary.roster_xlsx, xlsx_rows, seed)
    con.close()
    summary.seconds = time.perf_counter() - t0
    return summary


# The import benchmark's workbooks ----------------------------------------------------------------


def import_file_paths(db: str | Path) -> tuple[Path, Path]:
    db = Path(db)
    return db.with_name(db.stem + "_points.xlsx"), db.with_name(db.stem + "_roster.xlsx")


def _xlsx(sheet: str, rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_import_files(cur: Con, points_path: Path, roster_path: Path, rows: int, seed: int = 2022) -> None:
    """A points workbook of `rows` new events in the campaign year for people who stayed in one section all along
    (so it is valid both against this database and against an empty one that first imports the roster workbook),
    and that roster workbook: everyone still on the roster, with 工号 because names repeat."""
    book = rb.current(cur)
    year = book.campaign_year
    stable = cur.execute(
        """
        select p.person_id, p.name, p.staff_no, s.name
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null and m.valid_from <= ?
          and (select count(*) from membership x where x.person_id = p.person_id) = 1
        order by p.person_id
        """,
        [date(year, 1, 1)],
    ).fetchall()
    roster = cur.execute(
        """
        select p.name, s.name, p.staff_no, p.title, p.category
        from person p join membership m using (person_id) join section s using (section_id)
        where p.left_on is null and m.valid_to is null
        order by p.person_id
        """
    ).fetchall()
    rng = np.random.default_rng(seed + 1)
    items = [i for i in book.items if not i.veto]
    pick_person = rng.integers(0, len(stable), rows)
    pick_item = rng.integers(0, len(items), rows)
    day0 = date(year, 1, 1).toordinal()
    pick_day = rng.integers(0, 365, rows)
    data: list[list] = [["序号", "日期", "姓名", "科室", "工号", "考核内容", "事项编号", "分值", "事由", "登记人"]]
    for n in range(rows):
        _, name, staff, section = stable[pick_person[n]]
        item = items[pick_item[n]]
        data.append(
            [n + 1, date.fromordinal(day0 + int(pick_day[n])), name, section, staff, item.content, item.code,
             item.points_min, f"{item.name}（补录第{n + 1}条）", "考核专员"]
        )  # fmt: skip
    points_path.write_bytes(_xlsx("加减分", data))
    roster_path.write_bytes(_xlsx("干部名单", [["姓名", "科室", "工号", "职务", "人员类别"], *map(list, roster)]))


# Command line ------------------------------------------------------------------------------------


def run_command(args) -> int:
    """`python -m analytics scale …` (the arguments are declared in analytics/benchmark.py)."""
    if not 1 <= args.months <= 120:
        raise ValueError("--months 应在 1 到 120 之间")
    if args.people < 8 or args.sections < 2:
        raise ValueError("--people 至少 8，--sections 至少 2")
    try:
        summary = generate(
            args.output,
            people=args.people,
            sections=args.sections,
            months=args.months,
            fraction=parse_fraction(args.fraction),
            seed=args.seed,
            xlsx_rows=args.xlsx_rows or None,
        )
    except FileExistsError as exc:
        raise ValueError(str(exc)) from exc
    for line in summary.lines():
        print(line)
    return 0
