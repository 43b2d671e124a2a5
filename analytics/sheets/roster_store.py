"""A roster plan stored and taken back: new sections and people, changed details, moves between sections (a
membership closed the day before and a new one opened), people who left; each change journalled in roster_change
with what it replaced, so undoing the batch puts the roster back as it was. After every change the events of the
people who moved follow them to the section they belonged to on each event's date.

Planned in Python, written set-based: each table takes one insert or update from an Arrow table of all the rows of
the upload (a city's roster is 5,000 people; a statement per person cost seconds). The result is the same, table by
table, as writing one person, membership and move at a time (tests/sheets/roster_rowwise.py keeps that write as the
oracle of tests/sheets/test_roster_bulk.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from analytics.errors import UndoRefused
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.people import People
from analytics.sheets.roster import RosterPlan
from analytics.store.db import Con, fetch_df, scalar
from analytics.store.membership import section_on_sql

# Every stored column naming a person, over the declared fact kinds: (batch_id, person_id) rows.
PERSON_REFERENCES = " union all ".join(
    f"select batch_id, {column} as person_id from {kind.table}"
    for kind in FACT_KINDS.values()
    for column in kind.person_columns
)
# Facts whose section follows the person: attributed to the section of the membership in force on the fact's date.
SECTIONED: tuple[str, ...] = tuple(k.table for k in FACT_KINDS.values() if k.table and k.section_follows_person)


# The Arrow type of every column the roster write stages (person and section ids are integer columns).
_TYPES = {
    "section_id": pa.int32(),
    "name": pa.string(),
    "sort_order": pa.int32(),
    "person_id": pa.int32(),
    "staff_no": pa.string(),
    "title": pa.string(),
    "category": pa.string(),
    "left_on": pa.date32(),
    "valid_from": pa.date32(),
    "valid_to": pa.date32(),
    "batch_id": pa.int32(),
    "source_file": pa.string(),
    "sheet": pa.string(),
    "row_no": pa.int32(),
    "action": pa.string(),
    "before_json": pa.string(),
    "open_section": pa.int32(),
    "open_from": pa.date32(),
}
_TEXT = {"name", "staff_no", "title", "category", "source_file", "sheet", "action", "before_json"}
_DAYS = {"left_on", "valid_from", "valid_to", "open_from"}


def _value(column: str, value: Any) -> Any:
    """A planned value as the column stores it: what binding it as a statement parameter would have stored."""
    if value is None:
        return None
    if column in _TEXT and not isinstance(value, str):
        return str(value)
    if column in _DAYS:
        if isinstance(value, str):
            return date.fromisoformat(value)  # the journal keeps days as ISO text
        if isinstance(value, datetime):
            return value.date()
    return value


@contextmanager
def _staged(cur: Con, columns: dict[str, list]) -> Iterator[None]:
    """The planned rows as the relation `staged` (one Arrow table, column by column) for one set-based statement."""
    table = pa.table({k: pa.array([_value(k, v) for v in values], _TYPES[k]) for k, values in columns.items()})
    cur.complete()  # an unread earlier result (fetchone) would make register() fail
    cur.register("staged", table)
    try:
        yield
    finally:
        cur.unregister("staged")


def _insert(cur: Con, table: str, columns: dict[str, list]) -> None:
    """All the planned rows of a table in one insert."""
    names = ", ".join(columns)
    with _staged(cur, columns):
        cur.execute(f"insert into {table} ({names}) select {names} from staged")


def _set_people(cur: Con, columns: dict[str, list]) -> None:
    """Overwrite the details of the people listed (person_id, name, staff_no, title, category, left_on) in one
    update."""
    with _staged(cur, columns):
        cur.execute(
            """
            update person set name = s.name, staff_no = s.staff_no, title = s.title, category = s.category,
                              left_on = s.left_on
            from staged s where person.person_id = s.person_id
            """
        )


def _draw(cur: Con, sequence: str, n: int) -> list[int]:
    """n values of a sequence in ascending order, in one statement: what n calls of next_id in a row give."""
    if sequence not in {"seq_person", "seq_section"}:
        raise ValueError(sequence)
    if n == 0:
        return []
    return sorted(r[0] for r in cur.execute(f"select nextval('{sequence}') from range($n)", {"n": n}).fetchall())


def _befores(cur: Con, person_ids: list[int]) -> list[tuple[int, dict]]:
    """Each stored person's fields and open membership as stored, for the journal, in the order given (people not
    stored are left out). A person with two open memberships shows the first stored, as a scan would give it."""
    if not person_ids:
        return []
    rows = cur.execute(
        """
        select p.person_id, p.name, p.staff_no, p.title, p.category, p.left_on, m.section_id, m.valid_from
        from person p
        left join (
            select person_id, arg_min(section_id, rowid) as section_id, arg_min(valid_from, rowid) as valid_from
            from membership
            where valid_to is null and person_id in (select unnest($pids::integer[]))
            group by person_id
        ) m using (person_id)
        where p.person_id in (select unnest($pids::integer[]))
        """,
        {"pids": person_ids},
    ).fetchall()
    stored = {r[0]: r for r in rows}
    out = []
    for pid in person_ids:
        if pid not in stored:
            continue
        _, name, staff_no, title, category, left_on, open_section, open_from = stored[pid]
        before = {
            "name": name,
            "staff_no": staff_no,
            "title": title,
            "category": category,
            "left_on": left_on.isoformat() if left_on else None,
            "open_section": open_section,
            "open_from": open_from.isoformat() if open_section is not None else None,
        }
        out.append((pid, before))
    return out


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
    those of ``earlier`` included (the ids the file's earlier roster sheets gave: a later sheet is planned against
    their result, so it can move or change a person or use a section they created).

    Every table is written once: new sections, new people, the changed people's details, the open memberships that
    moves close, the memberships that inserts and moves open, and the journal."""
    ids: dict[int, int] = dict(earlier or {})
    # A real person id → its key in `after` (people only: a section's real id can equal a person's).
    planned_as = {real: temp for temp, real in ids.items() if temp in after.people}
    journal: list[tuple[str, int | None, int | None, str | None]] = []  # action, person_id, section_id, before_json
    lineage = {"batch_id": batch_id, "source_file": file_name, "sheet": sheet}

    def lineage_of(n: int) -> dict[str, list]:
        return {k: [v] * n for k, v in lineage.items()}

    if plan.new_sections:
        temps = list(plan.new_sections)
        sids = _draw(cur, "seq_section", len(temps))
        order = scalar(cur, "select coalesce(max(sort_order), 0) from section")
        names = [plan.new_sections[t] for t in temps]
        _insert(
            cur, "section", {"section_id": sids, "name": names, "sort_order": [order + 1 + i for i in range(len(sids))]}
        )
        ids.update(zip(temps, sids))
        journal += [("section", None, sid, None) for sid in sids]

    inserted = [after.people[ins["person_id"]] for ins in plan.inserts]
    pids = _draw(cur, "seq_person", len(inserted))
    ids.update((record.person_id, pid) for record, pid in zip(inserted, pids))
    if inserted:
        rows = [ins["row"] for ins in plan.inserts]
        _insert(
            cur,
            "person",
            {
                "person_id": pids,
                "name": [r.name for r in inserted],
                "staff_no": [r.staff_no for r in inserted],
                "title": [r.title for r in inserted],
                "category": [r.category for r in inserted],
                "left_on": [r.left_on for r in inserted],
                **lineage_of(len(pids)),
                "row_no": rows,
            },
        )
        journal += [("insert", pid, None, None) for pid in pids]

    # Snapshots of the stored people the plan changes, taken before any of their rows are written. A person this
    # batch already journalled (an earlier roster sheet of the same file) keeps that first snapshot alone: it is the
    # roster as it was before the file, which is what undoing the batch restores.
    touched = {u["person_id"] for u in plan.updates} | {m["person_id"] for m in plan.moves}
    touched |= {x["person_id"] for x in plan.leaves} | set(plan.returns)
    befores = _befores(cur, sorted(p for p in (ids.get(t, t) for t in touched) if p > 0))
    journalled = set(_journalled(cur, batch_id, "update")) | set(_journalled(cur, batch_id, "insert"))
    if befores:
        changed = [after.people[planned_as.get(pid, pid)] for pid, _ in befores]
        _set_people(
            cur,
            {
                "person_id": [pid for pid, _ in befores],
                "name": [r.name for r in changed],
                "staff_no": [r.staff_no for r in changed],
                "title": [r.title for r in changed],
                "category": [r.category for r in changed],
                "left_on": [r.left_on for r in changed],
            },
        )
        journal += [
            ("update", pid, None, json.dumps(before, ensure_ascii=False))
            for pid, before in befores
            if pid not in journalled
        ]

    # Memberships, played through in plan order as PersonRecord.move does: an insert opens one; a move closes the
    # person's open membership the day before and opens another. A membership opened here is closed in the planned
    # row itself; one already stored (at most one a person: its first move) by one update, before the inserts.
    opened: list[list[Any]] = []  # person_id, section_id, valid_from, valid_to, row_no
    open_at: dict[int, int] = {}  # person → index in opened of the membership open now
    closed: dict[int, date] = {}  # stored person → valid_to of the open membership stored
    for ins, pid in zip(plan.inserts, pids):
        first = after.people[ins["person_id"]].memberships[0]
        open_at[pid] = len(opened)
        opened.append([pid, ids.get(first.section_id, first.section_id), first.valid_from, None, ins["row"]])
    for move in plan.moves:
        pid = ids.get(move["person_id"], move["person_id"])
        if pid in open_at:
            opened[open_at[pid]][3] = move["on"] - timedelta(days=1)
        else:
            closed[pid] = move["on"] - timedelta(days=1)
        open_at[pid] = len(opened)
        opened.append([pid, ids.get(move["section_id"], move["section_id"]), move["on"], None, move["row"]])
    if closed:
        with _staged(cur, {"person_id": list(closed), "valid_to": list(closed.values())}):
            cur.execute(
                """
                update membership set valid_to = s.valid_to
                from staged s where membership.person_id = s.person_id and membership.valid_to is null
                """
            )
    if opened:
        spans = list(zip(*opened))
        _insert(
            cur,
            "membership",
            {
                "person_id": list(spans[0]),
                "section_id": list(spans[1]),
                "valid_from": list(spans[2]),
                "valid_to": list(spans[3]),
                **lineage_of(len(opened)),
                "row_no": list(spans[4]),
            },
        )

    if journal:
        actions, people, sections, before_json = (list(c) for c in zip(*journal))
        _insert(
            cur,
            "roster_change",
            {
                "batch_id": [batch_id] * len(journal),
                "action": actions,
                "person_id": people,
                "section_id": sections,
                "before_json": before_json,
            },
        )
    moved = [ids.get(m["person_id"], m["person_id"]) for m in plan.moves]
    resection(cur, [p for p in moved if p > 0])
    return ids


