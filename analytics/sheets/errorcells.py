"""Cells that hold no value a clerk meant: Excel error values (#REF!, #N/A, #DIV/0! …) and formulas saved without
their result (a file written by a program that does not calculate). The parser reads both as empty cells, so a #REF!
in 分值 was refused as "不能为空" and a #N/A in 一票否决 was imported as no veto. The reader puts them back into the grid
(an error as its text, a formula as Unsaved), and every check then refuses such a cell in a column it reads, naming
the value and the fix (cell_errors, one hook in Checker). A CSV saved from Excel holds the same error texts. A legacy
.xls keeps its error values in records of its own (a BOOLERR with its error flag, a FORMULA whose saved result is an
error): analytics.sheets.xlsrecords finds those, and the reader puts them back the same way.

In an .xlsx only the sheet XML is looked at, and only where it holds an error cell (t="e") or a formula with no value
after it: a sheet without either costs a few substring searches."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the parsing child imports this module for Unsaved, and never needs pandas
    import pandas as pd

    from analytics.sheets.normalize import Factors

# Excel's error values as a cell shows them; newer versions add more of the same shape (#SPILL!, #CALC! …).
_ERROR_TEXT = re.compile(r"#(?:N/A|GETTING_DATA|DIV/0!|NAME\?|[A-Z]{3,12}!)")


class Unsaved(str):
    """A formula cell saved without its result: its text is the formula ("=VLOOKUP(B2,名单!A:B,2,0)")."""

    __slots__ = ()


def error_text(value: Any) -> str | None:
    """The error value a cell shows (#REF!), or None for any other cell."""
    if type(value) is not str or not value or value.lstrip()[:1] != "#":
        return None
    text = value.strip()
    return text if _ERROR_TEXT.fullmatch(text) else None


def problem(value: Any) -> str | None:
    """Why a cell cannot be read (an error value, a formula without its result), or None."""
    if isinstance(value, Unsaved):
        return "公式没有保存计算结果：请在 Excel/WPS 中打开后保存一次再上传"
    text = error_text(value)
    if text is None:
        return None
    if text == "#GETTING_DATA":
        return "单元格显示 #GETTING_DATA（数据还没有取回）：请等数据取回后保存一次再上传，或填入数值"
    return f"单元格显示 {text}（公式出错）：请改正公式或填入数值"


def cell_errors(
    frame: pd.DataFrame, factors: Callable[[str], Factors] | None = None
) -> list[tuple[int, str, str, str]]:
    """(row position, column key, message, value as shown) for every cell of a sheet's frame that shows an error value
    or is a formula without its result. The distinct texts of a column are searched together for a leading # or =,
    and only the few cells holding one are judged (a formula's text may equal a typed text: factorize keeps one)."""
    from analytics.sheets.normalize import distinct_texts

    found = []
    for key in frame.columns:
        if key.startswith("_") or frame[key].dtype != object:
            continue
        column = frame[key]
        if factors is not None:
            codes, uniques = factors(key)
        else:
            import pandas

            codes, uniques = pandas.factorize(column, use_na_sentinel=True)
        joined = "\x00".join(distinct_texts(uniques))
        # A plain substring search first (C speed): most columns hold no # or = at all.
        if ("#" not in joined and "=" not in joined) or not _LEAD.search(joined):
            continue
        suspects = [n for n, v in enumerate(uniques) if isinstance(v, str) and v.lstrip()[:1] in ("#", "=")]
        for pos in np.flatnonzero(np.isin(codes, suspects)).tolist():
            value = column.iat[pos]
            said = problem(value)
            if said is not None:
                found.append((pos, key, said, value.strip()[:60]))
    return found


# Reading the sheet XML -----------------------------------------------------------------------------------------------

# Where an error cell or a formula without a value may be: looked for with plain substring searches first (each costs
# about 1% of the parse of a big sheet), those for formulas without a value only in a sheet that has formulas (every
# one has a "</f>", shared ones in their first cell), single-quoted attributes only in a file written with them.
_ERROR_MARK = b't="e"'
_ERROR_MARK_SINGLE = b"t='e'"
_FORMULA_MARK = b"</f>"
_EMPTY_MARKS = (b"<v></v>", b"<v/>", b"</f></c>", b"/></c>")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_ATTR = re.compile(rb"""\b(r|t)\s*=\s*["']([^"']*)["']""")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?v>)", re.S)
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_REF = re.compile(rb"([A-Z]{1,3})([0-9]+)")
_LEAD = re.compile(r"(?:^|\x00)\s*[#=]")
# Places of the mark's letter looked at before a plain search for the whole mark (see holds).
_LETTER_TRIES = 64


def _column_number(letters: bytes) -> int:
    n = 0
    for letter in letters:
        n = n * 26 + letter - 64
    return n - 1


def _judged(attrs: bytes, inner: bytes | None) -> str | None:
    """The value to read for one cell (its error text, or Unsaved), or None for a cell whose value the parser reads."""
    kind = dict(_ATTR.findall(attrs)).get(b"t", b"n")
    value = _VALUE.search(inner or b"")
    text = html.unescape(value.group(1).decode("utf-8", "replace")).strip() if value and value.group(1) else ""
    if kind == b"e":
        return text if error_text(text) else "#VALUE!"
    formula = _FORMULA.search(inner or b"")
    if formula is None or text:
        return None
    if value is not None and kind == b"str":
        return None  # a text formula's empty result (="") is saved as an empty value: it shows nothing
    return _unsaved(formula)


