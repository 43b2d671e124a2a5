"""The scale data set's calendar: month starts and workdays as day numbers since 1970."""

from __future__ import annotations

from datetime import date

import numpy as np

from demo.scale.plan import START


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
