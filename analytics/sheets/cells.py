"""Writing user text into xlsx and csv files so that it stays text: no cell a clerk typed can run as a formula."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A spreadsheet treats text starting with these as a formula (or, for + - @, as one after a keystroke in some
# programs); tab and carriage return start the same attack in CSV files opened by Excel.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


# Characters Excel refuses in a worksheet's name, written as their full-width forms, which a clerk reads the same.
_TITLE_SWAPS = str.maketrans({"[": "【", "]": "】", ":": "：", "*": "＊", "?": "？", "/": "／", "\\": "＼"})
MAX_TITLE = 31


def sheet_title(text: str, taken: Iterable[str] = ()) -> str:
    """A worksheet name Excel and openpyxl accept, made from user text (a file's name, a person's): no [ ] : * ? / \\
    (full-width instead), no control characters, no apostrophe at either end, at most 31 characters, never empty,
    and none of the names ``taken`` (compared as Excel does, ignoring case; History is Excel's own)."""
    title = ILLEGAL_CHARACTERS_RE.sub("", str(text)).translate(_TITLE_SWAPS).strip().strip("'").strip()
    title = title[:MAX_TITLE].rstrip("'") or "工作表"
    used = {t.casefold() for t in taken} | {"history"}
    candidate, n = title, 1
    while candidate.casefold() in used:
        n += 1
        suffix = f"({n})"
        candidate = title[: MAX_TITLE - len(suffix)] + suffix
    return candidate


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def put(cell: Any, value: Any) -> Any:
    """Set an openpyxl cell; text that looks like a formula is stored as a string cell, never as a formula.
    Control characters, which an xlsx cannot hold (openpyxl refuses them), are replaced by "?"."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("?", value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
    return cell


def csv_text(value: Any) -> Any:
    """A value for a CSV file: formula-looking text gets a leading apostrophe, which Excel and WPS show as text."""
    if looks_like_formula(value):
        return "'" + value
    return value


def table_xlsx(frame, sheet: str = "数据") -> bytes:
    """A table (pandas frame) as an .xlsx download: header in bold, every cell through put(), so a page can offer
    the export that st.dataframe's own CSV button (disabled app-wide) would have given, without live formulas."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet_title(sheet)
    for c, name in enumerate(frame.columns, start=1):
        put(ws.cell(1, c), str(name)).font = Font(bold=True)
    for r, row in enumerate(frame.itertuples(index=False), start=2):
        for c, value in enumerate(row, start=1):
            put(ws.cell(r, c), None if value is None or value != value else value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_csv(frame) -> bytes:
    """A table as CSV for Excel/WPS: UTF-8 with a byte-order mark, formula-looking text made inert by csv_text()."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(str(name)) for name in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow(["" if v is None or v != v else csv_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
