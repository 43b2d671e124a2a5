"""A roster upload planned: who is new, whose details changed, who moved section, who left or came back — and the
rows the clerk must decide (a name that exists only in another section: moved, or a second person of that name).
Nothing is written here; analytics.sheets.roster_store stores a plan and takes it back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from analytics.sheets.normalize import clean_text, staff_digits, staff_key
from analytics.sheets.people import Membership, People, PersonRecord
from analytics.sheets.problems import ERROR, WARNING, Problem

# 状态 is read as a whole word, never by a word inside it: 退休返聘 (a rehired retiree) works, 拟调离 (a transfer
# planned) and 未离岗 have not left. A word in neither list is refused naming the value, never guessed.
ON_DUTY = "在岗"
LEFT = "离岗"
ON_WORDS = ("在岗", "在职", "在编", "正常", "返聘", "退休返聘")
LEFT_WORDS = ("离岗", "不在岗", "调离", "调出", "退休", "离退休", "离职", "辞职", "辞退", "死亡", "去世", "病故")


def read_status(value: Any) -> tuple[str | None, str | None]:
    """(在岗 or 离岗, problem) for a 状态 cell, by the whole word (spaces and width ignored; 已 before a leaving word
    allowed: 已退休). Anything else — a pending or denied departure (拟调离, 待退休, 未离岗), a word of neither —
    is a problem naming the words accepted."""
    text = clean_text(value)
    if not text:
        return None, "不能为空"
    if text in ON_WORDS:
        return ON_DUTY, None
    if text in LEFT_WORDS or (text.startswith("已") and text[1:] in LEFT_WORDS):
        return LEFT, None
    return None, (
        f"无法判断在岗还是离岗。在岗请写 {'、'.join(ON_WORDS)}；已离开请写 {'、'.join(LEFT_WORDS)}（可加“已”，"
        "如 已退休）。尚未离开的（如 拟调离、待退休、未离岗）请写 在岗，离开后再写离岗和离岗日期"
    )


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

    def listed(self, sheet: str, before: People, after: People) -> list[dict]:
        """Every change as the preview lists it: {"sheet", "row", "action", "name", and "from", "to", "on" or
        "fields"}; sections named as before the upload (from) and after it (to)."""

        def section_of(people: People, pid: int) -> str:
            record = people.people.get(pid)
            return people.sections.get(record.current_section, "") if record else ""

        def change(row: int | None, action: str, pid: int) -> dict:
            return {"sheet": sheet, "row": row, "action": action, "name": after.people[pid].name}

        out = []
        for ins in self.inserts:
            pid = ins["person_id"]
            out.append({**change(ins["row"], "新增", pid), "to": section_of(after, pid), "on": ins["valid_from"]})
        for move in self.moves:
            pid = move["person_id"]
            out.append(
                {
                    **change(move["row"], "调整科室", pid),
                    "from": section_of(before, pid),
                    "to": after.sections.get(move["section_id"], ""),
                    "on": move["on"],
                }
            )
        for leave in self.leaves:
            pid = leave["person_id"]
            out.append({**change(leave["row"], "离岗", pid), "from": section_of(after, pid), "on": leave["on"]})
        for pid in self.returns:
            out.append({**change(None, "恢复在岗", pid), "to": section_of(after, pid)})
        for update in self.updates:
            fields = {k: v for k, v in update.items() if k not in ("person_id", "row")}
            out.append({**change(update["row"], "更新信息", update["person_id"]), "fields": fields})
        return out

    def asked(self, sheet: str) -> list[dict]:
        """The rows the clerk must decide, each with the choices offered: {"sheet", "row", "name", "now", "to",
        "choices"}."""
        out = []
        for q in self.questions:
            asked = {k: v for k, v in q.items() if k != "labels"}
            labels = q.get("labels", DECISION_LABELS)
            out.append({"sheet": sheet, **asked, "choices": [{"value": k, "label": v} for k, v in labels.items()]})
        return out


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

    ``rows`` has clean columns name, section, title, category, staff_no, status (在岗, 离岗 or None), changed_on and
    left_on (date or None), _row.
    ``decisions`` (Excel row → 'move' | 'new') and ``same_name`` (for every such row) settle the rows whose name
    exists only in another section; without them those rows are refused, never merged silently."""
    decisions = decisions or {}
    plan = RosterPlan()
    problems: list[Problem] = []
    after = People({pid: p.copy() for pid, p in people.people.items()}, dict(people.sections))
    first_load = not people.people
    # Temporary ids continue below those of an earlier sheet of the same file (planned against its result), so the
    # people and sections each sheet creates keep ids of their own until the write gives them real ones.
    next_temp = [min(-1, min(people.people, default=0) - 1, min(people.sections, default=0) - 1)]

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

    # Every 工号 the sheet writes (and its digits): a stored person whose 工号 is among them is listed under it, so a
    # row of the same name with another 工号 is a second person, not a renumbering.
    sheet_codes = {staff_key(s) for s in rows["staff_no"] if staff_key(s)} if "staff_no" in rows else set()
    sheet_codes |= {d for d in map(staff_digits, sheet_codes) if d is not None}
    seen_staff: dict[str, int] = {}
    seen_name_section: dict[tuple[str, str], int] = {}
    matched: dict[int, int] = {}  # person → the row of this sheet that named them
    for rec in rows.to_dict("records"):
        row = rec["_row"]
        name, section_text, staff = rec["name"], rec["section"], rec.get("staff_no")
        code = staff_key(staff)
        if code:
            if code in seen_staff:
                problem(
                    ERROR,
                    row,
                    "staff_no",
                    staff,
                    f"工号 {staff} 与第 {seen_staff[code]} 行重复：一个工号只能对应一人",
                )
                continue
            seen_staff[code] = row
        pair = (name, clean_text(section_text))
        if not code and pair in seen_name_section:
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

        status = rec.get("status")  # 在岗, 离岗 or None (analytics.sheets.checks.roster read it by read_status)
        left_on = rec.get("left_on")
        if left_on and status == ON_DUTY:
            problem(
                ERROR,
                row,
                "left_on",
                f"{left_on:%Y-%m-%d}",
                f"{name} 的状态写“在岗”，却填了离岗日期 {left_on:%Y-%m-%d}：已离岗的请把状态改为离岗，"
                "仍在岗的请清空离岗日期",
            )
            continue
        leaving = status == LEFT or left_on is not None
        on = rec.get("changed_on") or default_on
        # The departure's day: 离岗日期 when the sheet has it, else 调整日期 (a 状态 of 离岗 beside it), else today.
        leave_on = left_on or on

        pid: Any = None  # a person, None for a new one, or "elsewhere" / "ambiguous"
        if code and code not in after.by_staff:
            pid = _match_unpadded(people, after, name, code, matched, problem, row)
        if pid is None:
            pid = _match_existing(after, name, sid, code, problem, row)
        renumbered = False
        if pid is None and code:
            pid = _settle_new_staff_no(
                after, plan, problem, rec, sid, sheet_codes, matched, decisions.get(row) or same_name, section_text
            )
            renumbered = isinstance(pid, int)
        if pid == "elsewhere":
            pid = _settle_same_name(
                after, plan, problem, rec, sid, matched, decisions.get(row) or same_name, section_text
            )
        if pid == "history":
            plan.unchanged += 1
            continue
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
                leave_on if leaving else None,
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
            matched[pid] = row
            continue

        matched[pid] = row
        record = after.people[pid]
        latest = record.memberships[-1]
        if record.current_section != sid and on <= latest.valid_from:
            # A move is only ever added after the person's latest one: one dated inside the recorded history would end
            # a membership before it starts, and the section of later records would depend on the files' order.
            given = rec.get("changed_on")
            when = f"调整日期 {on:%Y-%m-%d} " if given else f"未填写「调整日期」，按 {on:%Y-%m-%d} 起算，"
            problem(
                ERROR,
                row,
                "changed_on" if given else "section",
                given if given else section_text,
                f"{name} 已有 {latest.valid_from:%Y-%m-%d} 起在{after.sections.get(latest.section_id, '')}的记录，"
                f"{when}不能早于或等于它：请核对调整日期（须晚于 {latest.valid_from:%Y-%m-%d}）；"
                f"若 {latest.valid_from:%Y-%m-%d} 起在{after.sections.get(latest.section_id, '')}的记录有误，"
                "请先撤销那次导入，再上传本表",
            )
            continue
        if record.left_on is not None and _departure_conflict(record, name, rec, leaving, leave_on, on, problem):
            continue
        changed = {}
        if record.name != name:
            changed["name"] = name
        for key in ("title", "category"):
            value = rec.get(key)
            if value and value != getattr(record, key):
                changed[key] = value
        if code and (not record.staff_no or renumbered):
            changed["staff_no"] = staff
        if changed:
            plan.updates.append({"person_id": pid, "row": row, **changed})
            for key, value in changed.items():
                setattr(record, key, value)
        if record.current_section != sid:
            old = after.sections.get(record.current_section, "")
            plan.moves.append({"person_id": pid, "section_id": sid, "on": on, "row": row})
            record.move(sid, on)
            if not rec.get("changed_on"):
                problem(
                    WARNING,
                    row,
                    "section",
                    section_text,
                    f"{name} 由“{old}”调整到“{section_text}”，未填写「调整日期」，按 {on:%Y-%m-%d} 起算",
                )
        came_or_went = False
        if leaving and record.left_on is None:
            plan.leaves.append({"person_id": pid, "on": leave_on, "row": row})
            record.left_on = leave_on
            came_or_went = True
        elif not leaving and record.left_on is not None and status:
            plan.returns.append(pid)
            record.left_on = None
            came_or_went = True
        if not changed and pid not in {m["person_id"] for m in plan.moves} and not came_or_went:
            plan.unchanged += 1

    if mark_missing_left:
        for pid, record in after.people.items():
            if pid not in matched and pid > 0 and record.left_on is None:
                plan.leaves.append({"person_id": pid, "on": default_on, "row": None})
                record.left_on = default_on
    after._index()
    return plan, after, problems


