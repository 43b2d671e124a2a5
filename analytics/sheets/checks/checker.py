"""The checks every kind shares, on whole columns: dates, free text, rule-book lists, people, duplicates; and the
context a sheet is checked against (the rule books in force, the roster, today, the year of dates written without
one).

Every check works on whole columns (per distinct value where a parser is involved), so a sheet of 100,000 rows costs
about as much as reading it. Messages name the sheet, the Excel row, the column as the clerk titled it, the value,
and what is expected."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.rules import rulebook as rb
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.errorcells import cell_errors
from analytics.sheets.events import skipped_as_stored
from analytics.sheets.layout import Layout
from analytics.sheets.names import cell_problems
from analytics.sheets.normalize import Factors, is_blank, map_unique, parse_date, plain_text
from analytics.sheets.people import People
from analytics.sheets.problems import ERROR, WARNING, Problem, names_list, show_value
from analytics.store.db import Con


@dataclass
class Context:
    """What a sheet is checked against: the rule books in force, the roster, today."""

    cur: Con
    book: rb.RuleBook  # the newest book: value lists and the campaign year
    spans: list[tuple[date, rb.RuleBook]]  # (valid from, book) in date order, for scoring items
    people: People
    today: date
    mark_missing_left: bool = False
    rules_effective: date | None = None
    # The year of dates written without one (3月5日), from the sheet's nearest evidence; year_problem when the
    # evidence disagrees (then such dates are refused).
    default_year: int | None = None
    year_problem: str | None = None
    # The clerk's answers, (sheet, Excel row) → choice: roster rows whose name exists in another section ('move' |
    # 'new'; same_name for all), hidden rows ('include' | 'exclude'), drops in a task's progress ('confirm';
    # confirm_drops for every drop of the file).
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    same_name: str | None = None
    confirm_drops: bool = False
    # A date of the sheet being checked was written without its year and took the sheet's year (date_parser).
    took_year: bool = False

    @property
    def year(self) -> int:
        return self.default_year or self.book.campaign_year

    def date_parser(self, month_only: str = "refuse") -> Callable[[Any], tuple[date | None, str | None]]:
        """Dates of a column; a date written without its year (3月5日) takes the sheet's year and is remembered in
        took_year, so that the preview says so only when it happened."""
        year, problem = self.year, self.year_problem

        def parse(value: Any) -> tuple[date | None, str | None]:
            day, why = parse_date(value, year, month_only, problem)
            if day is not None and isinstance(value, str) and not self.took_year:
                self.took_year = parse_date(value, None, month_only)[0] is None
            return day, why

        return parse

    def book_index(self, days: np.ndarray) -> np.ndarray:
        """Which span's book applies to each date (0 for a missing date)."""
        if len(self.spans) == 1:
            return np.zeros(len(days), dtype=np.int64)
        starts = np.array([max(s, date(1900, 1, 1)) for s, _ in self.spans], dtype="datetime64[D]")
        values = pd.to_datetime(pd.Series(days, dtype=object), errors="coerce").to_numpy(dtype="datetime64[D]")
        index = np.searchsorted(starts, values, side="right") - 1
        return np.clip(np.where(np.isnat(values), 0, index), 0, len(self.spans) - 1)


