"""Error values in legacy .xls workbooks (BOOLERR and FORMULA records): refused like those of an .xlsx, never read as
blank; and the record and container reading behind it, which meets hostile bytes."""

from __future__ import annotations

import io
import math
import re
import struct

import pytest
import xlwt
from conftest import xlsx_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reading import ERRORS, VETO

from analytics.errors import FileUnreadable
from analytics.sheets import xlsrecords
from analytics.sheets.ingest import import_bytes
from analytics.sheets.reader import read_file

CODES = {text: code for code, text in xlsrecords.ERROR_CODES.items()}
LOOKUP = xlwt.Formula("VLOOKUP(B2,Z1:AA9,2,0)")


def xls_with_errors(
    sheets: dict[str, list[list]], hidden: tuple[str, ...] = (), hidden_rows: tuple[int, ...] = ()
) -> bytes:
    """An .xls written by xlwt, the Excel rows ``hidden_rows`` hidden in each sheet, where a cell given as ("typed", "#N/A") holds that error value (a BOOLERR record) and
    ("formula", "#N/A") a lookup formula whose saved result is that error. xlwt writes neither (an error value only
    up to #N/A, a formula with an empty text result): each is written as TRUE or as a formula, then its record's
    bytes are changed in the file, where xlwt leaves the workbook stream as written."""
    book = xlwt.Workbook(encoding="utf-8")
    places: dict[tuple[str, int, int], list[int]] = {}  # the codes of one place, a sheet after another
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        sheet.visibility = 1 if name in hidden else 0
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple):
                    kind, text = value
                    sheet.write(r, c, True if kind == "typed" else LOOKUP)
                    places.setdefault((kind, r, c), []).append(CODES[text])
                else:
                    sheet.write(r, c, value)
        for row in hidden_rows:
            sheet.row(row - 1).hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    for (kind, r, c), codes in places.items():
        cell = re.escape(struct.pack("<HH", r, c))
        if kind == "typed":
            pattern, values = b"(\x05\x02\x08\x00" + cell + b"..)\x01\x00", [bytes([code, 1]) for code in codes]
        else:
            pattern, values = b"(\x06\x00.." + cell + b"..)\x03\x00\x00", [bytes([2, 0, code]) for code in codes]
        found = [m.end(1) for m in re.finditer(pattern, content, re.S)]
        assert len(found) == len(values), (kind, r, c)
        for at, value in zip(found, values):
            content = content[:at] + value + content[at + len(value) :]
    return content


def refused(con, content: bytes):
    preview, batch = import_bytes(con, content, "错误值.xls")
    assert batch is None
    assert con.execute("select count(*) from score_event").fetchone() == (0,)
    return preview.errors


def veto_sheet(cell: str, value) -> list[list]:
    rows = [list(row) for row in VETO]
    rows[1][{"D": 3, "F": 5}[cell]] = value
    return rows


@pytest.mark.parametrize("error", ERRORS)
def test_an_error_value_in_a_required_column_of_an_xls_is_named_not_called_blank(roster_con, error):
    [problem] = refused(roster_con, xls_with_errors({"Sheet1": veto_sheet("D", ("typed", error))}))
    assert (problem.row, problem.column, problem.value) == (2, "分值", error)
    assert error in problem.text() and "不能为空" not in problem.text()


@pytest.mark.parametrize("kind", ["typed", "formula"])
def test_an_error_value_in_the_veto_column_of_an_xls_is_not_read_as_no_veto(roster_con, kind):
    [problem] = refused(roster_con, xls_with_errors({"Sheet1": veto_sheet("F", (kind, "#N/A"))}))
    assert (problem.row, problem.column, problem.value) == (2, "一票否决", "#N/A")
    assert "公式出错" in problem.text()


def test_a_formula_of_an_xls_whose_saved_result_is_an_error_is_refused(roster_con):
    [problem] = refused(roster_con, xls_with_errors({"Sheet1": veto_sheet("D", ("formula", "#REF!"))}))
    assert (problem.row, problem.column, problem.value) == (2, "分值", "#REF!")
    assert "不能为空" not in problem.text()


