"""The BIFF records of a legacy .xls workbook (BIFF5/BIFF8) that tell what the parser does not: error cells, hidden
rows, dates shown without their day or year, and formulas over other sheets; read from the workbook stream in one walk
of each sheet, each found as for an .xlsx.

Error cells: the parser reads a cell showing #N/A, #REF!, #DIV/0! … as an empty cell there too, so they are put back
into the grid as their text like those of an .xlsx (analytics.sheets.errorcells). Two kinds of record hold one:
BOOLERR with its error flag (a typed or pasted error value) and FORMULA whose saved result is an error. A formula
saved without its result does not exist in BIFF: every FORMULA record carries one.

Hidden rows: the parser reads the cells of a row the clerk hid, or an AutoFilter left out, like any other, as for an
.xlsx (analytics.sheets.hidden). Such a row's ROW record says so: fDyZero, bit 5 of its flags word (body bytes 12-13),
set by a hidden row and a filtered one alike. A ROW record shorter than its 16 bytes is not read.

Dates shown without their day or their year (2022年6月, 12月30日): the parser hands over the stored date, as for an
.xlsx, so such a cell is put back as the text it shows (analytics.sheets.shown, which says why). The workbook's
FORMAT records give its number formats, its XF records (counted in order: a cell's format index is the place of one)
the format of each cell format, DATEMODE whether dates count from 1904; the number cells of such a format (NUMBER,
RK, MULRK, and FORMULA with a number as its result) are then read in the walk.

Summaries: a sheet whose formulas take values from another sheet (='一月'!D2, =SUM(一月!D2:D9)) is a summary of the
detail sheets beside it, as for an .xlsx (analytics.sheets.formulas, whose rule this follows: a range a lookup
searches, VLOOKUP(C2,分值表!A:B,2,0), is no such mark). A BIFF8 formula is its parsed tokens in reverse Polish order
(FORMULA records, and SHRFMLA and ARRAY records for formulas shared by a range of cells): a reference to another sheet
is a 3D token (ptgRef3d, ptgArea3d and their #REF! forms) whose number points into the EXTERNSHEET record, which names
the sheets (by place) of this workbook (a SUPBOOK of "internal references") or another file. The tokens are put on a
stack as Excel evaluates them, so that the references a lookup's range argument holds are told from the others
(analytics.sheets.xlsformulas); a token not known (rare and newer ones) ends the reading of that formula with the
references read so far counted. BIFF5 formulas are not read: WPS and Excel write BIFF8.

The file is hostile and this runs in the parsing child after the parser has accepted it: every offset is checked
against the bytes it points into, every chain and walk is bounded by the size of the file, and anything that does not
read as expected gives no error cells rather than an exception. The container (an OLE2 compound file) is read by the
few lines below rather than by olefile, which is no runtime dependency and only logs a stream stated longer than its
file before reading on.

A sheet's cells are matched to the parser's sheet by its place among the workbook's BOUNDSHEET records, the order in
which the parser lists them (book.sheets_metadata), never by its name: names of BIFF5 files are bytes in the file's
code page, which the parser and Python need not decode alike."""

from __future__ import annotations

import re
import struct
from typing import NamedTuple

from analytics.sheets import xlsformulas
from analytics.sheets.shown import partial_date, serial_day, shown_text

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MINI_CUTOFF = 4096  # a stream smaller than this lives in the compound file's mini stream, in 64-byte sectors
_MINI_SECTOR = 64
# The workbook stream's names, BIFF8 first, as UTF-16 directory names ending in their NUL.
_STREAMS = ("Workbook".encode("utf-16-le") + b"\x00\x00", "Book".encode("utf-16-le") + b"\x00\x00")

_BOF, _EOF, _BOUNDSHEET, _FILEPASS = 0x0809, 0x000A, 0x0085, 0x002F
_BOOLERR, _FORMULA, _ROW = 0x0205, 0x0006, 0x0208
_FORMAT, _XF, _DATEMODE, _CODEPAGE = 0x041E, 0x00E0, 0x0022, 0x0042
_NUMBER, _RK, _MULRK = 0x0203, 0x027E, 0x00BD
_SUPBOOK, _EXTERNSHEET, _SHRFMLA, _ARRAY = 0x01AE, 0x0017, 0x04BC, 0x0221
_SELF_BOOK = 0x0401  # a SUPBOOK's second word when it stands for this workbook's own sheets
_MAX_XFS = 65_536
_ROW_HIDDEN = 0x20  # fDyZero in the ROW record's flags
# BErr codes as a cell shows them; the parser refuses a file holding any other.
ERROR_CODES = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}

