"""Task ledgers (任务台账) and arena marks (擂台评分) uploaded, undone in every order and uploaded again, through the real
importer (import_bytes / undo).

Task ledgers: a later file re-reporting a task on the same 更新日期 replaces the earlier snapshot (superseded_by) and
its undo brings the earlier one back. After any sequence there is exactly one live snapshot per task and day, the one
of the newest file still imported that reported the day; every superseded snapshot points at a committed batch that
holds the live one; undoing everything leaves the table as at the start; and the results (task_lights, wall_summary,
rates, burnup) read through the task rollup equal those under ``rollup.direct()`` and those of a fresh database into
which only the files still imported were imported, in the same order.

Arena marks: the same judge/contestant/arena/day sent again with the same mark is claimed (skipped), with another
mark refused while the stored one stands; files undone in any order leave the marks of the files still imported, each
with the topic of the earliest of them (what the batch that now holds it wrote), and the same arena results as a
fresh import of those files."""

from __future__ import annotations

from datetime import date

import answers
import pytest
from conftest import ROSTER, load, xlsx_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgers import TASK_HEADER

from analytics import open_db
from analytics.results import arena as arena_results
from analytics.results import rollup, task_rollup, tasks
from analytics.sheets.ingest import Options, import_bytes, undo
from analytics.store.db import fetch_df

TODAY = date(2022, 7, 1)
ARENA_HEADER = ["日期", "擂台", "主题", "选手", "评委", "得分"]

CODES = ["T1", "T2", "T3"]
DUE = {"T1": "2022-04-30", "T2": "2022-06-30", "T3": "2022-03-20"}
DAYS = ["2022-03-01", "2022-03-15", "2022-04-10"]
STAGES = ["领办登记", "全程督查", "即时反馈", "办结销号"]
AS_OF = [date(2022, 3, 31), date(2022, 5, 15)]


def fresh():
    con = open_db(":memory:")
    load(con, ROSTER, "名单.xlsx", today=date(2022, 1, 10))
    return con


def send(con, content: bytes, name: str):
    """Import a file; the drops in progress these random ledgers hold are asked about first, and confirmed here."""
    preview, _ = import_bytes(con, content, name, Options(today=TODAY), dry_run=True)
    confirmed = {(q["sheet"], q["row"]): "confirm" for q in preview.questions}
    return import_bytes(con, content, name, Options(today=TODAY, decisions=confirmed))


def same(got, expected, path: str = "result") -> None:
    """answers.same, frames compared by position (a fresh database numbers its rows its own way)."""
    answers.same(got, expected, path, ignore_index=True)


# ---------------------------------------------------------------------------------------------------------------
# Task ledgers


def ledger_file(n: int, reports: dict[tuple[str, str], tuple[float, str]]) -> tuple[bytes, str, dict]:
    """File n: one row per (task, day) it reports, with its progress and stage and a note naming the file. The sheet
    is named after the file, so two files are never the same bytes."""
    rows = [TASK_HEADER]
    for (code, day), (progress, stage) in sorted(reports.items()):
        rows.append(
            [
                code,
                f"任务{code}",
                "基础夯实工程",
                "组织科",
                "张三",
                "2022-02-01",
                DUE[code],
                progress,
                stage,
                f"文件{n}",
                day,
            ]
        )
    return xlsx_bytes({f"台账{n}": rows}), f"台账{n}.xlsx", reports


def live_snapshots(con) -> list[tuple]:
    return con.execute(
        """select task_code, strftime(updated_on, '%Y-%m-%d'), progress, stage, latest_note from task_snapshot
           where superseded_by is null order by 1, 2"""
    ).fetchall()


def expected_live(active: list[tuple[int, dict]]) -> list[tuple]:
    """Per task and day, the report of the newest file still imported (``active`` in import order)."""
    out: dict[tuple[str, str], tuple] = {}
    for n, reports in active:
        for (code, day), (progress, stage) in reports.items():
            out[(code, day)] = (code, day, float(progress), stage, f"文件{n}")
    return [out[k] for k in sorted(out)]


