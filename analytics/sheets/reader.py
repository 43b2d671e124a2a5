"""Reading an uploaded file into sheets of raw cells: .xlsx/.xls with python-calamine, .csv in UTF-8 or GBK.

A file that is really a web page, is password-protected or is damaged raises FileUnreadable with a Chinese message
that says what to do, never a traceback."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import python_calamine as calamine

from analytics.errors import FileUnreadable

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RawSheet:
    """One worksheet as the clerk sees it: grid[r][c] is the cell at Excel row r+1, column c+1."""

    name: str
    grid: list[list[Any]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        head = data[:4096].decode("utf-16", errors="ignore").lower().encode()
    return head.startswith((b"<", b"mime-version")) and any(
        tag in head for tag in (b"<html", b"<table", b"<!doctype", b"<?xml", b"xmlns", b"mime-version")
    )


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileUnreadable(
        "无法识别 CSV 文件的文字编码。请用 Excel 或 WPS 打开后另存为 .xlsx（或 UTF-8 编码的 CSV）再上传。"
    )


def read_csv(data: bytes, name: str) -> list[RawSheet]:
    text = _decode_text(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return [RawSheet(name.rsplit(".", 1)[0] or "CSV", rows)]


def read_workbook(data: bytes) -> list[RawSheet]:
    try:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except calamine.PasswordError as exc:
        raise _encrypted() from exc
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, ValueError, OSError) as exc:
        raise FileUnreadable(
            "文件已损坏或不是有效的 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
        ) from exc
    sheets = []
    try:
        for meta in book.sheets_metadata:
            if meta.visible != calamine.SheetVisibleEnum.Visible or meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            grid = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or ())
            _fill_merged(grid, merged)
            sheets.append(RawSheet(meta.name, grid, merged))
    except calamine.PasswordError as exc:
        raise _encrypted() from exc
    except (calamine.CalamineError, ValueError) as exc:
        raise FileUnreadable(f"读取工作表时出错，文件可能已损坏：{exc}") from exc
    finally:
        book.close()
    return sheets


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


def read_file(data: bytes, name: str) -> list[RawSheet]:
    """All visible worksheets of an upload, judged by its content first and its name second."""
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
    if b"\x00" in data[:4096]:
        raise FileUnreadable("无法识别的文件格式。请上传 .xlsx、.xls 或 .csv 文件。")
    return read_csv(data, name)