def _departure_conflict(
    record: PersonRecord, name: str, rec: dict, leaving: bool, leave_on: date, on: date, problem
) -> bool:
    """A row about a person recorded as left that contradicts the recorded day: refused (True), as a move dated
    before the latest move is. A second departure on another day would be dropped in one order of the files and
    taken in the other; a return on or before the departure would clear it whichever file came first. A row
    without a date of its own says nothing against the day stored."""
    left = record.left_on
    assert left is not None
    row = rec["_row"]
    undo = f"若 {left:%Y-%m-%d} 离岗的记录有误，请先在「导入记录」中撤销记录该离岗的名单批次，再上传本表"
    if leaving:
        given = rec.get("left_on") or rec.get("changed_on")
        if not given or leave_on == left:
            return False
        key = "left_on" if rec.get("left_on") else "changed_on"
        problem(
            ERROR,
            row,
            key,
            f"{leave_on:%Y-%m-%d}",
            f"{name} 已记录于 {left:%Y-%m-%d} 离岗，本表的离岗日期为 {leave_on:%Y-%m-%d}：一人只能有一个离岗日期。"
            f"如本表有误，请改为 {left:%Y-%m-%d} 或清空日期；{undo}",
        )
        return True
    if rec.get("status") is None or on > left:
        return False
    given = rec.get("changed_on")
    when = f"调整日期 {on:%Y-%m-%d}" if given else f"未填写「调整日期」，按 {on:%Y-%m-%d} 起算"
    problem(
        ERROR,
        row,
        "changed_on" if given else "status",
        f"{on:%Y-%m-%d}" if given else rec.get("status"),
        f"{name} 已于 {left:%Y-%m-%d} 离岗，本表写在岗（{when}），回到岗位的日期不能早于或等于离岗日期："
        f"如本表是离岗前的名单，请删去此行或把状态改为离岗；如确已回到岗位，请把调整日期改为回岗的日期"
        f"（须晚于 {left:%Y-%m-%d}）；{undo}",
    )
    return True


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


