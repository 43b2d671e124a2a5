"""Checking a 加减分事项 sheet: the new rule book's items (fixed points or a range, monthly caps, 一票否决)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from analytics.rules import dependents
from analytics.rules import rulebook as rb
from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import code_text, halfwidth, is_blank, parse_bool, parse_number, parse_points
from analytics.sheets.problems import ERROR, Problem, names_list

_BOUND = r"([+-]?)(\d+(?:\.\d+)?)分?"
# A sign before the whole range only with its brackets (-(2～5)); a sign word (扣2～5分) with or without.
_RANGE = re.compile(rf"^([+-](?=\()|扣|减|加)?\(?{_BOUND}(?:~|-|—|至|到){_BOUND}\)?分?$")
_WORD_SIGN = {"-": "-", "扣": "-", "减": "-", "+": "+", "加": "+"}
_RANGE_PROBLEM = "应为固定分值（如 2、-0.5）或区间（如 1~3、-2~+2）"


def _parse_item_points(value: Any) -> tuple[tuple[float, float] | None, str | None]:
    """A rule item's points: fixed (2, -0.5, 扣1分) or a range written low to high as the clerk wrote it. Each end
    keeps the sign written on it (-2～+2 is scored either way); an end without a sign takes the sign said for the
    whole range (-(2～5), 扣2～5分) or, after a minus on the first end, that minus (-2～5 is 扣 2 到 5 分)."""
    if is_blank(value):
        return None, "不能为空"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (float(value), float(value)), None
    text = re.sub(r"\s+", "", halfwidth(str(value)))
    match = _RANGE.match(text)
    if match:
        outer, low_sign, low, high_sign, high = match.groups()
        whole = _WORD_SIGN.get(outer or "")
        if whole and any(s and s != whole for s in (low_sign, high_sign)):
            return None, f"“{outer}”与区间内的正负号方向相反：请只写一种，如 {outer}{low}~{high}分"
        low_sign = low_sign or whole or ""
        high_sign = high_sign or whole or ("-" if low_sign == "-" else "")
        signed = [-float(n) if s == "-" else float(n) for s, n in ((low_sign, low), (high_sign, high))]
        return (signed[0], signed[1]), None
    number, problem = parse_points(text)
    if problem or number is None:
        return None, _RANGE_PROBLEM
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
        refused = dependents.stranded_by(
            ctx.cur, dependents.before(ctx.cur), "导入这份加减分事项", planned=(new_book, effective)
        )
        if refused:
            check.problems.append(Problem(ERROR, check.sheet, None, None, None, refused))
        rows = pd.DataFrame({"item_code": [i.code for i in items]})
        result = check.result("rules", rows, new_book=new_book)
        result.notes.append(note)
        return result
    return check.result("rules", pd.DataFrame({"item_code": []}))
