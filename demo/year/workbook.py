"""Writing a clerk's workbook: titles, merged headers, blank rows, date styles and stable zip bytes."""

from __future__ import annotations

import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from analytics.sheets.kinds import KINDS
from demo.year.model import _Year

_TITLE_FONT = Font(name="宋体", size=14, bold=True)
_BOLD = Font(name="宋体", bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WIDTHS = {
    label: column.width
    for kind in KINDS.values()
    for column in kind.columns
    for label in (column.label, *column.synonyms)
}


@dataclass
class _Sheet:
    name: str
    title: str
    headers: list[str]
    rows: list[list[Any] | None]  # None leaves a blank row
    subtitle: str | None = None
    footer: list[list[Any]] = field(default_factory=list)
    merge_down: int | None = None  # a column whose runs of one value are merged vertically (科室)
    percent_column: int | None = None  # a column of fractions shown as percentages


def _date_cell(day: date, style: str) -> Any:
    if style == "cn":
        return f"{day.year}年{day.month}月{day.day}日"
    if style == "dot":
        return f"{day.year}.{day.month}.{day.day}"
    if style == "slash":
        return f"{day.year}/{day.month:02d}/{day.day:02d}"
    return day


def _with_blanks(rng: random.Random, rows: list[list[Any]], count: int) -> list[list[Any] | None]:
    """A blank row or two in the body, where a clerk deleted a line and left the gap."""
    out: list[list[Any] | None] = list(rows)
    for _ in range(count if len(rows) > 10 else 0):
        out.insert(rng.randint(3, len(out) - 2), None)
    return out


def _write_sheet(book: openpyxl.Workbook, spec: _Sheet) -> None:
    sheet = book.create_sheet(spec.name)
    width = len(spec.headers)
    sheet.append([spec.title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = _TITLE_FONT
    sheet["A1"].alignment = _CENTER
    sheet.row_dimensions[1].height = 30
    if spec.subtitle:
        sheet.append([spec.subtitle])
    sheet.append(spec.headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = _BOLD
        cell.alignment = _CENTER
    first = header_row + 1
    runs: list[tuple[int, int]] = []
    for offset, row in enumerate(spec.rows):
        if row is None:
            sheet.append([])
            continue
        if spec.merge_down is not None:
            value = row[spec.merge_down]
            if runs and spec.rows[offset - 1] is not None and spec.rows[offset - 1][spec.merge_down] == value:
                runs[-1] = (runs[-1][0], first + offset)
                row = list(row)
                row[spec.merge_down] = None
            else:
                runs.append((first + offset, first + offset))
        sheet.append(row)
    for start, end in runs:
        if end > start:
            column = spec.merge_down + 1
            sheet.merge_cells(start_row=start, start_column=column, end_row=end, end_column=column)
            sheet.cell(start, column).alignment = _CENTER
    if spec.percent_column is not None:
        for (cell,) in sheet.iter_rows(min_row=first, min_col=spec.percent_column + 1, max_col=spec.percent_column + 1):
            cell.number_format = "0%"
    for row in spec.footer:
        sheet.append(row)
    for n, header in enumerate(spec.headers, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = _WIDTHS.get(header, 6 if header == "序号" else 14) + 2
    sheet.freeze_panes = sheet.cell(first, 1)


def _workbook(sheets: list[_Sheet], stamp: datetime) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for spec in sheets:
        _write_sheet(book, spec)
    book.properties.creator = "区委组织部"
    book.properties.lastModifiedBy = "区委组织部"
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue(), stamp)


def _stable_zip(content: bytes, stamp: datetime) -> bytes:
    """The same workbook gives the same bytes: fixed zip entry times and document dates (openpyxl stamps 'now')."""
    moment = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    lambda m: f"{m.group(1)}{moment}{m.group(3)}",
                    data.decode("utf-8"),
                )
                data = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def _clerk(y: _Year, quarter: int) -> str:
    """The office clerk who keeps the sheets that quarter (two take turns)."""
    office = [p for p in y.people if p.section == "办公室" and not p.leader]
    return office[-1 - quarter % 2].name


def _signature(y: _Year, quarter: int) -> list[Any]:
    office = [p for p in y.people if p.section == "办公室" and p.title == "副主任"]
    return [f"填表人：{_clerk(y, quarter)}　　审核人：{office[0].name}"]
