"""Turning what clerks type into clean values: full-width digits, signed points, text dates, percentages, names.

Each parser takes one cell value and returns (value, problem): problem is None when the cell was understood, else a
short Chinese phrase saying what was expected. Parsers run once per distinct value of a column (see ``map_unique``),
which keeps a 100,000-row sheet fast: a column of points has a handful of distinct values, not 100,000.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x2212: 0x2D, 0xFE63: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D, 0x2014: 0x2D, 0x3002: 0x2E})
_SPACES = re.compile(r"\s+")
EXCEL_EPOCH = date(1899, 12, 30)


# Any character halfwidth() changes: most text has none, and one search is far cheaper than a translation.
_WIDE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FULLWIDTH)) + "]")


# Whitespace of every kind, the zero-width characters and the byte-order mark: invisible in a cell.
_INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")


# Punctuation of every kind (Unicode P*: ，、。“”‘’《》（）【】…) and the ASCII look-alikes clerks type for brackets
# and quotes (<> for 《》, ` for ‘), except between two digits, where it is part of a number (1.5, 3-5).
_PUNCTUATION = "".join(
    chr(c) for c in range(0x10000) if unicodedata.category(chr(c)).startswith("P") and not 0xD800 <= c < 0xE000
)
_PUNCT = "[" + re.escape(_PUNCTUATION + "<>`´") + "]"
_LOOSE_PUNCT = re.compile(f"(?<![0-9]){_PUNCT}|{_PUNCT}(?![0-9])")


def text_key(text: str | None) -> str | None:
    """Free text as a clerk reads it, for telling the same text apart from another: full- and half-width forms alike
    (，and ,), every space, line break and invisible character left out, and punctuation too (a closing 。, “” or
    "", ，or 、, 《》 or <>: retyping them, or WPS converting quotes, changes no word). Punctuation between digits
    stays (第1.5条 is not 第15条); text of punctuation alone is kept as it is. None stays None."""
    if text is None:
        return None
    bare = _INVISIBLE.sub("", halfwidth(str(text)))
    return _LOOSE_PUNCT.sub("", bare) or bare or None


def halfwidth(text: str) -> str:
    """Full-width digits, letters and signs to ASCII (＋２ → +2); the ideographic space to a space."""
    return text.translate(_FULLWIDTH) if _WIDE.search(text) else text


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    return value is pd.NaT


def clean_text(value: Any) -> str:
    """A key for matching: half-width, no spaces at all, upper-case letters."""
    if is_blank(value):
        return ""
    return _SPACES.sub("", halfwidth(str(value))).upper()


def clean_name(value: Any) -> str:
    """A person's name as the roster holds it: 张 三 → 张三."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub("", halfwidth(str(value))).strip("*")


def plain_text(value: Any) -> str | None:
    """Free text (事由, 最新进展): trimmed, inner line breaks kept; numbers written without a trailing .0."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def code_text(value: Any) -> str | None:
    """An identifier such as 工号 or 任务编号: half-width, no spaces, 12.0 → 12."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _SPACES.sub("", halfwidth(str(value)))
    return text.upper() or None


def staff_key(value: Any) -> str:
    """A 工号 cell as the roster stores it and every sheet matches it ("" when blank): the number Excel keeps for a
    typed 1 (1.0) is "1", as in the roster, whichever kind of sheet carries it."""
    return code_text(value) or ""


def staff_digits(key: str) -> str | None:
    """A 工号 of digits only, without its leading zeros (001 → 1): how a 工号 that Excel turned into a number is
    found again. None for any other 工号 (A01 keeps its zero: Excel leaves text alone)."""
    if key.isascii() and key.isdigit():
        return key.lstrip("0") or "0"
    return None


_NUMBER = re.compile(r"^([+-]?)(\d+(?:\.\d*)?|\.\d+)$")
_DECIMAL_COMMA = re.compile(r"^\D*[+-]?\d+,\d{1,2}\D*$")
_THOUSANDS = re.compile(r"^\D*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\D*$")


def _parse_numeric(
    value: Any, expected: str, example: str, prefixes=(), suffixes=(), drop=""
) -> tuple[float | None, str | None]:
    """The shared road of the number parsers: blank, real numbers, then text with its sign words, units and
    separators taken off. ``prefixes`` are (word, sign) pairs such as ("扣", -1)."""
    if is_blank(value):
        return None, "不能为空"
    if isinstance(value, bool):
        return None, expected
    if isinstance(value, (int, float)):
        return (float(value), None) if math.isfinite(value) else (None, expected)
    text = _SPACES.sub("", halfwidth(str(value)))
    if _DECIMAL_COMMA.match(text):
        # 1,5 is a decimal comma (one and a half), never fifteen; 1,500 stays a thousands separator.
        text = text.replace(",", ".")
    elif "," in text and not _THOUSANDS.match(text):
        return None, f"{expected}{example}（逗号用法不明确，小数请写小数点，如 1.5）"
    for char in "," + drop:
        text = text.replace(char, "")
    said: tuple[str, float] | None = None
    for word, word_sign in prefixes:
        if text.startswith(word):
            said, text = (word, word_sign), text[len(word) :]
            break
    for suffix in suffixes:
        text = text.removesuffix(suffix)
    match = _NUMBER.match(text)
    if not match:
        return None, f"{expected}{example}"
    number, written = float(match.group(2)), match.group(1)
    if said is None:
        return (-number if written == "-" else number), None
    # A sign word and a sign together: '扣-2分' says minus twice (a deduction of 2), never plus; '加-1' or '扣+2'
    # contradict themselves and are asked about rather than guessed.
    word, word_sign = said
    if written and (written == "-") != (word_sign < 0):
        return None, f"“{word}”与“{written}”号方向相反：请只写一种，如 {word}{match.group(2)}分"
    return word_sign * number, None


