"""Checking a 加减分记录 sheet: signed points (分值, or 加分 and 减分), each row against its 事项 in the rule book in
force on its date, the single-row bound, duplicates, and events already stored."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import refuse_namesakes, skip_stored, warn_near
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout, direction_of
from analytics.sheets.mapping import negates
from analytics.sheets.normalize import code_text, is_blank, parse_bool, parse_points, text_key
from analytics.sheets.problems import ERROR, WARNING, show_value

DIRECTION_HINT = "应写 加分 或 扣分（也可写 加/减/扣、奖/惩）"


def _parse_direction(value: object) -> tuple[float | None, str | None]:
    if is_blank(value):
        return None, "不能为空"
    sign = direction_of(value, signs=True)
    return (float(sign), None) if sign is not None else (None, DIRECTION_HINT)


def _directed(check: Checker, pts: np.ndarray) -> np.ndarray:
    """The amounts signed by the 加/减 column: under a deduction word (扣分, 减, 惩) a positive amount counts negative
    and a negative one stays one deduction; a bonus word with a negative amount, or a positive amount with no word,
    is asked about, never guessed."""
    if "direction" not in check.frame:
        return pts
    header = check.column("direction")
    signs = check.parse("direction", _parse_direction, False, "加减方向", float)
    check.rules["direction"] = f"按「{header}」定加减：写扣分/减分的行按减分计（分值为正数时取负），写加分的行按加分计"
    check.rules.setdefault("points", f"正负按「{header}」列定")
    minus = signs < 0
    out = np.where(minus & (pts > 0), -pts, pts)
    for pos in np.flatnonzero((signs > 0) & (pts < 0)):
        word = show_value(check.frame["direction"].iat[pos])
        check.add(
            ERROR,
            pos,
            "points",
            f"「{header}」为“{word}”，分值却为 {pts[pos]:+g}：方向相反，请核对（扣分请在「{header}」写扣分、分值写正数）",
        )
    # No sign read and no error said about it: a blank cell.
    for pos in np.flatnonzero(np.isnan(signs) & ~check.bad & (pts > 0)):
        check.add(ERROR, pos, "direction", f"未填写：请写明这一行是加分还是扣分（分值为 {pts[pos]:g}）")
    return out


def _said_deductions(check: Checker, pts: np.ndarray) -> None:
    """A sheet named 扣分 or titled 2022年3月扣分登记表 whose 分值 (a header saying no sign, read as written) holds
    positive numbers: deductions written as amounts, or bonuses on a misnamed sheet. Not guessed either way: asked,
    until the clerk writes negatives, names the column 扣分, or chooses 取负/按原值 for it."""
    layout = check.layout
    if "points" not in check.frame or "direction" in check.frame or negates(layout, "points"):
        return
    if "points" in layout.as_written or "points" in layout.negate:
        return
    said = [f"工作表名“{check.sheet}”"] if says_deductions(check.sheet) else []
    said += [f"标题“{text}”" for text in layout.above if says_deductions(text)][:1]
    positive = np.flatnonzero(pts > 0)
    if not said or not len(positive):
        return
    header = check.column("points")
    first = positive[0]
    check.on_header(
        header,
        f"{'、'.join(said)}写明是扣分，但「{header}」列填的是正数（共 {len(positive)} 行，如第 {check.rows[first]} 行 "
        f"{pts[first]:g}），正数会按加分计入：请把扣分写成负数，或把表头「{header}」改为“扣分”，或在「列对应」中"
        f"为「{header}」选择“取负（按减分计）”或“按原值（不取负）”",
    )


def says_deductions(text: str) -> bool:
    """A sheet name or title naming deductions only: 扣分, 3月减分登记表; not 加减分, 加分扣分汇总."""
    return bool(_DEDUCTION_WORDS.search(text)) and "加" not in text


_DEDUCTION_WORDS = re.compile("扣分|减分|扣减|扣除")


def _unread_directions(check: Checker) -> None:
    """A column of 加分/扣分 words that nothing reads would leave every deduction stored as a bonus: refused, naming
    the column and the two ways out. A column the clerk chose (or chose to ignore) is the clerk's word."""
    layout = check.layout
    read = set(layout.columns.values())
    for index in sorted(layout.worded - read - layout.chosen):
        header = layout.headers[index]
        target = "另一列已读作“加/减”，" if "direction" in layout.columns else ""
        check.on_header(
            header,
            f"这一列填写的是加分/扣分，但没有读取这一列（{target}分值会按原值计入，扣分会被当成加分）："
            f"请在「列对应」中把「{header}」对应为“加/减”（按这一列定加减），"
            f"或在分值中把扣分写成负数后把「{header}」选为“忽略”",
        )


def _blank_cells(series: pd.Series, positions: np.ndarray) -> np.ndarray:
    values = series.to_numpy(dtype=object)[positions]
    return np.array([is_blank(v) for v in values], dtype=bool)


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
        return _directed(check, pts)
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
    # Both 分值 and 加分/减分 filled on a row: the same value twice is fine; two different values are asked about,
    # never one of them silently kept.
    named = [f"「{layout.header_of(key)}」" for key in ("points_plus", "points_minus") if key in check.frame]
    for pos in np.flatnonzero(~np.isnan(pts) & ~np.isnan(combined) & (np.abs(pts - combined) > 1e-9)):
        check.add(
            ERROR,
            pos,
            "points",
            f"「{layout.header_of('points')}」为 {pts[pos]:+g}，{'、'.join(named)}{'合计' if len(named) > 1 else ''}为 "
            f"{combined[pos]:+g}，两处不一致：请只在一处填写，或改为一致",
        )
    return _directed(check, np.where(np.isnan(pts), combined, pts))