def _match_unpadded(
    people: People, after: People, name: str, code: str, matched: dict[int, int], problem, row: int
) -> int | str | None:
    """A 工号 not on the roster as written that equals a stored one without leading zeros (Excel makes 1 of a typed
    001): that person, said so, when there is one and the name agrees; refused otherwise, so that a roster sent again
    never adds its people a second time. Only people stored before this sheet are looked at: two rows of one sheet
    are two people unless their 工号 are the same."""
    candidates = people.same_digits(code)
    if not candidates:
        return None
    claimed = [p for p in candidates if p in matched]
    if len(candidates) == 1 and claimed:
        pid = claimed[0]
        problem(
            ERROR,
            row,
            "staff_no",
            code,
            f"工号 {code} 不计前导 0 时与第 {matched[pid]} 行的{after.describe(pid)}相同：一个人只能写一行，"
            "请删去一行或核对工号",
        )
        return "ambiguous"
    found, error, warning = after.unpadded(code, name, candidates)
    if found is None:
        problem(ERROR, row, "staff_no", code, error or "")
        return "ambiguous"
    problem(WARNING, row, "staff_no", code, warning or "")
    return found


MOVE, NEW = "move", "new"
DECISION_LABELS = {MOVE: "移动（同一人调整科室）", NEW: "新增同名人员"}
# The same two choices for a row whose name is in its section under another 工号: MOVE keeps the person, new 工号.
RENUMBER_LABELS = {MOVE: "同一人（工号已更改）", NEW: "新增同名人员"}


