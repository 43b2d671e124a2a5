"""Checking the rows of one sheet against the contract and the rule book, producing clean rows and problems.

Every check works on whole columns (per distinct value where a parser is involved), so a sheet of 100,000 rows costs
about as much as reading it. Messages name the sheet, the Excel row, the column as the clerk titled it, the value,
and what is expected."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.rules import rulebook as rb
from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.layout import Extracted, Layout
from analytics.sheets.mapping import negates
from analytics.sheets.names import cell_problems, split_list
from analytics.sheets.normalize import (
    clean_name,
    clean_text,
    code_text,
    halfwidth,
    is_blank,
    map_unique,
    parse_bool,
    parse_date,
    parse_number,
    parse_percent,
    parse_points,
    plain_text,
)
from analytics.sheets.problems import ERROR, WARNING, Problem, names_list, show_value
from analytics.sheets.roster import People, RosterPlan, plan_roster
from analytics.store.db import Con, fetch_df

MAX_LISTED = 8


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
    # Roster rows whose name exists in another section: (sheet, Excel row) → 'move' | 'new'; same_name for all.
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    same_name: str | None = None

    @property
    def year(self) -> int:
        return self.default_year or self.book.campaign_year

    def date_parser(self, month_only: str = "refuse") -> Callable[[Any], tuple[date | None, str | None]]:
        year, problem = self.year, self.year_problem
        return lambda v: parse_date(v, year, month_only, problem)

    def book_index(self, days: np.ndarray) -> np.ndarray:
        """Which span's book applies to each date (0 for a missing date)."""
        if len(self.spans) == 1:
            return np.zeros(len(days), dtype=np.int64)
        starts = np.array([max(s, date(1900, 1, 1)) for s, _ in self.spans], dtype="datetime64[D]")
        values = pd.to_datetime(pd.Series(days, dtype=object), errors="coerce").to_numpy(dtype="datetime64[D]")
        index = np.searchsorted(starts, values, side="right") - 1
        return np.clip(np.where(np.isnat(values), 0, index), 0, len(self.spans) - 1)


