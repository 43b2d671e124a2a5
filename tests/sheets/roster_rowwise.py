"""The roster write as it was before it became set-based: one statement per section, person, membership and move,
and undo person by person. Kept verbatim as the oracle the set-based write in analytics.sheets.roster_store is
compared with (tests/sheets/test_roster_bulk.py, bench/roster_ab.py); not used by the product."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from analytics.errors import UndoRefused
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.people import People
from analytics.sheets.roster import RosterPlan
from analytics.sheets.roster_store import refuse_if_changed_later
from analytics.store.db import Con, fetch_df, next_id, scalar

# Every stored column naming a person, over the declared fact kinds: (batch_id, person_id) rows.
PERSON_REFERENCES = " union all ".join(
    f"select batch_id, {column} as person_id from {kind.table}"
    for kind in FACT_KINDS.values()
    for column in kind.person_columns
)
# Facts whose section follows the person: attributed to the section of the membership in force on the fact's date.
SECTIONED: tuple[str, ...] = tuple(k.table for k in FACT_KINDS.values() if k.table and k.section_follows_person)


class _Lineage:
    """Where the roster rows of one upload come from: its batch, file and sheet."""

    def __init__(self, batch_id: int, file_name: str, sheet: str):
        self.batch_id, self.file_name, self.sheet = batch_id, file_name, sheet

    def open_membership(self, cur: Con, pid: int, section_id: int, since: date, row: int | None) -> None:
        cur.execute(
            "insert into membership values (?, ?, ?, null, ?, ?, ?, ?)",
            [pid, section_id, since, self.batch_id, self.file_name, self.sheet, row],
        )

    def move(self, cur: Con, pid: int, section_id: int, on: date, row: int | None) -> None:
        """PersonRecord.move in the database: the open membership ends the day before, a new one opens on `on`."""
        cur.execute(
            "update membership set valid_to = ? where person_id = ? and valid_to is null", [on - timedelta(days=1), pid]
        )
        self.open_membership(cur, pid, section_id, on, row)


def _set_person(cur: Con, pid: int, name: Any, staff_no: Any, title: Any, category: Any, left_on: Any) -> None:
    cur.execute(
        "update person set name = ?, staff_no = ?, title = ?, category = ?, left_on = ? where person_id = ?",
        [name, staff_no, title, category, left_on, pid],
    )


def _before(cur: Con, pid: int) -> dict | None:
    """A person's fields and open membership as stored, for the journal (None for a person not stored)."""
    row = cur.execute(
        "select name, staff_no, title, category, left_on from person where person_id = ?", [pid]
    ).fetchone()
    if row is None:
        return None
    open_membership = cur.execute(
        "select section_id, valid_from from membership where person_id = ? and valid_to is null", [pid]
    ).fetchone()
    return {
        "name": row[0],
        "staff_no": row[1],
        "title": row[2],
        "category": row[3],
        "left_on": row[4].isoformat() if row[4] else None,
        "open_section": open_membership[0] if open_membership else None,
        "open_from": open_membership[1].isoformat() if open_membership else None,
    }


def apply_roster(
    cur: Con,
    plan: RosterPlan,
    after: People,
    batch_id: int,
    file_name: str,
    sheet: str,
    earlier: dict[int, int] | None = None,
) -> dict[int, int]:
    """Write a roster plan inside the caller's transaction; returns temporary id → real id for people and sections,
    those the file's earlier roster sheets gave (``earlier``) included."""
    lineage = _Lineage(batch_id, file_name, sheet)
    ids: dict[int, int] = dict(earlier or {})
    planned_as = {real: temp for temp, real in ids.items() if temp in after.people}
    journal: list[list[Any]] = []  # roster_change rows: batch_id, action, person_id, section_id, before_json
    order = scalar(cur, "select coalesce(max(sort_order), 0) from section")
    for temp, name in plan.new_sections.items():
        sid = next_id(cur, "seq_section")
        order += 1
        cur.execute("insert into section values (?, ?, ?)", [sid, name, order])
        journal.append([batch_id, "section", None, sid, None])
        ids[temp] = sid
    for ins in plan.inserts:
        record = after.people[ins["person_id"]]
        pid = next_id(cur, "seq_person")
        ids[record.person_id] = pid
        cur.execute(
            "insert into person values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                pid,
                record.name,
                record.staff_no,
                record.title,
                record.category,
                record.left_on,
                batch_id,
                file_name,
                sheet,
                ins["row"],
            ],
        )
        m = record.memberships[0]
        lineage.open_membership(cur, pid, ids.get(m.section_id, m.section_id), m.valid_from, ins["row"])
        journal.append([batch_id, "insert", pid, None, None])
    touched = {u["person_id"] for u in plan.updates} | {m["person_id"] for m in plan.moves}
    touched |= {x["person_id"] for x in plan.leaves} | set(plan.returns)
    touched = {ids.get(t, t) for t in touched}
    # A person an earlier sheet of the same file journalled keeps that first snapshot alone.
    journalled = set(_journalled(cur, batch_id, "update")) | set(_journalled(cur, batch_id, "insert"))
    for pid in sorted(p for p in touched if p > 0):
        before = _before(cur, pid)
        if before is None:
            continue  # a person the plan names is always stored; nothing to snapshot otherwise
        record = after.people[planned_as.get(pid, pid)]
        _set_person(cur, pid, record.name, record.staff_no, record.title, record.category, record.left_on)
        if pid not in journalled:
            journal.append([batch_id, "update", pid, None, json.dumps(before, ensure_ascii=False)])
    for move in plan.moves:
        pid = ids.get(move["person_id"], move["person_id"])
        lineage.move(cur, pid, ids.get(move["section_id"], move["section_id"]), move["on"], move["row"])
    if journal:
        cur.executemany("insert into roster_change values (?, ?, ?, ?, ?)", journal)
    moved = [ids.get(m["person_id"], m["person_id"]) for m in plan.moves]
    resection(cur, [p for p in moved if p > 0])
    return ids


