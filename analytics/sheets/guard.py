"""The gate before a spreadsheet library sees an upload: size limits, a look inside an xlsx without unpacking it,
macro parts taken out of the stored copy, and the name an upload is recorded under. Kept light (no pandas): the
child process that parses workbooks imports it.

python-calamine sizes its grid from what a sheet declares: a 5.7 KB file with one cell at XFD1048576 asks for
512 GiB and the process aborts (a Rust allocation failure, not an exception). So the limits here are checked on the
zip's own records and on the start of each part, before calamine opens the file; the parse itself then runs in a
child process with a memory cap (analytics.sheets.reader), the wall for whatever this look cannot foresee."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

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

_HEAD = 64 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,4})?(\d+)?(?::([A-Z]{1,4})(\d+))?"')
# C0 and C1 controls, zero-width marks and the bidi controls that make text read differently from what it holds.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
LINE = re.compile("[\t\r\n]")
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
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            zlib.error,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ) as exc:
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


# File names ----------------------------------------------------------------------------------------------------------

MAX_FILE_NAME = 120


def safe_file_name(name: str) -> str:
    """The name an upload is shown and recorded under: its last part only (no ../ or C:\\ path of either
    kind), without control or direction characters, and not longer than MAX_FILE_NAME characters."""
    last = re.split(r"[\\/]", str(name or ""))[-1]
    last = CONTROL.sub("", LINE.sub(" ", last)).strip().lstrip(".")
    if len(last) > MAX_FILE_NAME:
        stem, dot, ext = last.rpartition(".")
        last = (
            (stem[: MAX_FILE_NAME - len(ext) - 2] + "…" + dot + ext) if dot and len(ext) <= 5 else last[:MAX_FILE_NAME]
        )
    return last or "未命名文件"
