"""The set-based roster write (analytics.sheets.roster_store) leaves every table as the per-row write it replaced
(tests/sheets/roster_rowwise.py, kept as the oracle): two databases take the same uploads and undos, one through each
write, and are compared table by table after every step — person ids, memberships, moves, leavers, lineage, the
journal, audit entries, sequences, even the order rows are stored in."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import roster_rowwise
from conftest import ROSTER, load, xlsx_bytes
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from analytics import open_db
from analytics.accounts.roles import ADMIN, Actor
from analytics.errors import UndoRefused
from analytics.sheets import roster_store
from analytics.sheets.ingest import Options, history, import_bytes, undo, write
from analytics.sheets.people import People
from analytics.sheets.roster import plan_roster
from analytics.store.db import fetch_df

ADMINISTRATOR = Actor("管理员", ADMIN)
# Tables whose stored order a later write can read (the first open membership, the journal's order).
ROSTER_TABLES = ("section", "person", "membership", "roster_change")


def tables(con) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'"
            " order by table_name"
        ).fetchall()
    ]


def state(con) -> dict[str, pd.DataFrame]:
    """Every table's rows (clock columns left out: the two databases import seconds apart), the roster tables
    also in stored order, and where each sequence stands."""
    out = {}
    for table in tables(con):
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? and data_type not like"
                " 'TIMESTAMP%' order by ordinal_position",
                [table],
            ).fetchall()
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        out[table] = fetch_df(con, f"select {listed} from {table} order by all")
        if table in ROSTER_TABLES:
            out[table + " (stored order)"] = fetch_df(con, f"select {listed} from {table}")
    out["sequences"] = fetch_df(con, "select sequence_name, last_value from duckdb_sequences() order by all")
    return out


def assert_same(new, old) -> None:
    got, expected = state(new), state(old)
    assert list(got) == list(expected)
    for name in got:
        pd.testing.assert_frame_equal(got[name], expected[name], obj=name)


@pytest.fixture
def rowwise(monkeypatch):
    """Makes the importer and undo use the per-row write while the test runs the old side."""

    def use(old: bool) -> None:
        write_module = roster_rowwise if old else roster_store
        monkeypatch.setattr(write, "apply_roster", write_module.apply_roster)
        monkeypatch.setattr(history, "undo_roster", write_module.undo_roster)

    return use


HEADER = ["姓名", "科室", "职务", "工号", "人员类别", "状态", "调整日期"]
FIRST = [
    HEADER,
    *[row[:4] + ["一般干部", "在岗", ""] for row in ROSTER[1:]],
    ["吴九", "干部一科", "科员", None, "青年干部", "在岗", ""],  # no 工号: a same name elsewhere is asked about
    ["郑十", "干部二科", "科员", None, "", "", ""],
]
POINTS = [
    ["日期", "姓名", "考核内容", "分值", "事由"],
    *[[f"2022-{m:02d}-10", who, "宣传推广", 1, f"{m}月信息"] for m in (3, 6, 7, 8, 10) for who in ("李四", "王五")],
    ["2022-09-15", "赵六", "工作质量", 2, "批示"],
    ["2022-11-15", "赵六", "工作质量", 2, "批示"],
]
# Adds (one in a new section, one with no date), a move, a leaver, a rename through the 工号, a new title, and a
# name found only in another section settled as a move.
SECOND = [
    HEADER,
    ["张叁", "组织科", "副部长", "A01", "一般干部", "在岗", ""],
    ["李四", "干部二科", "科员", "A02", "一般干部", "在岗", "2022-07-01"],
    ["王五", "干部一科", "科长", "B01", "一般干部", "调离", "2022-08-01"],
    ["赵六", "干部一科", "科员", "B02", "一般干部", "在岗", ""],
    ["孙七", "干部二科", "科员", "C01", "一般干部", "在岗", ""],
    ["吴九", "组织科", "科员", None, "青年干部", "在岗", ""],
    ["郑十", "干部二科", "主任科员", None, "", "", ""],
    ["周八", "研究室", "科员", "D01", "青年干部", "", "2022-07-01"],
    ["钱一", "组织科", "科员", "D02", "", "", ""],
]
# A second move for one person and a first for a new one, a return, a second rename, and the missing marked left.
THIRD = [
    HEADER,
    ["张三", "组织科", "副部长", "A01", "一般干部", "在岗", ""],
    ["李四", "研究室", "科员", "A02", "一般干部", "在岗", "2022-09-01"],
    ["王五", "干部一科", "科长", "B01", "一般干部", "在岗", ""],
    ["赵六", "干部一科", "副科长", "B02", "一般干部", "在岗", ""],
    ["周八", "组织科", "科员", "D01", "青年干部", "", "2022-10-01"],
    ["钱一", "组织科", "科员", "D02", "", "离岗", "2022-11-01"],
    ["冯二", "信息科", "科员", "E01", "", "", "2022-10-15"],
]
# One file, two roster sheets: the second is planned against the first, both write under one batch, and 赵六 is
# journalled twice.
TWO_SHEETS = {
    "上半年": [HEADER, ["赵六", "干部二科", "科员", "B02", "一般干部", "在岗", "2022-09-01"]],
    "下半年": [HEADER, ["赵七", "研究室", "副科长", "B02", "一般干部", "在岗", "2022-11-01"]],
}


def test_the_set_based_write_leaves_every_table_as_the_per_row_write(rowwise):
    new, old = open_db(":memory:"), open_db(":memory:")
    try:
        previews: dict[bool, list] = {True: [], False: []}

        def both(step) -> None:
            for con, is_old in ((new, False), (old, True)):
                rowwise(is_old)
                previews[is_old].append(step(con))
            assert_same(new, old)

        def imported(content: bytes, name: str, **options):
            def step(con):
                preview, batch = import_bytes(con, content, name, Options(**options), actor=ADMINISTRATOR)
                assert batch is not None, [p.text() for p in preview.errors]
                return batch, preview.summary_lines(), [p.text() for p in preview.problems]

            both(step)

        def undone(batch: int):
            def step(con):
                try:
                    return undo(con, batch, actor=ADMINISTRATOR)
                except UndoRefused as refused:
                    return refused.message

            both(step)

        imported(xlsx_bytes({"名单": FIRST}), "名单.xlsx", today=date(2022, 3, 1))
        imported(xlsx_bytes({"3月": POINTS}), "加减分.xlsx")
        imported(
            xlsx_bytes({"名单": SECOND}), "七月名单.xlsx", today=date(2022, 7, 15), decisions={("名单", 7): "move"}
        )
        imported(xlsx_bytes({"名单": THIRD}), "十月名单.xlsx", today=date(2022, 10, 20), mark_missing_left=True)
        imported(xlsx_bytes(TWO_SHEETS), "两表名单.xlsx", today=date(2022, 11, 20))
        undone(1)  # refused: the points name people it added
        for batch in (5, 4, 3):
            undone(batch)
        assert previews[False] == previews[True]
        # The steps did what they say, so the comparison covered adds, moves, leavers, renames and their undo.
        summaries = ["".join(p[1]) for p in previews[False][:5]]
        assert "新增 7 人，新增科室 3 个" in summaries[0]
        assert "新增 2 人，更新信息 2 人，调整科室 2 人，标记离岗 1 人，新增科室 1 个" in summaries[2]
        assert "调整科室 2 人，标记离岗 4 人，恢复在岗 1 人" in summaries[3]
        assert summaries[4].count("调整科室 1 人") == 2
        assert "这份名单新增的人员已被后来的导入引用" in previews[False][5]
        # 王五's points of 8月10日 and 10月10日 fall after his departure on 8月1日; 钱一 and those marked left have none.
        leaving_late = [p for step in previews[False][2:4] for p in step[2] if "离岗日期为" in p]
        assert leaving_late == [
            "「名单」第 4 行「状态」列：王五 离岗日期为 2022-08-01，已导入的记录中有 2 条在此之后：请核对"
        ]
        assert new.execute("select count(*) from roster_change").fetchone()[0] == 10  # FIRST: 3 sections, 7 people
    finally:
        new.close()
        old.close()


# Random rosters planned by the real planner and written straight through each write (no file to read), over a
# department with stored points: any mix of adds, moves (several for one person), leavers, returns, renames, new
# sections, rows settled as moves or as namesakes, and two sheets in one batch (the second planned against the
# first, temporary ids and all).
NAMES = ["张三", "李四", "王五", "赵六", "孙七", "吴九", "郑十", "周八", "钱一"]
SECTIONS = ["组织科", "干部一科", "干部二科", "研究室", "信息科"]
STAFF = ["A01", "A02", "B01", "B02", "C01", "D01", "D02"]
COMPARED = ("section", "person", "membership", "roster_change", "score_event", "participation")


def roster_rows():
    row = st.fixed_dictionaries(
        {
            "name": st.sampled_from(NAMES),
            "section": st.sampled_from(SECTIONS),
            "title": st.sampled_from([None, "科员", "科长"]),
            "category": st.sampled_from([None, "一般干部", "青年干部"]),
            "staff_no": st.sampled_from([None, None, *STAFF]),
            "status": st.sampled_from([None, None, "在岗", "离岗"]),
            "changed_on": st.sampled_from([None, date(2022, 4, 1), date(2022, 7, 1), date(2022, 9, 15)]),
        }
    )
    return st.lists(row, min_size=1, max_size=7).map(
        lambda rows: pd.DataFrame([{**r, "_row": i + 2} for i, r in enumerate(rows)], dtype=object)
    )


sheet_plans = st.fixed_dictionaries(
    {
        "rows": roster_rows(),
        "mark_missing_left": st.booleans(),
        "same_name": st.sampled_from([None, "move", "new"]),
        "decisions": st.dictionaries(st.integers(2, 8), st.sampled_from(["move", "new"]), max_size=3),
    }
)


@pytest.fixture(scope="module")
def departments():
    """Two databases with the same department and points, one for each write (module-wide: every example runs in
    a transaction it rolls back)."""
    made = [open_db(":memory:"), open_db(":memory:")]
    for con in made:
        load(con, FIRST, "名单.xlsx", today=date(2022, 3, 1))
        load(con, POINTS, "加减分.xlsx")
    yield made
    for con in made:
        con.close()


def compared(cur) -> dict[str, pd.DataFrame]:
    out = {t: fetch_df(cur, f"select * from {t} order by all") for t in COMPARED}
    out |= {f"{t} (stored order)": fetch_df(cur, f"select * from {t}") for t in ROSTER_TABLES}
    return out


def run(cur, module, sheets: list[dict], same_batch: bool) -> list:
    """Write the sheets (batch 10, or 10 and 11) and undo them newest first; what each step saw and left. When
    every undo is allowed, the department is as it was before the first sheet."""
    seen: list = []
    start = compared(cur)
    people = People.load(cur)
    batches = []
    ids: dict[int, int] = {}  # temporary → real ids given by the earlier sheets of the batch
    for i, sheet in enumerate(sheets):
        batch = 10 if same_batch else 10 + i
        plan, after, problems = plan_roster(
            people,
            sheet["rows"],
            "名单",
            {},
            date(2022, 7, 15),
            date(2022, 1, 1),
            sheet["mark_missing_left"],
            sheet["decisions"],
            sheet["same_name"],
        )
        seen.append((plan.summary(), [p.message for p in problems]))
        moved = [m["person_id"] for m in plan.moves]
        event("a move" if moved else "no move")
        if len(moved) > len(set(moved)) or any(p < 0 for p in moved):
            event("a person moved twice, or a person of the first sheet moved in the second")
        try:
            ids = module.apply_roster(cur, plan, after, batch, "名单.xlsx", f"表{i}", ids if same_batch else None)
        except Exception as exc:  # the same plan must fail the same way
            event("the write failed")
            seen.append(type(exc).__name__)
            return seen
        seen.append(compared(cur))
        people = after if same_batch else People.load(cur)
        if batch not in batches:
            batches.append(batch)
    for batch in reversed(batches):
        try:
            module.undo_roster(cur, batch)
        except UndoRefused as refused:  # the caller's transaction rolls back what was done before the refusal
            event("undo refused")
            seen.append(refused.message)
            return seen
        seen.append(compared(cur))
    # Undoing every batch puts the department back as it was: people, memberships, the journal, the events' sections.
    seen.append(("not restored", [t for t in COMPARED if not seen[-1][t].equals(start[t])]))
    return seen


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets=st.lists(sheet_plans, min_size=1, max_size=2), same_batch=st.booleans())
def test_random_rosters_write_and_undo_as_the_per_row_write(departments, sheets, same_batch):
    results = []
    for con, module in zip(departments, (roster_store, roster_rowwise)):
        cur = con.cursor()
        cur.execute("begin")
        try:
            results.append(run(cur, module, sheets, same_batch))
        finally:
            cur.execute("rollback")
            cur.close()
    new, old = results
    assert len(new) == len(old)
    for got, expected in zip(new, old):
        if isinstance(got, dict):
            assert list(got) == list(expected)
            for name in got:
                pd.testing.assert_frame_equal(got[name], expected[name], obj=name)
        else:
            assert got == expected
    if new[-1][0] == "not restored":
        assert new[-1][1] == []


def test_undoing_a_file_with_two_roster_sheets_puts_back_the_roster_before_the_file():
    """A person whom both sheets of one file change (moved and renamed in the first, moved, renamed and retitled in
    the second) is journalled once, as before the file; undoing the file restores that, not the first sheet's
    result, and the events follow the person back to their section."""
    con = open_db(":memory:")
    try:
        for content, name, today in (
            (xlsx_bytes({"名单": FIRST}), "名单.xlsx", date(2022, 3, 1)),
            (xlsx_bytes({"3月": POINTS}), "加减分.xlsx", date(2022, 12, 31)),  # after its last event
        ):
            preview, batch = import_bytes(con, content, name, Options(today=today), actor=ADMINISTRATOR)
            assert batch is not None, [p.text() for p in preview.errors]
        roster = ("person", "membership", "score_event")
        before = {t: fetch_df(con, f"select * exclude (batch_id) from {t} order by all") for t in roster}
        preview, batch = import_bytes(
            con, xlsx_bytes(TWO_SHEETS), "两表名单.xlsx", Options(today=date(2022, 11, 20)), actor=ADMINISTRATOR
        )
        assert batch is not None, [p.text() for p in preview.errors]
        zhao = fetch_df(con, "select name, title from person where staff_no = 'B02'")
        assert zhao.values.tolist() == [["赵七", "副科长"]]
        journal = "select count(*) from roster_change where batch_id = ? and action = 'update'"
        assert con.execute(journal, [batch]).fetchone()[0] == 1
        undo(con, batch, actor=ADMINISTRATOR)
        for table in roster:
            after = fetch_df(con, f"select * exclude (batch_id) from {table} order by all")
            pd.testing.assert_frame_equal(after, before[table], obj=table)
    finally:
        con.close()


def test_a_later_roster_sheet_moves_and_changes_people_the_earlier_sheet_added():
    """Sheet 2 is planned against sheet 1's result: it can move a person sheet 1 added into a section sheet 1 created,
    change their details and add people of its own. Every id written is real, nobody is lost or made twice, and
    undoing the file leaves the roster as before it."""
    con = open_db(":memory:")
    try:
        preview, _ = import_bytes(
            con, xlsx_bytes({"名单": FIRST}), "名单.xlsx", Options(today=date(2022, 3, 1)), actor=ADMINISTRATOR
        )
        roster = ("section", "person", "membership")
        before = {t: fetch_df(con, f"select * from {t} order by all") for t in roster}
        sheets = {
            "一月": [HEADER, ["钱二", "新一科", "科员", "N01", "", "", "2022-01-10"]],
            "二月": [
                HEADER,
                ["钱二", "新二科", "副科长", "N01", "", "", "2022-02-10"],
                ["孙三", "新一科", "科员", "N02", "", "", "2022-02-10"],
            ],
        }
        preview, batch = import_bytes(
            con, xlsx_bytes(sheets), "两表名单.xlsx", Options(today=date(2022, 3, 20)), actor=ADMINISTRATOR
        )
        assert batch is not None, [p.text() for p in preview.errors]
        for table, column in (("person", "person_id"), ("membership", "person_id"), ("membership", "section_id")):
            assert con.execute(f"select count(*) from {table} where {column} < 0").fetchone()[0] == 0
        spans = fetch_df(
            con,
            """select p.name, p.title, s.name as section, m.valid_from, m.valid_to
               from membership m join person p using (person_id) join section s using (section_id)
               where p.staff_no in ('N01', 'N02') order by p.staff_no, m.valid_from""",
        )
        assert spans[["name", "title", "section"]].values.tolist() == [
            ["钱二", "副科长", "新一科"],
            ["钱二", "副科长", "新二科"],
            ["孙三", "科员", "新一科"],
        ]
        assert spans["valid_to"].isna().tolist() == [False, True, True]
        assert con.execute("select count(*) from person where staff_no in ('N01', 'N02')").fetchone()[0] == 2
        undo(con, batch, actor=ADMINISTRATOR)
        for table in roster:
            pd.testing.assert_frame_equal(
                fetch_df(con, f"select * from {table} order by all"), before[table], obj=table
            )
    finally:
        con.close()