def resection(cur: Con, person_ids: list[int]) -> None:
    """Put every event of these people in the section they belonged to on the event's date (the membership in force
    then; before the first membership, the first). Run after every roster change, so a move dated 3月1日 reaches
    April's points whichever file arrived first."""
    if not person_ids:
        return
    for table in SECTIONED:
        cur.execute(
            f"""
            update {table} f set section_id = coalesce(
                (select arg_max(m.section_id, m.valid_from) from membership m
                 where m.person_id = f.person_id and m.valid_from <= f.event_date),
                (select arg_min(m.section_id, m.valid_from) from membership m where m.person_id = f.person_id),
                f.section_id)
            where f.person_id in (select unnest(?::integer[]))
            """,
            [sorted(set(person_ids))],
        )


def _journalled(cur: Con, batch_id: int, action: str, column: str = "person_id") -> list[int]:
    """The people (or sections) a roster batch changed by one action: insert, update or section."""
    return [
        r[0]
        for r in cur.execute(
            f"select {column} from roster_change where batch_id = ? and action = ?", [batch_id, action]
        ).fetchall()
    ]


def undo_roster(cur: Con, batch_id: int) -> None:
    """Put the roster back as it was before a roster batch; refuse when live records name people it added."""
    inserted = _journalled(cur, batch_id, "insert")
    if inserted:
        used = fetch_df(
            cur,
            f"""
            select distinct b.batch_id, b.file_name
            from ({PERSON_REFERENCES}) f join import_batch b using (batch_id)
            where f.person_id in (select unnest(?)) and b.status = 'committed' and b.batch_id <> ?
            order by b.batch_id
            """,
            [inserted, batch_id],
        )
        if len(used):
            listed = "、".join(f"#{r.batch_id}（{r.file_name}）" for r in used.itertuples())
            raise UndoRefused(f"这份名单新增的人员已被后来的导入引用：{listed}。请先撤销这些批次，再撤销名单。")
    refuse_if_changed_later(cur, batch_id, inserted + _journalled(cur, batch_id, "update"))
    restored: set[int] = set()
    for pid, before_json in cur.execute(
        "select person_id, before_json from roster_change where batch_id = ? and action = 'update'"
        " order by person_id, rowid",
        [batch_id],
    ).fetchall():
        if pid in restored:
            continue  # the first snapshot is the roster before the file
        restored.add(pid)
        before = json.loads(before_json)
        _set_person(
            cur, pid, before["name"], before["staff_no"], before["title"], before["category"], before["left_on"]
        )
        if before["open_section"] is not None:
            cur.execute("delete from membership where person_id = ? and batch_id = ?", [pid, batch_id])
            cur.execute(
                "update membership set valid_to = null where person_id = ? and section_id = ? and valid_from = ?",
                [pid, before["open_section"], before["open_from"]],
            )
    if inserted:
        cur.execute("delete from membership where person_id in (select unnest(?))", [inserted])
        cur.execute("delete from person where person_id in (select unnest(?))", [inserted])
    resection(cur, _journalled(cur, batch_id, "update"))
    for sid in _journalled(cur, batch_id, "section", "section_id"):
        in_use = scalar(
            cur,
            """
            select (select count(*) from membership where section_id = $sid)
                 + (select count(*) from task_snapshot where section_id = $sid)
            """,
            {"sid": sid},
        )
        if in_use:
            raise UndoRefused("这份名单新增的科室已被后来的导入引用：请先撤销引用它的批次，再撤销名单。")
        cur.execute("delete from section where section_id = ?", [sid])
    cur.execute("delete from roster_change where batch_id = ?", [batch_id])
