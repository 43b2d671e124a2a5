"""The bad-input corpus: files a clerk (or an attacker) might upload, each paired with the Chinese message it must
produce. `python scripts/make_bad_files.py` writes the small ones to tests/data/bad/; the large ones (a 51 MB
upload, 300,001 rows) are only built at test time, in a temporary folder. tests/sheets/test_bad_files.py runs every case
through the importer and through the CLI.

A case is refused unless it says `imports=True`: then it is a hostile-looking file whose data is fine (an .xlsm with
macros, a file with an odd name) and must import without harm."""

from __future__ import annotations

import csv
import io
import struct
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "bad"

# The roster the corpus is checked against (the importer needs people to resolve names).
ROSTER = [["姓名", "科室", "工号"], ["张三", "组织科", "A01"], ["李四", "组织科", "A02"], ["王五", "干部一科", "B01"]]
NEW_ROSTER = [*ROSTER, ["赵六", "干部二科", "C01"]]  # one person more: a file that imports
POINTS = ["日期", "姓名", "科室", "考核内容", "分值", "事由"]
ARENA = ["日期", "擂台", "主题", "选手", "评委", "得分"]
TASKS = ["任务编号", "任务名称", "台账类别", "责任科室", "责任人", "计划完成日期", "进度(%)", "当前环节", "更新日期"]


@dataclass
class Case:
    name: str  # the file name on disk (and, unless upload_name is set, as uploaded)
    build: Callable[[], bytes]
    expect: str  # a fragment of the Chinese message the clerk must see
    large: bool = False  # built at test time only, never committed
    imports: bool = False  # the data is fine: the file imports, harmlessly
    upload_name: str | None = None  # the name the browser sends, when it cannot be a file name on disk


# Builders ------------------------------------------------------------------------------------------------------------


def xlsx(rows: list[list], sheet: str = "Sheet1", as_text: bool = True) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if as_text and isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # the attack is the text a clerk typed, stored as text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """The same zip with members changed (None drops one) and members added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in (extra or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def points(rows: list[list]) -> bytes:
    return xlsx([POINTS, *rows], "加减分")


def one_point(name: str = "张三", section: str = "组织科", reason: str = "按时报送材料") -> list:
    return ["2022-03-05", name, section, "督查落实", 2, reason]


def sheet_xml(dimension: str | None, cells: str) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def with_sheet(xml: bytes) -> bytes:
    """A real workbook whose first worksheet is replaced by the given XML."""
    base = xlsx([["姓名", "科室"], ["张三", "组织科"]])
    return rezip(base, lambda name, content: xml if name == "xl/worksheets/sheet1.xml" else content)


def far_cell(dimension: str | None) -> bytes:
    cells = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    return with_sheet(sheet_xml(dimension, cells))