def resection(cur: Con, person_ids: list[int]) -> None:
    """Put every event of these people in the section they belonged to on the event's date (store.membership.section_on_sql:
    the rule PersonRecord.section_on follows when an upload is checked). Run after every roster change, so a move dated 3月1日 reaches
    April's points whichever file arrived first."""
    if not person_ids:
        return
    for table in SECTIONED:
        cur.execute(
            f"""
            update {table} f set section_id = coalesce({section_on_sql("f.person_id", "f.event_date")}, f.section_id)
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
    journalled = cur.execute(
        "select person_id, before_json from roster_change where batch_id = ? and action = 'update'"
        " order by person_id, rowid",
        [batch_id],
    ).fetchall()
    # One snapshot a person: the first written, the roster as it was before the file. (A batch written before
    # apply_roster journalled a person once may hold a later snapshot too, taken after an earlier sheet of the
    # same file; restoring it would leave that sheet's changes.)
    first: dict[int, dict] = {}
    for pid, before_json in journalled:
        first.setdefault(pid, json.loads(before_json))
    befores = list(first.items())
    if first:
        _set_people(
            cur,
            {
                "person_id": list(first),
                **{
                    key: [b[key] for b in first.values()]
                    for key in ("name", "staff_no", "title", "category", "left_on")
                },
            },
        )
    reopened = [(pid, b["open_section"], b["open_from"]) for pid, b in befores if b["open_section"] is not None]
    if reopened:
        # The memberships this batch opened go; the ones it closed open again. Each person's rows are their own, so
        # all deletions before all reopenings is what person after person would do.
        pids, sections, days = (list(c) for c in zip(*reopened))
        with _staged(cur, {"person_id": pids, "open_section": sections, "open_from": days}):
            cur.execute(
                "delete from membership where batch_id = $batch and person_id in (select person_id from staged)",
                {"batch": batch_id},
            )
            cur.execute(
                """
                update membership set valid_to = null
                from (select distinct person_id, open_section, open_from from staged) s
                where membership.person_id = s.person_id and membership.section_id = s.open_section
                  and membership.valid_from = s.open_from
                """
            )
    if inserted:
        cur.execute("delete from membership where person_id in (select unnest(?))", [inserted])
        cur.execute("delete from person where person_id in (select unnest(?))", [inserted])
    resection(cur, _journalled(cur, batch_id, "update"))
    sections_added = _journalled(cur, batch_id, "section", "section_id")
    if sections_added:
        in_use = scalar(
            cur,
            """
            select count(*) from (select unnest($sids::integer[]) as section_id) s
            where exists (select 1 from membership m where m.section_id = s.section_id)
               or exists (select 1 from task_snapshot t where t.section_id = s.section_id)
            """,
            {"sids": sections_added},
        )
        if in_use:
            raise UndoRefused("这份名单新增的科室已被后来的导入引用：请先撤销引用它的批次，再撤销名单。")
        cur.execute(
            "delete from section where section_id in (select unnest($sids::integer[]))", {"sids": sections_added}
        )
    cur.execute("delete from roster_change where batch_id = ?", [batch_id])


def refuse_if_changed_later(cur: Con, batch_id: int, people: list[int]) -> None:
    """Refuse to undo a roster batch while a later committed roster batch changed the same people: it was planned
    against this one's result, so restoring this one's snapshots would undo its changes too (and leave two open
    memberships). Newest first, as for the people a batch added that later files name."""
    if not people:
        return
    later = fetch_df(
        cur,
        """
        select distinct b.batch_id, b.file_name
        from roster_change c join import_batch b using (batch_id)
        where c.action = 'update' and c.person_id in (select unnest(?)) and c.batch_id > ?
          and b.status = 'committed'
        order by b.batch_id
        """,
        [people, batch_id],
    )
    if len(later):
        listed = "、".join(f"#{r.batch_id}（{r.file_name}）" for r in later.itertuples())
        raise UndoRefused(f"这份名单调整过的人员，后来的名单又做了调整：{listed}。请先撤销这些批次，再撤销这份名单。")