def check_snapshots(con, active: list[tuple[int, dict]]) -> None:
    live = live_snapshots(con)
    keys = [(r[0], r[1]) for r in live]
    assert len(keys) == len(set(keys)), f"two live snapshots of one task and day: {live}"
    assert live == expected_live(active)
    # Every stored row belongs to a file still imported, and every replaced one points at a later committed batch
    # that holds a snapshot of its task and day (what the next undo relies on to bring it back).
    assert con.execute("select count(*) from task_snapshot").fetchone()[0] == sum(len(r) for _, r in active)
    dangling = con.execute(
        """select s.fact_id, s.task_code, s.updated_on, s.superseded_by from task_snapshot s
           where s.superseded_by is not null and not exists (
               select 1 from task_snapshot l join import_batch b on b.batch_id = l.batch_id
               where l.batch_id = s.superseded_by and l.batch_id > s.batch_id and b.status = 'committed'
                 and l.task_code = s.task_code and l.updated_on = s.updated_on)"""
    ).fetchall()
    assert not dangling


def task_answers(con) -> dict[str, object]:
    cur = con.cursor()
    found: dict[str, object] = {}
    for day in AS_OF:
        lights = tasks.task_lights(cur, day).drop(columns=["fact_id", "batch_id"])
        found[f"task_lights {day}"] = lights
        found[f"wall_summary {day}"] = tasks.wall_summary(cur, day)
        found[f"rates {day}"] = tasks.rates(cur, day)
        found[f"burnup {day}"] = tasks.burnup(cur, 2022, None, day)
    found["burnup latest"] = tasks.burnup(cur, 2022)
    return found


def check_results(con, files: list[tuple[bytes, str, dict]], active_ids: list[int]) -> None:
    """Through the rollup = direct = a fresh database with only the files still imported, in order."""
    cur = con.cursor()
    assert task_rollup.ready(cur)
    got = task_answers(con)
    with rollup.direct():
        same(got, task_answers(con), "direct")
    alone = fresh()
    try:
        for n in active_ids:
            content, name, _ = files[n]
            preview, batch = send(alone, content, name)
            assert batch is not None, [p.text() for p in preview.errors]
        same(got, task_answers(alone), "fresh")
    finally:
        alone.close()


report = st.tuples(st.sampled_from([0, 20, 45.5, 70, 100]), st.sampled_from(STAGES))


@st.composite
def ledger_files(draw):
    """Three files over the same three tasks and three days (two months), overlapping freely."""
    out = []
    keys = [(c, d) for c in CODES for d in DAYS]
    for n in range(3):
        chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=6, unique=True))
        out.append(ledger_file(n, {k: draw(report) for k in chosen}))
    return out


def run_ledger_sequence(files, toggles: list[int], check_every_step_results: bool) -> None:
    con = fresh()
    try:
        start = fetch_df(con, "select * from task_snapshot")
        batches: dict[int, int] = {}  # file → batch of the files imported now, in import order
        for n in toggles:
            if n in batches:
                undo(con, batches.pop(n))
            else:
                content, name, _ = files[n]
                preview, batch = send(con, content, name)
                assert batch is not None, [p.text() for p in preview.errors]
                batches[n] = batch
            check_snapshots(con, [(k, files[k][2]) for k in batches])
        check_results(con, files, list(batches))
        for n in list(batches):
            undo(con, batches.pop(n))
            check_snapshots(con, [(k, files[k][2]) for k in batches])
            if check_every_step_results and len(batches) == 2:  # after the first undo: two files left
                check_results(con, files, list(batches))
        assert len(fetch_df(con, "select * from task_snapshot")) == len(start) == 0
        assert con.execute("select count(*) from fact_claim").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.parametrize(
    "undo_order",
    [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)],
)
def test_three_ledgers_reporting_the_same_task_days_undone_in_every_order(undo_order):
    """Every file reports T1 on 03-15 and T2 on 04-10; the snapshot of the newest file still imported is live."""
    files = [
        ledger_file(
            0, {("T1", DAYS[1]): (20, "全程督查"), ("T2", DAYS[2]): (20, "全程督查"), ("T3", DAYS[0]): (10, "领办登记")}
        ),
        ledger_file(1, {("T1", DAYS[1]): (45.5, "即时反馈"), ("T2", DAYS[2]): (70, "即时反馈")}),
        ledger_file(
            2,
            {("T1", DAYS[1]): (100, "办结销号"), ("T2", DAYS[2]): (0, "领办登记"), ("T3", DAYS[0]): (100, "办结销号")},
        ),
    ]
    run_ledger_sequence(files, [0, 1, 2, *undo_order], check_every_step_results=True)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledger_files(), st.lists(st.integers(0, 2), min_size=1, max_size=8))