def test_an_xls_error_value_in_a_column_not_read_is_no_problem_and_other_cells_read_as_before(roster_con):
    # Beside the error a TRUE, a BOOLERR record that is no error value; the veto left blank.
    rows = [[*VETO[0], "核对", "备注"], [*VETO[1], ("formula", "#DIV/0!"), True]]
    rows[1][5] = ""
    content = xls_with_errors({"三月": rows})
    [sheet] = read_file(content, "可导入.xls")
    assert sheet.grid[1][6:] == ["#DIV/0!", True]
    preview, batch = import_bytes(roster_con, content, "可导入.xls")
    assert batch is not None, [p.text() for p in preview.errors]
    assert roster_con.execute("select points, veto_flag, reason from score_event").fetchall() == [
        (-5.0, None, "违反工作纪律")
    ]


def test_a_hidden_sheet_before_a_sheet_named_in_chinese_keeps_its_errors_to_itself(roster_con):
    # The hidden sheet's errors lie where the visible one holds good cells: none of them may land there.
    hidden = [VETO[0], ["2022-03-05", "张三", "纪律作风", ("typed", "#REF!"), ("typed", "#N/A"), "否"]]
    shown = [*VETO, ["2022-03-06", "李四", "纪律作风", -1, "迟到", ("formula", "#N/A")]]
    content = xls_with_errors({"填写说明": hidden, "三月考核（纪律作风）": shown}, hidden=("填写说明",))
    [problem] = refused(roster_con, content)
    assert (problem.row, problem.column, problem.value) == (3, "一票否决", "#N/A")
    assert problem.sheet == "三月考核（纪律作风）"


# A BIFF5 workbook ("Book" stream) built by hand: xlwt writes BIFF8 only --------------------------------------------

FREE, END, FAT_SECTOR, DIFAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF


def record(kind: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def biff5(sheets: list[tuple[str, int, list[list]]], codepage: int = 936) -> bytes:
    """A BIFF5 workbook stream: (name, visibility, rows) a sheet, text in the code page (936 = GBK), numbers, and
    ("typed", "#REF!") for an error value."""
    bodies = []
    for _name, _visibility, rows in sheets:
        body = record(0x0809, struct.pack("<4H", 0x0500, 0x0010, 0, 0))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, tuple):
                    body += record(0x0205, struct.pack("<3H2B", r, c, 15, CODES[value[1]], 1))
                elif isinstance(value, str):
                    text = value.encode("gbk")
                    body += record(0x0204, struct.pack("<4H", r, c, 15, len(text)) + text)
                else:
                    body += record(0x0203, struct.pack("<3Hd", r, c, 15, value))
        bodies.append(body + record(0x000A))

    def globals_part(offsets: list[int]) -> bytes:
        part = record(0x0809, struct.pack("<4H", 0x0500, 0x0005, 0, 0)) + record(0x0042, struct.pack("<H", codepage))
        for (name, visibility, _rows), offset in zip(sheets, offsets):
            raw = name.encode("gbk")
            part += record(0x0085, struct.pack("<I3B", offset, visibility, 0, len(raw)) + raw)
        return part + record(0x000A)

    offsets, at = [], len(globals_part([0] * len(sheets)))
    for body in bodies:
        offsets.append(at)
        at += len(body)
    return globals_part(offsets) + b"".join(bodies)


