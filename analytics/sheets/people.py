"""Who is who: the roster in memory (people, their 工号, their sections over time) and resolving the names a sheet
types (姓名, 科室, 工号) to people, with the closest names offered for a mistyped one."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.normalize import Factors, clean_name, clean_text, plain_text, staff_digits, staff_key
from analytics.sheets.problems import ERROR, WARNING
from analytics.store.db import Con

_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


@dataclass
class Membership:
    section_id: int
    valid_from: date
    valid_to: date | None


@dataclass
class PersonRecord:
    person_id: int
    name: str
    staff_no: str | None
    title: str | None
    category: str | None
    left_on: date | None
    memberships: list[Membership] = field(default_factory=list)

    def section_on(self, day: date) -> int:
        """The section on a day, by the one rule analytics.store.membership.section_on_sql states for the stored events: the membership with
        the latest start on or before the day; before the first membership, the first."""
        chosen = min(self.memberships, key=lambda m: m.valid_from)
        for m in self.memberships:
            if chosen.valid_from < m.valid_from <= day:
                chosen = m
        return chosen.section_id

    @property
    def current_section(self) -> int:
        return self.memberships[-1].section_id

    def move(self, section_id: int, on: date) -> None:
        """In the section from `on`: the open membership ends the day before (as roster_store writes it). Only after
        the latest membership's start (plan_roster refuses a row dated earlier): an earlier day would end a
        membership before it starts and leave two covering the same days."""
        if on <= self.memberships[-1].valid_from:
            raise ValueError(f"move of person {self.person_id} on {on} is not after {self.memberships[-1].valid_from}")
        self.memberships[-1].valid_to = on - timedelta(days=1)
        self.memberships.append(Membership(section_id, on, None))

    def copy(self) -> PersonRecord:
        return replace(self, memberships=[replace(m) for m in self.memberships])


class People:
    """The roster in memory, for resolving the names of one upload. Cheap to build: a department has ~100 people."""

    def __init__(self, people: dict[int, PersonRecord], sections: dict[int, str]):
        self.people = people
        self.sections = sections
        self._index()

    def _index(self) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.by_staff: dict[str, int] = {}
        self.by_digits: dict[str, list[int]] = {}
        for pid, p in self.people.items():
            self.by_name.setdefault(p.name, []).append(pid)
            key = staff_key(p.staff_no)
            if key:
                self.by_staff[key] = pid
                digits = staff_digits(key)
                if digits is not None:
                    self.by_digits.setdefault(digits, []).append(pid)
        self.section_by_key = {clean_text(name): sid for sid, name in self.sections.items()}

    @classmethod
    def load(cls, cur: Con) -> People:
        sections = dict(cur.execute("select section_id, name from section").fetchall())
        rows = cur.execute(
            """
            select p.person_id, p.name, p.staff_no, p.title, p.category, p.left_on,
                   m.section_id, m.valid_from, m.valid_to
            from person p join membership m using (person_id)
            order by p.person_id, m.valid_from
            """
        ).fetchall()
        people: dict[int, PersonRecord] = {}
        for pid, name, staff, title, category, left_on, sid, start, end in rows:
            record = people.get(pid)
            if record is None:
                record = people[pid] = PersonRecord(pid, name, staff, title, category, left_on)
            record.memberships.append(Membership(sid, start, end))
        return cls(people, sections)

    def describe(self, pid: int) -> str:
        p = self.people[pid]
        parts = [self.sections.get(p.current_section, "")]
        if p.staff_no:
            parts.append(f"工号 {p.staff_no}")
        return f"{p.name}（{'，'.join(x for x in parts if x)}）"

    def section_id(self, text: Any) -> int | None:
        return self.section_by_key.get(clean_text(text))

    def suggest_sections(self, text: Any) -> list[str]:
        keys = list(self.section_by_key)
        hits = difflib.get_close_matches(clean_text(text), keys, n=3, cutoff=0.3)
        return [self.sections[self.section_by_key[k]] for k in hits]

    def suggest_names(self, name: str, n: int = 3) -> list[str]:
        """Roster names closest to a mistyped one: 张3 → 张三 first (digits read as numerals), then by likeness."""
        if not name:
            return []
        spelled = name.translate(_NUMERALS)
        scored = []
        for candidate in self.by_name:
            score = difflib.SequenceMatcher(None, spelled, candidate).ratio()
            if candidate == spelled:
                score += 1
            if candidate[:1] == name[:1]:
                score += 0.1
            if score >= 0.45:
                scored.append((-score, candidate))
        return [c for _, c in sorted(scored)[:n]]

    def same_digits(self, staff: str) -> list[int]:
        """People whose 工号 is ``staff`` when leading zeros are not counted (both of digits only): the person of
        001 for a 1 that Excel made of it. Only asked for a 工号 not found as written."""
        digits = staff_digits(staff)
        return list(self.by_digits.get(digits, [])) if digits is not None else []

    def unpadded(self, staff: str, name: str, candidates: list[int]) -> tuple[int | None, str | None, str | None]:
        """(person_id, error, warning) for a 工号 not on the roster as written that equals the 工号 of
        ``candidates`` without leading zeros: that person when there is one and the name agrees (a warning says so),
        else refused naming the candidates — never taken for someone else, never guessed among several."""
        who = "、".join(self.describe(p) for p in candidates)
        if len(candidates) > 1:
            return (
                None,
                f"工号“{staff}”不在人员名单中；不计前导 0 时名单中有 {len(candidates)} 人与之相同：{who}。"
                "请填写完整的工号（Excel 可能去掉了前导 0，可先将工号列设为文本）",
                None,
            )
        pid = candidates[0]
        stored = self.people[pid].staff_no
        if not name:
            return (
                None,
                f"工号“{staff}”不在人员名单中；不计前导 0 时与{who}相同：请填写姓名以确认，或填写完整的工号",
                None,
            )
        if self.people[pid].name != name:
            return (
                None,
                f"工号“{staff}”不在人员名单中；不计前导 0 时与{who}相同，但本行姓名为“{name}”：请核对工号和姓名"
                "（Excel 可能去掉了前导 0，可先将工号列设为文本，再填写完整的工号）",
                None,
            )
        return pid, None, f"工号 {staff} 按 {stored} 匹配（Excel 可能去掉了前导 0）"

    def resolve_one(self, name: str, section: Any, staff_no: Any) -> tuple[int | None, str | None, str | None]:
        """(person_id, error, warning) for what a row says about a person."""
        staff = staff_key(staff_no)
        if staff:
            typed = plain_text(staff_no) or staff  # as the clerk sees it: 1, not the 1.0 Excel keeps
            pid = self.by_staff.get(staff)
            if pid is None:
                candidates = self.same_digits(staff)
                if candidates:
                    return self.unpadded(typed, name, candidates)
                return None, f"工号“{typed}”不在人员名单中：请核对工号，或先导入包含此人的人员名单", None
            if name and self.people[pid].name != name:
                return None, f"工号 {typed} 在名单中是“{self.people[pid].name}”，与姓名“{name}”不一致：请核对", None
            return pid, None, None
        if not name:
            return None, "姓名不能为空", None
        candidates = self.by_name.get(name, [])
        if not candidates:
            close = self.suggest_names(name)
            hint = f"最接近的有：{'、'.join(close)}。" if close else ""
            return None, f"“{name}”不在人员名单中。{hint}请核对姓名，或先导入包含此人的人员名单", None
        section_key = clean_text(section)
        if len(candidates) == 1:
            pid = candidates[0]
            warning = None
            if section_key:
                sid = self.section_by_key.get(section_key)
                if sid is not None and all(m.section_id != sid for m in self.people[pid].memberships):
                    # A section of the roster that this person never belonged to: a slip of the pen, or a namesake
                    # the roster does not list yet. Taken for this person, the event would stay on the wrong one
                    # once the namesake is added; so it is asked, not guessed.
                    p = self.people[pid]
                    home = self.sections.get(p.current_section, "")
                    return (
                        None,
                        f"表中科室为“{section}”，而名单中只有一位{name}：{self.describe(pid)}，从未在{section}。"
                        f"若就是此人，请把「科室」改为{home}或留空；若是{section}的另一位同名人员，"
                        "请先导入包含此人的人员名单，并在本表填写「工号」以区分",
                        None,
                    )
                if sid is None:
                    warning = f"名单中{self.describe(pid)}的科室与表中“{section}”不同，按人员名单的科室统计"
            return pid, None, warning
        if section_key:
            sid = self.section_by_key.get(section_key)
            matching = [
                p
                for p in candidates
                if sid is not None and any(m.section_id == sid for m in self.people[p].memberships)
            ]
            if len(matching) == 1:
                return matching[0], None, None
        who = "、".join(self.describe(p) for p in candidates)
        return None, f"名单中有 {len(candidates)} 位“{name}”：{who}。请填写「科室」或「工号」列以区分", None

    def resolve(
        self,
        frame: pd.DataFrame,
        name_key: str = "name",
        dates: np.ndarray | None = None,
        factors: Callable[[str], Factors] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
        """Person and section (on the row's date) for every row; problems as (row position, level, message).

        Works per distinct (name, 科室, 工号): an upload of 100,000 rows names a few thousand people at most.
        ``factors`` gives a column's ``pd.factorize`` (blank as -1) when the caller keeps them."""
        n = len(frame)
        keys = [name_key] + ([k for k in ("section", "staff_no") if k in frame] if name_key == "name" else [])
        codes = np.zeros(n, dtype=np.int64)
        columns: list[tuple[np.ndarray, Any]] = []
        for key in keys:
            if factors is not None:
                # Blank cells (-1) become one more value, as factorize(use_na_sentinel=False) would make them.
                c, distinct = factors(key)
                c = np.where(c < 0, len(distinct), c)
                u: Any = [*distinct, None]
            else:
                c, u = pd.factorize(frame[key], use_na_sentinel=False)
            codes = codes * (len(u) + 1) + c
            columns.append((c, u))
        codes, combos = pd.factorize(codes)
        # The rows of each combination, in row order: one stable sort instead of a pass over all rows per
        # combination (an upload names thousands of people at the scale of a city).
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(combos) + 1))

        def rows_of(u: int) -> np.ndarray:
            return order[bounds[u] : bounds[u + 1]]

        # The first row of each combination, to read its raw values back (column by column, not row by row).
        first = order[bounds[:-1]]
        raw = {key: [u[i] for i in c[first].tolist()] for key, (c, u) in zip(keys, columns)}
        blank = [""] * len(first)
        resolved = [
            self.resolve_one(clean_name(name), section, staff)
            for name, section, staff in zip(
                raw[name_key], raw.get("section", blank), raw.get("staff_no", blank), strict=True
            )
        ]
        pid_u = np.array([r[0] if r[0] is not None else 0 for r in resolved], dtype=np.int64)
        person_ids = pid_u[codes] if n else np.zeros(0, dtype=np.int64)
        problems: list[tuple[int, str, str]] = []
        for combo, (_pid, error, warning) in enumerate(resolved):
            if error:
                # Every row is refused, so every row says why.
                problems.extend((int(pos), ERROR, error) for pos in rows_of(combo))
            elif warning:
                # A remark about the person, not the row: said once, on the person's first row, with how many.
                rows = rows_of(combo)
                more = f"（本表此人共 {len(rows):,} 行，均按此处理）" if len(rows) > 1 else ""
                problems.append((int(rows[0]), WARNING, warning + more))
        sections = np.zeros(n, dtype=np.int64)
        if n:
            sid_u = np.array(
                [self.people[r[0]].current_section if r[0] is not None else 0 for r in resolved], dtype=np.int64
            )
            sections = sid_u[codes]
            if dates is not None:
                # Only people who changed section need the date of each row, and only each distinct date once.
                movers = [
                    (combo, r[0])
                    for combo, r in enumerate(resolved)
                    if r[0] is not None and len(self.people[r[0]].memberships) > 1
                ]
                for combo, mover in movers:
                    record = self.people[mover]
                    rows = rows_of(combo)
                    day_codes, days = pd.factorize(pd.Series(dates[rows], dtype=object), use_na_sentinel=True)
                    on_day = np.array([record.section_on(d) for d in days] + [record.current_section], dtype=np.int64)
                    sections[rows] = on_day[day_codes]
        return person_ids, sections, problems

    def left_warning(self, pid: int, day: date) -> str | None:
        p = self.people.get(pid)
        if p and p.left_on and day > p.left_on:
            return f"{p.name} 已于 {p.left_on:%Y-%m-%d} 离岗，此记录日期在其后：请核对"
        return None