# Where an error cell may be: a BOOLERR record with its error flag, or a FORMULA record whose result reads "error"
# (byte 0 = 2, bytes 6-7 = FFFF); where a hidden row may be: a ROW record of 16 bytes or more with fDyZero set.
# Searched for in the whole stream first (at C speed): most workbooks hold none, and are then not walked at all.
# A match may lie inside another record's data; only the walk tells.
_CODES = b"[" + re.escape(bytes(ERROR_CODES)) + b"]"
_HIDDEN_FLAG = rb"[\x20-\x3f\x60-\x7f\xa0-\xbf\xe0-\xff]"  # a flags byte with bit 5 set
_SHOWN_FLAG = rb"[\x00-\x1f\x40-\x5f\x80-\x9f\xc0-\xdf]"  # and with it clear
_MAY_HOLD = (
    re.compile(b"\x05\x02(?:[\x08-\xff].|.[\x01-\xff]).{6}" + _CODES + b"\x01", re.S),
    re.compile(b"\x06\x00(?:[\x14-\xff].|.[\x01-\xff]).{6}\x02." + _CODES + b"...\xff\xff", re.S),
    re.compile(b"\x08\x02(?:[\x10-\xff].|.[\x01-\xff]).{12}" + _HIDDEN_FLAG, re.S),
)

# Most of a sheet is runs of a few records of one length each (LABELSST, RK, NUMBER, ROW of a row not hidden,
# BLANK), none an error value, a hidden row or the sheet's end: the walk passes a run in one match at C speed, about
# ten times the pace of its own loop, record by record all the same (each header says its length, and only that many
# bytes follow).
_PLAIN = (
    (0x00FD, 10, b".{10}"),
    (0x027E, 10, b".{10}"),
    (0x0203, 14, b".{14}"),
    (_ROW, 16, b".{12}" + _SHOWN_FLAG + b".{3}"),
    (0x0201, 6, b".{6}"),
)
_PLAIN_RUN = re.compile(
    b"(?:" + b"|".join(re.escape(struct.pack("<HH", kind, n)) + body for kind, n, body in _PLAIN) + b")++", re.S
)
# With formats to look for, a NUMBER or RK record of one of them ends the run (up to this many formats; with more,
# every NUMBER and RK record is looked at).
_FEW_FORMATS = 64


Cell = tuple[int, int, str]
# One sheet's error cells, hidden rows, dates shown in part, and the EXTERNSHEET numbers (ixti) its formulas take
# values from other than as a lookup's range.
_Sheet = tuple[list[Cell], list[int], list[Cell], set[int]]


class _Dates(NamedTuple):
    """The cell formats (XF indexes) that show a date without its day or its year, and how to read them."""

    parts: dict[int, str]  # XF index → the parts its format shows ("ym", "md", "m", …)
    date1904: bool
    plain: re.Pattern[bytes]  # the walk's run of plain records, which these formats' numbers end


class Found(NamedTuple):
    """What the walk found in the sheets asked for, by sheet name; a sheet with nothing found is left out."""

    cells: dict[str, list[Cell]]  # (row, column, error text) from 0 of every cell showing an error value
    hidden: dict[str, list[int]]  # the Excel rows (from 1) hidden or filtered out, in order
    # (row, column, text shown) from 0 of every number shown as a date without its day or its year
    shown: dict[str, list[Cell]]
    computed: frozenset[str] = frozenset()  # the sheets with a formula taking a value from another sheet


def read_records(data: bytes, listed: list[str], among: set[str]) -> Found:
    """The error cells and the hidden rows of the sheets named ``among``. ``listed`` are all the parser's sheet names
    in the workbook's order (book.sheets_metadata): the n-th BOUNDSHEET record is its n-th sheet. A file that is not
    a compound file with a BIFF5/8 workbook stream, or whose records do not read as expected, gives nothing."""
    try:
        stream = workbook_stream(data)
        if stream is None:
            return Found({}, {}, {})
        may_hold = any(pattern.search(stream) for pattern in _MAY_HOLD)
        return _sheet_records(stream, listed, among, may_hold) or Found({}, {}, {})
    except (struct.error, IndexError, ValueError, OverflowError):  # never expected: the walks check every offset
        return Found({}, {}, {})