def parse_points(value: Any) -> tuple[float | None, str | None]:
    """Signed points: 2, '+2分', '-0.5分', '＋２', '扣2分' (→ -2), '加1分'."""
    return _parse_numeric(
        value, "应为数字", "，如 2、-0.5、+2分", prefixes=(("扣", -1.0), ("减", -1.0), ("加", 1.0)), suffixes=("分",)
    )


def parse_number(value: Any) -> tuple[float | None, str | None]:
    """A plain quantity (得分, 月度上限): 1.5, '９５', '95分'."""
    return _parse_numeric(value, "应为数字", "", suffixes=("分",))


_MINUTES = re.compile(r"^\s*[\d.]+\s*(分钟|分|min|mins|minutes?)\s*$", re.IGNORECASE)


def parse_hours(value: Any) -> tuple[float | None, str | None]:
    """A duration in hours: 1.5, '2小时', '2h', '２个小时'. Minutes ('20分', '20分钟') are asked to be written as
    hours, not read as 20 hours."""
    if isinstance(value, str) and _MINUTES.match(halfwidth(value)):
        return None, "这是分钟数，时长按小时填写：请换算成小时，如 30 分钟写 0.5"
    return _parse_numeric(
        value, "应为小时数", "，如 1.5 或 2小时", suffixes=("个小时", "小时", "hours", "hour", "hrs", "hr", "h", "H")
    )


def parse_percent(value: Any) -> tuple[float | None, str | None]:
    """A progress figure on the 0–100 scale: '85%', 85, '８５％'. Fractions (0.85) are scaled per column by the task
    check, because a lone 1 could mean 1 % or 100 %."""
    return _parse_numeric(value, "应为 0～100 的数字", "，如 85 或 85%", drop="%")


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[年./\-](\d{1,2})[月./\-](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_ONLY = re.compile(r"^(\d{4})[年./\-](\d{1,2})月?(?:份)?$")
_NO_YEAR = re.compile(r"^(\d{1,2})[月./\-](\d{1,2})日?$")
_MONTH_NO_YEAR = re.compile(r"^(\d{1,2})月份?$")


MONTH_ONLY_ERROR = "只写了年月，缺少日：请写明具体日期，如 2022-03-05"


def parse_date(
    value: Any, default_year: int | None = None, month_only: str = "first", year_problem: str | None = None
) -> tuple[date | None, str | None]:
    """A date from a real date, an Excel serial, 2022年3月5日, 2022.3.5, 2022/03/05, 2022-3-5, 20220305;
    3月5日 takes ``default_year`` (or, when the sheet's evidence of the year disagrees, fails with ``year_problem``).
    A month alone (2022年6月) is the month's first day with ``month_only='first'``, its last day with 'last' (a
    deadline), and an error with 'refuse' (the date of an event needs its day)."""
    if is_blank(value):
        return None, "不能为空"
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, pd.Timestamp):
        return value.date(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return EXCEL_EPOCH + timedelta(days=int(value)), None
        if 19000101 <= value <= 21001231 and float(value).is_integer():
            value = str(int(value))
        else:
            return None, "应为日期，如 2022-03-05"
    text = halfwidth(str(value)).strip()
    # '2022-03-05 00:00:00' and '2022-03-05T08:30' (CSV exports) carry a time of day: drop it.
    text = re.sub(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)
    text = _SPACES.sub("", text)
    try:
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                y, m, d = (int(g) for g in match.groups())
                return date(y, m, d), None
        match = _MONTH_ONLY.match(text)
        if match:
            return _month(int(match.group(1)), int(match.group(2)), month_only)
        match = _NO_YEAR.match(text) or _MONTH_NO_YEAR.match(text)
        if match and year_problem:
            return None, year_problem
        if match and default_year and len(match.groups()) == 2:
            return date(default_year, int(match.group(1)), int(match.group(2))), None
        if match and default_year:
            return _month(default_year, int(match.group(1)), month_only)
    except ValueError:
        return None, "不是有效日期（月份或日期超出范围）"
    return None, "应为日期，如 2022-03-05、2022年3月5日 或 2022.3.5"


def _month(year: int, month: int, month_only: str) -> tuple[date | None, str | None]:
    if month_only == "refuse":
        return None, MONTH_ONLY_ERROR
    first = date(year, month, 1)
    if month_only == "last":
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1), None
    return first, None


