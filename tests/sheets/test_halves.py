"""A big worksheet read by two children at once (analytics.sheets.halves) gives exactly what one parse of the whole
workbook gives: every cell, its type and place, the other sheets, hidden sheets and summary sheets. A sheet that
cannot be cut safely (merged cells, CDATA or comments among the rows, a second half whose first row does not state
its number, rows out of order) is read whole, with the same result. Tiny sheets are cut here by lowering the size
at which a sheet is cut."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from xml.sax.saxutils import escape

import numpy as np
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.styles import PatternFill

from analytics.errors import FileUnreadable
from analytics.sheets import formulas, halves, reader, worker
from tests.sheets.test_worker import same

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def cut_everything(monkeypatch):
    """Every worksheet is big enough to cut; the pool starts and ends empty; each read says whether it was cut."""
    monkeypatch.setattr(halves, "SPLIT_BYTES", 0)
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 2)
    worker.stop_all()
    taken: list[bool] = []
    halves_of = worker._parse_halves

    def counted(data, part):
        answer = halves_of(data, part)
        taken.append(answer is not None)
        return answer

    monkeypatch.setattr(worker, "_parse_halves", counted)
    yield taken
    worker.stop_all()


def book_bytes(
    sheets: dict[str, list[list]], hidden: tuple[str, ...] = (), write_only: bool = False, styled=()
) -> bytes:
    """A workbook; ``styled`` (row, column) cells of the first sheet get a fill, so an empty one is written as a cell
    without a value (not in write-only mode)."""
    book = openpyxl.Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    for n, (name, rows) in enumerate(sheets.items()):
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if n == 0 and not write_only:
            for row, column in styled:
                sheet.cell(row + 1, column + 1).fill = PatternFill("solid", fgColor="FFFF00")
        if name in hidden:
            sheet.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_part(data: bytes, part: str, change) -> bytes:
    """The workbook with its part ``part`` passed through ``change``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as book, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in book.infolist():
            body = book.read(info)
            new.writestr(info.filename, change(body) if info.filename == part else body)
    return out.getvalue()


def with_sheet_xml(data: bytes, change) -> bytes:
    """The workbook with its first worksheet's XML passed through ``change``."""
    return with_part(data, SHEET, change)


def assert_read_as_whole(data: bytes) -> list[reader.RawSheet]:
    """Read through the children (cut when it can be) and in this process, whole: the same sheets, cells and notes."""
    isolated = reader.read_workbook(data)
    here = reader.read_workbook_here(data)
    assert [s.name for s in isolated] == [s.name for s in here]
    for a, b in zip(isolated, here, strict=True):
        assert same(a.grid, b.grid), a.name
        assert a.merged == b.merged and a.summary == b.summary and a.hidden == b.hidden
        assert a.cells.shape == (len(b.grid), max(map(len, b.grid), default=0))
        assert same(a.cells.tolist(), a.grid)
        assert len(set(map(id, a.grid))) == len(a.grid)  # every row its own list, as the importer may change one
    return isolated


def read_as_whole_or_refused(data: bytes) -> tuple[list[reader.RawSheet], list[reader.RawSheet]] | None:
    """(read whole in this process, read through the children): the same sheets (assert_read_as_whole). None when
    the whole read refuses the file, after checking that the children refuse it too."""
    try:
        here = reader.read_workbook_here(data)
    except FileUnreadable:
        with pytest.raises(FileUnreadable):
            reader.read_workbook(data)
        return None
    return here, assert_read_as_whole(data)


ROWS = [["序号", "日期", "姓名", "分值", "事由"]] + [
    [n, date(2024, 1 + n % 12, 1 + n % 28), f"人{n % 7}", (n % 5) - 1.5, f"事由{n}"] for n in range(1, 200)
]


@pytest.mark.parametrize("write_only", [False, True])
def test_a_cut_sheet_reads_as_the_whole_beside_other_hidden_and_summary_sheets(cut_everything, write_only):
    summary = [["合计"], ["=SUM('加减分'!D:D)"]]
    data = book_bytes({"加减分": ROWS, "说明": [["本表说明"]], "隐藏": [["x"]], "汇总": summary}, ("隐藏",), write_only)
    sheets = assert_read_as_whole(data)
    assert cut_everything == [True]
    assert [s.name for s in sheets] == ["加减分", "说明", "汇总"]
    assert [s.summary for s in sheets] == [False, False, True]
    assert sheets[0].grid[1][2] == "人1" and len(sheets[0].grid) == len(ROWS)


