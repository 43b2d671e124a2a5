"""The gate before a spreadsheet library sees an upload: size limits, a look inside an xlsx without unpacking it,
macro parts taken out of the stored copy, and the check that names are plain names.

python-calamine sizes its grid from what a sheet declares: a 5.7 KB file with one cell at XFD1048576 asks for
512 GiB and the process aborts (a Rust allocation failure, not an exception). So the limits here are checked on the
zip's own records and on the start of each part, before calamine opens the file; the parse itself then runs in a
child process with a memory cap (analytics.sheets.reader), the wall for whatever this look cannot foresee."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.errors import FileUnreadable

MB = 1024 * 1024

# An upload: the largest real file seen is a 200,000-row points sheet of about 12 MB.
MAX_UPLOAD_BYTES = 50 * MB
MAX_CSV_BYTES = 50 * MB
MAX_XLS_BYTES = 30 * MB  # BIFF is capped by the format at 65,536 rows; a larger .xls is not a data sheet
# One sheet: rows, columns and cells (the grid is held as Python objects, about 60 bytes a filled cell).
MAX_ROWS = 300_000
MAX_COLUMNS = 200
MAX_CELLS = 6_000_000
# The zip: entries, bytes once unpacked (a member and all together) and how far one member may expand.
MAX_MEMBERS = 1_000
MAX_MEMBER_BYTES = 400 * MB
MAX_TOTAL_BYTES = 600 * MB
MAX_RATIO = 120  # a real sheet packs 5-30 times; a zip bomb 1,000 times and more
RATIO_FLOOR = 4 * MB  # small members may pack tighter (an empty styles part) and cannot hurt
# Text in one cell: a name, and any other cell.
MAX_NAME_CHARS = 50
MAX_TEXT_CHARS = 2_000

_HEAD = 64 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,4})?(\d+)?(?::([A-Z]{1,4})(\d+))?"')
_COUNT_ATTR = re.compile(rb'\b(?:count|uniqueCount)="(\d{1,20})"')

TOO_BIG = (
    "文件大小为 {size:.1f} MB，超过了上限 {limit} MB。请只保留需要导入的工作表和数据行"
    "（删除图片、多余的工作表），或拆分成几个文件分别上传。"
)
CORRUPT = "文件已损坏或不是有效的 Excel 文件，无法读取。请用 Excel 或 WPS 打开确认内容正常后，另存为 .xlsx 再上传。"
BOMB = (
    "文件内部的数据量异常（{size}），超出了可以安全读取的范围，已拒绝读取。"
    "如确为正常表格，请在 Excel/WPS 中删除多余内容后另存为新的 .xlsx 再上传。"
)


def mb(size: int) -> str:
    return f"{size / MB:,.0f} MB" if size >= MB else f"{size / 1024:,.0f} KB"


def column_number(letters: bytes | str) -> int:
    """A1-style column letters to a number: A → 1, XFD → 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_upload(data: bytes, name: str) -> None:
    """The size of the upload itself, by kind: refuse before anything is parsed."""
    size = len(data)
    if size > MAX_UPLOAD_BYTES:
        raise FileUnreadable(TOO_BIG.format(size=size / MB, limit=MAX_UPLOAD_BYTES // MB))


def check_csv_size(data: bytes) -> None:
    if len(data) > MAX_CSV_BYTES:
        raise FileUnreadable(TOO_BIG.format(size=len(data) / MB, limit=MAX_CSV_BYTES // MB))


def check_xls_size(data: bytes) -> None:
    if len(data) > MAX_XLS_BYTES:
        raise FileUnreadable(
            TOO_BIG.format(size=len(data) / MB, limit=MAX_XLS_BYTES // MB)
            + "旧版 .xls 最多 65,536 行，建议另存为 .xlsx。"
        )


def check_grid(sheet: str, rows: int, columns: int) -> None:
    """One sheet's extent, as declared or as found: refused past the limits with the sheet named."""
    where = f"工作表「{sheet}」"
    if rows > MAX_ROWS:
        raise FileUnreadable(
            f"{where}的数据区域有 {rows:,} 行（含空行），超过了上限 {MAX_ROWS:,} 行。"
            "请删除末尾的空行或拆分文件后再上传（可选中多余的行整行删除后保存）。"
        )
    if columns > MAX_COLUMNS:
        raise FileUnreadable(
            f"{where}的数据区域有 {columns:,} 列（含空列），超过了上限 {MAX_COLUMNS} 列。导入只需要模板中的十来列："
            "请删除多余的列（可选中多余的列整列删除后保存）再上传。"
        )
    if rows * columns > MAX_CELLS:
        raise FileUnreadable(
            f"{where}共 {rows:,} 行 × {columns:,} 列，单元格数量超过了上限 {MAX_CELLS:,} 个。"
            "请删除多余的行和列，或拆分成几个文件再上传。"
        )


@dataclass
class SheetExtent:
    """What one worksheet part declares about itself at its start."""

    part: str
    sheet: str
    rows: int = 0
    columns: int = 0


def _head(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The first bytes of a member, unpacked: enough for the <dimension> and the counts a part announces."""
    with book.open(info) as handle:
        return handle.read(_HEAD)


def _declared(head: bytes) -> tuple[int, int]:
    """(rows, columns) of a worksheet's <dimension ref="A1:H120">, or (0, 0) when it has none."""
    found = _DIMENSION.search(head)
    if not found:
        return 0, 0
    first_col, first_row, last_col, last_row = found.groups()
    col = last_col or first_col
    row = last_row or first_row
    return (int(row) if row else 0), (column_number(col) if col else 0)


def _check_counts(head: bytes) -> None:
    """A part that announces how many entries follow (shared strings, styles, merged cells) makes the parser
    reserve room for them up front: 4,000,000,000 declared strings abort it. No real file declares more entries
    than a sheet may have cells."""
    for number in _COUNT_ATTR.findall(head):
        if int(number) > MAX_CELLS:
            raise FileUnreadable(BOMB.format(size=f"声明了 {int(number):,} 个条目"))


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → the sheet's name as the clerk sees it (from workbook.xml and its relationships)."""
    try:
        workbook = book.read("xl/workbook.xml") if "xl/workbook.xml" in book.NameToInfo else b""
        rels = book.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in book.NameToInfo else b""
    except (zipfile.BadZipFile, OSError, ValueError):
        return {}
    targets = {
        rid.decode(): target.decode()
        for rid, target in re.findall(rb'<Relationship\s[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
    }
    targets.update(
        {
            rid.decode(): target.decode()
            for target, rid in re.findall(rb'<Relationship\s[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)
        }
    )
    names = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\s[^>]*>", workbook):
        name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]*)"|\bid="([^"]*)"', tag)
        if not name or not rid:
            continue
        target = targets.get((rid.group(1) or rid.group(2)).decode(), "")
        part = target.lstrip("/") if target.startswith("/") else "xl/" + target
        names[part] = _unescape(name.group(1).decode("utf-8", "replace"))
    return names


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def inspect_zip(data: bytes) -> list[SheetExtent]:
    """Check an xlsx/xlsm (any zip-based workbook) before it is parsed: entries, declared unpacked sizes,
    compression ratio, the counts each part announces and each worksheet's declared <dimension> — only the start
    of each part is unpacked. Raises FileUnreadable with a Chinese message; returns the worksheets' extents.

    A member that lies about its size, or a sheet without a <dimension> whose cells reach far, passes here and is
    stopped by the second wall: the parse runs in a child process with a memory cap (analytics.sheets.reader)."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise FileUnreadable(CORRUPT) from exc
    with book:
        infos = book.infolist()
        if len(infos) > MAX_MEMBERS:
            raise FileUnreadable(
                f"文件内部含有 {len(infos):,} 个部件，超过了上限 {MAX_MEMBERS:,} 个，不像是正常的表格文件，已拒绝读取。"
            )
        if any(info.flag_bits & 0x1 for info in infos):
            raise FileUnreadable(
                "文件设置了打开密码（已加密），无法读取。请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后另存再上传。"
            )
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            raise FileUnreadable(BOMB.format(size=f"解压后共 {mb(total)}"))
        for info in infos:
            if info.file_size > MAX_MEMBER_BYTES:
                raise FileUnreadable(BOMB.format(size=f"其中一个部件解压后为 {mb(info.file_size)}"))
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise FileUnreadable(BOMB.format(size=f"其中一个部件解压后为 {mb(info.file_size)}"))
        names = _sheet_names(book)
        extents = []
        try:
            for info in infos:
                if info.is_dir() or not info.filename.endswith((".xml", ".rels", ".vml")):
                    continue
                head = _head(book, info)
                _check_counts(head)
                if re.fullmatch(r"xl/worksheets/[^/]+\.xml", info.filename):
                    sheet = names.get(info.filename, info.filename.rsplit("/", 1)[-1])
                    rows, columns = _declared(head)
                    check_grid(sheet, rows, columns)
                    extents.append(SheetExtent(info.filename, sheet, rows, columns))
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise FileUnreadable(CORRUPT) from exc
    return extents


# Macros: the stored copy of an .xlsm keeps the data and loses the code ------------------------------------------

_MACRO_PART = re.compile(r"(^|/)(vbaProject|vbaProjectSignature|vbaData)[^/]*\.(bin|xml)$", re.IGNORECASE)


def has_macros(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return any(_MACRO_PART.search(info.filename) for info in book.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def without_macros(data: bytes) -> bytes:
    """The file as it is stored in the archive: an xlsm without its vbaProject part (and the references to it), so
    the copy a clerk downloads later carries the data and no code. Any other file is returned unchanged."""
    if not data.startswith(b"PK") or not has_macros(data):
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if _MACRO_PART.search(info.filename):
                continue
            content = source.read(info)
            if info.filename == "[Content_Types].xml" or info.filename.endswith(".rels"):
                content = re.sub(rb"<(Override|Default|Relationship)\s[^>]*?vba[^>]*?/>", b"", content, flags=re.I)
            target.writestr(info.filename, content)
    return out.getvalue()


# Names ---------------------------------------------------------------------------------------------------------------

# Columns that hold a name (a person, a section, an arena): the keys of analytics.sheets.kinds.
NAME_COLUMNS = ("name", "section", "owner", "arena", "contestant", "judge")
# Tasks may list several sections or owners, one a line.
LIST_COLUMNS = ("section", "owner")

_MARKUP = re.compile(r"<[^>]*>|<[a-zA-Z!/?]|!\[|\[[^\]]*\]\s*\(")
_FORMULA_LEAD = ("=", "+", "-", "@")
# C0 and C1 controls (line breaks are allowed only where a list may span lines), zero-width marks, and the bidi
# controls that make a name read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
_LINE = re.compile("[\t\r\n]")
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
    text = value.strip()
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


def cell_problems(frame: pd.DataFrame, kind: str | None = None) -> list[tuple[int, str, str, str]]:
    """(row position, column key, message, value as shown) for every cell of a sheet's frame that is not a plain
    name, or is text past the limits. Each distinct value is judged once, and a column whose values are all plain
    is passed with one search over them together, so 100,000 rows cost a few milliseconds."""
    found = []
    for key in frame.columns:
        if key.startswith("_") or frame[key].dtype != object:
            continue
        column = frame[key]
        texts = [v for v in pd.unique(column.to_numpy(dtype=object)) if isinstance(v, str)]
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
        for pos in np.flatnonzero(column.isin(list(verdicts)).to_numpy()):
            value = column.iat[pos]
            shown = visible(value.strip())
            found.append((int(pos), key, verdicts[value], shown if len(shown) <= 60 else shown[:57] + "…"))
    return found
