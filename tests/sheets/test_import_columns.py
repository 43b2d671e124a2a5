"""The importer's column-wise shortcuts give exactly what the cell-by-cell code they replaced gave, on hostile and
random cells: the sheet sliced from the wire's array, lone-cell rows, people resolved per distinct value with their
rows found by one sort, leavers warned from whole columns, free text trimmed per distinct value, plain-name checks on
a column's shared factorization; and the file is read while the roster loads, refused as before when unreadable."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.sheets import body, wire
from analytics.sheets import layout as lay
from analytics.sheets.checks.checker import Checker, Context
from analytics.sheets.events import _date_span
from analytics.sheets.ingest import dry_run, import_bytes
from analytics.sheets.names import cell_problems
from analytics.sheets.normalize import clean_name
from analytics.sheets.people import Membership, People, PersonRecord
from analytics.sheets.problems import ERROR, WARNING
from tests.conftest import load, xlsx_bytes

HEADER = ["序号", "日期", "姓名", "科室", "考核内容", "分值", "事由"]
# Cells clerks (and attackers) put under a header: blanks of every kind, 合计/示例/注 rows, hints, numbers, dates.
hostile = st.one_of(
    st.sampled_from(
        ["", " ", "合计", "小计：", "示例", "注：以上数据截至3月底", "（单位：分）", "张三", "组织科", "=1+1", "\u202e"]
    ),
    st.text(max_size=6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.integers(-5, 5),
    st.booleans(),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2024, 12, 31)),
)
row = st.lists(hostile, min_size=0, max_size=9)


def _old_lone(cells: np.ndarray) -> np.ndarray:
    return ((cells != "") & ~pd.isna(cells)).sum(axis=1) == 1


def _same_extracted(a: body.Extracted, b: body.Extracted) -> None:
    assert list(a.frame.columns) == list(b.frame.columns)
    for key in a.frame.columns:
        left, right = a.frame[key].tolist(), b.frame[key].tolist()
        assert len(left) == len(right)
        for x, y in zip(left, right, strict=True):
            assert (x == y or (x != x and y != y)) and type(x) is type(y), (key, x, y)
    for name in ("skipped_blank", "skipped_total", "skipped_example", "skipped_note", "skipped_header"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.skipped_hint == b.skipped_hint and a.blank_rows == b.blank_rows and a.filled_down == b.filled_down


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=0, max_size=25), st.lists(st.sampled_from(["", "加减分记录表"]), max_size=2))
def test_a_sheet_sliced_from_the_wires_array_is_extracted_as_from_its_rows(data_rows, titles):
    grid = [[t] for t in titles] + [HEADER] + data_rows
    status, sheets = wire.unpack(wire.pack([("表", grid, [])]), arrays=True)
    assert status == "ok"
    _, decoded, _, cells = sheets[0]
    layout = lay.find_layout(decoded)
    assert layout is not None
    _same_extracted(body.extract(decoded, layout, cells), body.extract(decoded, layout))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(hostile, min_size=4, max_size=4), min_size=1, max_size=30), st.sampled_from([(0, 1), (2, 3)]))
def test_lone_rows_found_from_two_columns_are_those_counted_cell_by_cell(rows, pair):
    cells = np.empty((len(rows), 4), dtype=object)
    cells[:] = rows
    first_blank = body._blank(cells[:, pair[0]].copy())
    found = body._lone(cells, first_blank, list(pair), cells[:, pair[1]].copy())
    assert found.tolist() == _old_lone(cells).tolist()


def _people() -> People:
    """Two 张三 in different sections, a mover with three memberships, a leaver, a staff number."""
    records = {
        1: PersonRecord(1, "张三", "A01", None, None, None, [Membership(10, date(2020, 1, 1), None)]),
        2: PersonRecord(2, "张三", "B01", None, None, None, [Membership(20, date(2020, 1, 1), None)]),
        3: PersonRecord(
            3,
            "李四",
            None,
            None,
            None,
            None,
            [
                Membership(10, date(2020, 1, 1), date(2022, 3, 31)),
                Membership(20, date(2022, 4, 1), date(2022, 8, 31)),
                Membership(30, date(2022, 10, 1), None),
            ],
        ),
        4: PersonRecord(4, "王五", None, None, None, date(2022, 6, 30), [Membership(30, date(2020, 1, 1), None)]),
        5: PersonRecord(5, "赵 六", "C9", None, None, None, [Membership(20, date(2021, 1, 1), None)]),
    }
    return People(records, {10: "组织科", 20: "干部一科", 30: "干部二科"})


def _old_resolve(people: People, frame: pd.DataFrame, dates: np.ndarray):
    """The row-wise resolution this change replaced (analytics.sheets.people before: one pass over all rows per
    combination, and section_on for every row of a mover)."""
    n = len(frame)
    keys = ["name"] + [k for k in ("section", "staff_no") if k in frame]
    codes = np.zeros(n, dtype=np.int64)
    factors = []
    for key in keys:
        c, u = pd.factorize(frame[key], use_na_sentinel=False)
        codes = codes * (len(u) + 1) + c
        factors.append((c, u))
    codes, combos = pd.factorize(codes)
    first = np.full(len(combos), -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)
    resolved = []
    for pos in first:
        raw = {key: u[c[pos]] for key, (c, u) in zip(keys, factors)}
        resolved.append(people.resolve_one(clean_name(raw["name"]), raw.get("section", ""), raw.get("staff_no", "")))
    pid_u = np.array([r[0] if r[0] is not None else 0 for r in resolved], dtype=np.int64)
    person_ids = pid_u[codes]
    problems = []
    for u, (_pid, error, warning) in enumerate(resolved):
        rows = np.flatnonzero(codes == u)
        if error:
            problems.extend((int(pos), ERROR, error) for pos in rows)
        elif warning:
            # A remark about the person: once, on the first row, with the number of rows.
            more = f"（本表此人共 {len(rows):,} 行，均按此处理）" if len(rows) > 1 else ""
            problems.append((int(rows[0]), WARNING, warning + more))
    sid_u = np.array([people.people[r[0]].current_section if r[0] is not None else 0 for r in resolved], dtype=np.int64)
    sections = sid_u[codes]
    for u, r in enumerate(resolved):
        if r[0] is not None and len(people.people[r[0]].memberships) > 1:
            record = people.people[r[0]]
            for pos in np.flatnonzero(codes == u):
                sections[pos] = record.section_on(dates[pos]) if dates[pos] is not None else record.current_section
    return person_ids, sections, problems


names = st.sampled_from(["张三", "李四", "王五", "赵六", "赵 六", "张3", "", None, float("nan"), 12.0, "陈七"])
sections_ = st.sampled_from(["组织科", "干部一科", "干部二科", "", None, "宣传科", " 组织科 "])
staff = st.sampled_from(["", None, "A01", "a01", "B01", "C9", "X1", 12.0])
days = st.one_of(st.none(), st.dates(min_value=date(2021, 12, 1), max_value=date(2023, 2, 1)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, sections_, staff, days), min_size=1, max_size=40), st.booleans())
def test_people_resolved_per_distinct_value_match_the_row_wise_resolution(rows, with_staff):
    people = _people()
    frame = pd.DataFrame(
        {"name": [r[0] for r in rows], "section": [r[1] for r in rows], "staff_no": [r[2] for r in rows]},
        dtype=object,
    )
    if not with_staff:
        frame = frame.drop(columns="staff_no")
    dates = np.empty(len(rows), dtype=object)
    dates[:] = [r[3] for r in rows]
    old = _old_resolve(people, frame, dates)
    cached: dict = {}

    def factors(key):
        return cached.setdefault(key, pd.factorize(frame[key], use_na_sentinel=True))

    for new in (people.resolve(frame, dates=dates), people.resolve(frame, dates=dates, factors=factors)):
        assert new[0].tolist() == old[0].tolist()
        assert new[1].tolist() == old[1].tolist()
        assert new[2] == old[2]


def _layout(*keys: str) -> lay.Layout:
    return lay.Layout("points", 0, {k: n for n, k in enumerate(keys)}, {n: k for n, k in enumerate(keys)})


def _context(people: People) -> Context:
    return Context(cur=None, book=None, spans=[], people=people, today=date(2023, 1, 1))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["王五", "张三", "李四"]), staff, days), min_size=1, max_size=40))
def test_a_leaver_is_warned_once_on_the_first_row_after_leaving_as_row_by_row(rows):
    people = _people()
    frame = pd.DataFrame(
        {"name": [r[0] for r in rows], "staff_no": [r[1] for r in rows], "_row": np.arange(2, len(rows) + 2)},
        dtype=object,
    )
    dates = np.empty(len(rows), dtype=object)
    dates[:] = [r[2] for r in rows]
    check = Checker("表", _layout("name", "staff_no"), frame)
    pids, _ = check.people(_context(people), "name", dates)
    got = [(p.row, p.message) for p in check.problems if "离岗" in p.message]
    # The loop this replaced: every row of a leaver in order, the first one dated after the day they left.
    expected, warned = [], set()
    for pos, pid in enumerate(pids.tolist()):
        if pid == 4 and dates[pos] is not None and pid not in warned:
            said = people.left_warning(pid, dates[pos])
            if said:
                warned.add(pid)
                expected.append((pos + 2, said))
    assert got == expected


texts = st.one_of(
    st.text(max_size=5),
    st.sampled_from(["  事由  ", " ", "", "1", "True"]),
    st.none(),
    st.just(float("nan")),
    st.integers(-2, 2),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)),
    st.just(datetime(2022, 3, 5, 8, 30)),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(texts, min_size=1, max_size=30), st.booleans())
def test_free_text_trimmed_per_distinct_value_is_the_text_trimmed_cell_by_cell(cells, required):
    from analytics.sheets.normalize import plain_text

    frame = pd.DataFrame({"reason": cells, "_row": np.arange(2, len(cells) + 2)}, dtype=object)
    check = Checker("表", _layout("reason"), frame)
    got = check.text("reason", required, "事由")
    expected = [(v.strip() or None) if type(v) is str else plain_text(v) for v in cells]
    assert [(type(v), v) for v in got.tolist()] == [(type(v), v) for v in expected]
    if required:
        blank_rows = [p.row for p in check.problems if p.message.startswith("不能为空")]
        assert blank_rows == [n + 2 for n, v in enumerate(expected) if v is None]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from(["张三", "<b>李四</b>", "=HYPERLINK()", "王\u202e五", "x" * 60, ""]), texts),
            st.one_of(st.sampled_from(["正常", "含\x07控制", "长" * 2001]), texts),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_plain_name_checks_on_a_shared_factorization_find_the_same_cells(rows):
    frame = pd.DataFrame({"name": [r[0] for r in rows], "reason": [r[1] for r in rows]}, dtype=object)
    cached: dict = {}

    def factors(key):
        return cached.setdefault(key, pd.factorize(frame[key], use_na_sentinel=True))

    assert sorted(cell_problems(frame, "points", factors)) == sorted(cell_problems(frame, "points"))


def test_the_date_span_of_an_upload_is_taken_only_from_dates():
    assert _date_span(pd.Series([date(2022, 3, 5), date(2022, 1, 2)], dtype=object)) == (
        date(2022, 1, 2),
        date(2022, 3, 5),
    )
    assert _date_span(pd.Series([date(2022, 3, 5), None], dtype=object)) is None
    assert _date_span(pd.Series([], dtype=object)) is None
    assert _date_span(pd.Series([date(2022, 3, 5), datetime(2022, 3, 6)], dtype=object)) is None


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFFFF), max_size=12))
def test_halfwidth_after_a_search_is_the_full_translation(text):
    from analytics.sheets.normalize import _FULLWIDTH, halfwidth

    assert halfwidth(text) == text.translate(_FULLWIDTH)
    assert halfwidth("＋２　分。" + text) == ("＋２　分。" + text).translate(_FULLWIDTH)


def _old_duplicates(keys, bad):
    """The check this replaced: every column hashed for every row."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for values in keys:
        codes, uniques = pd.factorize(np.asarray(values), use_na_sentinel=False)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    dup = pd.Series(combined).duplicated(keep=False).to_numpy() & ~bad
    found, first_row = [], {}
    for pos in np.flatnonzero(dup):
        key = int(combined[pos])
        if key in first_row:
            found.append((pos + 2, first_row[key]))
        else:
            first_row[key] = pos + 2
    return found


