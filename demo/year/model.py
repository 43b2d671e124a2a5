"""The demo year's records: a person, a task, a point, an attendance, an arena mark, and the year that holds them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from analytics.rules import rulebook as rb
from demo.year.plan import RAISED_ITEM, RULES_FROM


@dataclass(eq=False)
class _Person:
    name: str
    section: str
    title: str
    category: str | None
    staff_no: str
    drive: float  # how often the person earns points, relative to the average
    joined: date | None = None  # None: on the roster from the start of the year
    left: date | None = None
    moved: tuple[date, str] | None = None  # (date, new section) for the July 岗位交流
    new_title: str | None = None  # a promotion shown on the July roster
    fixed: bool = False  # has a part to play (same name, move, leave, join): kept out of tasks and arenas

    def section_on(self, day: date) -> str:
        if self.moved and day >= self.moved[0]:
            return self.moved[1]
        return self.section

    def present(self, day: date) -> bool:
        return (self.joined is None or day >= self.joined) and (self.left is None or day <= self.left)

    @property
    def leader(self) -> bool:
        return self.title.endswith("部长")

    @property
    def head(self) -> bool:
        return self.title in ("科长", "主任")

    @property
    def deputy(self) -> bool:
        return self.title in ("副科长", "副主任")


@dataclass(eq=False)
class _Task:
    code: str
    name: str
    ledger: str
    section: str
    owner: _Person
    start: date
    due: date
    profile: str = "on_time"  # on_time | late | overdue | behind | open | silent | stale


# The simulated year ------------------------------------------------------------------------------


@dataclass
class _Point:
    day: date
    person: _Person
    code: str
    points: float
    reason: str
    evidence: str | None


@dataclass
class _Attend:
    day: date
    person: _Person
    activity: str
    title: str
    role: str
    hours: float | None


@dataclass
class _Mark:
    day: date
    arena: str
    topic: str
    contestant: _Person
    judge: _Person
    mark: float


@dataclass
class _Year:
    year: int
    rng: random.Random
    book: rb.RuleBook
    people: list[_Person] = field(default_factory=list)
    tasks: list[_Task] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    points: list[_Point] = field(default_factory=list)
    attends: list[_Attend] = field(default_factory=list)
    marks: list[_Mark] = field(default_factory=list)
    _keys: set[tuple] = field(default_factory=set)

    def day(self, month: int, day: int) -> date:
        return date(self.year, month, day)

    @property
    def rules_from(self) -> date:
        return self.day(*RULES_FROM)

    def value(self, code: str, day: date) -> float:
        """The fixed points of an item on a day, with the mid-year raise applied."""
        item = self.book.item(code)
        raise_by = 1.0 if code == RAISED_ITEM and day >= self.rules_from else 0.0
        return item.points_min + raise_by

    def add_point(
        self,
        day: date,
        person: _Person,
        code: str,
        reason: str,
        points: float | None = None,
        evidence: str | None = None,
    ) -> bool:
        """Record an event unless the importer would take it for a duplicate row (same day, person, item, reason)."""
        value = self.value(code, day) if points is None else points
        key = (day, person.staff_no, code, value, reason)
        if key in self._keys or not person.present(day):
            return False
        self._keys.add(key)
        self.points.append(_Point(day, person, code, value, reason, evidence))
        return True

    def attend(
        self, day: date, person: _Person, activity: str, title: str, role: str = "参与", hours: float | None = None
    ) -> None:
        if person.present(day):
            self.attends.append(_Attend(day, person, activity, title, role, hours))

    def on(self, day: date) -> list[_Person]:
        return [p for p in self.people if p.present(day)]
