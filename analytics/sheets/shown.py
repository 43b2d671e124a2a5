"""Date cells of an .xlsx shown without their day or without their year, read as the clerk sees them.

Typing 2022年6月 (or 2022/6) into Excel or WPS stores the date 2022-06-01 and shows it with a format that has no day
(2022年6月, Jun-22, 2022-06); typing 12月30日 stores that day of the year the computer's clock is in and shows it with
a format that has no year (12月30日, 30-Dec, 12/30). The parser hands over the stored date, so a plan date shown as
2022年6月 fell due on the 1st, and a 12月30日 typed in January into a sheet of last December became next December,
while the same words typed as text are read as the month's last day and in the year the sheet states
(analytics.sheets.normalize.parse_date). The reader puts such cells back into the grid as the text they show, in the
words the checks read ("2022年6月", "12月30日", "6月"), so both spellings are read alike.

The workbook's styles (xl/styles.xml) say which cell formats (the xf indexes of cellXfs) show a date without a day
or a year; only when one does is a sheet's XML searched, for the cells of those formats (s="N"). The file is hostile:
the work is bounded by its size, and a part that does not read as expected gives nothing to put back."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from analytics.sheets.errorcells import _column_number

# Excel's built-in formats that show a date without its day or its year (ECMA-376 Part 1, 18.8.30; 27-58 as
# Chinese (zh-CN) Excel and WPS show them, the only ones this tool's files come from). The others with a date
# (14, 15, 22, 30, 31) show all three parts and are read as the parser reads them.
_BUILT_IN = {
    16: "d-mmm",
    17: "mmm-yy",
    **dict.fromkeys((27, 36, 50, 52, 57), 'yyyy"年"m"月"'),
    **dict.fromkeys((28, 29, 51, 53, 54, 58), 'm"月"d"日"'),
}
# A workbook holds at most 64,000 cell formats; a styles part is a few kilobytes to a few megabytes.
_MAX_STYLES = 16 * 1024 * 1024
_MAX_XFS = 65_536
# With more formats to look for than this, the sheet is read in one pass over every s="…" instead of one search each.
_FEW_MARKS = 8

_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*)>")
_CELL_XFS = re.compile(rb"<((?:\w+:)?)cellXfs\b[^>]*?(/?)>")
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*)>")
_ATTRS = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DATE_1904 = re.compile(rb"""<(?:\w+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*["'](?:1|true)["']""")
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]*)<")
_ANY_STYLE = re.compile(rb"""s\s*=\s*["'](\d{1,6})["']""")
# A cell tag as most writers write it, and its value (after a formula, if any): (column, row, format, type, "/").
_PLAIN_TAG = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})" s="([0-9]{1,6})"(?: t="([a-zA-Z]{1,9})")?(/?)>')
_PLAIN_VALUE = re.compile(rb"(?:<f>[^<]*</f>|<f/>)?<v>([^<]*)</v></c>")
# Both at once, for the formats (s="2|5"): (column, row, format, type, value).
_PLAIN_CELL = rb'<c r="([A-Z]{1,3})([0-9]{1,7})" s="(%s)"(?: t="([nd])")?>(?:<f>[^<]*</f>|<f/>)?<v>([^<]*)</v></c>'
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*)>")
_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
# The most of a sheet read for one cell written in an unusual way (its tag, formula and value).
_MAX_CELL = 8192
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})")