small = st.one_of(st.sampled_from(["a", "b", "", None, "1"]), st.integers(0, 2), st.just(float("nan")), st.just(1.0))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(small, small, small, st.booleans()), min_size=1, max_size=40))
def test_duplicates_found_on_the_rows_still_in_question_are_those_found_on_all_rows(rows):
    keys = []
    for n in range(3):
        column = np.empty(len(rows), dtype=object)
        column[:] = [r[n] for r in rows]
        keys.append(column)
    bad = np.array([r[3] for r in rows], dtype=bool)
    frame = pd.DataFrame({"name": ["x"] * len(rows), "_row": np.arange(2, len(rows) + 2)}, dtype=object)
    check = Checker("表", _layout("name"), frame)
    check.bad = bad.copy()
    check.duplicates(keys, "三列", "")
    got = [(p.row, int(p.message.split("第 ")[1].split(" 行")[0])) for p in check.problems]
    assert got == _old_duplicates(keys, bad)


POINTS = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    ["2022-03-05", "张三", "学习教育", 2, "参加专题学习"],
    ["2022-11-20", "李四", "学习教育", 1, "撰写心得"],
]


def test_events_sent_again_beside_new_dates_are_skipped_once_and_claimed(roster_con):
    load(roster_con, POINTS, "一.xlsx")
    wider = [
        *POINTS,
        ["2022-01-01", "王五", "学习教育", 1, "新的一条"],
        ["2022-12-30", "赵六", "学习教育", 1, "又一条"],
    ]
    preview, batch = import_bytes(roster_con, xlsx_bytes({"Sheet1": wider}), "二.xlsx")
    assert batch is not None and preview.rows_skipped == 2 and preview.rows_imported == 2
    claims = roster_con.execute("select count(*) from fact_claim where batch_id = ?", [batch]).fetchone()[0]
    assert claims == 2