def _settle_new_staff_no(
    after: People,
    plan: RosterPlan,
    problem,
    rec: dict,
    sid: int,
    sheet_codes: set[str],
    matched: dict[int, int],
    choice: str | None,
    to: str,
) -> int | str | None:
    """A row whose 工号 is not on the roster while its name is, in the same section, under another 工号 that the
    sheet does not list: the 工号 changed, or a second person of that name joined. Asked (None when no one fits:
    a new person), never a silent second copy of everyone in a renumbered roster."""
    name, row, staff = rec["name"], rec["_row"], rec.get("staff_no")
    fits = [
        p
        for p in after.by_name.get(name, [])
        if after.people[p].current_section == sid
        and p not in matched
        and p > 0  # a person this upload adds has the 工号 it wrote
        and after.people[p].staff_no
        and staff_key(after.people[p].staff_no) not in sheet_codes
        and staff_digits(staff_key(after.people[p].staff_no)) not in sheet_codes
    ]
    if not fits:
        return None
    who = "、".join(after.describe(p) for p in fits)
    if choice == NEW:
        problem(
            WARNING, row, "staff_no", staff, f"按您的选择新增同名人员“{name}”（{to}，工号 {staff}），名单中另有{who}"
        )
        return None
    if choice == MOVE and len(fits) == 1:
        old = after.people[fits[0]].staff_no
        problem(WARNING, row, "staff_no", staff, f"按您的选择，{after.describe(fits[0])}的工号由 {old} 改为 {staff}")
        return fits[0]
    if choice == MOVE:
        problem(ERROR, row, "staff_no", staff, f"名单中{to}有多位“{name}”（{who}）：无法判断是哪一位更改了工号")
        return "ambiguous"
    plan.questions.append(
        {"row": row, "name": name, "now": who, "to": f"{to}，工号 {staff}", "labels": RENUMBER_LABELS}
    )
    problem(
        ERROR,
        row,
        "staff_no",
        staff,
        f"工号 {staff} 不在名单中，而名单中已有{who}，本表没有列出其工号："
        f"如是同一人、工号已更改，请在预览中选择“{RENUMBER_LABELS[MOVE]}”，工号将改为 {staff}；"
        f"如是新来的同名人员，请选择“{RENUMBER_LABELS[NEW]}”；如工号填错，请改正后重新上传",
    )
    return "ambiguous"


def _settle_same_name(
    after: People,
    plan: RosterPlan,
    problem,
    rec: dict,
    sid: int,
    matched: dict[int, int],
    choice: str | None,
    to: str,
):
    """A roster row whose name exists only in other sections. A 调整日期 on the row means a move (also of a person
    this sheet already placed: the old row and the new one of one person); a row without one naming a section the
    person this sheet moved was in before is that person's old row ("history"); else the same file listing both
    means two people; else the clerk's decision, or a refusal."""
    name, row = rec["name"], rec["_row"]
    candidates = list(after.by_name.get(name, []))
    # A 调整日期 says move before anything else: a roster keeping the person's old row beside the new dated one
    # lists one person twice, not two people of one name.
    if choice is None and rec.get("changed_on"):
        choice = MOVE
    placed = [p for p in candidates if p in matched]
    if choice is None:
        # The old row of a person this sheet has already moved away from this section (the dated row came first).
        history = [p for p in placed if any(m.section_id == sid for m in after.people[p].memberships[:-1])]
        if len(history) == 1:
            pid = history[0]
            problem(
                WARNING,
                row,
                "name",
                name,
                f"{name} 在第 {matched[pid]} 行调整到“{after.sections.get(after.people[pid].current_section, '')}”，"
                f"本行是调整前在“{to}”的记录，不再改动",
            )
            return "history"
    if placed and choice != MOVE:
        problem(WARNING, row, "name", name, f"本表中已有另一位“{name}”，按新增同名人员处理：如为同一人请删去一行")
        return None
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