_TRUE = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "否决", "一票否决"}
_FALSE = {"否", "N", "NO", "FALSE", "0", "×", "✗", "不", "无"}


def parse_bool(value: Any) -> tuple[bool | None, str | None]:
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        return bool(value), None
    key = clean_text(value)
    if key in _TRUE:
        return True, None
    if key in _FALSE:
        return False, None
    return None, "应填“是”或“否”"


# Whether a person took part (是否参加, 出勤情况, 签到), in the words sign-in lists use. A word of taking part is also
# understood with 已 before it (已签到), and its negation with 未/没/没有/不 before it (未签到, 没有参加).
_CAME_VERBS = ("参加", "参与", "出席", "出勤", "到", "到会", "到场", "签到", "报到", "参会", "听讲")
_CAME = {"是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "☑", "有", "在", "迟到", "早退", "补签", *_CAME_VERBS}
_ABSENT = {
    *("否", "不", "无", "N", "NO", "FALSE", "0", "×", "✗", "✘", "☒", "X", "缺", "缺席", "缺勤", "缺会", "旷会", "旷课"),
    *("请假", "病假", "事假", "公假", "婚假", "产假", "丧假", "年假", "休假", "因公请假", "因事请假", "因病请假"),
    *("出差", "外出", "无故缺席", "未请假缺席"),
    *(neg + verb for neg in ("未", "没", "没有", "不", "无") for verb in _CAME_VERBS),
}
_REMARK = re.compile(r"\(([^()]*)\)|【([^【】]*)】|\[([^\[\]]*)\]")
_TRAILING = re.compile(r"[.。,，;；:：!！、]+$")
ATTENDANCE_EXPECTED = "应填“是”或“否”（也可写 出席/缺席/请假、√/×）"


def _attendance_word(text: str) -> bool | None:
    """True for a word of taking part, False for one of being absent, None for any other text."""
    text = _TRAILING.sub("", text)
    if text.startswith("已") and len(text) > 1:
        text = text[1:]
    if text in _CAME:
        return True
    if text in _ABSENT:
        return False
    return None


def parse_attended(value: Any) -> tuple[bool | None, str | None]:
    """Whether a person took part: 是/参加/出席/√/已签到 → True; 否/未参加/缺席/请假/×/未到 → False. A remark in
    brackets may say why (否（请假）), never the opposite of the word before it (是（请假）); any other word is asked
    about rather than taken for either."""
    if is_blank(value):
        return None, "不能为空"
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        return (bool(value), None) if value in (0, 1) else (None, ATTENDANCE_EXPECTED)
    key = clean_text(value)
    remarks = [next(g for g in m.groups() if g is not None) for m in _REMARK.finditer(key)]
    main = _REMARK.sub("", key)
    said = _attendance_word(main) if main else None
    if main and said is None:
        return None, ATTENDANCE_EXPECTED
    for remark in remarks:
        meant = _attendance_word(remark)
        if said is None:
            said = meant
        elif meant is not None and meant != said:
            return None, f"“{main}”与括号中的“{remark}”意思相反：请只写一种"
    if said is None:
        return None, ATTENDANCE_EXPECTED
    return said, None


def is_attendance_word(value: Any) -> bool:
    """A text cell that reads as taking part or being absent (not a bare 1 or 0, which a count column holds too)."""
    if not isinstance(value, str) or is_blank(value):
        return False
    key = clean_text(value)
    return key not in ("1", "0") and parse_attended(key)[1] is None


Factors = tuple[np.ndarray, np.ndarray]


def distinct_texts(uniques: np.ndarray) -> list[str]:
    """The texts among a column's distinct values (a factorize's uniques), in their order: at C speed for the usual
    column of text only (100,000 distinct 事由: 1 ms instead of 8)."""
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        return uniques.tolist()
    return [v for v in uniques if isinstance(v, str)]


def map_unique(
    series: pd.Series,
    parse: Callable[[Any], tuple[Any, str | None]],
    dtype: Any = object,
    factors: Factors | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply a cell parser to each distinct value of a column; returns (values, problems) aligned with the rows.
    With dtype=float the values come back as floats, NaN where the parser gave None. ``factors`` is the column's
    ``pd.factorize(series)`` when the caller has it already.

    Blank cells are parsed too (a parser decides whether blank is a problem)."""
    codes, uniques = factors if factors is not None else pd.factorize(series, use_na_sentinel=True)
    parsed = [parse(u) for u in uniques]
    parsed.append(parse(None))
    # pd.factorize marks missing values with -1, which indexes the last slot: the blank result.
    if dtype is float:
        values = np.array([np.nan if v is None else v for v, _ in parsed], dtype=float)
    else:
        values = np.empty(len(parsed), dtype=object)
        values[:] = [v for v, _ in parsed]
    problems = np.empty(len(parsed), dtype=object)
    problems[:] = [p for _, p in parsed]
    return values[codes], problems[codes]
