"""Months and quarters: parsing '2022-03' and '2022Q1', their first and last days, and Chinese labels."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | Month | date) -> Month:
        if isinstance(text, Month):
            return text
        if isinstance(text, date):
            return cls(text.year, text.month)
        match = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*", str(text))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"月份应写成 2022-03 的形式，而不是“{text}”")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def quarter(self) -> Quarter:
        return Quarter(self.year, (self.month - 1) // 3 + 1)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def short_label(self) -> str:
        """The month without its year (7月), for a chart's axis within one year."""
        return f"{self.month}月"


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str | Quarter | date) -> Quarter:
        if isinstance(text, Quarter):
            return text
        if isinstance(text, date):
            return cls(text.year, (text.month - 1) // 3 + 1)
        match = re.fullmatch(r"\s*(\d{4})\s*[-年]?\s*(?:Q|q|第)?\s*([1-4])\s*(?:季度)?\s*", str(text))
        if not match:
            raise ValueError(f"季度应写成 2022Q1 的形式，而不是“{text}”")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        return Month(self.year, 3 * self.quarter).end

    @property
    def months(self) -> list[Month]:
        return [Month(self.year, 3 * self.quarter - 2 + n) for n in range(3)]

    def shift(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.quarter - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"


def months_of_year(year: int) -> list[Month]:
    return [Month(year, m) for m in range(1, 13)]


def quarters_of_year(year: int) -> list[Quarter]:
    return [Quarter(year, q) for q in range(1, 5)]


def days_between(start: date, end: date) -> int:
    return (end - start).days


def clamp(day: date, low: date, high: date) -> date:
    return max(low, min(day, high))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
