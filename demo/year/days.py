"""The demo year's calendar: workdays and holidays, Fridays, and a small Poisson draw."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from demo.year.plan import _HOLIDAYS


def _workday(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS


def _next_workday(day: date) -> date:
    while not _workday(day):
        day += timedelta(days=1)
    return day


def _workdays(year: int, month: int) -> list[date]:
    day = date(year, month, 1)
    out = []
    while day.month == month:
        if _workday(day):
            out.append(day)
        day += timedelta(days=1)
    return out


def _fridays(year: int) -> list[date]:
    day = date(year, 1, 1)
    day += timedelta(days=(4 - day.weekday()) % 7)
    out = []
    while day.year == year:
        out.append(day)
        day += timedelta(days=7)
    return out


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