def test_the_hidden_rows_of_both_halves_are_named(cut_everything):
    book = openpyxl.load_workbook(io.BytesIO(book_bytes({"加减分": ROWS, "旁表": [[1]]})))
    for row in (3, 4, 150, len(ROWS)):
        book["加减分"].row_dimensions[row].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    sheets = assert_read_as_whole(buffer.getvalue())
    assert cut_everything == [True]
    assert [s.hidden for s in sheets] == [[3, 4, 150, len(ROWS)], []]


@pytest.mark.parametrize("at", [5, len(ROWS) - 5])
def test_a_cut_sheet_with_a_formula_over_another_sheet_in_either_half_is_a_summary(cut_everything, at):
    rows = [list(row) for row in ROWS]
    rows[at][3] = "='旁表'!A1"
    sheets = assert_read_as_whole(book_bytes({"表": rows, "旁表": [[1]]}))
    assert cut_everything == [True]
    assert [s.summary for s in sheets] == [True, False]
    first = halves.cut(book_bytes({"表": rows, "旁表": [[1]]}), SHEET, 0)
    assert first is not None and first.summary


def stored_and_deflated(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return [(info, book.read(info)) for info in book.infolist()]


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_part_is_unpacked_as_zipfile_reads_it(method):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as new:
        new.writestr("xl/worksheets/sheet1.xml", b"<row>" * 50_000)
        new.writestr("xl/worksheets/表.xml", "<c>表</c>" * 1000)
    data = b"prefix bytes before the zip" + out.getvalue()  # zipfile finds members after leading bytes
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        for info in book.infolist():
            assert halves.unpacked(data, book, info) == book.read(info)


@pytest.mark.parametrize(
    ("second_shape", "origin"),
    [((2, 3), (3, 0)), ((2, 3), (5, 0)), ((2, 2), (3, 1)), ((2, 4), (3, 0)), ((0, 0), (3, 0))],
)
def test_two_halves_are_joined_by_position(second_shape, origin):
    # Adjacent halves of one width (the usual sheet), a gap of blank rows, a second half further right or wider,
    # an empty second half: each cell where it lies in the sheet, "" elsewhere.
    first = np.array([[f"a{r}{c}" for c in range(3)] for r in range(3)], dtype=object)
    second = np.array([[f"b{r}{c}" for c in range(second_shape[1])] for r in range(second_shape[0])], dtype=object)
    second = second.reshape(second_shape)
    cells = halves.join(first, second, origin)
    top, left = origin
    expected = {(r, c): first[r, c] for r in range(3) for c in range(3)}
    expected |= {(top + r, left + c): second[r, c] for r in range(second_shape[0]) for c in range(second_shape[1])}
    rows = top + second_shape[0] if second_shape[0] else 3
    assert cells.shape == (rows, max(3, left + second_shape[1]))
    assert {(r, c): v for (r, c), v in np.ndenumerate(cells) if v != ""} == expected
    assert halves.join(first, second, (2, 0)) is None or second_shape[0] == 0  # rows out of order


def test_a_stored_zip_holds_its_members_as_zipfile_reads_them():
    members = [("xl/worksheets/表.xml", (b"<row>", memoryview(b"abc")[1:], b"")), ("[Content_Types].xml", (b"x" * 9,))]
    data = halves.stored_zip(members)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert book.testzip() is None
        assert [(i.filename, i.compress_type) for i in book.infolist()] == [
            ("xl/worksheets/表.xml", zipfile.ZIP_STORED),
            ("[Content_Types].xml", zipfile.ZIP_STORED),
        ]
        assert book.read("xl/worksheets/表.xml") == b"<row>bc" and book.read("[Content_Types].xml") == b"x" * 9


@pytest.mark.parametrize(
    "damage",
    [
        # The directory's CRC or size does not match the bytes; the part unpacks to more than the directory says.
        lambda info: setattr(info, "CRC", info.CRC ^ 1),
        lambda info: setattr(info, "file_size", info.file_size - 1),
        lambda info: setattr(info, "file_size", info.file_size + 1),
    ],
)
def test_a_part_that_is_not_what_the_directory_says_is_read_as_zipfile_reads_it(damage):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        new.writestr("xl/worksheets/sheet1.xml", b"<row>" * 50_000)
    data = out.getvalue()

    def outcome(read):
        try:
            return read()
        except zipfile.BadZipFile as exc:
            return type(exc)

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        info = book.infolist()[0]
        damage(info)
        expected = outcome(lambda: book.read(info))
        assert outcome(lambda: halves.unpacked(data, book, info)) == expected


value = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6),
    st.integers(min_value=-(10**9), max_value=10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(1901, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(value, max_size=7), min_size=1, max_size=40),
    lead=st.integers(min_value=0, max_value=3),
    gap=st.integers(min_value=0, max_value=3),
    write_only=st.booleans(),
    styled=st.lists(st.tuples(st.integers(0, 45), st.integers(0, 10)), max_size=4),
)
def test_any_sheet_reads_the_same_cut_or_whole(cut_everything, rows, lead, gap, write_only, styled):
    # Empty columns before the data, empty rows inside it, and the second half perhaps starting further right.
    shaped = [[None] * lead + row for row in rows[: len(rows) // 2]] + [[]] * gap
    shaped += [[None] * (lead + 1) + row for row in rows[len(rows) // 2 :]]
    data = book_bytes({"表": shaped, "旁表": [["a", 1]]}, write_only=write_only, styled=styled)
    assert_read_as_whole(data)


def test_a_sheet_with_merged_cells_is_read_whole(cut_everything):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("C2:C150")  # one 姓名 over many rows, across the middle
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert halves.cut(data, SHEET, 0) is None
    sheets = assert_read_as_whole(data)
    assert cut_everything == [True]  # both children answered; the first read the workbook whole
    assert sheets[0].grid[149][2] == sheets[0].grid[1][2]


@pytest.mark.parametrize(
    "change",
    [
        # A comment and a CDATA section among the rows: a "</row>" could hide in them.
        lambda xml: xml.replace(b"</row>", b"</row><!-- </row> -->", 1),
        lambda xml: xml.replace(b"<v>3</v>", b"<v><![CDATA[3]]></v>", 1),
        # Rows that do not state their number: the second half could not know where it starts.
        lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml),
        lambda xml: xml.replace(b'<row r="190"', b"<row", 1),
    ],
)
def test_rows_that_cannot_be_cut_safely_are_read_whole(cut_everything, change):
    data = with_sheet_xml(book_bytes({"表": ROWS}), change)
    assert halves.cut(data, SHEET, 0) is None and halves.cut(data, SHEET, 1) is None
    assert_read_as_whole(data)


@pytest.mark.parametrize("at", [3, 190])
@pytest.mark.parametrize("tag", [b"</sheetData>", b"<sheetData>"])
def test_a_second_sheet_data_tag_among_the_rows_reads_as_the_whole(cut_everything, at, tag):
    # A whole read stops at the first </sheetData>: the rows after it must not come back through the other half.
    data = with_sheet_xml(
        book_bytes({"表": ROWS}), lambda xml: xml.replace(f'<row r="{at}"'.encode(), tag + f'<row r="{at}"'.encode(), 1)
    )
    assert (halves.cut(data, SHEET, 0) is None) == (at < 100) and (halves.cut(data, SHEET, 1) is None) == (at > 100)
    both = read_as_whole_or_refused(data)
    if both is not None:
        here, sheets = both
        assert len(sheets[0].grid) == len(here[0].grid)
        assert cut_everything == [False]


def test_rows_out_of_order_are_read_again_by_one_child(cut_everything):
    # The last row states a number above the first half: the halves cannot be put together by position.
    def last_row_first(xml: bytes) -> bytes:
        return re.sub(
            rb'<row r="200"(.*?)</row>', lambda m: m.group(0).replace(b'r="200', b'r="3').replace(b'200"', b'3"'), xml
        )

    data = with_sheet_xml(book_bytes({"表": ROWS}), last_row_first)
    assert halves.cut(data, SHEET, 1) is not None
    assert_read_as_whole(data)
    assert cut_everything == [False]


def test_the_two_halves_hold_every_row_once():
    data = book_bytes({"表": ROWS})
    first, second = halves.cut(data, SHEET, 0), halves.cut(data, SHEET, 1)
    assert first is not None and second is not None
    name = first.sheet
    assert name == second.sheet == "表" and first.summary is second.summary is False
    top = reader.read_workbook_here(first.book)[0].grid
    bottom = reader.read_workbook_here(second.book, only=name)[0]
    assert 0 < len(top) < len(ROWS) and bottom.origin == (len(top), 0)
    assert same(top + bottom.grid, reader.read_workbook_here(data)[0].grid)


@pytest.mark.parametrize("memory_file", [True, False])
def test_a_half_reads_the_same_from_a_memory_file_or_without_one(monkeypatch, memory_file):
    import os

    data = book_bytes({"表": ROWS})
    first, second = halves.cut(data, SHEET, 0), halves.cut(data, SHEET, 1)
    assert first is not None and second is not None
    if not memory_file:  # a system without memfd: the half is read from a file object
        monkeypatch.delattr(os, "memfd_create")
    files = len(os.listdir("/proc/self/fd"))
    top = reader.read_workbook_here(first.book, cut=first.sheet, summary=first.summary)[0].grid
    bottom = reader.read_workbook_here(second.book, only=second.sheet, cut=second.sheet, summary=second.summary)[0]
    assert same(top + bottom.grid, reader.read_workbook_here(data)[0].grid)
    assert len(os.listdir("/proc/self/fd")) == files  # no descriptor is left open


def test_a_small_sheet_or_one_core_is_not_cut(monkeypatch):
    data = book_bytes({"表": ROWS})
    assert halves.part_to_split(data) is None  # far below SPLIT_BYTES
    monkeypatch.setattr(halves, "SPLIT_BYTES", 0)
    assert halves.part_to_split(data) == SHEET
    monkeypatch.setattr(halves.os, "cpu_count", lambda: 1)
    assert halves.part_to_split(data) is None


def test_with_the_second_child_busy_the_workbook_is_read_by_one(cut_everything, monkeypatch):
    import threading

    monkeypatch.setattr(worker, "_slots", threading.BoundedSemaphore(1))
    assert_read_as_whole(book_bytes({"表": ROWS}))
    assert cut_everything == []


def test_a_file_one_half_refuses_gets_the_whole_files_message(cut_everything):
    # A cut sheet whose second half is broken XML: the halves are given up and one child reads the whole file,
    # whose message the clerk sees.
    data = with_sheet_xml(book_bytes({"表": ROWS}), lambda xml: xml.replace(b'<c r="A150"', b'<c r=""', 1))
    with pytest.raises(FileUnreadable) as whole:
        reader.read_workbook_here(data)
    with pytest.raises(FileUnreadable) as isolated:
        reader.read_workbook(data)
    assert isolated.value.message == whole.value.message
    assert cut_everything == [False]


chunk = st.sampled_from(
    [
        b"<f>",
        b"</f>",
        b"<x:f t='shared'>",
        b"<c>",
        b"<v>1</v>",
        b"!",
        b"'3\xe6\x9c\x88'!",
        b"A1",
        b"<",
        b'"',
        b"&quot;",
        b"#REF!",
        b"[",
        b"]",
        b"S!",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(chunk, max_size=30))
def test_the_quick_formula_search_finds_what_the_pattern_finds(parts):
    xml = b"".join(parts)
    by_pattern = any(
        formulas.refers_to_other_sheet(formulas._unescape(found.group(1)))
        for found in formulas._FORMULA_WITH_BANG.finditer(xml)
    )
    assert formulas.has_cross_formula(xml) == by_pattern


def test_a_part_with_many_exclamation_marks_is_searched_with_the_pattern(monkeypatch):
    monkeypatch.setattr(formulas, "_FEW", 3)
    xml = b"<c><is><t>!</t></is></c>" * 10 + b'<f>IF(A1,"!","")</f>' + b"<f>'a'!A1</f>"
    assert formulas.has_cross_formula(xml)
    assert not formulas.has_cross_formula(xml[: -len(b"<f>'a'!A1</f>")])


@pytest.mark.parametrize(
    "formula",
    [
        "SUM('3月'!E:E)",
        "SUMIF(明细!B:B,A2,明细!E:E)",
        "名单!$B$2",
        "'名 单'!A:B",
        "'It''s'!A1",
        "SUM('1月:3月'!E2)",
        "SUM(Sheet1:Sheet3!E2)",
        "[1]名单!A1",
        "'[1]名 单'!A1",
        'IF(A1="!",名单!A1,"")',
        'IF(A1="他说""好""",名单!A1,"")',
        "#REF!+名单!A1",
        "A1 名单!A1",
    ],
)
def test_a_formula_over_another_sheet_marks_a_summary(formula):
    xml = f'<row r="2"><c r="A2"><f>{escape(formula)}</f><v>0</v></c></row>'.encode()
    assert formulas.has_cross_formula(xml, "2月")


@pytest.mark.parametrize(
    "formula",
    [
        'IF(E2>2,"优秀!","")',
        'IF(E2>2,"优秀！!","")&"!"',
        'IF(A1="他说""好!""","是!","否!")',
        "IF(ISNA(A1),#N/A,#REF!)",
        "IFERROR(1/0,#DIV/0!)+#NULL!+#NUM!+#VALUE!",
        "#REF!A1",
        "SUM(销售额)",
        "'2月'!D2+2月!E2",
        "Table1[[#This Row],[得分!]]",
        '"it\'s!"',
    ],
)
def test_a_formula_whose_exclamation_marks_name_no_other_sheet_is_no_summary(formula):
    xml = f'<row r="2"><c r="A2"><f>{escape(formula)}</f><v>0</v></c></row>'.encode()
    assert not formulas.has_cross_formula(xml, "2月")
    quoted = f'<row r="2"><c r="A2"><f>{escape(formula, {chr(34): "&quot;"})}</f><v>0</v></c></row>'.encode()
    assert not formulas.has_cross_formula(quoted, "2月")


def test_a_second_child_that_dies_leaves_the_file_to_one_child(cut_everything, monkeypatch):
    ask = worker.Child.ask

    def dies_on_the_second_half(self, data, seconds, half=None):
        if half is not None and half[1] == 1:
            self.kill()
            raise worker._Gone
        return ask(self, data, seconds, half)

    monkeypatch.setattr(worker.Child, "ask", dies_on_the_second_half)
    assert_read_as_whole(book_bytes({"表": ROWS}))
    assert cut_everything == [False]


def test_a_half_that_runs_out_of_time_is_explained(cut_everything, monkeypatch):
    ask = worker.Child.ask

    def late_on_the_first_half(self, data, seconds, half=None):
        if half is not None and half[1] == 0:
            raise worker._Late
        return ask(self, data, seconds, half)

    monkeypatch.setattr(worker.Child, "ask", late_on_the_first_half)
    with pytest.raises(FileUnreadable) as late:
        reader.read_workbook(book_bytes({"表": ROWS}))
    assert "秒仍未完成" in late.value.message and not worker._idle


def test_warm_children_wait_for_the_first_upload(cut_everything):
    worker.warm()
    children = list(worker._idle)
    assert len(children) == worker.MAX_CHILDREN and all(c.alive and c.files == 0 for c in children)
    assert_read_as_whole(book_bytes({"表": ROWS}))
    assert cut_everything == [True]
    assert sorted(c.files for c in children) == [1, 1] and set(worker._idle) == set(children)
    worker.warm()  # nothing missing: nothing started
    assert set(worker._idle) == set(children)


def test_warming_while_the_children_read_starts_no_more(cut_everything, monkeypatch):
    worker.warm()
    started = []
    real_init, real_ask = worker.Child.__init__, worker.Child.ask

    def counted(self):
        started.append(self)
        real_init(self)

    def ask(self, data, seconds, half=None):
        worker.warm()  # another clerk opens the import page while this file is read
        return real_ask(self, data, seconds, half)

    monkeypatch.setattr(worker.Child, "__init__", counted)
    monkeypatch.setattr(worker.Child, "ask", ask)
    assert_read_as_whole(book_bytes({"表": ROWS}))
    assert cut_everything == [True]
    assert started == [] and len(worker._idle) == worker.MAX_CHILDREN


SECOND_SHEET = b'name="b" sheetId="2" state="visible" r:id="rId2"/>'
SECOND_REL = b'Target="/xl/worksheets/sheet2.xml" Id="rId2"/>'


@pytest.mark.parametrize(
    ("part", "change"),
    [
        # Two sheets whose relationships point at the same part: each must show every row.
        (
            "xl/_rels/workbook.xml.rels",
            lambda rels: rels.replace(SECOND_REL, b'Target="/xl/worksheets/sheet1.xml" Id="rId2"/>'),
        ),
        (
            "xl/workbook.xml",
            lambda book: book.replace(SECOND_SHEET, b'name="b" sheetId="2" state="visible" r:id="rId1"/>'),
        ),
        # A relationship id given twice, a name given twice, a name written with an entity, a target the reader
        # could resolve otherwise: the index is not certain, the sheet is read whole.
        ("xl/_rels/workbook.xml.rels", lambda rels: rels.replace(b'Id="rId2"', b'Id="rId1"')),
        ("xl/workbook.xml", lambda book: book.replace(b'name="b"', 'name="表"'.encode())),
        ("xl/workbook.xml", lambda book: book.replace('name="表"'.encode(), b'name="&#34920;"')),
        (
            "xl/_rels/workbook.xml.rels",
            lambda rels: rels.replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="xl/worksheets/sheet1.xml"'),
        ),
        # A name with a line break in it: whatever the parser makes of it, the cells are the whole sheet's.
        ("xl/workbook.xml", lambda book: book.replace('name="表"'.encode(), 'name="表\n一"'.encode())),
    ],
)
def test_a_sheet_whose_part_or_name_is_not_certain_reads_as_the_whole(cut_everything, part, change):
    both = read_as_whole_or_refused(with_part(book_bytes({"表": ROWS, "b": [["x"]]}), part, change))
    if both is not None:
        here, sheets = both
        assert len(sheets) == len(here)


def read_or_message(data: bytes):
    try:
        return reader.read_workbook(data)
    except FileUnreadable as exc:
        return exc.message


mutation = st.tuples(
    st.sampled_from(["renumber", "drop_r", "repeat", "swap", "hide", "cut_bytes", "stray_tag"]),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(mutation, min_size=1, max_size=4))
@example([("stray_tag", 0, 1), ("stray_tag", 0, 3)])  # a </sheetData> after the first row
def test_a_damaged_or_hand_made_sheet_reads_the_same_cut_or_whole(cut_everything, monkeypatch, mutations):
    """The sheet's XML changed the ways a hand-made or damaged file is: rows renumbered, numbers dropped, rows
    repeated or swapped, comments and stray tags among them, bytes missing. Read cut and read whole (both in the
    children), the cells or the message are the same."""

    def damaged(xml: bytes) -> bytes:
        for kind, a, b in mutations:
            rows = [m.span() for m in re.finditer(rb"<row\b.*?</row>", xml)]
            if not rows:
                return xml
            (s1, e1), (s2, e2) = rows[a % len(rows)], rows[b % len(rows)]
            if kind == "renumber":
                xml = xml[:s1] + re.sub(rb'\br="\d+"', f'r="{1 + b % 400}"'.encode(), xml[s1:e1], count=1) + xml[e1:]
            elif kind == "drop_r":
                xml = xml[:s1] + re.sub(rb'\sr="[A-Z]*\d+"', b"", xml[s1:e1], count=1 + b % 3) + xml[e1:]
            elif kind == "repeat":
                xml = xml[:e1] + xml[s2:e2] + xml[e1:]
            elif kind == "swap" and e1 <= s2:
                xml = xml[:s1] + xml[s2:e2] + xml[e1:s2] + xml[s1:e1] + xml[e2:]
            elif kind == "hide":
                xml = xml[:e1] + [b"<!-- </row> -->", b"<?pi </row>?>"][b % 2] + xml[e1:]
            elif kind == "cut_bytes":
                at = s1 + a % max(1, e1 - s1)
                xml = xml[:at] + xml[at + 1 + b % 40 :]
            elif kind == "stray_tag":
                xml = xml[:e1] + [b"</row>", b'<row r="2">', b"<c/>", b"</sheetData>"][b % 4] + xml[e1:]
        return xml

    data = with_sheet_xml(book_bytes({"表": ROWS, "旁表": [["a", 1]]}), damaged)
    cut = read_or_message(data)
    with monkeypatch.context() as patch:
        patch.setattr(halves, "part_to_split", lambda data: None)
        whole = read_or_message(data)
    if isinstance(whole, str) or isinstance(cut, str):
        assert cut == whole
        return
    assert [s.name for s in cut] == [s.name for s in whole]
    for a, b in zip(cut, whole, strict=True):
        assert same(a.grid, b.grid) and a.merged == b.merged and a.summary == b.summary
