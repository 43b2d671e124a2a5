"""Reading an uploaded file into sheets of raw cells: .xlsx/.xls with python-calamine, .csv in UTF-8, GBK or UTF-16.

A file that is really a web page, is password-protected, damaged or too large raises FileUnreadable with a Chinese
message that says what to do, never a traceback. Two walls stand before python-calamine, which aborts the whole
process on some hostile files: analytics.sheets.guard looks inside an xlsx first, and the workbook is then parsed in
a warm child process with a memory cap (analytics.sheets.worker), so whatever the parser does, only the child can
die."""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import python_calamine as calamine

from analytics.errors import FileUnreadable
from analytics.sheets import guard, halves, shown, worker, xlsrecords
from analytics.sheets.errorcells import older_error_values, unread_cells
from analytics.sheets.formulas import has_cross_formula, worksheets
from analytics.sheets.hidden import hidden_rows

# DASHBOARD_ISOLATE=off parses in the process itself (a debugging aid, never for a served app).
ISOLATE = os.environ.get("DASHBOARD_ISOLATE", "on").lower() not in ("off", "0", "no", "false")

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class _NewerErrorValue(Exception):
    """The parser met an error value it does not know (#GETTING_DATA)."""


@dataclass
class RawSheet:
    """One worksheet as the clerk sees it: grid[r][c] is the cell at Excel row r+1, column c+1."""

    name: str
    grid: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # The same cells as one rectangular object array (rows × widest row, short rows padded with ""), when the parsing
    # child's wire delivered it: extract slices its columns instead of rebuilding it from the grid's rows.
    cells: Any = field(default=None, repr=False, compare=False)
    # Where grid[0][0] lies when the sheet was read from its first non-empty cell (the second half of a cut sheet,
    # inside the parsing child only); (0, 0) for every sheet the importer sees.
    origin: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)
    # The sheet computes its cells from other sheets (=SUM('3月'!E:E)): a summary of the detail sheets beside it,
    # never imported (analytics.sheets.formulas).
    summary: bool = False
    # The delimiter of a sheet read from a CSV file, None for a workbook's: a value beyond the header's last column
    # is then most likely a delimiter typed inside a cell (analytics.sheets.ingest.describe.flag_headerless).
    delimiter: str | None = None
    # The Excel rows (from 1) the clerk hid or a filter left out, read from the sheet's XML (analytics.sheets.hidden)
    # or, in a legacy .xls, from its ROW records (analytics.sheets.xlsrecords):
    # their cells are in the grid like any other, and the importer asks before counting them.
    hidden: list[int] = field(default_factory=list)


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        head = data[:4096].decode("utf-16", errors="ignore").lower().encode()
    return head.startswith((b"<", b"mime-version")) and any(
        tag in head for tag in (b"<html", b"<table", b"<!doctype", b"<?xml", b"xmlns", b"mime-version")
    )


def _decode_text(data: bytes) -> str:
    # Excel's "Unicode text" is UTF-16 with a byte-order mark, tab-separated.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(
        "无法识别 CSV 文件的文字编码。请用 Excel 或 WPS 打开后另存为 .xlsx（或 UTF-8 编码的 CSV）再上传。"
    )