def test_overlapping_ledgers_imported_undone_and_imported_again_in_any_order(files, toggles):
    """``toggles``: each step imports file n when it is not imported now, else undoes it (so files are undone out of
    order and imported again after their undo); then the rest are undone."""
    run_ledger_sequence(files, toggles, check_every_step_results=False)


def test_undo_reports_the_snapshots_it_really_restored():
    """Undoing the middle one of three files that re-report a task's day: the first file's snapshot stays replaced
    (by the third), so nothing is restored; the CLI prints result['restored_snapshots'] as 恢复被替换的任务快照 N 条."""
    con = fresh()
    try:
        files = [ledger_file(n, {("T1", DAYS[1]): (10 * (n + 1), "全程督查")}) for n in range(3)]
        batches = [send(con, content, name)[1] for content, name, _ in files]
        result = undo(con, batches[1])
        assert live_snapshots(con) == [("T1", DAYS[1], 30.0, "全程督查", "文件2")]
        assert result["restored_snapshots"] == 0, result
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------------------
# Arena marks

PEOPLE = ["张三", "李四", "王五", "赵六", "孙七"]
ARENAS = ["业务擂台", "学习擂台"]
ARENA_DAYS = ["2022-03-05", "2022-04-09"]


def arena_file(n: int, marks: dict[tuple[str, str, str, str], float], topic: str | None) -> tuple[bytes, str, dict]:
    """File n: (day, arena, contestant, judge) → mark, every row under one topic (or none)."""
    rows = [ARENA_HEADER]
    for (day, arena, contestant, judge), mark in sorted(marks.items()):
        rows.append([day, arena, topic, contestant, judge, mark])
    return xlsx_bytes({f"擂台{n}": rows}), f"擂台{n}.xlsx", {"marks": marks, "topic": topic}


def stored_marks(con) -> dict[tuple, tuple]:
    rows = con.execute(
        """select strftime(m.event_date, '%Y-%m-%d'), m.arena, c.name, j.name, m.mark, m.topic
           from arena_mark m join person c on c.person_id = m.contestant_id join person j on j.person_id = m.judge_id"""
    ).fetchall()
    out = {tuple(r[:4]): (r[4], r[5]) for r in rows}
    assert len(out) == len(rows), f"a mark stored twice: {rows}"
    return out


def expected_marks(active: list[dict]) -> dict[tuple, tuple]:
    """Each mark of the files still imported, with the topic of the earliest of them that sent it."""
    out: dict[tuple, tuple] = {}
    for spec in active:
        for key, mark in spec["marks"].items():
            out.setdefault(key, (float(mark), spec["topic"]))
    return out


def arena_answers(con) -> dict[str, object]:
    cur = con.cursor()
    return {
        "results": arena_results.arena_results(cur, 2022),
        "spread": arena_results.judge_spread(cur, 2022),
        "json": arena_results.arena_json(cur, 2022),
    }


