"""Editing the rule book: a new book from edited parameters, what differs between two books in words, the rule book
as tables for display, the version history with each version's changes, and saving an edit as a new version."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analytics.accounts import guard
from analytics.accounts.roles import MANAGE_RULES, SYSTEM, Actor, is_system, require
from analytics.errors import RuleBookError
from analytics.meetings import publish
from analytics.rules import dependents
from analytics.rules import rulebook as rb
from analytics.store.db import Con, transaction

SOURCE_LABELS = {"default": "系统默认", "upload": "上传事项表", "edit": "在线修改", "demo": "演示数据"}


@dataclass(frozen=True)
class ParamChange:
    key: str
    label: str
    before: float | None  # None: the parameter is new
    after: float | None  # None: the parameter is gone

    @property
    def text(self) -> str:
        return f"{self.label}：{_num(self.before)} → {_num(self.after)}"


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:g}"


def param_values(book: rb.RuleBook) -> dict[str, float]:
    """Every declared parameter's value in the book, in declaration order (the order the form shows them)."""
    return {p.key: book.param(p.key) for p in rb.PARAMS if p.key in book.params}


def with_params(book: rb.RuleBook, values: Mapping[str, float | None]) -> rb.RuleBook:
    """A new, unsaved book: the same rules with the given parameters replaced. Integer parameters are rounded.

    Raises RuleBookError for an unknown or empty parameter and when the result is not self-consistent."""
    params = dict(book.params)
    problems = []
    for key, value in values.items():
        declared = rb.PARAM_BY_KEY.get(key)
        if declared is None:
            problems.append(f"没有名为“{key}”的参数")
            continue
        if value is None or (isinstance(value, float) and math.isnan(value)):
            problems.append(f"参数「{declared.label}」不能为空")
            continue
        number = float(value)
        params[key] = float(round(number)) if declared.integer else number
    if problems:
        raise RuleBookError("；".join(problems))
    changed = book.with_changes(params=params, source="edit", note=None, created_by=None)
    changed.check()
    return changed


def param_changes(before: rb.RuleBook, after: rb.RuleBook) -> list[ParamChange]:
    """One entry per declared parameter whose value differs, in declaration order."""
    out = []
    for p in rb.PARAMS:
        old, new = before.params.get(p.key), after.params.get(p.key)
        if old is None and new is None:
            continue
        if old is None or new is None or not math.isclose(old, new, rel_tol=0, abs_tol=1e-9):
            out.append(ParamChange(p.key, p.label, old, new))
    return out


def _points(item: rb.Item) -> str:
    return item.points_text


def _item_changes(before: rb.RuleBook, after: rb.RuleBook) -> list[str]:
    old = {i.code.upper(): i for i in before.items}
    new = {i.code.upper(): i for i in after.items}
    lines = []
    for code in sorted(new.keys() - old.keys()):
        item = new[code]
        veto = "，一票否决" if item.veto else ""
        lines.append(f"新增事项 {item.code}「{item.name}」（{item.content}，{_points(item)} 分{veto}）")
    for code in sorted(old.keys() - new.keys()):
        item = old[code]
        lines.append(f"删除事项 {item.code}「{item.name}」")
    for code in sorted(old.keys() & new.keys()):
        a, b = old[code], new[code]
        parts = []
        if a.name != b.name:
            parts.append(f"名称改为「{b.name}」")
        if a.content != b.content:
            parts.append(f"考核内容 {a.content} → {b.content}")
        if (a.points_min, a.points_max) != (b.points_min, b.points_max):
            parts.append(f"分值 {_points(a)} → {_points(b)}")
        if a.monthly_cap != b.monthly_cap:
            parts.append(f"月度上限 {_num(a.monthly_cap)} → {_num(b.monthly_cap)}")
        if a.veto != b.veto:
            parts.append("改为一票否决" if b.veto else "取消一票否决")
        if parts:
            lines.append(f"事项 {b.code}：" + "，".join(parts))
    return lines


def _names_changes(label: str, before: list[str], after: list[str]) -> list[str]:
    added = [n for n in after if n not in before]
    removed = [n for n in before if n not in after]
    lines = []
    if added:
        lines.append(f"新增{label}：" + "、".join(added))
    if removed:
        lines.append(f"删除{label}：" + "、".join(removed))
    return lines