def _dialect(sample: str) -> type[csv.Dialect]:
    """The delimiter as the sniffer guesses it (comma, tab or semicolon); quoting always as Excel writes and reads it.
    The sniffer may take the apostrophe for the quote character when a cell starts with one ('十四五'规划), which
    would merge lines and eat the apostrophes: only the double quote quotes, doubled inside a quoted cell."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        return csv.excel

    class Dialect(csv.excel):
        delimiter = sniffed.delimiter
        # Spaces after a delimiter before a quote (a, "b, c") were seen only when the sniffer found double quotes.
        skipinitialspace = bool(sniffed.skipinitialspace) and sniffed.quotechar == '"'

    return Dialect


def read_csv(data: bytes, name: str) -> list[RawSheet]:
    guard.check_csv_size(data)
    text = _decode_text(data)
    if "\x00" in text:
        raise FileUnreadable("无法识别的文件格式。请上传 .xlsx、.xls 或 .csv 文件。")
    # Lines may end in CR alone (Excel's "CSV (Macintosh)") or mix CR, LF and CRLF: the sniffer splits on LF only.
    dialect = _dialect(text[:4096].replace("\r\n", "\n").replace("\r", "\n"))
    rows: list[list[Any]] = []
    width = 0
    sheet = name.rsplit(".", 1)[0] or "CSV"
    # (row index, first line of the file) of every record written over several lines: a cell in quotes holding
    # line breaks, looked at once the whole file is read.
    spanning: list[tuple[int, int]] = []
    # newline="" hands the reader every line ending (CR, LF, CRLF) as written, and the reader ends a record at any
    # of them; a CR inside a quoted cell stays in the cell.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    line = 0
    try:
        for row in reader:
            if reader.line_num > line + 1:
                spanning.append((len(rows), line + 1))
            line = reader.line_num
            rows.append(row)
            width = max(width, len(row))
            if len(rows) > guard.MAX_ROWS or width > guard.MAX_COLUMNS:
                guard.check_grid(sheet, len(rows), width)
    except csv.Error as exc:
        raise FileUnreadable(
            f"CSV 文件从第 {line + 1} 行起格式有误（引号未配对或含有无法识别的字符），无法读取。"
            "请检查这一行的英文双引号是否成对，或用 Excel 或 WPS 打开后另存为 .xlsx 再上传。"
        ) from exc
    guard.check_grid(sheet, len(rows), width)
    if spanning:
        _refuse_swallowed_lines(rows, spanning, dialect)
    return [RawSheet(sheet, rows, delimiter=dialect.delimiter)]


def _refuse_swallowed_lines(rows: list[list[Any]], spanning: list[tuple[int, int]], dialect: type[csv.Dialect]) -> None:
    """A quoted cell holding line breaks is one cell written on several lines (Alt+Enter in Excel), unless its lines
    read as rows of the file themselves: then its opening quote was never closed (closed by a Chinese ” instead, or
    not at all) and swallowed the records that follow, as Excel too would show them, in one cell. Refused, naming
    the line, rather than imported as one row where the clerk wrote several."""
    counts = Counter(len(row) for row in rows if len(row) > 1)
    if not counts:
        return
    common = counts.most_common(1)[0][0]
    for index, first_line in spanning:
        row = rows[index]
        for column, cell in enumerate(row):
            lines = _LINE_BREAK.split(cell)
            later = lines[1:]
            swallowed = [n for n, text in enumerate(later, start=1) if _fields(text, dialect) >= common]
            if not swallowed:
                continue
            header = next((r for r in rows[:index] if len(r) >= common), None)
            named = header[column].strip() if header is not None and column < len(header) else ""
            where = f"「{named}」列" if named else f"第 {column + 1} 列"
            start = lines[0] if len(lines[0]) <= 20 else lines[0][:20] + "…"
            raise FileUnreadable(
                f'CSV 文件第 {first_line} 行{where}的英文双引号未配对：这一格以英文双引号开头（"{start}），'
                "却没有与之配对的结束引号（常见于结束处写成了中文引号 ”），"
                f"从第 {first_line + swallowed[0]} 行起的内容都会被读进这一格，后面的记录就丢了。"
                "请用记事本或 Excel/WPS 把这个英文引号删去或改成中文引号 “，保存后重新上传；"
                "如果这一格确实要写成多行，请在这一格的末尾补上英文双引号。"
            )


def _fields(line: str, dialect: type[csv.Dialect]) -> int:
    """How many values one line of the file holds when read on its own."""
    try:
        return max((len(r) for r in csv.reader([line], dialect)), default=0)
    except csv.Error:
        return 0


def read_workbook(data: bytes) -> list[RawSheet]:
    """Parse a workbook: in a child process with a memory cap (the default), or in this process."""
    if data.startswith(_ZIP):
        guard.inspect_zip(data)
    else:
        guard.check_xls_size(data)
    if not ISOLATE:
        return read_workbook_here(data)
    part = halves.part_to_split(data) if data.startswith(_ZIP) else None
    return [
        RawSheet(name, grid, merged, cells, summary=summary, hidden=hidden)
        for name, grid, merged, cells, summary, hidden in worker.parse(data, part)
    ]


def _open_half(data: bytes) -> Any:
    """The parser's workbook over the half of a cut sheet (analytics.sheets.halves), through an anonymous in-memory
    file (memfd) where the system has one. The parser reads a Python file object into memory by reads of doubling size,
    copying each; for the 37 MB of a 100,000-row sheet's half that took 0.05-0.1 s, and opening, parsing and reading
    its cells from the file is about 0.08 s faster in all (15 rounds interleaved). Whatever goes wrong with a half, the
    workbook is read whole again (analytics.sheets.worker), so only halves take this road."""
    fd = _memory_file(data)
    if fd is None:
        return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        # The parser opens the file again by its path and keeps that handle: closing ours leaves its file readable.
        return calamine.CalamineWorkbook.from_path(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


def _memory_file(data: bytes) -> int | None:
    """A descriptor of an anonymous in-memory file holding `data`, or None where there is none to be had."""
    try:
        fd = os.memfd_create("workbook", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if os.path.exists(f"/proc/self/fd/{fd}"):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def read_workbook_here(
    data: bytes, only: str | None = None, cut: str | None = None, summary: bool | None = None
) -> list[RawSheet]:
    """Parse a workbook in this process. Only for files the guard has passed, and best in a child (see above).

    For the halves of a cut sheet (analytics.sheets.halves): ``cut`` names it, and halves.Declined is raised,
    before any sheet is read, unless the parser lists that name exactly once. With ``only`` just the visible
    worksheet of that name is read, from its first non-empty cell instead of A1 (the second half), whose origin then
    says where its cells lie; ``summary`` says whether the cut sheet is a summary (halves.Half.summary, found in the
    whole sheet's XML), which is then not looked for in its half again."""
    try:
        sheets, listed = _parsed(data, only, cut)
    except _NewerErrorValue:
        # The parser refuses error values newer than it (#GETTING_DATA, #SPILL!): the file is read with #N/A in their
        # place, and those cells are put back with their own text below, from the file as uploaded.
        try:
            sheets, listed = _parsed(older_error_values(data), only, cut)
        except (_NewerErrorValue, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise FileUnreadable(
                "读取工作表时出错，文件可能已损坏。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
            ) from exc
    # One look at each sheet's XML: formulas over other sheets (a summary), the cells the parser read as empty
    # that show an error value or are formulas saved without their result (analytics.sheets.errorcells), and, when
    # the workbook has formats that show a date without its day or its year, the cells shown so, as their text
    # (analytics.sheets.shown); and the rows hidden in it (analytics.sheets.hidden).
    known = cut if cut is not None and summary is not None else None
    computed = {known} if known is not None and summary else set()
    unread: dict[str, list[tuple[int, int, str]]] = {}
    hidden: dict[str, list[int]] = {}
    dates = shown.styles(data)
    for name, xml in worksheets(data, {raw.name for raw in sheets}):
        if name != known and has_cross_formula(xml, name):
            computed.add(name)
        rows = hidden_rows(xml)
        if rows:
            hidden[name] = rows
        found = unread_cells(xml)
        if dates is not None:
            found += dates.cells(xml)
        if found:
            unread[name] = found
    if data.startswith(_OLE):
        # A legacy .xls: its error cells, hidden rows and dates shown without their day or year, from the workbook's
        # records (analytics.sheets.xlsrecords).
        records = xlsrecords.read_records(data, listed, {raw.name for raw in sheets})
        for each in (records.cells, records.shown):
            for name, cells in each.items():
                unread.setdefault(name, []).extend(cells)
        hidden.update(records.hidden)
        computed |= records.computed
    for raw in sheets:
        raw.summary = raw.name in computed
        raw.hidden = hidden.get(raw.name, [])
        if raw.name in unread:
            _put_back(raw, unread[raw.name], cut)
        _fill_merged(raw.grid, raw.merged)
    return sheets


def _parsed(data: bytes, only: str | None, cut: str | None) -> tuple[list[RawSheet], list[str]]:
    """The parser's sheets (see read_workbook_here), merged cells not yet filled, and the names of all the
    workbook's sheets in its order, hidden ones and charts too."""
    try:
        book = _open_half(data) if cut is not None else calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise _encrypted() from exc
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError, OSError) as exc:
        raise FileUnreadable(
            "文件已损坏或不是有效的 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
        ) from exc
    sheets = []
    try:
        listed = [m.name for m in book.sheets_metadata]
        if cut is not None and listed.count(cut) != 1:
            raise halves.Declined(cut)
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            if only is not None and meta.name != only:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if not data.startswith(_ZIP) and sheet.end is not None:
                # The guard checks an .xlsx sheet's extent as its XML declares it, before it is parsed; a legacy .xls
                # declares none the parser keeps to (a damaged record may place a cell in column 20,000): its extent
                # as parsed is held to the same limits, before its cells become Python lists.
                guard.check_grid(meta.name, sheet.end[0] + 1, sheet.end[1] + 1)
            grid = sheet.to_python(skip_empty_area=only is not None)
            merged = list(sheet.merged_cell_ranges or ())
            top, left = (sheet.start or (0, 0)) if only is not None else (0, 0)
            sheets.append(RawSheet(meta.name, grid, merged, origin=(int(top), int(left))))
    except calamine.PasswordError as exc:
        raise _encrypted() from exc
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError, OSError) as exc:
        if data.startswith(_ZIP) and "error value" in str(exc):
            raise _NewerErrorValue from exc
        raise FileUnreadable(
            "读取工作表时出错，文件可能已损坏。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
        ) from exc
    finally:
        book.close()
    return sheets, listed