class Checker:
    """Collects problems for one sheet and turns row positions into Excel row numbers."""

    def __init__(self, sheet: str, layout: Layout, frame: pd.DataFrame):
        self.sheet = sheet
        self.layout = layout
        self.frame = frame
        self.rows = frame["_row"].to_numpy()
        self.problems: list[Problem] = []
        self.bad = np.zeros(len(frame), dtype=bool)
        self.rules: dict[str, str] = {}  # column key → how its values were read, for the preview
        self._factors: dict[str, Factors] = {}
        # A cell showing an error value (#REF!) or a formula saved without its result holds nothing the clerk meant:
        # its one message says so, and no other check speaks of it (analytics.sheets.errorcells).
        self._unread: set[tuple[int, str]] = set()
        for pos, key, message, shown in cell_errors(frame, self.factors):
            self.add(ERROR, pos, key, message, {pos: shown})
            self._unread.add((pos, key))
        # Names are names, and no cell carries control characters or a novel: see analytics.sheets.names.
        for pos, key, message, shown in cell_problems(frame, layout.kind, self.factors):
            self.add(ERROR, pos, key, message, {pos: shown})

    def factors(self, key: str) -> Factors:
        """A column as (codes, distinct values), ``pd.factorize`` with -1 for a blank cell: worked out once, and
        shared by every check of the column (plain names, parsing, the rule-book lists, people, free text), each
        of which then looks at the few distinct values instead of the 100,000 cells. The frame's cells are never
        changed after the checker is made."""
        found = self._factors.get(key)
        if found is None:
            found = self._factors[key] = pd.factorize(self.frame[key], use_na_sentinel=True)
        return found

    def on_header(self, header: str, message: str, value: str | None = None) -> None:
        """An error about a whole column, said on its header's row: a sheet-level question, not any one row's."""
        self.problems.append(Problem(ERROR, self.sheet, self.layout.header_row + 1, header, value, message))

    def column(self, key: str) -> str:
        return self.layout.header_of(key)

    def add(self, level: str, positions, key: str | None, message: str | Callable[[int], str], values=None) -> None:
        """A problem on each of `positions` (one or many rows): the column and its cells are looked up once, so a
        check that finds thousands of rows costs little more than one that finds one."""
        positions = np.atleast_1d(positions)
        if not len(positions):
            return
        header = self.column(key) if key else None
        cells = None
        if values is None and key and key in self.frame:
            cells = self.frame[key].iloc[positions].tolist() if len(positions) > 1 else None
        for n, pos in enumerate(positions.tolist()):
            pos = int(pos)
            if key is not None and (pos, key) in self._unread:
                continue
            if values is not None:
                raw = values[pos]
            elif cells is not None:
                raw = cells[n]
            else:
                raw = self.frame[key].iat[pos] if key and key in self.frame else None
            text = message(pos) if callable(message) else message
            self.problems.append(Problem(level, self.sheet, int(self.rows[pos]), header, show_value(raw), text))
            if level == ERROR:
                self.bad[pos] = True

    def parse(
        self, key: str, parser: Callable[[Any], tuple[Any, str | None]], required: bool, what: str, dtype: Any = object
    ) -> np.ndarray:
        """Parse a column; blank cells are an error only when the column is required."""
        if key not in self.frame:
            return np.full(len(self.frame), np.nan if dtype is float else None, dtype=dtype)
        values, problems = map_unique(self.frame[key], parser, dtype, self.factors(key))
        raw = self.frame[key]
        for pos in np.flatnonzero(problems != None):  # noqa: E711 - elementwise test on an object array
            problem = problems[pos]
            if problem == "不能为空":
                if required:
                    self.add(ERROR, pos, key, f"不能为空：请填写{what}")
                continue
            self.add(ERROR, pos, key, f"“{show_value(raw.iat[pos])}”不是有效的{what}：{problem}")
        return values

    def text(self, key: str, required: bool = False, what: str = "") -> np.ndarray:
        """Free text, trimmed; blank is None. Text cells take the fast road (str.strip), others go through
        plain_text (a number written without .0, a date as 2022-03-05)."""
        if key not in self.frame:
            return np.full(len(self.frame), None, dtype=object)
        codes, uniques = self.factors(key)
        if not len(uniques) or pd.api.types.infer_dtype(uniques, skipna=False) == "string":
            # Text and blanks only (the usual column): each distinct text is trimmed once. Otherwise cell by cell,
            # since factorize takes 1, 1.0 and True for one value and plain_text writes them differently.
            distinct = np.empty(len(uniques) + 1, dtype=object)
            distinct[:] = [u.strip() or None for u in uniques] + [None]
            values = distinct[codes]
        else:
            cells = self.frame[key].to_numpy(dtype=object)
            values = np.empty(len(cells), dtype=object)
            values[:] = [(v.strip() or None) if type(v) is str else plain_text(v) for v in cells]
        if required:
            for pos in np.flatnonzero(pd.isna(values)):
                self.add(ERROR, pos, key, f"不能为空：请填写{what}")
        return values

    def in_window(self, key: str, days: np.ndarray, book: rb.RuleBook) -> None:
        low, high = book.date_window()
        margin = book.int_param("date_margin_days")
        codes, uniques = pd.factorize(pd.Series(days, dtype=object), use_na_sentinel=True)
        outside_u = np.array([not (low <= d <= high) for d in uniques] + [False], dtype=bool)
        for pos in np.flatnonzero(outside_u[codes]):
            self.add(
                ERROR,
                pos,
                key,
                f"日期 {days[pos]:%Y-%m-%d} 不在活动年度 {book.campaign_year} 年（前后各放宽 {margin} 天）内："
                "请核对年份；如活动年度有变，请管理员在「规则设置」中修改",
            )

    def outside(self, key: str, values: np.ndarray, low: float, high: float, message: Callable[[int], str]) -> None:
        """An error on every value (None for a blank cell) outside low … high; the message is given the position."""
        self.add(ERROR, np.flatnonzero([v is not None and not (low <= v <= high) for v in values]), key, message)

    def vocab(self, key: str, vocabulary: rb.Vocabulary, required: bool, what: str) -> np.ndarray:
        def parse(value):
            if is_blank(value):
                return None, "不能为空"
            found = vocabulary.resolve(str(value))
            return (found, None) if found else (None, "unknown")

        values, problems = (
            map_unique(self.frame[key], parse, factors=self.factors(key))
            if key in self.frame
            else (np.full(len(self.frame), None, dtype=object), np.full(len(self.frame), None, dtype=object))
        )
        for pos in np.flatnonzero(problems != None):  # noqa: E711
            if problems[pos] == "不能为空":
                if required:
                    self.add(ERROR, pos, key, f"不能为空：请填写{what}")
                continue
            raw = show_value(self.frame[key].iat[pos])
            close = vocabulary.suggest(raw or "")
            hint = f"是否为：{'、'.join(close)}？" if close else ""
            self.add(ERROR, pos, key, f"“{raw}”不是规则中的{what}。{hint}可选值：{names_list(vocabulary.names, 10)}")
        return values

    def people(self, ctx: Context, key: str, days: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        pids, sections, problems = ctx.people.resolve(self.frame, name_key=key, dates=days, factors=self.factors)
        for pos, level, message in problems:
            self.add(level, pos, key, message)
        gone = {pid: p.left_on for pid, p in ctx.people.people.items() if p.left_on is not None}
        if days is not None and gone:
            # One warning per leaver, on the first row dated after the day they left: whole columns compared.
            at = np.flatnonzero(np.isin(pids, list(gone)))
            if len(at):
                left = np.array([gone[int(pid)] for pid in pids[at]], dtype="datetime64[D]")
                day = np.array(days[at].tolist(), dtype="datetime64[D]")
                after = at[~np.isnat(day) & (day > left)]
                _, first = np.unique(pids[after], return_index=True)
                for pos in np.sort(after[first]).tolist():
                    said = ctx.people.left_warning(int(pids[pos]), days[pos])
                    if said:
                        self.add(WARNING, pos, key, said)
        return pids, sections

    def duplicates(
        self,
        keys: list[np.ndarray | tuple[np.ndarray, Callable[[Any], Any]]],
        columns: str,
        hint: str,
        detail: np.ndarray | None = None,
    ) -> None:
        """Rows equal on the given values: the second and later are errors naming the first. A key given as
        (values, fn) compares fn(value) (normalize.text_key for free text), worked out only for the rows still
        in question. ``detail`` (事项编号) is compared as events already stored are (events.stored_matches): a
        blank one is the same as any, two filled ones must be equal."""
        # One integer per distinct combination of values, built column by column (re-numbered as it goes, so it
        # never overflows). After each column only the rows whose combination so far repeats can still be
        # duplicates: the rest are dropped, so the costly columns (事由, unique on almost every row) are hashed for
        # the few rows that share a date and a person, not for all of them.
        at = np.arange(len(self.rows))
        combined = np.zeros(len(self.rows), dtype=np.int64)
        for values in keys:
            if not len(at):
                break
            if isinstance(values, tuple):
                picked = np.empty(len(at), dtype=object)
                picked[:] = [values[1](v) for v in values[0][at]]
            else:
                picked = np.asarray(values)[at]
            codes, uniques = pd.factorize(picked, use_na_sentinel=False)
            combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
            repeats = pd.Series(combined).duplicated(keep=False).to_numpy()
            at, combined = at[repeats], combined[repeats]
        dup = ~self.bad[at]
        if not dup.any():
            return
        firsts: dict[int, list[tuple[int, Any]]] = {}
        for pos, key in zip(at[dup].tolist(), combined[dup].tolist(), strict=True):
            mine = None if detail is None or is_blank(detail[pos]) else detail[pos]
            same = next(
                (row for row, theirs in firsts.get(key, []) if mine is None or theirs is None or mine == theirs), None
            )
            if same is not None:
                self.add(ERROR, pos, None, f"与第 {same} 行重复（{columns}都相同）。{hint}")
            else:
                firsts.setdefault(key, []).append((int(self.rows[pos]), mine))

    def result(self, kind: str, rows: pd.DataFrame, **extra) -> SheetResult:
        """The sheet's report. Rows left out as events already stored (`claims`, one per row) are counted and listed
        from the claims."""
        ordered = sorted(self.problems, key=lambda p: (p.row or 0, p.level != ERROR))
        claims = extra.get("claims")
        if claims is not None and len(claims):
            extra.setdefault("skipped_existing", len(claims))
            extra.setdefault("skipped_rows", skipped_as_stored(claims))
        return SheetResult(self.sheet, kind, self.layout, rows, ordered, column_rules=self.rules, **extra)


def dates(check: Checker, ctx: Context, key: str, required: bool = True, window: bool = True) -> np.ndarray:
    """An event's dates: refused when only a month is written, when later than today (an event not yet happened is
    a wrong year or a day and month swapped: 12月30日 typed in January, which Excel dates in the current year), and
    (with `window`) when outside the campaign year."""
    days = check.parse(key, ctx.date_parser("refuse"), required, "日期（如 2022-03-05）")
    codes, uniques = pd.factorize(pd.Series(days, dtype=object), use_na_sentinel=True)
    later = np.array([d > ctx.today for d in uniques] + [False], dtype=bool)[codes]
    check.add(
        ERROR,
        np.flatnonzero(later),
        key,
        lambda pos: (
            f"日期 {days[pos]:%Y-%m-%d} 晚于今天（{ctx.today:%Y-%m-%d}），事情还没有发生：请核对年份"
            f"（如 {days[pos].year - 1} 年的事写成了 {days[pos].year} 年；只写月日的，Excel 会补上当年），或月、日是否写反"
        ),
    )
    if window:
        # A date already refused as later than today is not also said to be outside the campaign year.
        shown = days.copy()
        shown[later] = None
        check.in_window(key, shown, ctx.book)
    return days