mark_key = st.tuples(
    st.sampled_from(ARENA_DAYS), st.sampled_from(ARENAS), st.sampled_from(PEOPLE[:2]), st.sampled_from(PEOPLE)
)


@st.composite
def arena_files(draw):
    """Three files over a small pool of marks; a key sent by two files carries the same mark unless the draw says
    otherwise (a corrected mark: refused while the other file is imported)."""
    pool = draw(st.lists(mark_key, min_size=2, max_size=8, unique=True))
    base = {k: draw(st.sampled_from([80, 85.5, 90])) for k in pool}
    out = []
    for n in range(3):
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=6, unique=True))
        changed = draw(st.booleans())
        marks = {k: base[k] for k in chosen}
        if changed:
            marks[chosen[0]] = base[chosen[0]] + 1
        out.append(arena_file(n, marks, draw(st.sampled_from([None, "一季度晒比", "业务比拼"]))))
    return out


def accepted(active: list[dict], spec: dict) -> bool:
    """Whether a file is imported now: no mark it sends differs from a stored one, nor fills its 主题 otherwise than
    the stored one (blank or another topic: the mark would move to another session), and at least one is new."""
    stored = expected_marks(active)
    if any(key in stored and stored[key][0] != float(mark) for key, mark in spec["marks"].items()):
        return False
    if spec["topic"] is not None and any(key in stored and stored[key][1] != spec["topic"] for key in spec["marks"]):
        return False
    return any(key not in stored for key in spec["marks"])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arena_files(), st.lists(st.integers(0, 2), min_size=1, max_size=8))
def test_overlapping_arena_files_imported_undone_and_imported_again_in_any_order(files, toggles):
    con = fresh()
    try:
        batches: dict[int, int] = {}
        for n in [*toggles, *range(3)]:  # ... then each file once more: the rest of the orders
            if n in batches:
                undo(con, batches.pop(n))
            else:
                content, name, spec = files[n]
                should = accepted([files[k][2] for k in batches], spec)
                preview, batch = send(con, content, name)
                assert (batch is not None) == should, [p.text() for p in preview.problems]
                if batch is not None:
                    batches[n] = batch
            active = [files[k][2] for k in batches]
            assert stored_marks(con) == expected_marks(active)
        alone = fresh()
        try:
            for n in batches:
                content, name, _ = files[n]
                assert send(alone, content, name)[1] is not None
            got = arena_answers(con)
            same(got, arena_answers(alone))
        finally:
            alone.close()
        for n in list(batches):
            undo(con, batches.pop(n))
            assert stored_marks(con) == expected_marks([files[k][2] for k in batches])
        assert con.execute("select count(*) from arena_mark").fetchone()[0] == 0
        assert con.execute("select count(*) from fact_claim").fetchone()[0] == 0
    finally:
        con.close()


@pytest.mark.parametrize("undo_first", [0, 1])
def test_a_mark_sent_again_survives_the_undo_of_either_file_with_the_remaining_files_topic(undo_first):
    key = ("2022-03-05", "业务擂台", "张三", "李四")
    first = arena_file(0, {key: 90, ("2022-03-05", "业务擂台", "张三", "王五"): 85}, "一季度晒比")
    second = arena_file(1, {key: 90, ("2022-03-05", "业务擂台", "李四", "王五"): 88}, None)
    con = fresh()
    try:
        batches = [send(con, content, name)[1] for content, name, _ in (first, second)]
        assert None not in batches
        assert con.execute("select count(*) from arena_mark").fetchone()[0] == 3
        undo(con, batches[undo_first])
        remaining = (first, second)[1 - undo_first]
        alone = fresh()
        try:
            assert send(alone, remaining[0], remaining[1])[1] is not None
            assert stored_marks(con) == stored_marks(alone)
            same(arena_answers(con), arena_answers(alone))
        finally:
            alone.close()
    finally:
        con.close()