def book_changes(before: rb.RuleBook, after: rb.RuleBook) -> list[str]:
    """What differs from one book to the next, in words: parameters, scoring items, contents and their star names,
    activity types and frequencies, ledgers and planned counts, stages and arenas."""
    lines = [c.text for c in param_changes(before, after)]
    lines += _item_changes(before, after)
    lines += _names_changes("考核内容", [c.name for c in before.contents], [c.name for c in after.contents])
    stars_before = {c.name: c.star_name for c in before.contents}
    for c in after.contents:
        if c.name in stars_before and stars_before[c.name] != c.star_name:
            lines.append(f"{c.name}的单项之星改称「{c.star_name}」")
    lines += _names_changes("活动类型", [a.name for a in before.activities], [a.name for a in after.activities])
    freq_before = {a.name: a.frequency for a in before.activities}
    for a in after.activities:
        if a.name in freq_before and freq_before[a.name] != a.frequency:
            old = rb.FREQUENCIES.get(freq_before[a.name] or "", "不定期")
            new = rb.FREQUENCIES.get(a.frequency or "", "不定期")
            lines.append(f"{a.name}频次 {old} → {new}")
    lines += _names_changes("台账类别", [x.name for x in before.ledgers], [x.name for x in after.ledgers])
    planned_before = {x.name: x.planned for x in before.ledgers}
    for x in after.ledgers:
        if x.name in planned_before and planned_before[x.name] != x.planned:
            lines.append(f"{x.name}计划任务数 {planned_before[x.name] or '—'} → {x.planned or '—'}")
    lines += _names_changes("闭环环节", [s.name for s in before.stages], [s.name for s in after.stages])
    lines += _names_changes("擂台", [a.name for a in before.arenas], [a.name for a in after.arenas])
    return lines


def default_note(before: rb.RuleBook, after: rb.RuleBook) -> str:
    """The note a saved edit carries when the admin wrote none: what changed, briefly."""
    lines = book_changes(before, after)
    if not lines:
        return "在线修改（内容未变）"
    text = "；".join(lines[:5])
    return "在线修改：" + text + (f"等 {len(lines)} 项" if len(lines) > 5 else "")


def effective_notes(cur: Con, book: rb.RuleBook, effective_from: date) -> list[str]:
    """Things the admin should know about an effective date before saving (outside the campaign year, a version
    already taking effect that day, later versions that will still override it)."""
    notes = []
    year = book.campaign_year
    if effective_from.year != year:
        notes.append(f"生效日期 {effective_from:%Y-%m-%d} 不在活动年度 {year} 年内。")
    rows = cur.execute(
        "select version_id, effective_from from rule_version where effective_from >= ? order by effective_from",
        [effective_from],
    ).fetchall()
    same = [vid for vid, day in rows if day == effective_from]
    later = [(vid, day) for vid, day in rows if day > effective_from]
    if same:
        notes.append(f"第 {'、'.join(map(str, same))} 版同样自该日起施行，保存后以新版本为准。")
    if later:
        first_vid, first_day = later[0]
        notes.append(f"第 {first_vid} 版自 {first_day:%Y-%m-%d} 起施行，新版本只管到该日前一天。")
    return notes


def save_edit(
    con: Con,
    book: rb.RuleBook,
    effective_from: date,
    created_by: str | None,
    note: str | None = None,
    actor: Actor = SYSTEM,
) -> int:
    """Store an edited book as a new version in one transaction (which bumps the data version); returns its id.
    A user's actor must hold the rules permission, becomes the version's author and is audited; SYSTEM (the default,
    in-process callers only) is trusted; None is refused."""
    book.check()
    with transaction(con) as cur:
        if not is_system(actor):
            require(actor, MANAGE_RULES)
            created_by = actor.name
        publish.refuse_rules_from(cur, effective_from)
        if not note:
            note = default_note(rb.current(cur), book)
        was = dependents.before(cur)
        version_id = rb.save(cur, book, effective_from, "edit", created_by=created_by, note=note)
        refused = dependents.stranded_by(cur, was, "保存此规则版本")
        if refused:
            raise RuleBookError(refused)
        if not is_system(actor):
            guard.rules_saved(cur, actor, version_id, effective_from, note)
        return version_id


