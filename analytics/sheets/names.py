"""Cell values that must be plain: names (person, section, arena, judge, task section and owner) carry no markup,
no formula lead and no control or direction characters, and no cell holds a novel. Called from validation, one
hook in Checker, so every sheet kind gets the same rule with the row and the column named."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.guard import CONTROL, LINE
from analytics.sheets.normalize import Factors, distinct_texts, halfwidth

# Text in one cell: a name, and any other cell.
MAX_NAME_CHARS = 50
MAX_TEXT_CHARS = 2_000

# Names ---------------------------------------------------------------------------------------------------------------

# Columns that hold a name (a person, a section, an arena): the keys of analytics.sheets.kinds.
NAME_COLUMNS = ("name", "section", "owner", "arena", "contestant", "judge")
# Tasks may list several sections or owners, one a line.
LIST_COLUMNS = ("section", "owner")

_MARKUP = re.compile(r"<[^>]*>|<[a-zA-Z!/?]|!\[|\[[^\]]*\]\s*\(")
_FORMULA_LEAD = ("=", "+", "-", "@")
# Control and direction characters (see guard.CONTROL); line breaks only where a list may span lines.
_CONTROL = CONTROL
_LINE = LINE
_LIST_SEPARATORS = re.compile(r"[、,，;；/\r\n]+")


def split_list(value: Any) -> list[str]:
    """Several names in one cell: separated by 、，,；; / or line breaks — never by spaces, so a section whose
    name has a space in it stays one name."""
    if value is None:
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(str(value)) if part.strip()]


def name_problem(value: Any, multi: bool = False) -> str | None:
    """Why a cell cannot be a name (person, section, arena, judge), or None when it is fine. Blank is fine here:
    whether a blank is allowed is the column's own check."""
    if not isinstance(value, str) or not value.strip():
        return None
    # Judged as the importer will store it: full-width ＝＜［ are read as = < [ (see normalize.halfwidth).
    text = halfwidth(value).strip()
    if _CONTROL.search(text) or (not multi and _LINE.search(text)):
        return "含有控制字符或不可见的方向字符（常见于从网页或聊天软件复制的文字）：请删除后重新输入"
    if _MARKUP.search(text):
        return "含有网页标记或链接写法（如 <…>、[…](…)、![…]）：名称只能是文字，请改为纯文字"
    parts = split_list(text) if multi else [text]
    if any(part.startswith(_FORMULA_LEAD) for part in parts):
        return "以 = + - @ 开头，会被表格软件当作公式：请去掉开头的符号"
    if any(len(part) > MAX_NAME_CHARS for part in parts):
        return f"长度为 {max(len(p) for p in parts):,} 个字，超过了名称上限 {MAX_NAME_CHARS} 个字：请核对是否填错了列"
    return None


def text_problem(value: Any) -> str | None:
    """Any other cell: text past MAX_TEXT_CHARS, or carrying control characters other than line breaks."""
    if not isinstance(value, str):
        return None
    if len(value) > MAX_TEXT_CHARS:
        return f"内容有 {len(value):,} 个字，超过了单元格上限 {MAX_TEXT_CHARS:,} 个字：请精简或改为附件说明"
    if _CONTROL.search(value):
        return "含有控制字符或不可见的方向字符（常见于从网页或聊天软件复制的文字）：请删除后重新输入"
    return None


def visible(text: str) -> str:
    """A value for a message: control and direction characters written out as [U+202E], so the message shows
    what the cell holds instead of being turned around by it."""
    return _CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def cell_problems(
    frame: pd.DataFrame, kind: str | None = None, factors: Callable[[str], Factors] | None = None
) -> list[tuple[int, str, str, str]]:
    """(row position, column key, message, value as shown) for every cell of a sheet's frame that is not a plain
    name, or is text past the limits. Each distinct value is judged once, and a column whose values are all plain
    is passed with one search over them together, so 100,000 rows cost a few milliseconds. ``factors`` gives a
    column's ``pd.factorize`` when the caller keeps them (analytics.sheets.checks.checker.Checker): its distinct
    values and, for the few columns with a problem, the rows holding one."""
    found = []
    for key in frame.columns:
        if key.startswith("_") or not (frame[key].dtype == object or pd.api.types.is_string_dtype(frame[key].dtype)):
            continue
        column = frame[key]
        codes, uniques = factors(key) if factors is not None else (None, pd.unique(column.to_numpy(dtype=object)))
        texts = distinct_texts(uniques)
        if not texts:
            continue
        is_name = key in NAME_COLUMNS and kind != "rules"
        multi = kind == "tasks" and key in LIST_COLUMNS
        if not is_name and max(map(len, texts)) <= MAX_TEXT_CHARS and not _CONTROL.search("\n".join(texts)):
            continue
        verdicts = {}
        for value in texts:
            verdict = (name_problem(value, multi) if is_name else None) or text_problem(value)
            if verdict:
                verdicts[value] = verdict
        if not verdicts:
            continue
        if codes is not None:
            bad = [n for n, v in enumerate(uniques) if isinstance(v, str) and v in verdicts]
            at = np.flatnonzero(np.isin(codes, bad))
        else:
            at = np.flatnonzero(column.isin(list(verdicts)).to_numpy())
        for pos in at:
            value = column.iat[pos]
            shown = visible(value.strip())
            found.append((int(pos), key, verdicts[value], shown if len(shown) <= 60 else shown[:57] + "…"))
    return found