def zip_bomb() -> bytes:
    """A 64 MB worksheet of one repeated row, packed about 1,000 times."""
    row = b'<row><c t="inlineStr"><is><t>0</t></is></c></row>'
    xml = sheet_xml(None, "").replace(b"<sheetData></sheetData>", b"<sheetData>" + row * (64 * 2**20 // len(row)))
    return rezip(
        xlsx([["姓名"]]),
        lambda name, content: xml + b"</sheetData></worksheet>" if name == "xl/worksheets/sheet1.xml" else content,
    )


def total_bomb() -> bytes:
    """Two small members whose directory entries claim 350 MB each once unpacked: 700 MB in all."""
    data = bytearray(
        rezip(xlsx([["姓名"]]), lambda name, content: content, {"xl/media/a.xml": b"<a/>", "xl/media/b.xml": b"<b/>"})
    )
    for member in (b"xl/media/a.xml", b"xl/media/b.xml"):
        at = data.find(b"PK\x01\x02")
        while at >= 0:
            (length,) = struct.unpack_from("<H", data, at + 28)
            if bytes(data[at + 46 : at + 46 + length]) == member:
                struct.pack_into("<I", data, at + 24, 350 * 2**20)
                break
            at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def shared_strings_bomb() -> bytes:
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="4000000000" uniqueCount="4000000000"><si><t>a</t></si></sst>'
    )
    return rezip(xlsx([["姓名"]]), lambda name, content: content, {"xl/sharedStrings.xml": sst})


def many_members() -> bytes:
    return rezip(
        xlsx([["姓名"]]), lambda name, content: content, {f"customXml/item{n}.xml": b"<a/>" for n in range(1001)}
    )


def zip_flagged_encrypted() -> bytes:
    data = bytearray(xlsx(ROSTER))
    # Set the "encrypted" bit in every local and central header, as a zip made with a password carries it.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(sig, start)) >= 0:
            (flags,) = struct.unpack_from("<H", data, at + offset)
            struct.pack_into("<H", data, at + offset, flags | 1)
            start = at + 4
    return bytes(data)


def ole(payload: bytes) -> bytes:
    """An OLE2 compound file header followed by the payload: what .xls and password-protected .xlsx start with."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + payload


def damaged_crc() -> bytes:
    data = bytearray(xlsx(ROSTER))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    return bytes(data)


def with_macros() -> bytes:
    """A roster saved as .xlsm with a VBA project part (its content is never run, only dropped)."""
    vba = b"\xd0\xcf\x11\xe0" + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nShell "calc.exe"\nEnd Sub\n'

    def change(name: str, content: bytes) -> bytes:
        if name == "[Content_Types].xml":
            content = content.replace(b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml").replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            content = content.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject"'
                b' Target="vbaProject.bin"/></Relationships>',
            )
        return content

    return rezip(xlsx(NEW_ROSTER, "名单"), change, {"xl/vbaProject.bin": vba})


def long_cells() -> bytes:
    return points([one_point(reason="很长的事由" * 2000)])


def tasks(section: str = "组织科", owner: str = "张三") -> bytes:
    return xlsx([TASKS, ["RW-01", "材料报送", "重点任务", section, owner, "2022-06-30", 50, "推进中", "2022-03-01"]])


def arena(name: str = "业务擂台", judge: str = "李四") -> bytes:
    return xlsx([ARENA, ["2022-03-05", name, "政策解读", "张三", judge, 90]], "擂台")


# The corpus ----------------------------------------------------------------------------------------------------------

CORRUPT = "文件已损坏或不是有效的 Excel 文件"
UNSAFE = "超出了可以安全读取的范围"
NAME_CONTROL = "含有控制字符或不可见的方向字符"
NAME_MARKUP = "含有网页标记或链接写法"
NAME_FORMULA = "会被表格软件当作公式"
NO_SHEET = "没有找到可识别的工作表"

CASES = [
    # Wrong kind of file
    Case("png_renamed.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64), CORRUPT),
    Case(
        "pdf_renamed.csv",
        lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02endstream",
        "无法识别的文件格式",
    ),
    Case("txt_renamed.xlsx", lambda: "这是一份会议记录，不是表格。\n第二行。\n".encode(), CORRUPT),
    Case(
        "docx_renamed.xlsx",
        lambda: rezip(xlsx([["a"]]), lambda n, c: None if n.startswith("xl/") else c, {"word/document.xml": b"<w/>"}),
        CORRUPT,
    ),
    Case("fake_ole.xls", lambda: ole(b"\x00garbage" * 64), CORRUPT),
    Case("nul_bytes.csv", lambda: "姓名,科室\n张三,组织科\n".encode() + b"\x00" * 16, "无法识别的文件格式"),
    # Empty, headers only, too wide, too long
    Case("empty.xlsx", lambda: b"", "文件是空的"),
    Case("empty.csv", lambda: b"", "文件是空的"),
    Case("blank_lines.csv", lambda: b" \r\n\r\n\t\r\n", "文件是空的"),
    Case("no_cells.xlsx", lambda: xlsx([]), NO_SHEET),
    Case("headers_only.xlsx", lambda: points([]), "没有可导入的数据行"),
    Case("headers_only.csv", lambda: csv_bytes([POINTS]), "没有可导入的数据行"),
    Case("columns_500.xlsx", lambda: xlsx([[f"列{n}" for n in range(500)], ["x"] * 500]), "超过了上限 200 列"),
    Case("columns_300.csv", lambda: csv_bytes([[f"列{n}" for n in range(300)]]), "超过了上限 200 列"),
    Case("rows_300001.csv", lambda: ("姓名\n" + "张三\n" * 300_001).encode(), "超过了上限 300,000 行", large=True),
    Case("upload_51mb.xlsx", lambda: b"PK\x03\x04" + bytes(51 * 2**20), "超过了上限 50 MB", large=True),
    # Dimension and zip bombs
    Case("dimension_bomb.xlsx", lambda: far_cell("A1:XFD1048576"), "超过了上限 300,000 行"),
    Case(
        "dimension_columns.xlsx",
        lambda: with_sheet(sheet_xml("A1:XFD2", '<row r="1"><c r="A1"/></row>')),
        "超过了上限 200 列",
    ),
    Case("far_cell_no_dimension.xlsx", lambda: far_cell(None), UNSAFE),
    Case("zip_bomb.xlsx", zip_bomb, UNSAFE),
    Case("zip_bomb_total.xlsx", total_bomb, UNSAFE),
    Case("shared_strings_bomb.xlsx", shared_strings_bomb, UNSAFE),
    Case("members_1001.xlsx", many_members, "个部件，超过了上限"),
    # Long text, control and direction characters, markup and formulas in names
    Case("cell_10000_chars.xlsx", long_cells, "超过了单元格上限"),
    Case("name_10000_chars.csv", lambda: csv_bytes([POINTS, one_point(name="张" * 10_000)]), "超过了名称上限"),
    Case("control_char_name.csv", lambda: csv_bytes([POINTS, one_point(name="张\x07三")]), NAME_CONTROL),
    Case("control_char_reason.csv", lambda: csv_bytes([POINTS, one_point(reason="按时\x1b[31m报送")]), NAME_CONTROL),
    Case("bidi_name.xlsx", lambda: points([one_point(name="\u202e三张")]), NAME_CONTROL),
    Case("zero_width_section.xlsx", lambda: points([one_point(section="组织\u200b科")]), NAME_CONTROL),
    Case("markup_name.xlsx", lambda: points([one_point(name="<img src=x onerror=alert(1)>")]), NAME_MARKUP),
    Case("markdown_image_name.xlsx", lambda: points([one_point(name="![t](http://198.51.100.7/x.png)")]), NAME_MARKUP),
    Case(
        "markdown_link_section.xlsx", lambda: points([one_point(section="[组织科](http://198.51.100.7)")]), NAME_MARKUP
    ),
    Case(
        "formula_name.xlsx", lambda: points([one_point(name='=HYPERLINK("http://198.51.100.7","张三")')]), NAME_FORMULA
    ),
    Case("plus_name.csv", lambda: csv_bytes([POINTS, one_point(name="+张三")]), NAME_FORMULA),
    Case(
        "roster_markup_section.xlsx",
        lambda: xlsx([*ROSTER, ["赵六", "<a href=http://x>组织科</a>", "C01"]]),
        NAME_MARKUP,
    ),
    Case("roster_formula_name.xlsx", lambda: xlsx([*ROSTER, ["@SUM(1)", "组织科", "C02"]]), NAME_FORMULA),
    Case("arena_markup.xlsx", lambda: arena(name="<b>业务擂台</b>"), NAME_MARKUP),
    Case("arena_judge_minus.xlsx", lambda: arena(judge="-李四"), NAME_FORMULA),
    Case("task_section_formula.xlsx", lambda: tasks(section="=组织科"), NAME_FORMULA),
    Case("task_owner_bidi.xlsx", lambda: tasks(owner="张三\u2066李四"), NAME_CONTROL),
    # Encodings
    Case("shift_jis.csv", lambda: csv_bytes([["氏名", "部署"], ["山田太郎", "総務課"]], "shift_jis"), NO_SHEET),
    # Big5 bytes read as GBK give no known header: the file is refused, never half-read.
    Case(
        "big5.csv",
        lambda: csv_bytes(
            [
                ["日期", "姓名", "科室", "考核內容", "分值", "事由"],
                ["2022-03-05", "陳大文", "組織科", "督查落實", 2, "按時報送"],
            ],
            "big5",
        ),
        NO_SHEET,
    ),
    Case("utf16.csv", lambda: csv_bytes([POINTS, one_point(name="钱八")], "utf-16", "\t"), "不在人员名单中"),
    # Web pages saved as .xls
    Case(
        "html_as.xls",
        lambda: "<html><body><table><tr><td>姓名</td></tr></table></body></html>".encode(),
        "网页（HTML）",
    ),
    Case(
        "html_utf16_as.xls",
        lambda: "<html><table><tr><td>姓名</td></tr></table></html>".encode("utf-16"),
        "网页（HTML）",
    ),
    Case(
        "mhtml_as.xls",
        lambda: b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n\r\n<html></html>",
        "网页（HTML）",
    ),
    # Locked, damaged
    Case("password.xlsx", lambda: ole("EncryptedPackage".encode("utf-16-le") + bytes(64)), "设置了打开密码"),
    Case("zip_password.xlsx", zip_flagged_encrypted, "设置了打开密码"),
    Case("truncated.xlsx", lambda: xlsx(ROSTER)[:1500], CORRUPT),
    Case("damaged_crc.xlsx", damaged_crc, "损坏"),
    # Hostile-looking files whose data is fine
    Case("macros.xlsm", with_macros, "人员名单", imports=True),
    Case("dotdot.xlsx", lambda: xlsx(NEW_ROSTER), "人员名单", imports=True, upload_name="../../etc/名单.xlsx"),
    Case(
        # On disk a name odd enough (spaces, quote, semicolon); the worst is only what the browser sends.
        "odd name ; 'x' 名单 (1).xlsx",
        lambda: xlsx(NEW_ROSTER),
        "人员名单",
        imports=True,
        upload_name="..\\..\\odd name ; $(rm -rf ~) 'x' \u202e名单\x07.xlsx",
    ),
]


def write(folder: Path, include_large: bool = False) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for case in CASES:
        if case.large and not include_large:
            continue
        path = folder / case.name
        path.write_bytes(case.build())
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    files = write(target, include_large="--all" in sys.argv)
    print(f"{len(files)} 个文件已写入 {target}")