def shown_parts(code: str) -> str | None:
    """Which parts of a date a number format shows: a string of "y", "m", "d" in that order ("ym" for
    yyyy"年"m"月", "md" for m"月"d"日", "ymd" for a full date), or None for a format that shows no date (a number,
    text, a time of day or a duration). Read from the format's first section, which applies to a date: text in
    quotes, escaped characters, [Red], [$-804], [DBNum1] and the like name no part; m right after an hour or right
    before seconds is minutes; ddd and dddd are the day of the week, not the day."""
    tokens: list[tuple[str, int]] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        low = ch.lower()
        if ch == '"':
            end = code.find('"', i + 1)
            i = n if end == -1 else end + 1
        elif ch in "\\_*":
            i += 2
        elif ch == "[":
            end = code.find("]", i + 1)
            inner = code[i + 1 : end].lower() if end != -1 else ""
            if inner and len(set(inner)) == 1 and inner[0] in "hms":
                # Elapsed time ([h]:mm:ss): minutes after [h] or before [ss] stay minutes.
                tokens.append(("t" if inner[0] == "m" else inner[0], 1))
            i = n if end == -1 else end + 1
        elif ch == ";":
            break
        elif code[i : i + 5].lower() == "am/pm":
            i += 5
        elif code[i : i + 3].lower() == "a/p":
            i += 3
        elif code[i : i + 7].lower() == "general":
            i += 7
        elif low == "e" and code[i + 1 : i + 2] in ("+", "-"):
            return None  # scientific notation: a number
        elif low == "b" and code[i + 1 : i + 2].isdigit():
            i += 2  # a calendar (B1, B2), not a part
        elif low in "ymdhseb":
            end = i
            while end < n and code[end].lower() == low:
                end += 1
            tokens.append(("y" if low in "eb" else low, end - i))
            i = end
        else:
            i += 1
    parts = set()
    for k, (kind, size) in enumerate(tokens):
        if kind == "m" and size <= 2:
            before = tokens[k - 1][0] if k > 0 else ""
            after = tokens[k + 1][0] if k + 1 < len(tokens) else ""
            if before == "h" or after == "s":
                continue  # minutes
        if kind == "d" and size > 2:
            continue  # the day of the week
        if kind in "ymd":
            parts.add(kind)
    if not parts:
        return None
    return "".join(part for part in "ymd" if part in parts)