def compound(stream: bytes, name: str = "Book", mini: bool = False) -> bytes:
    """A version 3 compound file (512-byte sectors) holding one stream: in regular sectors, padded to the 4096 bytes
    below which a stream belongs in the mini stream, or (``mini``) unpadded in the mini stream. Sectors: the
    stream's (or the mini FAT's and mini stream's), the directory's, the FAT's, then the DIFAT's when the FAT needs
    more sectors than the header lists (109)."""
    if mini:
        assert len(stream) < 4096
        mini_stream = stream.ljust(-(-len(stream) // 64) * 64, b"\x00")
        mini_fat = [*range(1, len(mini_stream) // 64), END]
        mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat).ljust(512, b"\xff")
        body = mini_fat_bytes + mini_stream.ljust(-(-len(mini_stream) // 512) * 512, b"\x00")
        chains = [(0, 1), (1, len(body) // 512 - 1)]  # (first sector, sectors): the mini FAT, the mini stream
        entries = [("Root Entry", 5, 1, len(mini_stream)), (name, 2, 0, len(stream))]
    else:
        body = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\x00")
        chains = [(0, len(body) // 512)]
        entries = [("Root Entry", 5, END, 0), (name, 2, 0, max(len(stream), 4096))]
    directory_at = len(body) // 512
    chains.append((directory_at, 1))
    used = directory_at + 1
    fat_count = difat_count = 0
    while (used + fat_count + difat_count) > fat_count * 128 or max(0, fat_count - 109) > difat_count * 127:
        fat_count += 1
        difat_count = -(-max(0, fat_count - 109) // 127)
    fat = [FREE] * (fat_count * 128)
    for first, length in chains:
        for sector in range(first, first + length):
            fat[sector] = sector + 1 if sector < first + length - 1 else END
    fat_sectors = list(range(used, used + fat_count))
    difat_sectors = list(range(used + fat_count, used + fat_count + difat_count))
    for sector in fat_sectors:
        fat[sector] = FAT_SECTOR
    for sector in difat_sectors:
        fat[sector] = DIFAT_SECTOR

    def entry(text: str, kind: int, start: int, size: int) -> bytes:
        raw = text.encode("utf-16-le") + b"\x00\x00"
        child = 1 if kind == 5 else NONE
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB3I", len(raw), kind, 1, NONE, NONE, child)
            + bytes(36)
            + struct.pack("<3I", start, size, 0)
        )

    directory = b"".join(entry(*e) for e in entries).ljust(512, b"\x00")
    listed = fat_sectors[:109] + [FREE] * (109 - min(109, fat_count))
    difat = b""
    rest = fat_sectors[109:]
    for n in range(difat_count):
        chunk = rest[n * 127 : (n + 1) * 127]
        following = difat_sectors[n + 1] if n + 1 < len(difat_sectors) else END
        difat += struct.pack("<128I", *chunk, *[FREE] * (127 - len(chunk)), following)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<9I", 0, fat_count, directory_at, 0, 4096, 0 if mini else END, int(mini), 0, 0)
        + struct.pack("<109I", *listed)
    )
    header = header[:68] + struct.pack("<II", difat_sectors[0] if difat_sectors else END, difat_count) + header[76:]
    return header + body + directory + struct.pack(f"<{len(fat)}I", *fat) + difat


@pytest.mark.parametrize("mini", [False, True], ids=["regular sectors", "mini stream"])
def test_a_biff5_workbook_with_a_gbk_sheet_name_gets_its_error_cells_in_the_right_sheet(mini):
    # The parser decodes a BIFF5 file's GBK names (and texts) wrongly; its sheets are matched by their place.
    rows = [["姓名", "分值"], ["张三", ("typed", "#REF!")], ["李四", 2.0]]
    content = compound(biff5([("说明", 1, [["甲", ("typed", "#N/A")]]), ("三月考核", 0, rows)]), mini=mini)
    [sheet] = read_file(content, "旧版.xls")
    assert [row[1] for row in sheet.grid[1:]] == ["#REF!", 2.0]
    assert sheet.grid[0][1] != "#N/A"


# Hostile bytes ---------------------------------------------------------------------------------------------------------

ONE_ERROR = [["姓名", "分值"], ["张三", ("typed", "#N/A")]]


def test_the_workbook_stream_is_read_as_another_reader_reads_it():
    olefile = pytest.importorskip("olefile")
    # A stream long enough for the FAT to outgrow the header's list (109 sectors, about 7 MB) into a DIFAT sector.
    filler = record(0x0001, bytes(8000)) * 900
    for content, name in [
        (xls_with_errors({"三月": ONE_ERROR}), "Workbook"),
        (compound(biff5([("三月", 0, ONE_ERROR)]), mini=True), "Book"),
        (compound(biff5([("三月", 0, ONE_ERROR)]) + filler), "Book"),
    ]:
        expected = olefile.OleFileIO(io.BytesIO(content)).openstream(name).read()
        assert xlsrecords.workbook_stream(content) == expected


def test_an_xls_cut_short_anywhere_gives_only_true_error_cells_or_a_message_never_a_traceback():
    content = xls_with_errors({"三月": ONE_ERROR, "四月": ONE_ERROR})
    stream = xlsrecords.workbook_stream(content) or b""
    names = ["三月", "四月"]
    files = [content[:end] for end in range(0, len(content), 61)]
    files += [compound(stream[:end], "Workbook") for end in range(0, len(stream.rstrip(b"\x00")) + 1, 3)]
    for cut in files:
        found = xlsrecords.read_records(cut, names, set(names)).cells
        assert all(cells == [(1, 1, "#N/A")] for cells in found.values())
    # With a hidden row: only that row, or none.
    content = xls_with_errors({"三月": ONE_ERROR, "四月": ONE_ERROR}, hidden_rows=(2,))
    stream = xlsrecords.workbook_stream(content) or b""
    files = [content[:end] for end in range(0, len(content), 61)]
    files += [compound(stream[:end], "Workbook") for end in range(0, len(stream.rstrip(b"\x00")) + 1, 3)]
    for cut in files:
        assert all(rows == [2] for rows in xlsrecords.read_records(cut, names, set(names)).hidden.values())
    # The parser itself panics on some of these, which the parsing child is there for: whatever it does, a message.
    for end in (700, 2000, 4000, len(content) - 100):
        with pytest.raises(FileUnreadable):
            read_file(content[:end], "三月.xls")


GLOBALS_BOF = record(0x0809, struct.pack("<4H", 0x0600, 0x0005, 0, 0))
SHEET_BOF = record(0x0809, struct.pack("<4H", 0x0600, 0x0010, 0, 0))
NA_AT_B2 = record(0x0205, struct.pack("<3H2B", 1, 1, 15, 0x2A, 1))
FILLER = record(0x0001, bytes(5000))  # a stream of 4096 bytes or more keeps its own size in the compound file


def biff8(sheet: bytes, sheets: int = 1, at: int | None = None, extra: bytes = b"") -> bytes:
    """A BIFF8 stream whose ``sheets`` sheets (A, B, …) all start at ``at`` (by default: the records ``sheet``)."""
    names = [record(0x0085, struct.pack("<I4B", 0, 0, 0, 1, 0) + bytes([65 + n % 26])) for n in range(sheets)]
    start = len(GLOBALS_BOF + extra + b"".join(names) + record(0x000A)) if at is None else at
    names = [struct.pack("<HHI", 0x0085, len(name) - 4, start) + name[8:] for name in names]
    return GLOBALS_BOF + extra + b"".join(names) + record(0x000A) + sheet


def found_in(stream: bytes, sheets: int = 1) -> dict:
    names = [chr(65 + n % 26) for n in range(sheets)]
    return xlsrecords.read_records(compound(stream, "Workbook"), names, set(names)).cells


def test_records_that_do_not_read_as_the_parser_read_them_give_no_error_cells():
    sheet = SHEET_BOF + NA_AT_B2 + FILLER + record(0x000A)
    assert found_in(biff8(sheet)) == {"A": [(1, 1, "#N/A")]}
    assert found_in(biff8(sheet, sheets=2), sheets=2) == {"A": [(1, 1, "#N/A")], "B": [(1, 1, "#N/A")]}
    # The parser listed another number of sheets than the workbook's records.
    assert found_in(biff8(sheet, sheets=2), sheets=1) == {}
    # A record whose length runs past the end of the stream, in a sheet and in the globals.
    assert found_in(biff8(SHEET_BOF + NA_AT_B2 + FILLER + struct.pack("<HH", 0x0006, 300) + bytes(20))) == {}
    assert found_in(biff8(sheet, extra=struct.pack("<HH", 0x00FC, 60000))) == {}
    # A sheet starting past the end of the stream, a stream not starting with a BIFF5/8 BOF, an encrypted one.
    assert found_in(biff8(sheet, at=10**9)) == {}
    assert found_in(FILLER + biff8(sheet)) == {}
    assert found_in(biff8(sheet, extra=record(0x002F, b"\x01\x00" + bytes(52)))) == {}


def test_many_sheets_over_the_same_records_cost_one_walk_of_the_stream():
    # Hostile: thousands of sheets whose records all start at one place are walked once. Each starting one record
    # further on, they would be walked again and again (minutes): the file then gives no error cells, in about the
    # time of one walk.
    sheet = SHEET_BOF + NA_AT_B2 + record(0x0001) * 50_000 + record(0x000A)
    assert len(found_in(biff8(sheet, sheets=2000), sheets=2000)) == 26  # the parser keeps one sheet of a name
    stream = bytearray(biff8(sheet, sheets=2000))
    first = len(stream) - len(sheet) + len(SHEET_BOF + NA_AT_B2)
    for n, at in enumerate(m.start() for m in re.finditer(b"\x85\x00\x09\x00", stream)):
        struct.pack_into("<I", stream, at + 4, first + 4 * n)
    names = [str(n) for n in range(2000)]
    assert xlsrecords.read_records(compound(bytes(stream), "Workbook"), names, set(names)).cells == {}


def test_a_loop_in_a_sector_chain_ends():
    content = bytearray(compound(biff5([("三月", 0, ONE_ERROR)]) + FILLER))
    fat_at = struct.unpack_from("<I", content, 76)[0]
    # The stream's third sector points back to its first; then the directory's sector to itself as well.
    struct.pack_into("<I", content, 512 * (fat_at + 1) + 4 * 2, 0)
    stated = len(biff5([("三月", 0, ONE_ERROR)]) + FILLER)
    assert len(xlsrecords.workbook_stream(bytes(content)) or b"") == stated
    directory_at = struct.unpack_from("<I", content, 48)[0]
    struct.pack_into("<I", content, 512 * (fat_at + 1) + 4 * directory_at, directory_at)
    assert len(xlsrecords.workbook_stream(bytes(content)) or b"") == stated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_bytes_changed_in_an_xls_give_no_exception(data):
    content = bytearray(xls_with_errors({"三月": ONE_ERROR, "四月": ONE_ERROR}, hidden_rows=(2,)))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(content) - 1))
        content[at] = data.draw(st.integers(0, 255))
    found = xlsrecords.read_records(bytes(content), ["三月", "四月"], {"三月", "四月"})
    assert isinstance(found.cells, dict) and isinstance(found.hidden, dict)


# Hidden rows ---------------------------------------------------------------------------------------------------------


def row_record(row: int, flags: int = 0x0100, length: int = 16) -> bytes:
    """A ROW record (from 0) as Excel writes it, cut or padded to ``length``: flags 0x0120 say the row is hidden."""
    return record(0x0208, struct.pack("<8H", row, 0, 5, 0x00FF, 0, 0, flags, 0x000F)[:length].ljust(length, b"\x00"))


def records_in(stream: bytes, sheets: int = 1) -> xlsrecords.Found:
    names = [chr(65 + n % 26) for n in range(sheets)]
    return xlsrecords.read_records(compound(stream, "Workbook"), names, set(names))


def test_the_rows_an_xls_hides_are_read_from_its_row_records_in_the_walk_that_finds_its_errors():
    rows = row_record(0) + row_record(2, 0x0120) + row_record(7, 0x01E7) + row_record(8, 0x01DF)
    sheet = SHEET_BOF + rows + NA_AT_B2 + row_record(65535, 0x0020) + FILLER + record(0x000A)
    assert records_in(biff8(sheet)) == xlsrecords.Found({"A": [(1, 1, "#N/A")]}, {"A": [3, 8, 65536]}, {})
    # Without any: nothing, and the error cells as before.
    plain = SHEET_BOF + row_record(0) + row_record(2, 0x01DF) + NA_AT_B2 + FILLER + record(0x000A)
    assert records_in(biff8(plain)) == xlsrecords.Found({"A": [(1, 1, "#N/A")]}, {}, {})
    # Each sheet its own rows; a sheet not asked for is not read.
    two = SHEET_BOF + row_record(4, 0x0120) + FILLER + record(0x000A)
    stream = biff8(sheet + two, sheets=2)
    second = len(stream) - len(two)
    at = [m.start() for m in re.finditer(b"\x85\x00\x09\x00", stream)][1]
    stream = stream[: at + 4] + struct.pack("<I", second) + stream[at + 8 :]
    assert records_in(stream, sheets=2).hidden == {"A": [3, 8, 65536], "B": [5]}
    content = compound(stream, "Workbook")
    assert xlsrecords.read_records(content, ["A", "B"], {"B"}).hidden == {"B": [5]}


def test_a_damaged_row_record_gives_no_hidden_row_and_never_an_exception():
    # Too short to hold its flags where they belong, or with the flags of a shorter record: not read.
    for length in range(0, 16):
        sheet = SHEET_BOF + row_record(2, 0x0120, length) + FILLER + record(0x000A)
        assert records_in(biff8(sheet)).hidden == {}
    # Running past the end of the stream: the sheet's records are not read at all.
    assert records_in(biff8(SHEET_BOF + FILLER + struct.pack("<HH", 0x0208, 400) + bytes(14) + b"\x20")).hidden == {}
    # In a real file, the hidden row's record given every length: read, without that row or with it, or refused.
    content = xls_with_errors({"三月": [["姓名", "分值"], ["张三", 1], ["李四", -1]]}, hidden_rows=(3,))
    [sheet] = read_file(content, "三月.xls")
    assert sheet.hidden == [3]
    [at] = [m.start() for m in re.finditer(b"\x08\x02\x10\x00\x02\x00", content)]
    for length in [*range(0, 40), 0x7FFF, 0xFFFF]:
        damaged = content[: at + 2] + struct.pack("<H", length) + content[at + 4 :]
        assert xlsrecords.read_records(damaged, ["三月"], {"三月"}).hidden in ({}, {"三月": [3]})
        try:
            sheets = read_file(damaged, "三月.xls")
        except FileUnreadable:
            continue
        assert all(s.hidden in ([], [3]) for s in sheets)


def error_record(row: int, column: int, code: int, formula: bool) -> bytes:
    if formula:
        result = bytes([2, 0, code, 0, 0, 0, 0xFF, 0xFF])
        return record(0x0006, struct.pack("<3H", row, column, 15) + result + bytes(6) + b"\x03\x00\x1e\x01\x00")
    return record(0x0205, struct.pack("<3H2B", row, column, 15, code, 1))


CELL_RECORDS = st.one_of(
    # Records of any kind and length, the sheet's end excepted: the common ones at their usual lengths and at others.
    st.builds(
        record,
        st.sampled_from([0x00FD, 0x027E, 0x0203, 0x0208, 0x0201, 0x00BD, 0x0204, 0x003C, 0x00D7, 0x0205, 0x0006]),
        st.binary(max_size=24),
    ),
    st.builds(
        lambda kind, n: record(kind, bytes(n)),
        st.sampled_from([0x00FD, 0x027E, 0x0203, 0x0208, 0x0201]),
        st.sampled_from([6, 10, 14, 16]),
    ),
    # A ROW record with any flags (bit 5: the row is hidden), or one inside the text of another.
    st.builds(row_record, st.integers(0, 65535), st.integers(0, 0xFFFF)),
    st.builds(lambda *row: record(0x0204, row_record(*row)), st.integers(0, 9), st.just(0x0120)),
    # An error record, or one inside the text of another (found by the search, passed by the walk).
    st.tuples(
        st.integers(0, 65535), st.integers(0, 255), st.sampled_from(sorted(xlsrecords.ERROR_CODES)), st.booleans()
    ),
    st.builds(
        lambda *cell: record(0x0204, error_record(*cell)),
        st.integers(0, 9),
        st.integers(0, 9),
        st.just(0x2A),
        st.booleans(),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL_RECORDS, max_size=40))
def test_the_error_cells_of_any_records_are_those_a_walk_record_by_record_finds(pieces):
    records, expected, hidden = [], [], set()
    for piece in pieces:
        if isinstance(piece, tuple):
            row, column, code, formula = piece
            expected.append((row, column, xlsrecords.ERROR_CODES[code]))
            piece = error_record(*piece)
        elif piece[:2] == b"\x05\x02" and len(piece) >= 12 and piece[11] == 1:
            expected.append((*struct.unpack_from("<HH", piece, 4), xlsrecords.ERROR_CODES.get(piece[10], "#VALUE!")))
        elif piece[:2] == b"\x06\x00" and len(piece) >= 24 and piece[10] == 2 and piece[16:18] == b"\xff\xff":
            expected.append((*struct.unpack_from("<HH", piece, 4), xlsrecords.ERROR_CODES.get(piece[12], "#VALUE!")))
        elif piece[:2] == b"\x08\x02" and len(piece) >= 20 and piece[16] & 0x20:
            hidden.add(struct.unpack_from("<H", piece, 4)[0] + 1)
        records.append(piece)
    # After the sheet's end: neither an error nor a hidden row of it.
    sheet = SHEET_BOF + b"".join(records) + record(0x000A) + NA_AT_B2 + row_record(4, 0x0120)
    found = records_in(biff8(sheet))
    assert found.cells == ({"A": expected} if expected else {})
    assert found.hidden == ({"A": sorted(hidden)} if hidden else {})


# Summaries: a sheet whose formulas take values from other sheets ------------------------------------------------------

POINTS_ROWS = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "学习教育", 2, "参加专题学习"],
    ["2022-03-07", "李四", "纪律作风", -1, "迟到"],
]


def xls_with_formulas(sheets: dict[str, list[list]]) -> bytes:
    """An .xls written by xlwt where a cell given as "=…" holds that formula (its saved result empty, as xlwt saves
    it: only where the formula is matters). xlwt reads a formula's sheet names when it is written: the sheets they
    name come first."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                is_formula = isinstance(value, str) and value.startswith("=")
                sheet.write(r, c, xlwt.Formula(value[1:]) if is_formula else value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "formula",
    ["=一月!D{r}", "=SUM(一月!D{r}:D9)", "=IF(一月!D{r}>0,一月!D{r},0)", "=ROUND(一月!D{r},1)+0", "='一月'!D{r}*1"],
)
def test_a_sheet_of_an_xls_taking_values_from_another_sheet_is_a_summary_as_in_an_xlsx(roster_con, formula):
    # Laid out as a detail sheet, each row copied from 一月 by a formula: importing it would count 一月's rows twice.
    copied = [POINTS_ROWS[0]] + [[*row[:3], formula.format(r=r), row[4]] for r, row in enumerate(POINTS_ROWS[1:], 2)]
    preview, batch = import_bytes(roster_con, xls_with_formulas({"一月": POINTS_ROWS, "全部": copied}), "汇总.xls")
    assert ("全部", "单元格是引用其他工作表的公式，是汇总表，不导入（只导入明细）") in preview.ignored
    assert batch is not None, [p.text() for p in preview.errors]
    assert roster_con.execute("select sheet, count(*) from score_event group by sheet").fetchall() == [("一月", 2)]


def test_a_lookup_of_an_xls_in_another_sheet_or_a_formula_over_its_own_cells_is_no_summary(roster_con):
    # 分值 looked up in a helper sheet by the row's own 考核内容, or computed from the row's own cells: a detail sheet.
    rows = [
        [*POINTS_ROWS[0], "系数"],
        [*POINTS_ROWS[1][:3], "=VLOOKUP(C2,分值表!A1:B9,2,0)", "参加专题学习", 1],
        [*POINTS_ROWS[2][:3], "=INDEX(分值表!B1:B9,MATCH(C3,分值表!A1:A9,0))*F3", "迟到", 1],
    ]
    helper = [["学习教育", 2], ["纪律作风", -1]]
    content = xls_with_formulas({"分值表": helper, "三月": rows})
    [_, sheet] = read_file(content, "查找.xls")
    assert (sheet.name, sheet.summary) == ("三月", False)


SELF_BOOK = record(0x01AE, struct.pack("<HH", 2, 0x0401))
OTHER_BOOK = record(0x01AE, struct.pack("<HHB", 1, 4, 0) + b"x.xls")


def externsheet(*entries: tuple[int, int, int]) -> bytes:
    return record(0x0017, struct.pack("<H", len(entries)) + b"".join(struct.pack("<3H", *e) for e in entries))


def ref3d(ixti: int) -> bytes:
    return b"\x3a" + struct.pack("<3H", ixti, 1, 3)


def area3d(ixti: int) -> bytes:
    return b"\x3b" + struct.pack("<5H", ixti, 0, 8, 0, 1)


def formula(tokens: bytes, row: int = 1) -> bytes:
    return record(0x0006, struct.pack("<3HdHI", row, 3, 15, 0.0, 0, 0) + struct.pack("<H", len(tokens)) + tokens)


def shared(tokens: bytes) -> bytes:
    """A formula shared by D2:D9 as Excel writes it: the first cell's FORMULA points (ptgExp) at its SHRFMLA record."""
    first = formula(b"\x01" + struct.pack("<HH", 1, 3))
    return first + record(0x04BC, struct.pack("<HHBBBB", 1, 8, 3, 3, 0, 8) + struct.pack("<H", len(tokens)) + tokens)


VLOOKUP_IN = b"\x24" + struct.pack("<HH", 1, 2)  # C2, the key


@pytest.mark.parametrize(
    ("books", "cell", "computed"),
    [
        # Sheets A and B share their records (biff8): a reference to B is another sheet's for A, its own for B.
        (SELF_BOOK + externsheet((0, 1, 1)), formula(ref3d(0)), {"A"}),
        (SELF_BOOK + externsheet((0, 1, 1)), shared(ref3d(0) + b"\x1e\x01\x00\x05"), {"A"}),
        (SELF_BOOK + externsheet((0, 0, 1)), formula(area3d(0) + b"\x19\x10\x00\x00"), {"A", "B"}),  # SUM(A:B!…)
        (OTHER_BOOK + SELF_BOOK + externsheet((0, 0, 0)), formula(ref3d(0)), {"A", "B"}),  # [x.xls]Sheet!D2
        (SELF_BOOK + externsheet((0, 0xFFFE, 0xFFFE)), formula(ref3d(0)), set()),  # a deleted sheet: #REF!
        (SELF_BOOK + externsheet((0, 1, 1)), formula(ref3d(5)), set()),  # no such entry: a damaged file
        # =VLOOKUP(C2,B!A1:B9,2,0) and =D2+VLOOKUP(C2,B!A1:B9,2,0)*B!D2
        (
            SELF_BOOK + externsheet((0, 1, 1)),
            formula(VLOOKUP_IN + area3d(0) + b"\x1e\x02\x00\x1e\x00\x00\x42\x04\x66\x00"),
            set(),
        ),
        (
            SELF_BOOK + externsheet((0, 1, 1)),
            formula(
                b"\x24\x01\x00\x03\x00"
                + VLOOKUP_IN
                + area3d(0)
                + b"\x1e\x02\x00\x1e\x00\x00\x42\x04\x66\x00"
                + ref3d(0)
                + b"\x05\x03"
            ),
            {"A"},
        ),
        (b"", formula(ref3d(0)), set()),  # no EXTERNSHEET: the formulas are not read
    ],
)
def test_the_sheets_an_xls_formula_takes_values_from_are_read_from_its_tokens(books, cell, computed):
    stream = biff8(SHEET_BOF + cell + record(0x000A), sheets=2, extra=books)
    assert records_in(stream, sheets=2).computed == computed


def test_formula_tokens_that_do_not_read_never_raise_and_count_what_was_read():
    books = SELF_BOOK + externsheet((0, 1, 1))
    whole = VLOOKUP_IN + area3d(0) + b"\x1e\x02\x00\x1e\x00\x00\x42\x04\x66\x00"
    for cut in range(len(whole) + 1):
        for tail in (b"", b"\x18\x00", b"\x21\xff\x7f", b"\x42\x09\x66\x00", b"\x17\xff\x01"):
            stream = biff8(SHEET_BOF + formula(whole[:cut] + tail) + record(0x000A), sheets=2, extra=books)
            records_in(stream, sheets=2)
    # The range read before the tokens stopped making sense (a function not known) counts, lookup or not.
    stream = biff8(SHEET_BOF + formula(whole + b"\x21\xff\x7f") + record(0x000A), sheets=2, extra=books)
    assert records_in(stream, sheets=2).computed == {"A"}


# The extent of a sheet ------------------------------------------------------------------------------------------------


def test_an_xls_sheet_wider_than_the_limit_is_refused_as_the_same_xlsx_is(roster_con):
    # A row of 250 columns (typed beside the table, or a dragged format): the .xlsx is refused with the limit named.
    rows = [[*POINTS_ROWS[0], *[f"备注{n}" for n in range(245)]], POINTS_ROWS[1]]
    as_xlsx, _ = import_bytes(roster_con, xlsx_bytes({"三月": rows}), "宽表.xlsx")
    as_xls, batch = import_bytes(roster_con, xls_with_formulas({"三月": rows}), "宽表.xls")
    assert batch is None
    assert [p.text() for p in as_xls.errors] == [p.text() for p in as_xlsx.errors]
    assert "超过了上限 200 列" in as_xls.errors[0].text()


def test_an_xls_cell_placed_past_any_column_by_a_damaged_record_is_refused_not_a_traceback(roster_con):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("三月")
    for r, row in enumerate(POINTS_ROWS):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write(1, 5, math.pi)  # a NUMBER record, whose column is then made 20000
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    at = content.index(b"\x03\x02\x0e\x00" + struct.pack("<HH", 1, 5)) + 6
    content = content[:at] + struct.pack("<H", 20000) + content[at + 2 :]
    preview, batch = import_bytes(roster_con, content, "损坏.xls")
    assert batch is None
    assert "20,001 列" in preview.errors[0].text()