def test_a_corrected_mark_is_refused_naming_the_batch_until_the_stored_one_is_undone():
    key = ("2022-03-05", "业务擂台", "张三", "李四")
    con = fresh()
    try:
        first = send(con, *arena_file(0, {key: 90}, None)[:2])[1]
        preview, batch = send(con, *arena_file(1, {key: 92, ("2022-03-05", "业务擂台", "张三", "王五"): 80}, None)[:2])
        assert batch is None
        assert any(f"#{first}" in p.text() and "90" in p.text() for p in preview.errors), [
            p.text() for p in preview.errors
        ]
        undo(con, first)
        content, name, _ = arena_file(1, {key: 92, ("2022-03-05", "业务擂台", "张三", "王五"): 80}, None)
        assert send(con, content, name)[1] is not None
        assert stored_marks(con)[key] == (92.0, None)
    finally:
        con.close()


def test_a_corrected_mark_names_every_batch_holding_the_stored_one():
    """The stored mark was sent by two files: the refusal names both (undoing only the one that wrote it would hand
    the mark to the other and the correction would be refused again), and once both are undone it goes in."""
    key = ("2022-03-05", "业务擂台", "张三", "李四")
    other = ("2022-03-05", "业务擂台", "张三", "王五")
    con = fresh()
    try:
        first = send(con, *arena_file(0, {key: 90}, None)[:2])[1]
        second = send(con, *arena_file(1, {key: 90, other: 85}, None)[:2])[1]
        assert first is not None and second is not None
        corrected = arena_file(2, {key: 92, ("2022-03-06", "业务擂台", "张三", "王五"): 80}, None)[:2]
        preview, batch = send(con, *corrected)
        assert batch is None
        assert any(f"#{first}、#{second}" in p.text() for p in preview.errors), [p.text() for p in preview.errors]
        undo(con, first)
        preview, batch = send(con, *corrected)  # the mark now stands in the second file
        assert batch is None and any(f"批次 #{second} 导入" in p.text() for p in preview.errors)
        undo(con, second)
        assert send(con, *corrected)[1] is not None
        assert stored_marks(con)[key] == (92.0, None)
    finally:
        con.close()


THREE_JUDGES = {"李四": 90, "王五": 80, "赵六": 70}


@pytest.mark.parametrize("order", ["blank first", "topic first"])
def test_a_topic_filled_in_by_a_later_file_gives_the_same_sessions_in_either_order(order):
    """File A marks 张三 with the 主题 blank; file B sends the same marks with the topic filled in, plus a sixth
    judge. Taking B's marks as claims of A's would leave three marks in a blank-topic session and one in the
    topic's: B first gives one session of four. So B after A is refused,
    naming A's batch and the column, and once A is undone B imports as it would alone; A after B adds nothing (a
    blank topic says nothing). Either way the arena results are those of B alone."""
    day = "2022-03-05"
    blank = arena_file(0, {(day, "业务擂台", "张三", j): m for j, m in THREE_JUDGES.items()}, None)
    filled = arena_file(
        1, {(day, "业务擂台", "张三", j): m for j, m in {**THREE_JUDGES, "孙七": 50}.items()}, "一季度晒比"
    )
    alone = fresh()
    con = fresh()
    try:
        assert send(alone, *filled[:2])[1] is not None
        if order == "blank first":
            a = send(con, *blank[:2])[1]
            preview, batch = send(con, *filled[:2])
            assert batch is None
            assert any(f"批次 #{a}" in p.text() and "「主题」未填写" in p.text() for p in preview.errors), [
                p.text() for p in preview.errors
            ]
            undo(con, a)
            assert send(con, *filled[:2])[1] is not None
            assert send(con, *blank[:2])[1] is None  # nothing new: every mark is B's, the blank topic says nothing
        else:
            assert send(con, *filled[:2])[1] is not None
            assert send(con, *blank[:2])[1] is None
        assert stored_marks(con) == stored_marks(alone)
        same(arena_answers(con), arena_answers(alone))
    finally:
        con.close()
        alone.close()