@dataclass(frozen=True)
class Styles:
    """The cell formats of one workbook that show a date without its day or its year."""

    parts: dict[int, str]  # xf index → the parts its format shows ("ym", "md", "m", "y", "d", "yd")
    date1904: bool  # the workbook counts its dates from 1904 (old Excel for the Mac)

    def cells(self, xml: bytes) -> list[tuple[int, int, str]]:
        """(row, column, text shown) from 0 of every cell in a worksheet's XML that holds a number shown by one of
        these formats; the text is in the words the checks read: "2022年6月", "12月30日", "6月"."""
        try:
            return self._cells(xml)
        except (ValueError, OverflowError, IndexError):  # never expected: every value is checked before use
            return []

    def _cells(self, xml: bytes) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        columns: dict[bytes, int] = {}
        texts: dict[
            tuple[bytes, bytes, str], str | None
        ] = {}  # (value, type, parts) → text: a column repeats its dates

        def add(letters: bytes, row: bytes, style: bytes, kind: bytes | None, value: bytes) -> None:
            parts = self.parts.get(int(style))
            if parts is None:
                return
            key = (value, kind or b"n", parts)
            if key not in texts:
                day = self._day(key[1], value)
                texts[key] = shown_text(day, parts) if day is not None else None
            text = texts[key]
            if text is not None and int(row) > 0:
                column = columns.get(letters)
                if column is None:
                    column = columns[letters] = _column_number(letters)
                found.append((int(row) - 1, column, text))

        # Most cells are written alike (<c r="F2" s="3"><v>44713</v></c>, t="n" from some writers): those of the
        # formats are read in one pass at C speed, and when the sheet holds more of their marks (s="3") than that
        # pass found, every mark is looked at, cell by cell.
        head = xml[:4096]
        seen: set[int] = set()
        few = len(self.parts) <= _FEW_MARKS and b"='" not in head and b":worksheet" not in head
        if few:
            styles = b"|".join(str(index).encode() for index in self.parts)
            for cell in re.compile(_PLAIN_CELL % styles).finditer(xml):
                seen.add(cell.start())
                add(*cell.groups())
            if len(seen) == sum(xml.count(b's="%d"' % index) for index in self.parts):
                return found
        unplaced: dict[int, str] = {}  # where a cell without its reference starts → its text
        for start in self._starts(xml, few):
            if start in seen:
                continue
            tag = _PLAIN_TAG.match(xml, start)
            value = _PLAIN_VALUE.match(xml, tag.end()) if tag is not None and not tag.group(5) else None
            if value is not None and tag is not None:
                letters, row, style, kind, _ = tag.groups()
                add(letters, row, style, kind, value.group(1))
            elif tag is None or tag.group(4) in (None, b"n", b"d"):
                read = self._cell(xml, start)  # written otherwise: read attribute by attribute
                if read is None:
                    continue
                place, text = read
                if place is None:
                    unplaced[start] = text
                elif min(place) >= 0:
                    found.append((*place, text))
        if unplaced:
            places = _walk(xml, unplaced)
            found += [(*places[start], text) for start, text in unplaced.items() if min(places.get(start, (-1,))) >= 0]
        return found

    def _starts(self, xml: bytes, few: bool) -> Iterator[int]:
        """Where each cell tag with one of the formats starts: one search for each format's s="N" (a cell of another
        format is never looked at), or one pass over every s="…" of the sheet when there are many formats to look
        for, or the sheet is written with single quotes or prefixed tags."""
        if not few:
            wanted = {str(index).encode() for index in self.parts}
            for style in _ANY_STYLE.finditer(xml):
                if style.group(1) in wanted and xml[style.start() - 1 : style.start()].isspace():
                    start = _tag_before(xml, style.start())
                    if start is not None:
                        yield start
            return
        for index in self.parts:
            mark = b's="%d"' % index
            at = xml.find(mark)
            while at != -1:
                start = _tag_before(xml, at)
                if start is not None:
                    yield start
                at = xml.find(mark, at + len(mark))

    def _cell(self, xml: bytes, start: int) -> tuple[tuple[int, int] | None, str] | None:
        """The cell starting at ``start`` read attribute by attribute: ((row, column) from its reference, or None for
        a cell written without one, and its text), or None. Only so much of the sheet is read for one cell that a
        long run of hostile tags costs a bounded time each."""
        cell = _CELL.match(xml, start, start + _MAX_CELL)
        if cell is None:
            return None
        attrs = _attributes(cell.group(2))
        style = attrs.get(b"s", b"")
        parts = self.parts.get(int(style)) if style.isdigit() and len(style) < 7 else None
        if parts is None:
            return None
        value = _VALUE.search(cell.group(3) or b"")
        day = self._day(attrs.get(b"t", b"n"), value.group(1)) if value is not None else None
        if day is None:
            return None
        ref = _REF.fullmatch(attrs.get(b"r", b""))
        place = (int(ref.group(2)) - 1, _column_number(ref.group(1))) if ref is not None else None
        return place, shown_text(day, parts)

    def _day(self, kind: bytes, value: bytes) -> tuple[int, int, int] | None:
        """(year, month, day) of a cell's value when it is a number (a date's serial, a formula's number) or an ISO
        date (t="d"); None for text, a truth value, an error or an empty cell."""
        if kind not in (b"n", b"d"):
            return None
        text = html.unescape(value.decode("utf-8", "replace")).strip()
        if kind == b"d":
            iso = _ISO_DATE.match(text)
            if iso is None:
                return None
            year, month, day = (int(g) for g in iso.groups())
            return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None
        try:
            serial = float(text)
        except ValueError:
            return None
        if not 0 <= serial < 2_958_466:  # Excel shows #### for a date before its first day or after 9999-12-31
            return None
        return serial_day(int(serial), self.date1904)


def serial_day(serial: int, date1904: bool = False) -> tuple[int, int, int]:
    """(year, month, day) Excel shows for a date serial: counted from 1904-01-01, or from 1899-12-31 in the 1900
    system, which holds a 29 February 1900 (serial 60) that never was, kept from Lotus 1-2-3."""
    if date1904:
        shown = date(1904, 1, 1) + timedelta(days=serial)
    elif serial == 60:
        return 1900, 2, 29
    else:
        shown = date(1899, 12, 31 if serial < 60 else 30) + timedelta(days=serial)
    return shown.year, shown.month, shown.day