def _signed_columns(check: Checker) -> list[str]:
    return [k for k in ("points_plus", "points_minus") if k in check.frame]


def _points_key(check: Checker) -> str:
    """The column a row-less word about points is said on: 分值, else the first of 加分 and 减分 the sheet has."""
    return "points" if "points" in check.frame else next(iter(_signed_columns(check)), "points")


def _by_column(check: Checker, positions) -> list[tuple[str, np.ndarray]]:
    """The rows at ``positions`` grouped by the column their points were read from: 分值 where the sheet has it and
    the cell is filled, else 加分 or 减分 (whichever the row filled), so that a message names the column the clerk
    wrote in, never a 分值 the sheet does not have."""
    positions = np.atleast_1d(np.asarray(positions, dtype=np.int64))
    keys = [k for k in ("points", "points_plus", "points_minus") if k in check.frame]
    if not keys or not len(positions):
        return [("points", positions)] if len(positions) else []
    owner = np.full(len(positions), keys[0], dtype=object)
    settled = np.zeros(len(positions), dtype=bool)
    for key in keys:
        filled = ~_blank_cells(check.frame[key], positions) & ~settled
        owner[filled] = key
        settled |= filled
    return [(key, positions[owner == key]) for key in keys if (owner == key).any()]


def check_points(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    frame = data.frame
    days = dates(check, ctx, "event_date")
    pids, sections = check.people(ctx, "name", days)
    contents = check.vocab("content", ctx.book.vocab_contents, False, "考核内容")
    codes = check.parse(
        "item_code", lambda v: (code_text(v), None if not is_blank(v) else "不能为空"), False, "事项编号"
    )
    _unread_directions(check)
    points = _signed_points(check)
    _said_deductions(check, points)
    reasons = check.text("reason", True, "加减分事由")
    evidence = check.text("evidence")
    recorder = check.text("recorder")
    veto = check.parse("veto", parse_bool, False, "“是”或“否”")

    n = len(frame)
    books = ctx.book_index(days) if n else np.array([], dtype=int)
    bound = ctx.book.param("points_bound")
    item_codes = np.full(n, None, dtype=object)
    item_vetoes = np.zeros(n, dtype=bool)  # the item's own rule, what a blank 一票否决 counts as
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
            item_vetoes[rows] = item.veto
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
                check.add(
                    WARNING, blank, _points_key(check), f"分值未填写，按事项 {item.code} 的分值 {item.points_text} 计"
                )
            low, high = sorted((item.points_min, item.points_max))
            wrong = rows[~np.isnan(pts[rows]) & ((pts[rows] < low - 1e-9) | (pts[rows] > high + 1e-9))]
            for key, where in _by_column(check, wrong):
                for pos in where.tolist():
                    check.add(
                        ERROR,
                        pos,
                        key,
                        f"事项 {item.code}（{item.name}）的分值应为 {item.points_text}，表中为 {pts[pos]:+g}："
                        "请核对分值或事项编号",
                    )
    empty = np.isnan(pts) & ~check.bad
    if empty.any():
        if "points" in frame or not _signed_columns(check):
            check.add(ERROR, np.flatnonzero(empty), "points", "不能为空：请填写分值，加分为正、减分为负")
        else:
            named = "或".join(f"「{check.column(k)}」" for k in _signed_columns(check))
            check.add(ERROR, np.flatnonzero(empty), _points_key(check), f"不能为空：请在{named}中填写分值")
    over = np.flatnonzero(pd.isna(item_codes) & ~np.isnan(pts) & (np.abs(np.nan_to_num(pts)) > bound))
    for key, where in _by_column(check, over):
        check.add(
            ERROR,
            where,
            key,
            lambda pos: f"分值 {pts[pos]:+g} 超出单条上限 ±{bound:g}：请核对，或在「事项编号」中注明对应事项",
        )
    for key, where in _by_column(check, np.flatnonzero(pts == 0)):
        check.add(WARNING, where, key, "分值为 0，不影响得分")
    points = pts

    check.duplicates(
        [days, pids, contents, points, (reasons, text_key)],
        "日期、姓名、考核内容、分值、事由",
        "如确为两次加减分，请在事由中写明区别",
        detail=item_codes,
    )
    keep = ~check.bad

    def text(values: np.ndarray) -> pd.Series:
        # Text and dates stay Python objects: pandas' own string type costs a conversion here and DuckDB reads
        # objects faster on insert.
        return pd.Series(values[keep], dtype=object, copy=False)

    # The numbers are taken as the arrays they are, not turned into objects and back (0.023 -> 0.007 s a 100,000
    # rows).
    rows = pd.DataFrame(
        {
            "event_date": text(days),
            "person_id": pids[keep].astype("int64"),
            "section_id": sections[keep].astype("int64"),
            "content": text(contents),
            "item_code": text(item_codes),
            "points": points[keep].astype(float),
            "reason": text(reasons),
            "evidence": text(evidence),
            "recorder": text(recorder),
            "veto_flag": text(veto),
            "_row": check.rows[keep].astype("int64"),
        },
        copy=False,
    )
    # With a 一票否决 column, a blank cell there says "the item's rule"; without one, the sheet says nothing.
    blank_means = (
        {"veto_flag": pd.Series(item_vetoes[keep], index=rows["_row"].to_numpy())} if "veto" in frame else None
    )
    rows, claims = skip_stored(check, ctx.cur, rows, KINDS["points"], "加减分", blank_means=blank_means)
    rows = refuse_namesakes(check, ctx.cur, rows, KINDS["points"], ctx.people)
    warn_near(
        check, ctx.cur, rows, KINDS["points"], ("event_date", "person_id", "content"), ("points", "reason"), claims
    )
    return check.result("points", rows, claims=claims)
