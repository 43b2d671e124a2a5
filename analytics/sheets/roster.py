"""The roster: who is who (姓名, 工号, 科室 over time), resolving names typed in sheets to people, and applying or undoing a
roster upload (new people, changed details, moves between sections, people who left)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from analytics.errors import UndoRefused
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.normalize import clean_name, clean_text
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.store.db import Con, fetch_df, next_id, scalar

_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


@dataclass
class Membership:
    section_id: int
    valid_from: date
    valid_to: date | None


@dataclass
class PersonRecord:
    person_id: int
    name: str
    staff_no: str | None
    title: str | None
    category: str | None
    left_on: date | None
    memberships: list[Membership] = field(default_factory=list)

    def section_on(self, day: date) -> int:
        """The section on a day; before the first membership the first, after the last the last."""
        spans = self.memberships
        for m in spans:
            if m.valid_from <= day and (m.valid_to is None or day <= m.valid_to):
                return m.section_id
        if day < spans[0].valid_from:
            return spans[0].section_id
        return spans[-1].section_id

    @property
    def current_section(self) -> int:
        return self.memberships[-1].section_id


class People:
    """The roster in memory, for resolving the names of one upload. Cheap to build: a department has ~100 people."""

    def __init__(self, people: dict[int, PersonRecord], sections: dict[int, str]):
        self.people = people
        self.sections = sections
        self._index()

    def _index(self) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.by_staff: dict[str, int] = {}
        for pid, p in self.people.items():
            self.by_name.setdefault(p.name, []).append(pid)
            if p.staff_no:
                self.by_staff[clean_text(p.staff_no)] = pid
        self.section_by_key = {clean_text(name): sid for sid, name in self.sections.items()}

    @classmethod
    def load(cls, cur: Con) -> People:
        sections = dict(cur.execute("select section_id, name from section").fetchall())
        rows = cur.execute(
            """
            select p.person_id, p.name, p.staff_no, p.title, p.category, p.left_on,
                   m.section_id, m.valid_from, m.valid_to
            from person p join membership m using (person_id)
            order by p.person_id, m.valid_from
            """
        ).fetchall()
        people: dict[int, PersonRecord] = {}
        for pid, name, staff, title, category, left_on, sid, start, end in rows:
            record = people.get(pid)
            if record is None:
                record = people[pid] = PersonRecord(pid, name, staff, title, category, left_on)
            record.memberships.append(Membership(sid, start, end))
        return cls(people, sections)

    def describe(self, pid: int) -> str:
        p = self.people[pid]
        parts = [self.sections.get(p.current_section, "")]
        if p.staff_no:
            parts.append(f"工号 {p.staff_no}")
        return f"{p.name}（{'，'.join(x for x in parts if x)}）"

    def section_id(self, text: Any) -> int | None:
        return self.section_by_key.get(clean_text(text))

    def suggest_sections(self, text: Any) -> list[str]:
        keys = list(self.section_by_key)
        hits = difflib.get_close_matches(clean_text(text), keys, n=3, cutoff=0.3)
        return [self.sections[self.section_by_key[k]] for k in hits]

    def suggest_names(self, name: str, n: int = 3) -> list[str]:
        """Roster names closest to a mistyped one: 张3 → 张三 first (digits read as numerals), then by likeness."""
        if not name:
            return []
        spelled = name.translate(_NUMERALS)
        scored = []
        for candidate in self.by_name:
            score = difflib.SequenceMatcher(None, spelled, candidate).ratio()
            if candidate == spelled:
                score += 1
            if candidate[:1] == name[:1]:
                score += 0.1
            if score >= 0.45:
                scored.append((-score, candidate))
        return [c for _, c in sorted(scored)[:n]]

    def resolve_one(self, name: str, section: Any, staff_no: Any) -> tuple[int | None, str | None, str | None]:
        """(person_id, error, warning) for what a row says about a person."""
        staff_key = clean_text(staff_no)
        if staff_key:
            pid = self.by_staff.get(staff_key)
            if pid is None:
                return None, f"工号“{staff_no}”不在人员名单中：请核对工号，或先导入包含此人的人员名单", None
            if name and self.people[pid].name != name:
                return None, f"工号 {staff_no} 在名单中是“{self.people[pid].name}”，与姓名“{name}”不一致：请核对", None
            return pid, None, None
        if not name:
            return None, "姓名不能为空", None
        candidates = self.by_name.get(name, [])
        if not candidates:
            close = self.suggest_names(name)
            hint = f"最接近的有：{'、'.join(close)}。" if close else ""
            return None, f"“{name}”不在人员名单中。{hint}请核对姓名，或先导入包含此人的人员名单", None
        section_key = clean_text(section)
        if len(candidates) == 1:
            pid = candidates[0]
            warning = None
            if section_key:
                sid = self.section_by_key.get(section_key)
                if sid is None or all(m.section_id != sid for m in self.people[pid].memberships):
                    warning = f"名单中{self.describe(pid)}的科室与表中“{section}”不同，按人员名单的科室统计"
            return pid, None, warning
        if section_key:
            sid = self.section_by_key.get(section_key)
            matching = [
                p
                for p in candidates
                if sid is not None and any(m.section_id == sid for m in self.people[p].memberships)
            ]
            if len(matching) == 1:
                return matching[0], None, None
        who = "、".join(self.describe(p) for p in candidates)
        return None, f"名单中有 {len(candidates)} 位“{name}”：{who}。请填写「科室」或「工号」列以区分", None

    def resolve(
        self,
        frame: pd.DataFrame,
        name_key: str = "name",
        dates: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, str]]]:
        """Person and section (on the row's date) for every row; problems as (row position, level, message).

        Works per distinct (name, 科室, 工号): an upload of 100,000 rows names only a few dozen people."""
        n = len(frame)
        keys = [name_key] + ([k for k in ("section", "staff_no") if k in frame] if name_key == "name" else [])
        codes = np.zeros(n, dtype=np.int64)
        factors = []
        for key in keys:
            c, u = pd.factorize(frame[key], use_na_sentinel=False)
            codes = codes * (len(u) + 1) + c
            factors.append((c, u))
        codes, combos = pd.factorize(codes)
        # The first row of each combination, to read its raw values back.
        first = np.full(len(combos), -1, dtype=np.int64)
        first[codes[::-1]] = np.arange(n - 1, -1, -1)
        resolved = []
        for pos in first:
            raw = {key: u[c[pos]] for key, (c, u) in zip(keys, factors)}
            resolved.append(
                self.resolve_one(clean_name(raw[name_key]), raw.get("section", ""), raw.get("staff_no", ""))
            )
        pid_u = np.array([r[0] if r[0] is not None else 0 for r in resolved], dtype=np.int64)
        person_ids = pid_u[codes] if n else np.zeros(0, dtype=np.int64)
        problems: list[tuple[int, str, str]] = []
        for u, (_pid, error, warning) in enumerate(resolved):
            if error or warning:
                for pos in np.flatnonzero(codes == u):
                    problems.append((int(pos), ERROR if error else WARNING, error or warning or ""))
        sections = np.zeros(n, dtype=np.int64)
        if n:
            sid_u = np.array(
                [self.people[r[0]].current_section if r[0] is not None else 0 for r in resolved], dtype=np.int64
            )
            sections = sid_u[codes]
            if dates is not None:
                # Only people who changed section need the date of each row.
                movers = [
                    (u, r[0])
                    for u, r in enumerate(resolved)
                    if r[0] is not None and len(self.people[r[0]].memberships) > 1
                ]
                for u, mover in movers:
                    record = self.people[mover]
                    rows = np.flatnonzero(codes == u)
                    sections[rows] = [
                        record.section_on(dates[r]) if dates[r] is not None else record.current_section for r in rows
                    ]
        return person_ids, sections, problems

    def left_warning(self, pid: int, day: date) -> str | None:
        p = self.people.get(pid)
        if p and p.left_on and day > p.left_on:
            return f"{p.name} 已于 {p.left_on:%Y-%m-%d} 离岗，此记录日期在其后：请核对"
        return None


# Every stored column naming a person, over the declared fact kinds: (batch_id, person_id) rows.
PERSON_REFERENCES = " union all ".join(
    f"select batch_id, {column} as person_id from {kind.table}"
    for kind in FACT_KINDS.values()
    for column in kind.person_columns
)

# Roster uploads ----------------------------------------------------------------------------------

LEFT_WORDS = ("离岗", "调离", "退休", "离职", "调出", "辞职", "已离岗", "不在岗")


@dataclass
class RosterPlan:
    """What a roster upload will do; ids below zero are people or sections it creates."""

    new_sections: dict[int, str] = field(default_factory=dict)
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)  # person_id + changed fields
    moves: list[dict] = field(default_factory=list)  # person_id, section_id, on
    leaves: list[dict] = field(default_factory=list)  # person_id, on
    returns: list[int] = field(default_factory=list)  # people who had left and are back
    unchanged: int = 0
    # Rows the clerk must decide: a name that exists only in another section, with no 工号 or 调整日期 to tell a
    # move from a second person of the same name. {"row", "name", "now", "to"}; refused until decided.
    questions: list[dict] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.inserts) + len(self.updates) + len(self.moves) + len(self.leaves) + len(self.returns)

    def summary(self) -> str:
        parts = [f"新增 {len(self.inserts)} 人"]
        if self.updates:
            parts.append(f"更新信息 {len(self.updates)} 人")
        if self.moves:
            parts.append(f"调整科室 {len(self.moves)} 人")
        if self.leaves:
            parts.append(f"标记离岗 {len(self.leaves)} 人")
        if self.returns:
            parts.append(f"恢复在岗 {len(self.returns)} 人")
        if self.new_sections:
            parts.append(f"新增科室 {len(self.new_sections)} 个")
        parts.append(f"未变 {self.unchanged} 人")
        return "，".join(parts)


def plan_roster(
    people: People,
    rows: pd.DataFrame,
    sheet: str,
    headers: dict[str, str],
    default_on: date,
    campaign_start: date,
    mark_missing_left: bool = False,
    decisions: dict[int, str] | None = None,
    same_name: str | None = None,
) -> tuple[RosterPlan, People, list[Problem]]:
    """Compare a roster sheet with the roster; returns the plan, the roster as it would be after it, and problems.

    ``rows`` has clean columns name, section, title, category, staff_no, status, changed_on (date or None), _row.
    ``decisions`` (Excel row → 'move' | 'new') and ``same_name`` (for every such row) settle the rows whose name
    exists only in another section; without them those rows are refused, never merged silently."""
    decisions = decisions or {}
    plan = RosterPlan()
    problems: list[Problem] = []
    after = People({pid: _copy(p) for pid, p in people.people.items()}, dict(people.sections))
    first_load = not people.people
    next_temp = [-1]

    def temp_id() -> int:
        value = next_temp[0]
        next_temp[0] -= 1
        return value

    def problem(level: str, row: int, key: str | None, value: Any, message: str) -> None:
        problems.append(
            Problem(
                level, sheet, row, headers.get(key) if key else None, None if value is None else str(value), message
            )
        )

    seen_staff: dict[str, int] = {}
    seen_name_section: dict[tuple[str, str], int] = {}
    matched: set[int] = set()
    for rec in rows.to_dict("records"):
        row = rec["_row"]
        name, section_text, staff = rec["name"], rec["section"], rec.get("staff_no")
        staff_key = clean_text(staff)
        if staff_key:
            if staff_key in seen_staff:
                problem(
                    ERROR,
                    row,
                    "staff_no",
                    staff,
                    f"工号 {staff} 与第 {seen_staff[staff_key]} 行重复：一个工号只能对应一人",
                )
                continue
            seen_staff[staff_key] = row
        pair = (name, clean_text(section_text))
        if not staff_key and pair in seen_name_section:
            problem(
                ERROR,
                row,
                "name",
                name,
                f"与第 {seen_name_section[pair]} 行是同一科室的同名人员：如确为两人，请填写「工号」区分",
            )
            continue
        seen_name_section[pair] = row

        sid = after.section_id(section_text)
        if sid is None:
            sid = temp_id()
            after.sections[sid] = section_text.strip()
            after.section_by_key[clean_text(section_text)] = sid
            plan.new_sections[sid] = section_text.strip()
            if not first_load:
                close = people.suggest_sections(section_text)
                hint = f"（已有科室中最接近的是：{'、'.join(close)}）" if close else ""
                problem(
                    WARNING, row, "section", section_text, f"“{section_text}”是新科室，将新建{hint}。如为笔误请更正"
                )

        status = clean_text(rec.get("status"))
        leaving = any(w in status for w in LEFT_WORDS) if status else False
        on = rec.get("changed_on") or default_on

        pid = _match_existing(after, name, sid, staff_key, problem, row)
        if pid == "elsewhere":
            pid = _settle_same_name(
                after, plan, problem, rec, sid, matched, decisions.get(row) or same_name, section_text
            )
        if pid == "ambiguous":
            continue
        if pid is None:
            pid = temp_id()
            start = rec.get("changed_on") or campaign_start
            record = PersonRecord(
                pid,
                name,
                staff or None,
                rec.get("title"),
                rec.get("category"),
                on if leaving else None,
                [Membership(sid, start, None)],
            )
            after.people[pid] = record
            plan.inserts.append({"person_id": pid, "row": row, "valid_from": start})
            if not first_load and not rec.get("changed_on"):
                problem(
                    WARNING,
                    row,
                    "changed_on",
                    None,
                    f"新增人员 {name} 未填写「调整日期」，按活动年度开始（{start:%Y-%m-%d}）计入{section_text}人数",
                )
            matched.add(pid)
            continue

        matched.add(pid)
        record = after.people[pid]
        changed = {}
        if record.name != name:
            changed["name"] = name
        for key in ("title", "category"):
            value = rec.get(key)
            if value and value != getattr(record, key):
                changed[key] = value
        if staff_key and not record.staff_no:
            changed["staff_no"] = staff
        if changed:
            plan.updates.append({"person_id": pid, "row": row, **changed})
            for key, value in changed.items():
                setattr(record, key, value)
        if record.current_section != sid:
            old = after.sections.get(record.current_section, "")
            plan.moves.append({"person_id": pid, "section_id": sid, "on": on, "row": row})
            last = record.memberships[-1]
            last.valid_to = on - timedelta(days=1)
            record.memberships.append(Membership(sid, on, None))
            if not rec.get("changed_on"):
                problem(
                    WARNING,
                    row,
                    "section",
                    section_text,
                    f"{name} 由“{old}”调整到“{section_text}”，未填写「调整日期」，按 {on:%Y-%m-%d} 起算",
                )
        if leaving and record.left_on is None:
            plan.leaves.append({"person_id": pid, "on": on, "row": row})
            record.left_on = on
        elif not leaving and record.left_on is not None and status:
            plan.returns.append(pid)
            record.left_on = None
        if not changed and pid not in {m["person_id"] for m in plan.moves} and not leaving:
            plan.unchanged += 1

    if mark_missing_left:
        for pid, record in after.people.items():
            if pid not in matched and pid > 0 and record.left_on is None:
                plan.leaves.append({"person_id": pid, "on": default_on, "row": None})
                record.left_on = default_on
    after._index()
    return plan, after, problems


def _match_existing(after: People, name: str, sid: int, staff_key: str, problem, row: int):
    if staff_key and staff_key in after.by_staff:
        pid = after.by_staff[staff_key]
        if after.people[pid].name != name:
            problem(
                WARNING, row, "name", name, f"工号 {staff_key} 原姓名为“{after.people[pid].name}”，将更正为“{name}”"
            )
        return pid
    candidates = list(after.by_name.get(name, []))
    if not candidates:
        return None
    same_section = [p for p in candidates if after.people[p].current_section == sid]
    if staff_key:
        # A new 工号: the same person only if the match without one is unambiguous and has no 工号 yet; a person of
        # that name without a 工号 only in other sections may have moved — asked, like a row without a 工号.
        free = [p for p in same_section if not after.people[p].staff_no]
        if len(free) == 1:
            return free[0]
        elsewhere = [p for p in candidates if p not in same_section and not after.people[p].staff_no]
        return "elsewhere" if elsewhere and not free else None
    if len(same_section) == 1:
        return same_section[0]
    if len(same_section) > 1:
        problem(ERROR, row, "name", name, f"名单中{after.sections.get(sid, '')}有多位“{name}”：请填写「工号」区分")
        return "ambiguous"
    return "elsewhere"  # the name exists only in other sections: a move, or a second person of that name


MOVE, NEW = "move", "new"
DECISION_LABELS = {MOVE: "移动（同一人调整科室）", NEW: "新增同名人员"}


def _settle_same_name(
    after: People, plan: RosterPlan, problem, rec: dict, sid: int, matched: set[int], choice: str | None, to: str
):
    """A roster row whose name exists only in other sections. The same file listing both (a person this sheet
    already placed) means two people; a 调整日期 on the row means a move; else the clerk's decision, or a refusal."""
    name, row = rec["name"], rec["_row"]
    candidates = list(after.by_name.get(name, []))
    if any(p in matched for p in candidates) and choice != MOVE:
        problem(WARNING, row, "name", name, f"本表中已有另一位“{name}”，按新增同名人员处理：如为同一人请删去一行")
        return None
    if choice is None and rec.get("changed_on"):
        choice = MOVE
    if choice == NEW:
        problem(WARNING, row, "name", name, f"按您的选择新增同名人员“{name}”（{to}）；建议填写「工号」便于区分")
        return None
    if choice == MOVE and len(candidates) == 1:
        return candidates[0]
    who = "、".join(after.describe(p) for p in candidates)
    if choice == MOVE:
        problem(ERROR, row, "name", name, f"名单中已有多位“{name}”（{who}）：无法判断是哪一位调入，请填写「工号」")
        return "ambiguous"
    plan.questions.append({"row": row, "name": name, "now": who, "to": to})
    problem(
        ERROR,
        row,
        "name",
        name,
        f"名单中已有{who}，本表写在“{to}”：是同一人调整科室，还是新增一位同名人员？"
        "请在预览中选择“移动”或“新增同名人员”，或在表中填写「工号」或「调整日期」后重新上传",
    )
    return "ambiguous"


def _copy(p: PersonRecord) -> PersonRecord:
    return PersonRecord(
        p.person_id,
        p.name,
        p.staff_no,
        p.title,
        p.category,
        p.left_on,
        [Membership(m.section_id, m.valid_from, m.valid_to) for m in p.memberships],
    )


def apply_roster(
    cur: Con, plan: RosterPlan, after: People, batch_id: int, file_name: str, sheet: str
) -> dict[int, int]:
    """Write a roster plan inside the caller's transaction; returns temporary id → real id for people and sections."""
    ids: dict[int, int] = {}
    order = scalar(cur, "select coalesce(max(sort_order), 0) from section")
    for temp, name in plan.new_sections.items():
        sid = next_id(cur, "seq_section")
        order += 1
        cur.execute("insert into section values (?, ?, ?)", [sid, name, order])
        cur.execute("insert into roster_change values (?, 'section', null, ?, null)", [batch_id, sid])
        ids[temp] = sid
    journal = []
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
        cur.execute(
            "insert into membership values (?, ?, ?, null, ?, ?, ?, ?)",
            [pid, ids.get(m.section_id, m.section_id), m.valid_from, batch_id, file_name, sheet, ins["row"]],
        )
        journal.append([batch_id, "insert", pid, None, None])
    touched = {u["person_id"] for u in plan.updates} | {m["person_id"] for m in plan.moves}
    touched |= {x["person_id"] for x in plan.leaves if x["person_id"] > 0} | set(plan.returns)
    for pid in sorted(p for p in touched if p > 0):
        before = cur.execute(
            "select name, staff_no, title, category, left_on from person where person_id = ?", [pid]
        ).fetchone()
        if before is None:
            continue  # a person the plan names is always stored; nothing to snapshot otherwise
        open_membership = cur.execute(
            "select section_id, valid_from from membership where person_id = ? and valid_to is null", [pid]
        ).fetchone()
        snapshot = {
            "name": before[0],
            "staff_no": before[1],
            "title": before[2],
            "category": before[3],
            "left_on": before[4].isoformat() if before[4] else None,
            "open_section": open_membership[0] if open_membership else None,
            "open_from": open_membership[1].isoformat() if open_membership else None,
        }
        record = after.people[pid]
        cur.execute(
            "update person set name = ?, staff_no = ?, title = ?, category = ?, left_on = ? where person_id = ?",
            [record.name, record.staff_no, record.title, record.category, record.left_on, pid],
        )
        journal.append([batch_id, "update", pid, None, json.dumps(snapshot, ensure_ascii=False)])
    for move in plan.moves:
        pid = move["person_id"]
        pid = ids.get(pid, pid)
        on = move["on"]
        cur.execute(
            "update membership set valid_to = ? where person_id = ? and valid_to is null",
            [on - timedelta(days=1), pid],
        )
        sid = ids.get(move["section_id"], move["section_id"])
        cur.execute(
            "insert into membership values (?, ?, ?, null, ?, ?, ?, ?)",
            [pid, sid, on, batch_id, file_name, sheet, move["row"]],
        )
    if journal:
        cur.executemany("insert into roster_change values (?, ?, ?, ?, ?)", journal)
    moved = [ids.get(m["person_id"], m["person_id"]) for m in plan.moves]
    resection(cur, [p for p in moved if p > 0])
    return ids


# Facts whose section follows the person: attributed to the section of the membership in force on the fact's date.
SECTIONED = ("score_event", "participation")


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


def undo_roster(cur: Con, batch_id: int) -> None:
    """Put the roster back as it was before a roster batch; refuse when live records name people it added."""
    inserted = [
        r[0]
        for r in cur.execute(
            "select person_id from roster_change where batch_id = ? and action = 'insert'", [batch_id]
        ).fetchall()
    ]
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
    for _, pid, before_json in cur.execute(
        "select action, person_id, before_json from roster_change where batch_id = ? and action = 'update' order by person_id",
        [batch_id],
    ).fetchall():
        before = json.loads(before_json)
        cur.execute(
            "update person set name = ?, staff_no = ?, title = ?, category = ?, left_on = ? where person_id = ?",
            [before["name"], before["staff_no"], before["title"], before["category"], before["left_on"], pid],
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
    updated = [
        r[0]
        for r in cur.execute(
            "select person_id from roster_change where batch_id = ? and action = 'update'", [batch_id]
        ).fetchall()
    ]
    resection(cur, updated)
    sections = [
        r[0]
        for r in cur.execute(
            "select section_id from roster_change where batch_id = ? and action = 'section'", [batch_id]
        ).fetchall()
    ]
    for sid in sections:
        in_use = cur.execute(
            """
            select (select count(*) from membership where section_id = ?)
                 + (select count(*) from task_snapshot where section_id = ?)
            """,
            [sid, sid],
        ).fetchall()[0][0]
        if in_use:
            raise UndoRefused("这份名单新增的科室已被后来的导入引用：请先撤销引用它的批次，再撤销名单。")
        cur.execute("delete from section where section_id = ?", [sid])
    cur.execute("delete from roster_change where batch_id = ?", [batch_id])