@dataclass
class SheetResult:
    sheet: str
    kind: str
    layout: Layout
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    skipped_existing: int = 0
    replaced: pd.DataFrame | None = None  # task snapshots this sheet replaces (fact_id, task_code, updated_on)
    roster_plan: RosterPlan | None = None
    roster_after: People | None = None
    new_book: rb.RuleBook | None = None
    notes: list[str] = field(default_factory=list)
    # Stored facts this sheet sends again (fact_id, _row): the batch claims them too, so undoing the batch that
    # first brought them keeps them while this one is active.
    claims: pd.DataFrame | None = None
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why) beyond layout's
    column_rules: dict[str, str] = field(default_factory=dict)  # column key → how its values were read

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]


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
        # Names are names, and no cell carries control characters or a novel: see analytics.sheets.names.
        for pos, key, message, shown in cell_problems(frame, layout.kind):
            self.add(ERROR, pos, key, message, {pos: shown})

    def column(self, key: str) -> str:
        return self.layout.header_of(key)

    def add(self, level: str, positions, key: str | None, message: str | Callable[[int], str], values=None) -> None:
        for pos in np.atleast_1d(positions):
            pos = int(pos)
            raw = (
                values[pos] if values is not None else (self.frame[key].iat[pos] if key and key in self.frame else None)
            )
            text = message(pos) if callable(message) else message
            self.problems.append(
                Problem(
                    level, self.sheet, int(self.rows[pos]), self.column(key) if key else None, show_value(raw), text
                )
            )
            if level == ERROR:
                self.bad[pos] = True

    def parse(
        self, key: str, parser: Callable[[Any], tuple[Any, str | None]], required: bool, what: str, dtype: Any = object
    ) -> np.ndarray:
        """Parse a column; blank cells are an error only when the column is required."""
        if key not in self.frame:
            return np.full(len(self.frame), np.nan if dtype is float else None, dtype=dtype)
        values, problems = map_unique(self.frame[key], parser, dtype)
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

    def vocab(self, key: str, vocabulary: rb.Vocabulary, required: bool, what: str) -> np.ndarray:
        def parse(value):
            if is_blank(value):
                return None, "不能为空"
            found = vocabulary.resolve(str(value))
            return (found, None) if found else (None, "unknown")

        values, problems = (
            map_unique(self.frame[key], parse)
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
        pids, sections, problems = ctx.people.resolve(self.frame, name_key=key, dates=days)
        for pos, level, message in problems:
            self.add(level, pos, key, message)
        gone = [pid for pid, p in ctx.people.people.items() if p.left_on is not None]
        if days is not None and gone:
            warned: set[int] = set()
            for pos in np.flatnonzero(np.isin(pids, gone)).tolist():
                pid = int(pids[pos])
                if days[pos] is not None and pid not in warned:
                    said = ctx.people.left_warning(pid, days[pos])
                    if said:
                        warned.add(pid)
                        self.add(WARNING, pos, key, said)
        return pids, sections

    def duplicates(self, keys: list[np.ndarray], columns: str, hint: str) -> None:
        """Rows equal on the given values: the second and later are errors naming the first."""
        # One integer per distinct combination of values, built column by column (re-numbered as it goes, so it
        # never overflows), then one duplicated() over a single column.
        combined = np.zeros(len(self.rows), dtype=np.int64)
        for values in keys:
            codes, uniques = pd.factorize(np.asarray(values), use_na_sentinel=False)
            combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
        dup = pd.Series(combined).duplicated(keep=False).to_numpy() & ~self.bad
        if not dup.any():
            return
        first_row: dict[int, int] = {}
        for pos in np.flatnonzero(dup):
            key = int(combined[pos])
            if key in first_row:
                self.add(ERROR, pos, None, f"与第 {first_row[key]} 行重复（{columns}都相同）。{hint}")
            else:
                first_row[key] = int(self.rows[pos])

    def result(self, kind: str, rows: pd.DataFrame, **extra) -> SheetResult:
        ordered = sorted(self.problems, key=lambda p: (p.row or 0, p.level != ERROR))
        claims = extra.get("claims")
        if claims is not None and len(claims):
            extra.setdefault("skipped_rows", _skipped_as_stored(claims))
        return SheetResult(self.sheet, kind, self.layout, rows, ordered, column_rules=self.rules, **extra)


def _dates(check: Checker, ctx: Context, key: str, required: bool = True, window: bool = True) -> np.ndarray:
    days = check.parse(key, ctx.date_parser("refuse"), required, "日期（如 2022-03-05）")
    if window:
        check.in_window(key, days, ctx.book)
    return days


def _blank_cells(series: pd.Series, positions: np.ndarray) -> np.ndarray:
    values = series.to_numpy(dtype=object)[positions]
    return np.array([is_blank(v) for v in values], dtype=bool)


def _stored(
    cur: Con, rows: pd.DataFrame, table: str, keys: list[str], extra: str = "", detail: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Rows of an upload that match rows already stored in `table` on `keys` (blank equals blank) and on `detail`
    where both are filled (a blank detail matches any). One row per matching upload row and stored row: the
    upload's _row plus the stored fact's batch and any `extra` columns. A hash join in DuckDB: fast however big the
    table."""
    if rows.empty:
        return pd.DataFrame(columns=["_row", "batch_id"])
    condition = " and ".join(
        [f"t.{k} is not distinct from p.{k}" for k in keys]
        + [f"(t.{k} is null or p.{k} is null or t.{k} = p.{k})" for k in detail]
    )
    probe = rows[[*keys, *detail, "_row"]]
    cur.complete()
    cur.register("upload_probe", probe)
    try:
        return fetch_df(
            cur,
            f"""
            select p._row, t.batch_id {extra}
            from upload_probe p join {table} t on {condition}
            """,
        )
    finally:
        cur.unregister("upload_probe")


def _skip_stored(
    check: Checker, cur: Con, rows: pd.DataFrame, kind: Kind, what: str, also: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows that are events already stored by an earlier import (a cumulative sheet sent again, perhaps with
    more detail filled in); warn once with the first few. Returns (rows left, claims: fact_id and _row of each
    stored event sent again)."""
    if kind.table is None:
        raise ValueError(kind.key)  # only fact kinds have stored events
    found = _stored(cur, rows, kind.table, [*kind.identity, *also], ", t.fact_id", kind.detail)
    claims = pd.DataFrame(columns=["fact_id", "_row", "batch_id"])
    if found.empty:
        return rows, claims
    claims = found.drop_duplicates("_row")[["fact_id", "_row", "batch_id"]].reset_index(drop=True)
    hit = rows["_row"].isin(found["_row"]).to_numpy()
    shown = "、".join(str(r) for r in rows["_row"].to_numpy()[hit][:MAX_LISTED])
    more = "等" if hit.sum() > MAX_LISTED else ""
    batches = "、".join(f"#{b}" for b in sorted(found["batch_id"].unique())[:MAX_LISTED])
    check.problems.append(
        Problem(
            WARNING,
            check.sheet,
            None,
            None,
            None,
            f"{int(hit.sum())} 行{what}与已导入的批次 {batches} 中的记录是同一事件（第 {shown} 行{more}），"
            "不会重复计入，将跳过；选填列（如事项编号、依据、登记人）补填的内容不覆盖已导入的记录",
        )
    )
    return rows[~hit].reset_index(drop=True), claims


def _skipped_as_stored(claims: pd.DataFrame) -> list[tuple[int, str]]:
    return [(int(r), f"与批次 #{int(b)} 中的记录相同，未重复计入") for r, b in zip(claims["_row"], claims["batch_id"])]


def _signed_points(check: Checker) -> np.ndarray:
    """One signed value per row from 分值, or from 加分 and 减分 columns. Values under a header meaning deduction (or
    a column the clerk marked 取负) count negative; a negative value there is taken as written, with a warning. A
    column marked 按原值 is taken as written whatever its header says."""
    what = "分值（加分为正、减分为负，如 2 或 -0.5）"
    layout = check.layout
    pts = check.parse("points", parse_points, False, what, float)
    if "points" in check.frame and negates(layout, "points"):
        negative = np.flatnonzero(pts < 0)
        pts = np.where(pts > 0, -pts, pts)
        check.rules["points"] = "按减分计，取负"
        if len(negative):
            check.add(WARNING, negative, "points", "减分列中填写了负数：按减分计入（不再取负）")
    elif "points" in layout.as_written:
        check.rules["points"] = "按原值计（已确认不取负）"
    if "points_plus" not in check.frame and "points_minus" not in check.frame:
        return pts
    plus = check.parse("points_plus", parse_points, False, "加分", float)
    minus = check.parse("points_minus", parse_points, False, "减分", float)
    if "points_minus" in check.frame:
        if negates(layout, "points_minus"):
            check.rules["points_minus"] = "按减分计，取负"
            negative = np.flatnonzero(minus < 0)
            if len(negative):
                check.add(WARNING, negative, "points_minus", "减分列中填写了负数：按减分计入")
            minus = -np.abs(minus)
        else:
            check.rules["points_minus"] = "按原值计（已确认不取负）"
    if "points_plus" in check.frame:
        if negates(layout, "points_plus"):
            check.rules["points_plus"] = "按减分计，取负"
            plus = -np.abs(plus)
        else:
            check.rules["points_plus"] = "按加分计"
    either = ~np.isnan(plus) | ~np.isnan(minus)
    combined = np.where(either, np.nan_to_num(plus) + np.nan_to_num(minus), np.nan)
    return np.where(np.isnan(pts), combined, pts)


# Points ------------------------------------------------------------------------------------------


def check_points(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    frame = data.frame
    days = _dates(check, ctx, "event_date")
    pids, sections = check.people(ctx, "name", days)
    contents = check.vocab("content", ctx.book.vocab_contents, False, "考核内容")
    codes = check.parse(
        "item_code", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), False, "事项编号"
    )
    points = _signed_points(check)
    reasons = check.text("reason", True, "加减分事由")
    evidence = check.text("evidence")
    recorder = check.text("recorder")
    veto = check.parse("veto", parse_bool, False, "“是”或“否”")

    n = len(frame)
    books = ctx.book_index(days) if n else np.array([], dtype=int)
    bound = ctx.book.param("points_bound")
    item_codes = np.full(n, None, dtype=object)
    pts = points
    no_code = pd.isna(codes)
    both_missing = no_code & pd.isna(contents) & ~check.bad
    if both_missing.any():
        check.add(
            ERROR,
            np.flatnonzero(both_missing),
            "content" if "content" in frame else "item_code",
            "「考核内容」和「事项编号」至少填写一项",
            values=contents,
        )
    with_code = np.flatnonzero(~no_code)
    if len(with_code):
        # One lookup per distinct (rule version, code), then whole-column checks on its rows.
        code_ids, code_values = pd.factorize(pd.Series(codes[with_code], dtype=object))
        combo = books[with_code] * (len(code_values) + 1) + code_ids
        for value in np.unique(combo):
            rows = with_code[combo == value]
            book = ctx.spans[books[rows[0]]][1]
            code = codes[rows[0]]
            item = book.item(code)
            if item is None:
                close = [c for c in book.items_by_code if c.startswith(code[:2])][:5]
                hint = f"同类事项有：{'、'.join(close)}。" if close else ""
                check.add(ERROR, rows, "item_code", f"事项编号“{code}”不在规则中。{hint}请在「规则设置」查看加减分事项")
                continue
            item_codes[rows] = item.code
            given = contents[rows]
            contents[rows[pd.isna(given)]] = item.content
            clash = rows[~pd.isna(given) & (given != item.content)]
            for pos in clash:
                check.add(
                    ERROR,
                    pos,
                    "content",
                    f"事项 {item.code}（{item.name}）属于“{item.content}”，表中考核内容为“{contents[pos]}”：请核对",
                )
            blank = rows[np.isnan(pts[rows])]
            if item.points_min == item.points_max and len(blank):
                for key in ("points", "points_plus", "points_minus"):
                    if key in frame:
                        blank = blank[_blank_cells(frame[key], blank)]
                pts[blank] = item.points_min
                check.add(WARNING, blank, "points", f"分值未填写，按事项 {item.code} 的分值 {item.points_text} 计")
            low, high = sorted((item.points_min, item.points_max))
            wrong = rows[~np.isnan(pts[rows]) & ((pts[rows] < low - 1e-9) | (pts[rows] > high + 1e-9))]
            for pos in wrong:
                check.add(
                    ERROR,
                    pos,
                    "points",
                    f"事项 {item.code}（{item.name}）的分值应为 {item.points_text}，表中为 {pts[pos]:+g}：请核对分值或事项编号",
                )
    empty = np.isnan(pts) & ~check.bad
    if empty.any():
        check.add(ERROR, np.flatnonzero(empty), "points", "不能为空：请填写分值，加分为正、减分为负")
    over = np.flatnonzero(pd.isna(item_codes) & ~np.isnan(pts) & (np.abs(np.nan_to_num(pts)) > bound))
    for pos in over:
        check.add(
            ERROR, pos, "points", f"分值 {pts[pos]:+g} 超出单条上限 ±{bound:g}：请核对，或在「事项编号」中注明对应事项"
        )
    zero = np.flatnonzero(pts == 0)
    if len(zero):
        check.add(WARNING, zero, "points", "分值为 0，不影响得分")
    points = pts

    check.duplicates(
        [days, pids, contents, item_codes, points, reasons],
        "日期、姓名、考核内容、分值、事由",
        "如确为两次加减分，请在事由中写明区别",
    )
    rows = pd.DataFrame(
        {
            "event_date": days,
            "person_id": pids,
            "section_id": sections,
            "content": contents,
            "item_code": item_codes,
            "points": points,
            "reason": reasons,
            "evidence": evidence,
            "recorder": recorder,
            "veto_flag": veto,
            "_row": check.rows,
        },
        # Text stays as Python objects: pandas' own string type costs a conversion here and DuckDB reads objects
        # faster on insert.
        dtype=object,
    )
    rows = rows[~check.bad].reset_index(drop=True)
    rows = rows.astype({"points": float, "person_id": "int64", "section_id": "int64", "_row": "int64"})
    before = len(rows)
    rows, claims = _skip_stored(check, ctx.cur, rows, KINDS["points"], "加减分")
    skipped = before - len(rows)
    return check.result("points", rows, skipped_existing=skipped, claims=claims)


# Participation -----------------------------------------------------------------------------------

_LEAD_WORDS = ("主讲", "主讲人", "讲", "主持", "授课", "分享", "领学", "发言", "主讲嘉宾")
_JOIN_WORDS = ("参与", "参加", "听讲", "学员", "参会", "")


def _parse_role(value: Any) -> tuple[str | None, str | None]:
    key = clean_text(value)
    if key in _JOIN_WORDS:
        return "参与", None
    if key in _LEAD_WORDS or "主讲" in key:
        return "主讲", None
    return None, "应填“主讲”或“参与”"


def check_participation(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    days = _dates(check, ctx, "event_date")
    pids, sections = check.people(ctx, "name", days)
    activities = check.vocab("activity", ctx.book.vocab_activities, True, "活动类型")
    titles = check.text("title")
    roles = check.parse("role", _parse_role, False, "角色")
    roles = np.where(pd.isna(roles), "参与", roles)
    hours = check.parse("hours", parse_number, False, "时长（小时）")
    for pos in np.flatnonzero([h is not None and not (0 <= h <= 24) for h in hours]):
        check.add(ERROR, pos, "hours", f"时长 {hours[pos]:g} 小时不合理：应在 0～24 小时之间")
    check.duplicates([days, pids, activities, titles], "日期、姓名、活动类型、活动名称", "同一活动同一人只需登记一次")
    rows = pd.DataFrame(
        {
            "event_date": days,
            "person_id": pids,
            "section_id": sections,
            "activity": activities,
            "title": titles,
            "role": roles,
            "hours": hours,
            "_row": check.rows,
        },
        dtype=object,
    )
    rows = rows[~check.bad].reset_index(drop=True)
    before = len(rows)
    rows, claims = _skip_stored(check, ctx.cur, rows, KINDS["participation"], "参与记录")
    skipped = before - len(rows)
    rows = rows.astype({"person_id": "int64", "section_id": "int64", "_row": "int64", "hours": "Float64"})
    return check.result("participation", rows, skipped_existing=skipped, claims=claims)


# Tasks -------------------------------------------------------------------------------------------


def _progress_column(check: Checker) -> np.ndarray:
    values = check.parse("progress", parse_percent, True, "进度（0～100 的数字）")
    raw = check.frame["progress"]
    numeric = np.array([isinstance(r, (int, float)) and not isinstance(r, bool) for r in raw], dtype=bool)
    got = np.array([v is not None for v in values], dtype=bool)
    nums = np.array([v if v is not None else np.nan for v in values], dtype=float)
    # A column written as fractions (0.6 formatted as 60 %) is scaled once for the whole column.
    if (numeric & got).any() and np.nanmax(np.where(numeric & got, nums, np.nan)) <= 1:
        nums = np.where(numeric & got, nums * 100, nums)
    out = np.array([None if np.isnan(v) else float(v) for v in nums], dtype=object)
    for pos in np.flatnonzero(got & ((nums < 0) | (nums > 100))):
        check.add(ERROR, pos, "progress", f"进度 {nums[pos]:g} 超出范围：应在 0～100 之间（100 表示全部完成）")
    return out


def check_tasks(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    frame = data.frame
    codes = check.parse(
        "task_code", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), True, "任务编号"
    )
    names = check.text("task_name", True, "任务名称")
    ledgers = check.vocab("ledger", ctx.book.vocab_ledgers, True, "台账类别")
    stages = check.vocab("stage", ctx.book.vocab_stages, True, "当前环节")
    starts = check.parse("start_date", ctx.date_parser("first"), False, "日期")
    dues = check.parse("due_date", ctx.date_parser("last"), True, "计划完成日期")
    if "due_date" in frame:
        check.rules["due_date"] = "只写年月的，按当月最后一天计"
    updated = _dates(check, ctx, "updated_on")
    progress = _progress_column(check)
    notes = check.text("latest_note")
    owners = check.text("owner")

    def section(value):
        if is_blank(value):
            return None, "不能为空"
        parts = split_list(halfwidth(str(value)))
        sid = ctx.people.section_id(parts[0]) if parts else None
        return (sid, None) if sid is not None else (None, "unknown")

    sections, problems = map_unique(frame["section"], section)
    for pos in np.flatnonzero(problems != None).tolist():  # noqa: E711
        if problems[pos] == "不能为空":
            check.add(ERROR, pos, "section", "不能为空：请填写牵头科室")
            continue
        raw = show_value(frame["section"].iat[pos])
        close = ctx.people.suggest_sections(raw)
        hint = f"是否为：{'、'.join(close)}？" if close else ""
        check.add(ERROR, pos, "section", f"“{raw}”不是人员名单中的科室。{hint}")
    multi = np.array([isinstance(v, str) and len(split_list(v)) > 1 for v in frame["section"]], dtype=bool)
    if multi.any():
        check.add(WARNING, np.flatnonzero(multi)[:1], "section", "填写了多个科室，按第一个（牵头科室）统计")

    owner_ids = np.zeros(len(frame), dtype=np.int64)
    if "owner" in frame:
        first_owner = pd.Series([re.split(r"[、,，/;；\s]+", o.strip())[0] if o else "" for o in owners], dtype=object)
        unknown: dict[str, int] = {}
        for pos, name in enumerate(first_owner):
            name = clean_name(name)
            if not name:
                continue
            candidates = ctx.people.by_name.get(name, [])
            if len(candidates) == 1:
                owner_ids[pos] = candidates[0]
            elif name not in unknown:
                unknown[name] = pos
        for name, pos in unknown.items():
            close = ctx.people.suggest_names(name)
            hint = f"（最接近：{'、'.join(close)}）" if close else ""
            why = "在名单中有重名" if ctx.people.by_name.get(name) else "不在人员名单中"
            check.add(WARNING, pos, "owner", f"责任人“{name}”{why}{hint}，个人档案中将不显示这项任务")

    closed = ctx.book.closed_stage
    for pos in range(len(frame)):
        if dues[pos] is not None and starts[pos] is not None and dues[pos] < starts[pos]:
            check.add(
                ERROR, pos, "due_date", f"计划完成日期 {dues[pos]:%Y-%m-%d} 早于开始日期 {starts[pos]:%Y-%m-%d}：请核对"
            )
        if progress[pos] is not None and stages[pos] is not None:
            if stages[pos] == closed and progress[pos] < 100:
                check.add(WARNING, pos, "progress", f"环节为“{closed}”但进度只有 {progress[pos]:g}%：按已办结统计")
            elif stages[pos] != closed and progress[pos] >= 100:
                check.add(WARNING, pos, "stage", f"进度已到 100% 但环节为“{stages[pos]}”：办结后请把环节改为“{closed}”")
        if updated[pos] is not None and updated[pos] > ctx.today:
            check.add(ERROR, pos, "updated_on", f"更新日期 {updated[pos]:%Y-%m-%d} 晚于今天：请核对")

    check.duplicates([codes, updated], "任务编号、更新日期", "同一任务同一天只保留一条进展")
    rows = pd.DataFrame(
        {
            "task_code": codes,
            "task_name": names,
            "ledger": ledgers,
            "section_id": sections,
            "owner_name": owners,
            "owner_person_id": owner_ids,
            "start_date": starts,
            "due_date": dues,
            "progress": progress,
            "stage": stages,
            "latest_note": notes,
            "updated_on": updated,
            "_row": check.rows,
        }
    )
    rows = rows[~check.bad].reset_index(drop=True)
    rows["owner_person_id"] = rows["owner_person_id"].where(rows["owner_person_id"] != 0, None)
    rows = rows.astype({"section_id": "int64", "progress": float})
    live = "(select * from task_snapshot where superseded_by is null)"
    found = _stored(ctx.cur, rows, live, ["task_code", "updated_on"], ", t.fact_id, t.task_code, t.updated_on")
    replaced = found[["fact_id", "task_code", "updated_on", "batch_id"]] if len(found) else None
    if len(rows):
        names_before = fetch_df(
            ctx.cur,
            """
            select task_code, arg_max(task_name, updated_on) as task_name
            from task_snapshot where superseded_by is null and task_code in (select unnest(?))
            group by task_code
            """,
            [sorted(set(rows["task_code"]))],
        ).set_index("task_code")["task_name"]
        old_name = rows["task_code"].map(names_before)
        renamed = rows[old_name.notna() & (old_name != rows["task_name"])]
        for rec in renamed.drop_duplicates("task_code").head(MAX_LISTED).to_dict("records"):
            check.problems.append(
                Problem(
                    WARNING,
                    sheet,
                    int(rec["_row"]),
                    check.column("task_name"),
                    rec["task_name"],
                    f"任务 {rec['task_code']} 原名称为“{names_before[rec['task_code']]}”，将按新名称显示：如编号填错请更正",
                )
            )
    result = check.result("tasks", rows, replaced=replaced)
    if replaced is not None and len(replaced):
        result.notes.append(f"替换 {len(replaced)} 条已有的同日进度快照（同一任务、同一更新日期以本次为准）")
    return result


# Arena -------------------------------------------------------------------------------------------


def check_arena(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    days = _dates(check, ctx, "event_date")
    arenas = check.vocab("arena", ctx.book.vocab_arenas, True, "擂台")
    topics = check.text("topic")
    contestants, _ = check.people(ctx, "contestant", days)
    judges, _ = check.people(ctx, "judge", days)
    marks = check.parse("mark", parse_number, True, "得分")
    top = ctx.book.param("arena_mark_max")
    for pos in np.flatnonzero([m is not None and not (0 <= m <= top) for m in marks]):
        check.add(ERROR, pos, "mark", f"得分 {marks[pos]:g} 超出范围：应在 0～{top:g} 之间")
    for pos in np.flatnonzero((contestants == judges) & (contestants != 0)):
        check.add(WARNING, pos, "judge", "评委给自己打分：计算最后得分时将剔除这一条")
    check.duplicates([days, arenas, contestants, judges], "日期、擂台、选手、评委", "同一评委对同一选手只能打一次分")
    rows = pd.DataFrame(
        {
            "event_date": days,
            "arena": arenas,
            "topic": topics,
            "contestant_id": contestants,
            "judge_id": judges,
            "mark": marks,
            "_row": check.rows,
        }
    )
    rows = rows[~check.bad].reset_index(drop=True)
    rows = rows.astype({"mark": float, "contestant_id": "int64", "judge_id": "int64"})
    keys = ["event_date", "arena", "contestant_id", "judge_id"]
    found = _stored(ctx.cur, rows, "arena_mark", keys, ", t.mark as mark_old")
    if len(found):
        marks_by_row = rows.set_index("_row")["mark"]
        conflict = found[found["mark_old"].to_numpy() != marks_by_row.loc[found["_row"]].to_numpy()]
        position = {int(r): n for n, r in enumerate(check.rows)}
        for rec in conflict.to_dict("records"):
            check.add(
                ERROR,
                position[int(rec["_row"])],
                "mark",
                f"该评委对该选手在这场擂台的评分已由批次 #{rec['batch_id']} 导入为 {rec['mark_old']:g}，"
                f"与本表的 {marks_by_row[rec['_row']]:g} 不同：如需更正，请先撤销该批次",
            )
        rows = rows[~rows["_row"].isin(conflict["_row"])].reset_index(drop=True)
    before = len(rows)
    rows, claims = _skip_stored(check, ctx.cur, rows, KINDS["arena"], "评分", also=("mark",))
    skipped = before - len(rows)
    return check.result("arena", rows, skipped_existing=skipped, claims=claims)


# Roster ------------------------------------------------------------------------------------------


def check_roster(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    year = ctx.book.campaign_year
    names = check.parse("name", lambda v: (clean_name(v) or None, None if clean_name(v) else "不能为空"), True, "姓名")
    sections = check.text("section", True, "科室")
    titles = check.text("title")
    categories = check.text("category")
    staff = check.parse("staff_no", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), False, "工号")
    statuses = check.text("status")
    changed = check.parse("changed_on", ctx.date_parser("first"), False, "日期")
    # dtype=object keeps blank cells as None: pandas would turn them into NaN, which reads as a value.
    rows = pd.DataFrame(
        {
            "name": names,
            "section": sections,
            "title": titles,
            "category": categories,
            "staff_no": staff,
            "status": statuses,
            "changed_on": changed,
        },
        dtype=object,
    )
    rows["_row"] = check.rows
    rows = rows[~check.bad].reset_index(drop=True)
    start, end = date(year, 1, 1), date(year, 12, 31)
    default_on = min(max(ctx.today, start), end)
    headers = {key: layout.header_of(key) for key in layout.columns}
    decisions = {row: choice for (name, row), choice in ctx.decisions.items() if name == sheet}
    plan, after, problems = plan_roster(
        ctx.people, rows, sheet, headers, default_on, start, ctx.mark_missing_left, decisions, ctx.same_name
    )
    check.problems.extend(problems)
    _events_after_leaving(check, ctx, plan, after)
    result = check.result("roster", rows, roster_plan=plan, roster_after=after)
    result.notes.append(plan.summary())
    return result


def _events_after_leaving(check: Checker, ctx: Context, plan: RosterPlan, after: People) -> None:
    """A departure dated before records already stored says so, as the records would had they come after it."""
    leaving = [(x["person_id"], x["on"], x["row"]) for x in plan.leaves if x["person_id"] > 0]
    for pid, on, row in leaving:
        later = ctx.cur.execute(
            """
            select count(*) from (
                select event_date from score_event where person_id = $p and event_date > $on
                union all select event_date from participation where person_id = $p and event_date > $on
            )
            """,
            {"p": pid, "on": on},
        ).fetchall()[0][0]
        if later:
            check.problems.append(
                Problem(
                    WARNING,
                    check.sheet,
                    row,
                    check.column("status") if "status" in check.layout.columns else None,
                    None,
                    f"{after.people[pid].name} 离岗日期为 {on:%Y-%m-%d}，已导入的记录中有 {later} 条在此之后：请核对",
                )
            )


# Rules (加减分事项) ---------------------------------------------------------------------------------

_RANGE = re.compile(r"^([+-]?\d+(?:\.\d+)?)分?(?:~|～|-|—|至|到)([+-]?\d+(?:\.\d+)?)分?$")


def _parse_item_points(value: Any) -> tuple[tuple[float, float] | None, str | None]:
    if is_blank(value):
        return None, "不能为空"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value), float(value)), None
    text = re.sub(r"\s+", "", halfwidth(str(value)))
    match = _RANGE.match(text)
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        if text.startswith("-") and high > 0:
            high = -high  # '-1~3' written for '-1～-3'
        return (low, high), None
    number, problem = parse_points(text)
    if problem or number is None:
        return None, "应为固定分值（如 2、-0.5）或区间（如 1~3）"
    return (number, number), None


def check_rules(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    codes = check.parse(
        "item_code", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), True, "事项编号"
    )
    contents = check.vocab("content", ctx.book.vocab_contents, True, "考核内容")
    names = check.text("item_name", True, "事项名称")
    points = check.parse("points", _parse_item_points, True, "分值")
    caps = check.parse("monthly_cap", parse_number, False, "月度上限")
    vetoes = check.parse("veto", parse_bool, False, "“是”或“否”")
    notes = check.text("note")
    for pos in np.flatnonzero([c is not None and c <= 0 for c in caps]):
        check.add(ERROR, pos, "monthly_cap", "月度上限须大于 0；不设上限请留空")
    check.duplicates([codes], "事项编号", "每个事项编号只能出现一次")
    items = []
    for pos in np.flatnonzero(~check.bad):
        low, high = points[pos]
        items.append(
            rb.Item(codes[pos], contents[pos], names[pos], low, high, caps[pos], bool(vetoes[pos]), notes[pos])
        )
    new_book = None
    if items and not check.bad.any():
        new_book = ctx.book.with_changes(items=tuple(items))
        removed = sorted(set(ctx.book.items_by_code) - {i.code.upper() for i in items})
        effective = ctx.rules_effective or date(ctx.book.campaign_year, 1, 1)
        note = f"新的加减分事项共 {len(items)} 项，自 {effective:%Y-%m-%d} 起施行"
        if removed:
            note += f"；不再包含：{names_list(removed)}"
        rows = pd.DataFrame({"item_code": [i.code for i in items]})
        result = check.result("rules", rows, new_book=new_book)
        result.notes.append(note)
        return result
    return check.result("rules", pd.DataFrame({"item_code": []}))


CHECKS: dict[str, Callable[[Context, str, Layout, Extracted], SheetResult]] = {
    "roster": check_roster,
    "points": check_points,
    "participation": check_participation,
    "tasks": check_tasks,
    "arena": check_arena,
    "rules": check_rules,
}
assert set(CHECKS) == set(KINDS)