# The rule book as tables ------------------------------------------------------------------------


def book_tables(book: rb.RuleBook) -> dict[str, pd.DataFrame]:
    """The book as one frame per part (English columns; the page renames them):
    params (one row per declared parameter), contents, items, activities, ledgers, stages, arenas."""
    params = pd.DataFrame(
        [
            {
                "key": p.key,
                "label": p.label,
                "value": book.params.get(p.key),
                "help": p.help,
                "range": f"{p.minimum:g}～{p.maximum:g}",
            }
            for p in rb.PARAMS
        ]
    )
    contents = pd.DataFrame(
        [
            {"code": c.code, "name": c.name, "star_name": c.star_name, "aliases": "、".join(c.aliases)}
            for c in book.contents
        ],
        columns=["code", "name", "star_name", "aliases"],
    )
    items = pd.DataFrame(
        [
            {
                "code": i.code,
                "content": i.content,
                "name": i.name,
                "points": i.points_text,
                "points_min": i.points_min,
                "points_max": i.points_max,
                "monthly_cap": i.monthly_cap,
                "veto": i.veto,
                "note": i.note,
            }
            for i in book.items
        ],
        columns=["code", "content", "name", "points", "points_min", "points_max", "monthly_cap", "veto", "note"],
    )
    activities = pd.DataFrame(
        [
            {
                "name": a.name,
                "frequency": rb.FREQUENCIES.get(a.frequency or "", "不定期"),
                "five_one": a.five_one,
                "counter": rb.COUNTERS.get(a.counter or "", "—"),
                "aliases": "、".join(a.aliases),
            }
            for a in book.activities
        ],
        columns=["name", "frequency", "five_one", "counter", "aliases"],
    )
    ledgers = pd.DataFrame(
        [{"name": x.name, "planned": x.planned, "aliases": "、".join(x.aliases)} for x in book.ledgers],
        columns=["name", "planned", "aliases"],
    )
    ledgers["planned"] = ledgers["planned"].astype("Int64")
    stages = pd.DataFrame(
        [{"step": s.step, "name": s.name, "aliases": "、".join(s.aliases)} for s in book.stages],
        columns=["step", "name", "aliases"],
    )
    arenas = pd.DataFrame(
        [{"name": a.name, "aliases": "、".join(a.aliases)} for a in book.arenas], columns=["name", "aliases"]
    )
    return {
        "params": params,
        "contents": contents,
        "items": items,
        "activities": activities,
        "ledgers": ledgers,
        "stages": stages,
        "arenas": arenas,
    }


def version_history(cur: Con) -> pd.DataFrame:
    """One row per rule-book version, newest first: id, effective date, when and by whom, source (in Chinese),
    batch, note, item count, whether it is the newest, and ``changes``, what it changed from the version before it
    in effective-date order (the first version: 初始规则)."""
    rows = rb.versions(cur)
    columns = [
        "version_id",
        "effective_from",
        "created_at",
        "created_by",
        "source",
        "source_label",
        "batch_id",
        "note",
        "items",
        "newest",
        "changes",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    ordered = list(reversed(rows))  # oldest first, the order versions follow one another
    books = {r["version_id"]: rb.load(cur, r["version_id"]) for r in ordered}
    changes: dict[int, str] = {}
    previous = None
    for r in ordered:
        book = books[r["version_id"]]
        if previous is None:
            changes[r["version_id"]] = "初始规则"
        else:
            lines = book_changes(previous, book)
            changes[r["version_id"]] = "；".join(lines) if lines else "内容与上一版相同"
        previous = book
    frame = pd.DataFrame(rows)
    frame["source_label"] = frame["source"].map(lambda s: SOURCE_LABELS.get(s, s))
    frame["newest"] = frame.index == 0
    frame["changes"] = frame["version_id"].map(changes)
    frame["batch_id"] = frame["batch_id"].astype("Int64")
    return frame[columns]