# The compound file --------------------------------------------------------------------------------------------------


def workbook_stream(data: bytes) -> bytes | None:
    """The "Workbook" (BIFF8) or "Book" (BIFF5/7) stream of a compound file, or None. A stream whose sectors end
    before its stated size is given as far as it goes, as the parser reads it."""
    if len(data) < 512 or not data.startswith(_OLE):
        return None
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        return None
    size = 1 << shift
    # Sector n starts at (n + 1) * size; a last sector cut short by the end of the file is read as far as it goes.
    count = max(0, (len(data) + size - 1) // size - 1)
    fat = _fat(data, size, count)
    directory = _joined(data, size, _chain(fat, struct.unpack_from("<I", data, 48)[0], count))
    entry = next(filter(None, (_entry(directory, name) for name in _STREAMS)), None)
    if entry is None:
        return None
    start, stated = _place(entry, shift)
    length = min(stated, len(data))
    if stated >= _MINI_CUTOFF:
        return _joined(data, size, _chain(fat, start, count, -(-length // size)))[:length]
    # A small stream: its 64-byte sectors lie in the mini stream (the root entry's chain), chained by the mini FAT.
    root_start, root_length = _place(directory[:128], shift)
    root_length = min(root_length, len(data))
    mini = _joined(data, size, _chain(fat, root_start, count, -(-root_length // size)))[:root_length]
    mini_count = len(mini) // _MINI_SECTOR
    mini_fat_at = struct.unpack_from("<I", data, 60)[0]
    mini_fat = _entries(_joined(data, size, _chain(fat, mini_fat_at, count)))[:mini_count]
    sectors = _chain(mini_fat, start, mini_count, -(-length // _MINI_SECTOR))
    return _joined(mini, _MINI_SECTOR, sectors, header=0)[:length]


def _entry(directory: bytes, name: bytes) -> bytes | None:
    """The first 128-byte directory entry named ``name`` (the parser takes the first too)."""
    at = directory.find(name)
    while at != -1 and at % 128:
        at = directory.find(name, at + 1)
    return directory[at : at + 128] if at != -1 and at + 128 <= len(directory) else None


def _fat(data: bytes, size: int, count: int) -> list[int]:
    """The file allocation table, as far as it describes sectors of this file: the FAT sectors are listed in the
    header (109) and then in a chain of DIFAT sectors, each ending in the number of the next."""
    listed = list(struct.unpack_from("<109I", data, 76))
    per_sector = size // 4
    at, seen = struct.unpack_from("<I", data, 68)[0], 0
    while at < count and seen < count and len(listed) < count + 109:
        if (at + 2) * size > len(data):
            break
        more = struct.unpack_from(f"<{per_sector}I", data, (at + 1) * size)
        listed.extend(more[:-1])
        at, seen = more[-1], seen + 1
    fat_sectors: list[int] = []
    for sector in listed:
        # Unused places hold FREESECT, after the used ones: the first that is no whole sector of the file ends them.
        if len(fat_sectors) * per_sector >= count or sector >= count or (sector + 2) * size > len(data):
            break
        fat_sectors.append(sector)
    return _entries(_joined(data, size, fat_sectors))[:count]


def _entries(table: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(table) // 4}I", table[: len(table) // 4 * 4]))


def _chain(table: list[int], start: int, count: int, wanted: int | None = None) -> list[int]:
    """The sectors of a chain from ``start`` (at most ``wanted``): it ends at ENDOFCHAIN, at a sector out of range,
    or once it is longer than the sectors there are (a loop)."""
    sectors: list[int] = []
    limit = count if wanted is None else min(count, wanted)
    at = start
    while at < count and at < len(table) and len(sectors) < limit:
        sectors.append(at)
        at = table[at]
    return sectors


def _joined(data: bytes, size: int, sectors: list[int], header: int = 1) -> bytes:
    """The sectors' bytes one after another, each run of neighbouring sectors taken as one slice."""
    parts = []
    run_start = run_end = -1
    for sector in sectors:
        if sector == run_end:
            run_end += 1
            continue
        if run_start >= 0:
            parts.append(data[(run_start + header) * size : (run_end + header) * size])
        run_start, run_end = sector, sector + 1
    if run_start >= 0:
        parts.append(data[(run_start + header) * size : (run_end + header) * size])
    return b"".join(parts)


def _place(entry: bytes, shift: int) -> tuple[int, int]:
    """(first sector, size) of a directory entry; a version 3 file's size is 32 bits, its high half undefined."""
    start, low, high = struct.unpack_from("<III", entry, 116)
    return start, low if shift == 9 else low | high << 32


# The BIFF records -----------------------------------------------------------------------------------------------------


def _sheet_records(stream: bytes, listed: list[str], among: set[str], may_hold: bool) -> Found | None:
    """The error cells, hidden rows and dates shown in part of each wanted sheet, or None when the records do not
    read as the parser read them. The sheets are walked only when the stream ``may_hold`` an error cell or a hidden
    row (_MAY_HOLD), or its formats show a date in part."""
    end = len(stream)
    if end < 6 or struct.unpack_from("<H", stream, 0)[0] != _BOF:
        return None  # BIFF2-4 (BOF 0x0009/0x0209/0x0409) lays its cells out otherwise
    biff8 = struct.unpack_from("<H", stream, 4)[0] == 0x0600 if struct.unpack_from("<H", stream, 2)[0] >= 2 else False
    offsets: list[int] = []
    codes: dict[int, str] = {}  # format number → code, from FORMAT records
    xfs: list[int] = []  # format number of each XF record, in order
    date1904, codepage = False, 1252
    books: list[bool] = []  # of each SUPBOOK record in order: whether it stands for this workbook
    xtis: list[tuple[int, int, int]] = []  # (SUPBOOK, first sheet, last sheet) of each EXTERNSHEET entry
    at = 0
    while at + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, at)
        body = at + 4
        if body + length > end:
            return None
        if kind == _FILEPASS:
            return None  # encrypted or obfuscated: cell records unreadable
        if kind == _BOUNDSHEET:
            if length < 6:
                return None
            offsets.append(struct.unpack_from("<I", stream, body)[0])
        elif kind == _FORMAT:
            code = _format_code(stream[body : body + length], biff8, codepage)
            if code is not None:
                codes[code[0]] = code[1]
        elif kind == _XF:
            xfs.append(struct.unpack_from("<H", stream, body + 2)[0] if length >= 4 else -1)
        elif kind == _DATEMODE and length >= 2:
            date1904 = struct.unpack_from("<H", stream, body)[0] == 1
        elif kind == _CODEPAGE and length >= 2:
            codepage = struct.unpack_from("<H", stream, body)[0]
        elif kind == _SUPBOOK:
            books.append(length == 4 and struct.unpack_from("<H", stream, body + 2)[0] == _SELF_BOOK)
        elif kind == _EXTERNSHEET and biff8 and length >= 2:
            count = min(struct.unpack_from("<H", stream, body)[0], (length - 2) // 6)
            xtis = [struct.unpack_from("<3H", stream, body + 2 + 6 * n) for n in range(count)]
        elif kind == _EOF:
            break
        at = body + length
    if len(offsets) != len(listed):
        return None
    dates = _dates(codes, xfs, date1904)
    # The formulas are read only when an EXTERNSHEET entry names a sheet (of this file or another).
    formulas = any(book >= len(books) or not books[book] or first < 0xFFFE for book, first, _ in xtis)
    if not may_hold and dates is None and not formulas:
        return Found({}, {}, {})
    found: dict[str, _Sheet] = {}
    walked: dict[int, _Sheet] = {}
    budget = end  # sheets lie apart: all of them together never take more than the stream once
    for offset, name in zip(offsets, listed):
        if name not in among:
            continue
        if offset not in walked:
            sheet, spent = _walk(stream, offset, dates, formulas)
            budget -= spent
            if sheet is None or budget < 0:
                return None
            walked[offset] = sheet
        # The parser keeps the last of two sheets of one name (its sheets are a map by name): so does this.
        found[name] = walked[offset]
    places = {name: n for n, name in enumerate(listed)}  # the last of two sheets of one name, as above

    def other_sheet(ixti: int, own: int) -> bool:
        """Whether an EXTERNSHEET entry names a sheet other than ``own``: of another file, or of this one (a range
        of sheets counts unless it is ``own`` alone). A number past the entries (a damaged file) and a reference to
        a deleted sheet (shown #REF!, 0xFFFE) name none, as an .xlsx's #REF! does not."""
        if ixti >= len(xtis):
            return False
        book, first, last = xtis[ixti]
        if book >= len(books) or not books[book]:
            return True
        return first < 0xFFFE and (first, last) != (own, own)

    return Found(
        {name: cells for name, (cells, _, _, _) in found.items() if cells},
        {name: hidden for name, (_, hidden, _, _) in found.items() if hidden},
        {name: shown for name, (_, _, shown, _) in found.items() if shown},
        frozenset(name for name, (*_, refs) in found.items() if any(other_sheet(i, places[name]) for i in refs)),
    )


def _format_code(body: bytes, biff8: bool, codepage: int) -> tuple[int, str] | None:
    """(format number, code) of a FORMAT record's body, or None when it does not read as one: in BIFF8 a Unicode
    string (its length in characters, a flags byte, then the characters, after the rich-text and phonetic counts
    where the flags say so), in BIFF5 a string of bytes in the workbook's code page after a length byte."""
    if len(body) < 3:
        return None
    number = struct.unpack_from("<H", body)[0]
    if not biff8:
        size = body[2]
        raw = body[3 : 3 + size]
        if len(raw) != size:
            return None
        try:
            return number, raw.decode(f"cp{codepage}", "replace")
        except LookupError:
            return number, raw.decode("latin-1")
    if len(body) < 5:
        return None
    size, flags = struct.unpack_from("<HB", body, 2)
    at = 5 + (2 if flags & 0x08 else 0) + (4 if flags & 0x04 else 0)
    width = 2 if flags & 0x01 else 1
    raw = body[at : at + size * width]
    if len(raw) != size * width:
        return None
    return number, raw.decode("utf-16-le" if width == 2 else "latin-1", "replace")


def _dates(codes: dict[int, str], xfs: list[int], date1904: bool) -> _Dates | None:
    """The cell formats that show a date without its day or its year, or None when there are none (a format the
    workbook defines stands before a built-in one of the same number, as in analytics.sheets.shown)."""
    judged: dict[int, str | None] = {}
    parts: dict[int, str] = {}
    for index, number in enumerate(xfs[:_MAX_XFS]):
        if number not in judged:
            judged[number] = partial_date(number, codes)
        shows = judged[number]
        if shows is not None:
            parts[index] = shows
    if not parts:
        return None
    if len(parts) > _FEW_FORMATS:
        kept = [(kind, n, body) for kind, n, body in _PLAIN if kind not in (_NUMBER, _RK)]
    else:
        # A NUMBER or RK record passes with the run only when its format (bytes 4-5) is none of these.
        other = b"(?!" + b"|".join(re.escape(struct.pack("<H", index)) for index in parts) + b")"
        kept = [(kind, n, body) for kind, n, body in _PLAIN if kind not in (_NUMBER, _RK)]
        kept += [(_NUMBER, 14, b".{4}" + other + b".{10}"), (_RK, 10, b".{4}" + other + b".{6}")]
    plain = re.compile(
        b"(?:" + b"|".join(re.escape(struct.pack("<HH", kind, n)) + body for kind, n, body in kept) + b")++", re.S
    )
    return _Dates(parts, date1904, plain)


def _rk(value: int) -> float:
    """The number an RK value stands for: a 30-bit integer or the top 30 bits of a double, divided by 100 when its
    lowest bit says so."""
    if value & 0x02:
        number = float(struct.unpack("<i", struct.pack("<I", value))[0] >> 2)
    else:
        number = struct.unpack("<d", struct.pack("<II", 0, value & 0xFFFFFFFC))[0]
    return number / 100 if value & 0x01 else number


def _shown(dates: _Dates, shows: str, serial: float) -> str | None:
    """The text a number shows in a format that shows these parts of a date, or None for a number Excel shows as
    #### (before its first day or after 9999-12-31)."""
    if not 0 <= serial < 2_958_466:
        return None
    try:
        return shown_text(serial_day(int(serial), dates.date1904), shows)
    except OverflowError:
        return None


def _walk(stream: bytes, at: int, dates: _Dates | None, formulas: bool = False) -> tuple[_Sheet | None, int]:
    """The error cells, hidden rows, (with ``dates``) dates shown in part and (with ``formulas``) the EXTERNSHEET
    numbers its formulas take values from (analytics.sheets.xlsformulas) of the sheet whose records start at ``at``,
    read up to its EOF record as the parser reads them, and the bytes walked; None for the sheet when a record runs
    past the stream."""
    end, start = len(stream), at
    cells: list[Cell] = []
    hidden: set[int] = set()
    shown: list[Cell] = []
    refs: set[int] = set()
    parts = dates.parts if dates is not None else {}
    unpack, plain = struct.unpack_from, (dates.plain if dates is not None else _PLAIN_RUN).match
    while at + 4 <= end:
        run = plain(stream, at)
        if run is not None:
            at = run.end()
            continue
        kind, length = unpack("<HH", stream, at)
        body = at + 4
        at = body + length
        if at > end:
            return None, at - start
        if formulas and kind in _FORMULA_TOKENS and length >= _FORMULA_TOKENS[kind]:
            # The formula's tokens: after its size (2 bytes) at this place in the record.
            where = body + _FORMULA_TOKENS[kind] - 2
            tokens = stream[where + 2 : min(where + 2 + unpack("<H", stream, where)[0], at)]
            if xlsformulas.MAY_REFER.search(tokens):
                refs |= xlsformulas.references(tokens)
        if kind == _BOOLERR:
            if length >= 8:
                row, column, _, value, is_error = unpack("<HHHBB", stream, body)
                if is_error == 1:
                    cells.append((row, column, ERROR_CODES.get(value, "#VALUE!")))
        elif kind == _FORMULA:
            # The result: 8 bytes after row, column and format; an error has type 2 in byte 0, its code in byte 2;
            # a number is any result whose bytes 6-7 are not FFFF.
            if length >= 20 and stream[body + 12 : body + 14] == b"\xff\xff":
                if stream[body + 6] == 2:
                    row, column = unpack("<HH", stream, body)
                    cells.append((row, column, ERROR_CODES.get(stream[body + 8], "#VALUE!")))
            elif length >= 20 and parts:
                row, column, xf, number = unpack("<3Hd", stream, body)
                if xf in parts and dates is not None and (text := _shown(dates, parts[xf], number)) is not None:
                    shown.append((row, column, text))
        elif kind == _NUMBER or kind == _RK:
            if parts and length >= (14 if kind == _NUMBER else 10):
                row, column, xf = unpack("<3H", stream, body)
                if xf in parts and dates is not None:
                    value = (
                        unpack("<d", stream, body + 6)[0] if kind == _NUMBER else _rk(unpack("<I", stream, body + 6)[0])
                    )
                    text = _shown(dates, parts[xf], value)
                    if text is not None:
                        shown.append((row, column, text))
        elif kind == _MULRK:
            # Row, first column, then (format, RK value) for each column, then the last column.
            if parts and dates is not None and length >= 6:
                row, first = unpack("<HH", stream, body)
                for n in range((length - 6) // 6):
                    xf, value = unpack("<HI", stream, body + 4 + 6 * n)
                    if xf in parts and (text := _shown(dates, parts[xf], _rk(value))) is not None:
                        shown.append((row, first + n, text))
        elif kind == _ROW:
            if length >= 16 and stream[body + 12] & _ROW_HIDDEN:
                hidden.add(unpack("<H", stream, body)[0] + 1)
        elif kind == _EOF:
            break
    return (cells, sorted(hidden), shown, refs), at - start


# Where a record's formula tokens start (their size is the 2 bytes before): a FORMULA record after row, column,
# format, result, flags and a reserved word; a SHRFMLA after its range and use count; an ARRAY after its range, flags
# and a reserved word.
_FORMULA_TOKENS = {_FORMULA: 22, _SHRFMLA: 10, _ARRAY: 14}