def _walk(xml: bytes, starts: dict[int, str]) -> dict[int, tuple[int, int]]:
    """(row, column) from 0 of the cells starting at ``starts``, found in one pass over the rows and cells before
    the last of them: a row or a cell without its reference follows the one before it (the format allows this, and
    a few writers do it)."""
    places: dict[int, tuple[int, int]] = {}
    row, column = -1, -1
    last = max(starts)
    for tag in _ROW_OR_CELL.finditer(xml):
        if tag.start() > last:
            break
        ref = _attributes(tag.group(2)).get(b"r", b"")
        if tag.group(1) == b"row":
            row, column = int(ref) - 1 if ref.isdigit() and len(ref) < 8 else row + 1, -1
            continue
        found = _REF.fullmatch(ref)
        column = _column_number(found.group(1)) if found is not None else column + 1
        if tag.start() in starts and row >= 0:
            places[tag.start()] = (int(found.group(2)) - 1 if found is not None else row, column)
    return places


def partial_date(number: int, codes: dict[int, str]) -> str | None:
    """The parts (y, m, d) that number format ``number`` shows of a date when it leaves out the day or the year, else
    None: the workbook's own code of that number stands before the built-in one."""
    code = codes.get(number, _BUILT_IN.get(number))
    parts = shown_parts(code) if code is not None else None
    return parts if parts is not None and parts != "ymd" else None


def shown_text(day: tuple[int, int, int], parts: str) -> str:
    """What a cell shows of its (year, month, day): the parts its format shows, in their order ("ym" → 2022年6月)."""
    year, month, number = day
    words = {"y": f"{year}年", "m": f"{month}月", "d": f"{number}日"}
    return "".join(words[part] for part in parts)


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {name: double or single for name, double, single in _ATTRS.findall(tag)}


def _tag_before(xml: bytes, at: int) -> int | None:
    """Where the cell tag holding byte ``at`` starts, or None when that tag is no cell's (a row's s="…")."""
    tag = xml.rfind(b"<", 0, at)
    return tag if tag != -1 and _CELL_START.match(xml, tag) else None


def styles(data: bytes) -> Styles | None:
    """The formats of an .xlsx (or .xlsm) that show a date without its day or its year, or None when it has none,
    is not such a workbook, or its styles do not read as expected. The part is xl/styles.xml, where the parser too
    reads it."""
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            info = book.NameToInfo.get("xl/styles.xml")
            if info is None or info.file_size > _MAX_STYLES:
                return None
            xml = book.read(info)[: _MAX_STYLES + 1]
            if len(xml) > _MAX_STYLES:
                return None
            parts = _xf_parts(xml)
            if not parts:
                return None
            workbook = book.NameToInfo.get("xl/workbook.xml")
            date1904 = (
                workbook is not None
                and workbook.file_size <= _MAX_STYLES
                and bool(_DATE_1904.search(book.read(workbook)))
            )
            return Styles(parts, date1904)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError, RuntimeError):
        return None


def _xf_parts(xml: bytes) -> dict[int, str]:
    """xf index → parts shown, for the cell formats (cellXfs) whose number format shows a date without its day or its
    year. A format the workbook defines (numFmts) stands before a built-in one of the same number."""
    codes: dict[int, str] = {}
    for defined in _NUM_FMT.finditer(xml):
        attrs = _attributes(defined.group(1))
        number, written = attrs.get(b"numFmtId", b""), attrs.get(b"formatCode")
        if number.isdigit() and len(number) < 7 and written is not None:
            codes[int(number)] = html.unescape(written.decode("utf-8", "replace"))
    section = _CELL_XFS.search(xml)
    if section is None or section.group(2):
        return {}
    end = xml.find(b"</" + section.group(1) + b"cellXfs>", section.end())
    if end == -1:
        return {}
    judged: dict[int, str | None] = {}
    found: dict[int, str] = {}
    for index, xf in enumerate(_XF.finditer(xml, section.end(), end)):
        if index >= _MAX_XFS:
            return {}
        number = _attributes(xf.group(1)).get(b"numFmtId", b"0")
        if not number.isdigit() or len(number) >= 7:
            continue
        key = int(number)
        if key not in judged:
            judged[key] = partial_date(key, codes)
        parts = judged[key]
        if parts is not None:
            found[index] = parts
    return found