def test_an_unreadable_file_is_refused_even_when_the_roster_could_not_load(roster_con, monkeypatch):
    def broken(cur, options):
        raise RuntimeError("roster store unavailable")

    monkeypatch.setattr(dry_run, "_context", broken)
    preview, batch = import_bytes(roster_con, b"<html><table></table></html>", "导出.xls")
    assert batch is None and "网页" in preview.errors[0].text()
    # A readable file: the loading failure surfaces as it did before, after the reading.
    with pytest.raises(RuntimeError, match="roster store unavailable"):
        import_bytes(roster_con, xlsx_bytes({"Sheet1": POINTS}), "加减分.xlsx")


def test_filling_down_leaves_the_sheets_cells_as_read():
    # 日期 and 活动类型 written on a group's first row only: the frame's rows take the value above, the sheet's own
    # cells (kept for the preview and sliced by extract) do not change.
    grid = [
        ["日期", "姓名", "活动类型", "主题"],
        [date(2024, 3, 1), "张三", "每周一文", "第一期"],
        ["", "李四", "", ""],
        [date(2024, 3, 8), "王五", "青年讲堂", "第二期"],
        ["", "赵六", "", ""],
    ]
    status, sheets = wire.unpack(wire.pack([("表", grid, [])]), arrays=True)
    assert status == "ok"
    _, decoded, _, cells = sheets[0]
    before = cells.copy()
    layout = lay.find_layout(decoded, "participation")
    assert layout is not None
    extracted = body.extract(decoded, layout, cells)
    assert extracted.frame["event_date"].tolist() == [date(2024, 3, 1)] * 2 + [date(2024, 3, 8)] * 2
    assert extracted.frame["activity"].tolist() == ["每周一文", "每周一文", "青年讲堂", "青年讲堂"]
    assert extracted.filled_down["event_date"] == 2
    assert (cells == before).all() and decoded[2] == ["", "李四", "", ""]


@pytest.mark.parametrize("spaces", [" ", "\u3000", " \t"])
def test_a_row_of_spaces_under_the_last_data_row_is_a_blank_row(spaces):
    # A cell holding only spaces, alone in its row below the data (a clerk's stray space bar): skipped as blank,
    # not a crash and not a row of errors.
    grid = [HEADER, [1, date(2024, 3, 1), "张三", "一科", "工作质量", 1, "事由"], ["", spaces]]
    for cells in (None, wire.unpack(wire.pack([("表", grid, [])]), arrays=True)[1][0][3]):
        layout = lay.find_layout(grid)
        assert layout is not None
        extracted = body.extract(grid, layout, cells)
        assert extracted.frame["_row"].tolist() == [2] and extracted.skipped_blank == 1