def _unsaved(formula: re.Match[bytes]) -> Unsaved:
    body = html.unescape(formula.group(1).decode("utf-8", "replace")) if formula.group(1) else ""
    return Unsaved("=" + body if body else "=（公式）")


def unread_cells(xml: bytes) -> list[tuple[int, int, str]]:
    """(row, column, value) from 0 for every cell of a worksheet's XML that shows an error value or is a formula saved
    without its result; the value is the error's text or an Unsaved formula."""
    head = xml[:4096]
    marks = [mark for mark in (_ERROR_MARK, _ERROR_MARK_SINGLE if b"='" in head else b"") if mark and holds(xml, mark)]
    if holds(xml, _FORMULA_MARK):
        marks += [mark for mark in _EMPTY_MARKS if mark in xml]
    # A writer that names the namespace (<x:c>, <x:f>) is rare: its cells are all looked at.
    prefixed = b":worksheet" in head
    if not marks and not prefixed:
        return []
    starts: set[int] = set()
    if prefixed:
        starts = {m.start() for m in _CELL_START.finditer(xml)}
    for mark in [] if prefixed else marks:
        at = xml.find(mark)
        while at != -1:
            start = _cell_before(xml, at)
            if start is not None:
                starts.add(start)
            at = xml.find(mark, at + len(mark))
    found = []
    for start in sorted(starts):
        cell = _CELL.match(xml, start)
        if cell is None:
            continue
        value = _judged(cell.group(2), cell.group(3))
        if value is None:
            continue
        place = _place(xml, start, cell.group(2))
        if place is not None:
            found.append((*place, value))
    return found


def holds(xml: bytes, mark: bytes) -> bool:
    """``mark in xml``, found through the mark's letter (the "e" of t="e" and of hidden, the "f" of </f>): a search for one byte
    runs at memory speed, about five times a search for several, and between the tags of most sheets that letter is
    rare (a sheet of shared strings holds neither). After a few dozen places where it stands for something else, it
    is not rare in this sheet, and one plain search decides."""
    at_letter = max(mark.rfind(b"e"), mark.rfind(b"f"))
    letter = mark[at_letter : at_letter + 1]
    at = xml.find(letter, at_letter)
    for _ in range(_LETTER_TRIES):
        if at == -1:
            return False
        if xml.startswith(mark, at - at_letter):
            return True
        at = xml.find(letter, at + 1)
    return mark in xml


def _cell_before(xml: bytes, at: int) -> int | None:
    """Where the cell holding byte ``at`` starts: the nearest "<c " tag before it (a few tags back at most)."""
    tag = xml.rfind(b"<", 0, at + 1)
    for _ in range(8):
        if tag == -1:
            return None
        if _CELL_START.match(xml, tag):
            return tag
        if xml.startswith((b"<row", b"</row"), tag):
            return None
        tag = xml.rfind(b"<", 0, tag)
    return None


def _place(xml: bytes, start: int, attrs: bytes) -> tuple[int, int] | None:
    """(row, column) from 0 of the cell starting at ``start``: its r="B2", else counted from the sheet's first row (a
    cell or row without its reference follows the one before it; the format allows this, a few writers do it)."""
    ref = _REF.fullmatch(dict(_ATTR.findall(attrs)).get(b"r", b""))
    if ref is not None:
        return int(ref.group(2)) - 1, _column_number(ref.group(1))
    row_number, position = -1, 0
    for row in _ROW.finditer(xml, 0, start):
        number = dict(_ATTR.findall(row.group(1))).get(b"r", b"")
        row_number = int(number) - 1 if number.isdigit() else row_number + 1
        position = row.end()
    if row_number < 0:
        return None
    column = -1
    for cell in _CELL.finditer(xml, position):
        ref = _REF.fullmatch(dict(_ATTR.findall(cell.group(2))).get(b"r", b""))
        column = _column_number(ref.group(1)) if ref is not None else column + 1
        if cell.start() >= start:
            return row_number, column
    return None


# The error values the parser knows; a newer one (#GETTING_DATA, #SPILL!) stops it reading the file.
_OLDER = frozenset({b"#NULL!", b"#DIV/0!", b"#VALUE!", b"#REF!", b"#NAME?", b"#NUM!", b"#N/A"})
_ERROR_VALUE = re.compile(rb"(<(?:\w+:)?v>)(#[A-Z_/0-9]+[!?]?)(</(?:\w+:)?v>)")


def older_error_values(content: bytes) -> bytes:
    """The same .xlsx with every error value the parser does not know written as #N/A (the reader puts the cells
    back with their own text from the original). Only for a file the parser refused for such a value."""
    import io
    import zipfile

    def older(found: re.Match[bytes]) -> bytes:
        return found.group(0) if found.group(2) in _OLDER else found.group(1) + b"#N/A" + found.group(3)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for info in book.infolist():
            data = book.read(info)
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = _ERROR_VALUE.sub(older, data)
            copy.writestr(info.filename, data)
    return out.getvalue()
