"""The parsing child and its wire: a workbook read through a warm child gives exactly the cells an in-process parse
gives; a child is reused while healthy and replaced after a timeout, a refusal, a death or memory growth; at most
MAX_CHILDREN parse at once; and a frame that does not hold what it says is refused, never trusted."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.errors import FileUnreadable
from analytics.sheets import reader, wire, worker
from tests.conftest import xlsx_bytes

CELLS = [
    ["序号", "日期", "姓名", "分值", "登记时间", "时长", "是否", "大数"],
    [1.0, date(2022, 6, 1), "张三", -0.5, datetime(2022, 6, 1, 8, 30, 5, 120), time(13, 4, 5, 6), True, 7],
    [2.0, date(9999, 12, 31), "", 1e308, datetime(1900, 1, 1), timedelta(hours=-3, microseconds=5), False, -(2**63)],
]


def same(a, b) -> bool:
    """Equal cell by cell, and of the same type (1.0 and 1 and True are equal in Python, not in a sheet)."""
    return len(a) == len(b) and all(
        len(ra) == len(rb) and all(x == y and type(x) is type(y) for x, y in zip(ra, rb, strict=True))
        for ra, rb in zip(a, b, strict=True)
    )


def roundtrip(grid, merged=()):
    status, sheets = wire.unpack(wire.pack([("表", grid, list(merged))]))
    assert status == "ok"
    return sheets[0]


def test_every_cell_type_crosses_the_wire_unchanged():
    name, grid, merged = roundtrip(CELLS, [((0, 0), (0, 1))])
    assert name == "表" and merged == [((0, 0), (0, 1))]
    assert same(grid, CELLS)


def test_ragged_rows_empty_sheets_and_odd_values_cross_unchanged():
    grid = [["a", "b\x00c"], [], ["\x1f", "\ue000"], [10**30, -0.0]]
    _, back, _ = roundtrip(grid)
    # An integer wider than 64 bits (calamine never gives one) arrives as its text; everything else is as it was.
    assert same(back, [["a", "b\x00c"], [], ["\x1f", "\ue000"], [str(10**30), -0.0]])
    assert roundtrip([])[1] == []
    # A sheet whose strings hold every separator still arrives whole (with lengths instead).
    every = ["".join(wire._SEPARATORS) + str(n) for n in range(3)]
    assert same(roundtrip([every])[1], [every])


def test_a_repeated_text_arrives_as_one_object():
    """Each distinct text crosses once: the server's checks hash a column's 100,000 cells as its few distinct ones."""
    grid = [["张三", "办公室"], ["李四", "办公室"], ["张三", "综合科"], ["张" + "三", "办公室"]]
    _, back, _ = roundtrip(grid)
    assert same(back, grid)
    assert back[0][0] is back[2][0] is back[3][0] and back[0][1] is back[1][1] is back[3][1]
    assert back[0][0] is not back[1][0]


cell = st.one_of(
    st.text(max_size=8),
    st.floats(allow_nan=False),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    # Durations as far as 64 bits of microseconds reach (±292,000 years); wider ones arrive as text, as wide integers do.
    st.timedeltas(min_value=timedelta(microseconds=-(2**63)), max_value=timedelta(microseconds=2**63 - 1)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(cell, max_size=6), max_size=8))
def test_any_grid_crosses_unchanged(grid):
    assert same(roundtrip(grid)[1], grid)


def frame_parts(frame: bytes) -> tuple[dict, bytes]:
    size = int.from_bytes(frame[:8], "little")
    return json.loads(frame[8 : 8 + size]), frame[8 + size :]


def reframe(header: dict, body: bytes) -> bytes:
    head = json.dumps(header).encode()
    return len(head).to_bytes(8, "little") + head + body


def far_code(header: dict, body: bytes) -> bytes:
    start, size, _ = header["sheets"][0]["columns"][str(wire.STR)]["codes"]
    return body[:start] + (10**6).to_bytes(4, "little") + body[start + 4 :]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda h, b: (h, b[: len(b) // 2]),  # truncated buffers
        lambda h, b: ({**h, "sheets": [{**h["sheets"][0], "rows": 10**12}]}, b),  # a huge extent
        lambda h, b: ({**h, "sheets": [{**h["sheets"][0], "width": 1}]}, b),
        lambda h, b: ({**h, "status": "maybe"}, b),
        lambda h, b: (h, bytes(len(b))),  # zeros: kinds all "string", counts wrong
        lambda h, b: (h, far_code(h, b)),  # a text pointing past the distinct texts
    ],
)
def test_a_frame_that_does_not_hold_what_it_says_is_refused(spoil):
    header, body = frame_parts(wire.pack([("表", CELLS, [])]))
    with pytest.raises(wire.Broken):
        wire.unpack(reframe(*spoil(header, body)))
    with pytest.raises(wire.Broken):
        wire.unpack(b"\x05\x00")


@pytest.fixture
def fresh_pool():
    """No idle child before or after the test, so that each test sees its own."""
    worker.stop_all()
    yield
    worker.stop_all()


def _zip_without_a_workbook() -> bytes:
    """A zip the guard lets through (nothing in it is large) and calamine refuses: it holds no workbook part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


NOT_A_WORKBOOK = _zip_without_a_workbook()
BOOK = xlsx_bytes({"加减分": [["姓名", "分值"], ["张三", 1], ["李四", -0.5]]})


def test_a_workbook_reads_the_same_through_the_child_as_in_process(fresh_pool):
    isolated = reader.read_workbook(BOOK)
    here = reader.read_workbook_here(BOOK)
    assert [s.name for s in isolated] == [s.name for s in here]
    for a, b in zip(isolated, here, strict=True):
        assert same(a.grid, b.grid) and a.merged == b.merged


def test_a_warm_child_is_reused_and_a_dead_idle_one_replaced(fresh_pool):
    reader.read_workbook(BOOK)
    (first,) = worker._idle
    reader.read_workbook(BOOK)
    assert worker._idle == [first] and first.files == 2
    first.process.kill()
    first.process.wait()
    assert reader.read_workbook(BOOK)[0].grid[1][0] == "张三"
    (second,) = worker._idle
    assert second is not first and second.alive


def test_a_timeout_is_explained_and_the_next_file_reads(fresh_pool, monkeypatch):
    monkeypatch.setattr(worker, "CHILD_SECONDS", 0)
    with pytest.raises(FileUnreadable) as late:
        reader.read_workbook(BOOK)
    assert "秒仍未完成" in late.value.message and not worker._idle
    monkeypatch.setattr(worker, "CHILD_SECONDS", 120)
    assert reader.read_workbook(BOOK)[0].grid[2][0] == "李四"


def test_after_a_refused_file_or_memory_growth_the_child_is_replaced(fresh_pool, monkeypatch):
    reader.read_workbook(BOOK)
    (first,) = worker._idle
    with pytest.raises(FileUnreadable) as refused:
        reader.read_workbook(NOT_A_WORKBOOK)
    assert "文件" in refused.value.message and not first.alive
    monkeypatch.setattr(worker, "RETIRE_BYTES", 0)
    reader.read_workbook(BOOK)
    assert not worker._idle


def test_at_most_two_children_parse_at_once(fresh_pool, monkeypatch):
    busy, peak, lock = [0], [0], threading.Lock()
    ask = worker.Child.ask

    def counted(self, data, seconds):
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        try:
            return ask(self, data, seconds)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(worker.Child, "ask", counted)
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(reader.read_workbook(BOOK))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 5 and peak[0] == worker.MAX_CHILDREN
    assert len(worker._idle) <= worker.MAX_CHILDREN