def _put_back(raw: RawSheet, cells: list[tuple[int, int, str]], cut: str | None) -> None:
    """Write the cells the parser read as empty (an error's text, an Unsaved formula) or as a date the cell does not
    show whole (its text, analytics.sheets.shown) into a sheet's grid, which grows where such a cell lies past the
    parser's last row or column."""
    top, left = raw.origin
    grid = raw.grid
    for row, column, value in cells:
        r, c = row - top, column - left
        if r < 0 or c < 0:
            # Before the first filled cell of a cut sheet's second half: the halves are given up and the workbook
            # is read whole (analytics.sheets.worker).
            raise halves.Declined(cut or raw.name)
        while len(grid) <= r:
            grid.append([])
        line = grid[r]
        if len(line) <= c:
            line.extend([""] * (c + 1 - len(line)))
        line[c] = value


def _fill_merged(grid: list[list[Any]], ranges) -> None:
    """Give every cell of a merged block the block's value: a 科室 merged down over its people belongs to each."""
    for (r1, c1), (r2, c2) in ranges:
        if r1 >= len(grid):
            continue
        value = grid[r1][c1] if c1 < len(grid[r1]) else ""
        for r in range(r1, min(r2, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c1, min(c2, len(row) - 1) + 1):
                if row[c] == "":
                    row[c] = value


def _encrypted() -> FileUnreadable:
    return FileUnreadable(
        "文件设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再上传。"
    )


def hidden_sheets(data: bytes) -> list[str]:
    """The names of a workbook's hidden worksheets (never read), for the preview to say so. Only the workbook's own
    index is parsed, and only for a file read_file has already accepted; anything odd gives an empty list."""
    if not data.startswith((_ZIP, _OLE)):
        return []
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            return [m.name for m in book.sheets_metadata if m.visible != calamine.SheetVisibleEnum.Visible]
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - a notice only: the sheets that matter were read (or refused) by read_file
        return []


def read_file(data: bytes, name: str) -> list[RawSheet]:
    """All visible worksheets of an upload, judged by its content first and its name second."""
    guard.check_upload(data, name)
    if not data or not data.strip():
        raise FileUnreadable("文件是空的，没有任何内容。")
    lower = name.lower()
    if data.startswith(_OLE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise _encrypted()
        return read_workbook(data)
    if data.startswith(_ZIP):
        return read_workbook(data)
    if _looks_like_html(data):
        raise FileUnreadable(
            "这个文件实际是网页（HTML）格式，只是扩展名为 .xls（常见于从业务系统直接导出）。"
            "请用 Excel 或 WPS 打开后「另存为」Excel 工作簿（.xlsx）再上传。"
        )
    if lower.endswith((".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")):
        raise FileUnreadable(
            "文件已损坏或不是有效的 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileUnreadable("无法识别的文件格式。请上传 .xlsx、.xls 或 .csv 文件。")
    return read_csv(data, name)
