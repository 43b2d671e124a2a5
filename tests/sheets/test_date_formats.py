"""A date cell shown without its day (2022年6月, Jun-22) or without its year (12月30日, 30-Dec) is read as the clerk sees
it, as the same words typed as text are: a plan date shown to the month falls due on the month's last day, an event
date shown to the month is refused, a day shown without its year takes the year the sheet states. Full dates and
date-times are read as before, and a workbook without such formats is not searched for them."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from analytics.results import tasks
from analytics.sheets import reader, shown, xlsrecords
from analytics.sheets.ingest import Options, import_bytes
from tests.sheets.test_halves import cut_everything  # noqa: F401 - a fixture
from tests.sheets.test_xls_records import FILLER, SHEET_BOF, biff8, compound, record

TASK_HEADER = ["任务编号", "任务名称", "台账类别", "责任科室", "计划完成日期", "进度(%)", "当前环节", "更新日期"]
POINTS_HEADER = ["日期", "姓名", "考核内容", "分值", "事由"]


def workbook(name: str, rows: list[list], formats: dict[str, str], epoch=None) -> bytes:
    """One sheet of ``rows``; ``formats`` gives cells ("E2") their number format."""
    book = openpyxl.Workbook()
    if epoch is not None:
        book.epoch = epoch
    sheet = book.active
    sheet.title = name
    for row in rows:
        sheet.append(row)
    for cell, code in formats.items():
        sheet[cell].number_format = code
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def task_book(due_format: str, epoch=None) -> bytes:
    rows = [
        TASK_HEADER,
        [
            "ZB-01",
            "招商引资组织保障",
            "组织保障专项台账",
            "组织科",
            datetime(2022, 6, 1),
            80,
            "全程督查",
            datetime(2022, 6, 10),
        ],
        [
            "ZB-02",
            "疫情防控组织保障",
            "组织保障专项台账",
            "干部一科",
            "2022年6月",
            80,
            "全程督查",
            datetime(2022, 6, 10),
        ],
    ]
    return workbook("台账", rows, {"E2": due_format, "H2": "yyyy-mm-dd", "H3": "yyyy-mm-dd"}, epoch)


def imported(con, content: bytes, name: str, today: date):
    preview, batch = import_bytes(con, content, name, Options(today=today))
    assert batch is not None, [p.text() for p in preview.errors]
    return preview


@pytest.mark.parametrize(
    "code",
    ['yyyy"年"m"月"', "mmm-yy", "yyyy-mm", '[DBNum1][$-804]yyyy"年"m"月"', 'yyyy"年"mm"月";@'],
)
def test_a_plan_date_shown_to_the_month_falls_due_on_its_last_day(roster_con, code):
    imported(roster_con, task_book(code), "台账.xlsx", date(2022, 6, 12))
    due = roster_con.execute("select task_code, due_date from task_snapshot order by task_code").fetchall()
    # As the same month typed as text (ZB-02): the month's last day, not its first.
    assert due == [("ZB-01", date(2022, 6, 30)), ("ZB-02", date(2022, 6, 30))]
    lights = tasks.task_lights(roster_con.cursor(), date(2022, 6, 12)).set_index("task_code")["light"]
    assert lights["ZB-01"] == lights["ZB-02"] != "逾期"


def test_a_plan_date_shown_to_the_month_in_a_1904_workbook_is_read_so_too(roster_con):
    imported(roster_con, task_book('yyyy"年"m"月"', CALENDAR_MAC_1904), "台账.xlsx", date(2022, 6, 12))
    due = roster_con.execute("select due_date from task_snapshot where task_code = 'ZB-01'").fetchone()
    assert due == (date(2022, 6, 30),)


@pytest.mark.parametrize("code", ['yyyy"年"m"月"', "mmm-yy"])
def test_an_event_date_shown_to_the_month_is_refused_as_the_text_is(roster_con, code):
    rows = [
        POINTS_HEADER,
        [datetime(2022, 3, 1), "张三", "宣传推广", 2, "信息被采用"],
        ["2022年3月", "李四", "宣传推广", 2, "信息被采用"],
    ]
    preview, batch = import_bytes(roster_con, workbook("3月", rows, {"A2": code}), "3月.xlsx")
    assert batch is None
    said = {p.row: p.text() for p in preview.errors}
    assert set(said) == {2, 3}
    assert "2022年3月" in said[2] and "缺少日" in said[2]
    assert said[2].replace("第 2 行", "") == said[3].replace("第 3 行", "")


@pytest.mark.parametrize("code", ['m"月"d"日"', "d-mmm", "m/d", 'm"月"d"日" aaaa'])
def test_a_day_shown_without_its_year_takes_the_sheets_year(roster_con, code):
    # Typed 12月30日 on 2022-01-05 into a sheet of last December: Excel stores the year of its clock.
    rows = [
        ["2021年12月加减分补录"],
        POINTS_HEADER,
        [datetime(2022, 12, 30), "张三", "宣传推广", 2, "信息被区委简报采用"],
        ["12月31日", "李四", "宣传推广", 2, "信息被区委简报采用"],
    ]
    content = workbook("2021年12月补录", rows, {"A3": code})
    imported(roster_con, content, "2021年12月补录.xlsx", date(2022, 1, 5))
    days = roster_con.execute("select event_date from score_event order by event_date").fetchall()
    assert days == [(date(2021, 12, 30),), (date(2021, 12, 31),)]


@pytest.mark.parametrize(
    "code", ["yyyy-mm-dd", "yyyy/m/d h:mm", "mm-dd-yy", "m/d/yy h:mm", 'yyyy"年"m"月"d"日"', "General"]
)
def test_full_dates_and_date_times_are_read_as_before(roster_con, code):
    rows = [POINTS_HEADER, [datetime(2022, 3, 5, 9, 30), "张三", "宣传推广", 2, "信息被采用"]]
    content = workbook("3月", rows, {"A2": code})
    assert shown.styles(content) is None
    imported(roster_con, content, "3月.xlsx", date(2022, 3, 10))
    day = roster_con.execute("select event_date from score_event").fetchall()
    assert day == [(date(2022, 3, 5),)]


def test_text_in_a_month_formatted_column_is_left_as_it_is_and_a_number_is_read_as_shown():
    rows = [["日期", "分值"], ["2022年3月5日", 2], [datetime(2022, 3, 1), 3]]
    content = workbook("3月", rows, {"A2": 'yyyy"年"m"月"', "B2": "mmm-yy", "A3": 'yyyy"年"m"月"'})
    grid = reader.read_workbook_here(content)[0].grid
    # A number formatted as a month shows one (2 is 1900-01-02): it is read as shown too.
    assert grid[1:] == [["2022年3月5日", "1900年1月"], ["2022年3月", 3]]


def test_a_workbook_without_such_formats_is_not_searched(monkeypatch):
    rows = [POINTS_HEADER] + [[datetime(2022, 3, 1 + n % 28), "张三", "宣传推广", 2, "信息"] for n in range(2000)]
    content = workbook("3月", rows, {f"A{n}": "yyyy-mm-dd" for n in range(2, 2002)})

    def searched(self, xml):
        raise AssertionError("searched")

    monkeypatch.setattr(shown.Styles, "cells", searched)
    grid = reader.read_workbook_here(content)[0].grid
    assert grid[1][0] == date(2022, 3, 1) and len(grid) == 2001


# Legacy .xls (BIFF8): the same formats, read from the workbook's FORMAT and XF records -------------------------------


def xls_workbook(name: str, rows: list[list], formats: dict[tuple[int, int], str], date1904: bool = False) -> bytes:
    """One sheet of ``rows`` written by xlwt; ``formats`` gives cells ((row, column) from 0) their number format (a
    built-in one such as MMM-YY by its number, any other in a FORMAT record)."""
    book = xlwt.Workbook(encoding="utf-8")
    book.dates_1904 = date1904
    sheet = book.add_sheet(name)
    styles: dict[str, xlwt.XFStyle] = {}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            code = formats.get((r, c))
            if code is None and isinstance(value, (date, datetime)):
                code = "yyyy-mm-dd"
            if code is None:
                sheet.write(r, c, value)
            else:
                style = styles.setdefault(code, xlwt.easyxf(num_format_str=code))
                sheet.write(r, c, value, style)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_task_book(due_format: str, date1904: bool = False) -> bytes:
    rows = [TASK_HEADER]
    rows.append(["ZB-01", "招商引资组织保障", "组织保障专项台账", "组织科", datetime(2022, 6, 1), 80, "全程督查"])
    rows.append(["ZB-02", "疫情防控组织保障", "组织保障专项台账", "干部一科", "2022年6月", 80, "全程督查"])
    for row in rows[1:]:
        row.append(datetime(2022, 6, 10))
    return xls_workbook("台账", rows, {(1, 4): due_format}, date1904)


@pytest.mark.parametrize("code", ['yyyy"年"m"月"', "MMM-YY", "yyyy-mm", '[DBNum1][$-804]yyyy"年"m"月"'])
@pytest.mark.parametrize("date1904", [False, True], ids=["1900", "1904"])
def test_a_plan_date_of_an_xls_shown_to_the_month_falls_due_on_its_last_day(roster_con, code, date1904):
    imported(roster_con, xls_task_book(code, date1904), "台账.xls", date(2022, 6, 12))
    due = roster_con.execute("select task_code, due_date from task_snapshot order by task_code").fetchall()
    assert due == [("ZB-01", date(2022, 6, 30)), ("ZB-02", date(2022, 6, 30))]


def test_an_event_date_of_an_xls_shown_to_the_month_is_refused_and_one_without_its_year_takes_the_sheets(roster_con):
    rows = [POINTS_HEADER, [datetime(2022, 3, 1), "张三", "宣传推广", 2, "信息被采用"]]
    preview, batch = import_bytes(roster_con, xls_workbook("3月", rows, {(1, 0): 'yyyy"年"m"月"'}), "3月.xls")
    assert batch is None
    [problem] = preview.errors
    assert problem.row == 2 and "2022年3月" in problem.text() and "缺少日" in problem.text()
    rows = [["2021年12月加减分补录"], POINTS_HEADER, [datetime(2022, 12, 30), "张三", "宣传推广", 2, "信息"]]
    content = xls_workbook("2021年12月补录", rows, {(2, 0): 'm"月"d"日"'})
    imported(roster_con, content, "2021年12月补录.xls", date(2022, 1, 5))
    assert roster_con.execute("select event_date from score_event").fetchall() == [(date(2021, 12, 30),)]


@pytest.mark.parametrize("code", ["yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "M/D/YY", "General", "0.00"])
def test_full_dates_and_numbers_of_an_xls_are_read_as_before(code):
    rows = [["日期", "分值"], [datetime(2022, 3, 5), 2.5], [44625, 44625.5]]
    content = xls_workbook("3月", rows, {(1, 0): code, (2, 0): code, (2, 1): code})
    before = reader.read_workbook_here(content)[0].grid
    assert all(not isinstance(value, str) for row in before[1:] for value in row)


def test_an_xls_number_of_every_record_kind_is_read_as_its_format_shows():
    # Hand-built records: a FORMAT (164) for 年月, XF 0 of format 0, XF 1 of 164, XF 2 of the built-in 17 (mmm-yy).
    text = 'yyyy"年"m"月"'.encode("utf-16-le")
    formats = record(0x041E, struct.pack("<HHB", 164, len(text) // 2, 1) + text)
    xfs = b"".join(record(0x00E0, struct.pack("<HH", 0, number) + bytes(16)) for number in (0, 164, 17))
    serial = 44713  # 2022-06-01
    cells = [
        record(0x0203, struct.pack("<3Hd", 1, 0, 1, serial + 0.25)),  # NUMBER
        record(0x027E, struct.pack("<3HI", 2, 0, 1, serial << 2 | 2)),  # RK, an integer
        record(0x027E, struct.pack("<3HI", 3, 0, 2, (serial * 100) << 2 | 3)),  # RK, an integer in hundredths
        record(0x027E, struct.pack("<3H", 4, 0, 1) + struct.pack("<d", serial + 0.5)[4:]),  # RK, a float's top half
        record(
            0x00BD,
            struct.pack("<2H", 5, 1) + struct.pack("<HI", 0, 8) + struct.pack("<HI", 1, serial << 2 | 2) + b"\x02\x00",
        ),
        record(0x0006, struct.pack("<3Hd", 6, 0, 1, serial) + bytes(6) + b"\x03\x00\x1e\x01\x00"),  # FORMULA
        record(0x0203, struct.pack("<3Hd", 7, 0, 0, serial)),  # another format: left alone
        record(0x0203, struct.pack("<3Hd", 8, 0, 1, -1.0)),  # before Excel's first day: shown as ####
    ]
    sheet = SHEET_BOF + b"".join(cells) + FILLER + record(0x000A)
    stream = biff8(sheet, extra=formats + xfs)
    found = xlsrecords.read_records(compound(stream, "Workbook"), ["A"], {"A"})
    assert sorted(found.shown["A"]) == [
        (1, 0, "2022年6月"),
        (2, 0, "2022年6月"),
        (3, 0, "2022年6月"),
        (4, 0, "2022年6月"),
        (5, 2, "2022年6月"),
        (6, 0, "2022年6月"),
    ]
    # Dates from 1904 (DATEMODE): four years and a day later.
    stream = biff8(sheet, extra=formats + xfs + record(0x0022, b"\x01\x00"))
    found = xlsrecords.read_records(compound(stream, "Workbook"), ["A"], {"A"})
    assert (1, 0, "2026年6月") in found.shown["A"]


def test_hostile_format_and_xf_records_give_nothing_never_an_exception():
    sheet = SHEET_BOF + record(0x0203, struct.pack("<3Hd", 1, 0, 1, 44713)) + FILLER + record(0x000A)
    for formats in [
        record(0x041E, b"\xa4\x00\xff\xff\x01abc"),  # a length past its record
        record(0x041E, b"\xa4"),
        record(0x041E, struct.pack("<HHB", 164, 3, 0x0D) + b"m\x00"),  # rich-text fields it does not hold
        record(0x00E0, b"\x00"),
    ]:
        stream = biff8(sheet, extra=formats + record(0x00E0, struct.pack("<HH", 0, 164)))
        found = xlsrecords.read_records(compound(stream, "Workbook"), ["A"], {"A"})
        assert found.shown == {}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_bytes_changed_or_cut_in_an_xls_with_such_formats_give_no_exception(data):
    content = bytearray(xls_task_book('yyyy"年"m"月"'))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    content = content[: data.draw(st.integers(0, len(content)))]
    found = xlsrecords.read_records(bytes(content), ["台账"], {"台账"})
    assert all(text.endswith("月") for cells in found.shown.values() for _, _, text in cells)


@pytest.mark.parametrize("at", [3, 150, 298])
def test_a_cut_sheet_reads_its_shown_dates_as_the_whole_does(cut_everything, at):  # noqa: F811
    rows = [TASK_HEADER] + [
        [
            f"ZB-{n:03d}",
            "任务",
            "组织保障专项台账",
            "组织科",
            datetime(2022, 6, 10),
            80,
            "全程督查",
            datetime(2022, 6, 10),
        ]
        for n in range(300)
    ]
    content = workbook("台账", rows, {f"E{at}": 'yyyy"年"m"月"', f"E{at + 1}": 'm"月"d"日"'})
    sheet = reader.read_file(content, "台账.xlsx")[0]
    assert cut_everything == [True]
    assert sheet.grid[at - 1][4] == "2022年6月" and sheet.grid[at][4] == "6月10日"
    assert sheet.grid[at - 2][4] == sheet.grid[at + 1][4] == date(2022, 6, 10)
    assert sheet.grid == reader.read_workbook_here(content)[0].grid


# The format codes and the styles part ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, parts",
    [
        ('yyyy"年"m"月"', "ym"),
        ("mmm-yy", "ym"),
        ("yyyy\\-mm", "ym"),
        ('m"月"d"日"', "md"),
        ("d-mmm", "md"),
        ("mmmm", "m"),
        ('yyyy"年"', "y"),
        ("yyyy-mm-dd", "ymd"),
        ("[$-F800]dddd, mmmm dd, yyyy", "ymd"),
        ("yyyy/m/d h:mm:ss", "ymd"),
        ("h:mm", None),
        ("mm:ss", None),
        ("[h]:mm", None),
        ("h:mm AM/PM", None),
        ('上午/下午h"时"mm"分"', None),
        ("General", None),
        ("0.00E+00", None),
        ('"dm"0', None),
        ("dddd", None),
        ("@", None),
    ],
)
def test_the_parts_a_format_shows(code, parts):
    assert shown.shown_parts(code) == parts


def test_serials_in_both_date_systems():
    assert shown.serial_day(44713) == (2022, 6, 1)
    assert shown.serial_day(44713 - 1462, date1904=True) == (2022, 6, 1)
    assert shown.serial_day(59) == (1900, 2, 28)
    assert shown.serial_day(60) == (1900, 2, 29)  # Excel's day that never was
    assert shown.serial_day(61) == (1900, 3, 1)


def test_built_in_chinese_formats_are_known():
    content = workbook("3月", [["日期"], [datetime(2022, 6, 1)], [datetime(2022, 6, 1)]], {"A2": "mmm-yy"})
    # Excel's built-in 57 (yyyy"年"m"月") and 58 (m"月"d"日"), written by number only as Chinese Excel does.
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        styles = book.read("xl/styles.xml").decode()
    styles = styles.replace('numFmtId="17"', 'numFmtId="57"', 1)
    styles = re.sub(r'(<cellXfs count=")(\d+)(">)(.*?)(</cellXfs>)', _with_xf(58), styles, count=1, flags=re.S)
    content = _replaced(content, "xl/styles.xml", styles.encode())
    xf_58 = len(re.findall(r"<xf\b", styles.split("<cellXfs")[1])) - 1
    sheet = _replaced(content, "xl/worksheets/sheet1.xml", _styled(content, "A3", xf_58))
    found = shown.styles(sheet)
    assert found is not None and sorted(found.parts.values()) == ["md", "ym"]
    grid = reader.read_workbook_here(sheet)[0].grid
    assert grid[1:] == [["2022年6月"], ["6月1日"]]


def _with_xf(number: int):
    def add(found: re.Match[str]) -> str:
        return f'{found.group(1)}{int(found.group(2)) + 1}{found.group(3)}{found.group(4)}<xf numFmtId="{number}"/>{found.group(5)}'

    return add


def _styled(content: bytes, cell: str, xf: int) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    return re.sub(rf'(<c r="{cell}")( s="\d+")?', rf'\1 s="{xf}"', xml, count=1).encode()


def _replaced(content: bytes, part: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in book.infolist():
            new.writestr(info.filename, body if info.filename == part else book.read(info))
    return out.getvalue()


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A2" s="1"><v>44713</v></c>',
        '<c s="1" r="A2"><v>44713</v></c>',
        '<c r="A2" s="1" t="n"><f>DATE(2022,6,1)</f><v>44713</v></c>',
        "<c r='A2' s='1'><v>44713</v></c>",
        '<c r="A2" s="1" t="d"><v>2022-06-01T00:00:00</v></c>',
        '<c r="A2"\n  s="1"><v>44713.75</v></c>',
        '<c r="A2" s="1"><f t="shared" ref="A2:A3" si="0">DATE(2022,6,1)</f><v>44713</v></c>',
        '<c s="1"><v>44713</v></c>',
        '<x:c r="A2" s="1"><x:v>44713</x:v></x:c>',
    ],
)
def test_cells_written_in_any_way_the_format_allows_are_found(cell):
    styles = shown.Styles({1: "ym"}, False)
    xml = f'<worksheet><sheetData><row r="1" s="1"><c r="A1" s="1" t="s"><v>0</v></c></row><row r="2">{cell}</row></sheetData></worksheet>'
    assert styles.cells(xml.encode()) == [(1, 0, "2022年6月")]


def test_cells_without_their_reference_are_placed_after_the_one_before():
    styles = shown.Styles({1: "md"}, False)
    rows = "".join(f'<row><c><v>{n}</v></c><c s="1"><v>{44713 + n}</v></c></row>' for n in range(3))
    xml = f'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>{rows}</sheetData></worksheet>'
    assert sorted(styles.cells(xml.encode())) == [(1, 1, "6月1日"), (2, 1, "6月2日"), (3, 1, "6月3日")]
    # A reference before the first row or column is no place: nothing is put back there.
    assert styles.cells(
        b'<row r="1"><c r="A0" s="1"><v>44713</v></c><c r="A1" s="1" t="n" x="1"><v>1</v></c></row>'
    ) == [(0, 0, "1月1日")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.text(max_size=40))
def test_a_hostile_styles_part_or_format_never_raises(noise, code):
    shown.shown_parts(code)
    head = b'<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm"/></numFmts><cellXfs count="2"><xf numFmtId="164"/>'
    content = _replaced(workbook("3月", [["日期"]], {}), "xl/styles.xml", head + noise)
    found = shown.styles(content)
    assert found is None or all(isinstance(index, int) for index in found.parts)
    styles = shown.Styles({0: "ym", 1: "md"}, False)
    assert isinstance(styles.cells(b'<c r="A1" s="1">' + noise + b'<c s="0"' + noise), list)
