"""The column matching step: how each header of a sheet was matched to a field (exact, synonym, near match, a sign
rule), the clerk's changes to it (on the page, or ``--map "扣分=分值:负"`` on the command line), and the layouts
remembered by header signature, so the same monthly sheet is matched the same way next time with no question asked.

The vocabulary of a choice, written ``表头=字段[:规则]``:

- 字段 is the field's label as the template writes it (姓名, 日期, 分值, 事由, 加分, 减分 …) or 忽略 (do not read the
  column at all);
- 规则 is 负 (also 取负, 减分: positive numbers in the column are deductions and count negative) or 正 (also 原值,
  不取负: take the numbers as written, even under a header such as 扣分).

A remembered layout is keyed by the sheet's kind and its headers in order; it stores the choices only (the automatic
matches are found again each time), so a choice the clerk made once holds for every later sheet of that shape."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import pandas as pd

from analytics.accounts import audit, roles
from analytics.accounts.roles import Actor
from analytics.errors import DashboardError
from analytics.sheets.columns import Column
from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.layout import Layout, _column_keys, _header_key
from analytics.sheets.normalize import clean_text, is_blank, plain_text
from analytics.store.db import Con, fetch_df, first_row, scalar, transaction

IGNORE = "忽略"
NEGATE = "negate"
AS_WRITTEN = "as_written"
RULE_WORDS = {"负": NEGATE, "取负": NEGATE, "减分": NEGATE, "正": AS_WRITTEN, "原值": AS_WRITTEN, "不取负": AS_WRITTEN}
RULE_LABELS = {NEGATE: "取负（按减分计）", AS_WRITTEN: "按原值（不取负）"}
RULE_SHORT = {NEGATE: "负", AS_WRITTEN: "正"}
# Fields whose numbers a sign rule applies to.
SIGNED = ("points", "points_plus", "points_minus")
_DEDUCTION = re.compile(r"[扣减]")

# How a header came to its field, as the matching step shows it.
HOW_EXACT = "完全一致"
HOW_SYNONYM = "同义词"
HOW_NEAR = "近似匹配"
HOW_CHOSEN = "人工指定"
HOW_REMEMBERED = "按上次确认"
HOW_NONE = "未使用"
HOW_SERIAL = "序号列"
SAMPLES = 3


class MappingError(DashboardError):
    title = "列对应关系有误"


@dataclass(frozen=True)
class Choice:
    """What the clerk said about one header: its field's label (None: ignore the column) and a sign rule."""

    field: str | None
    rule: str | None = None

    def text(self) -> str:
        if self.field is None:
            return IGNORE
        return self.field + (f":{RULE_SHORT[self.rule]}" if self.rule else "")


Choices = dict[str, Choice]  # header as written (cleaned) → choice


def header_key(text: Any) -> str:
    """The form a header is compared in: trimmed, full-width folded, spaces and asterisks removed."""
    return clean_text(text).replace("*", "").replace("＊", "")


def parse_choice(text: str) -> tuple[str, Choice]:
    """``扣分=分值:负`` → ('扣分', Choice('分值', 'negate')); ``编号=忽略`` → ('编号', Choice(None))."""
    header, sep, target = str(text).partition("=")
    header, target = header_key(header), target.strip()
    if not sep or not header or not target:
        raise MappingError(f"列对应的写法应为 表头=字段，如 扣分=分值:负 或 编号=忽略（收到：{text}）")
    field, _, rule_word = target.replace("：", ":").partition(":")
    field, rule_word = field.strip(), rule_word.strip()
    if field == IGNORE:
        if rule_word:
            raise MappingError(f"“{header}=忽略”不能再带规则（收到：{text}）")
        return header, Choice(None)
    rule = None
    if rule_word:
        if rule_word not in RULE_WORDS:
            raise MappingError(f"不认识的规则“{rule_word}”：可写 负（取负，按减分计）或 正（按原值）（收到：{text}）")
        rule = RULE_WORDS[rule_word]
    return header, Choice(field, rule)


def parse_choices(items: list[str]) -> Choices:
    out: Choices = {}
    for item in items:
        header, choice = parse_choice(item)
        out[header] = choice
    return out


def field_of(kind: Kind, name: str) -> Column | None:
    """The kind's column a choice names: by its label, its key, or one of its exact synonyms."""
    key = header_key(name)
    for column in kind.columns:
        if key in (column.label, column.key):
            return column
    for column in kind.columns:
        if any(key in pair for pair in _column_keys(column)):
            return column
    return None


def says_sign(header: str) -> bool:
    """Whether a header itself says which way its numbers count (扣分, 减分值, 加分), unlike 分值, 得分 or 加减分."""
    key = header_key(header)
    return bool(_DEDUCTION.search(key)) != ("加" in key)


def is_deduction_header(text: str) -> bool:
    """扣分, 减分值, 分值（扣分）: a header that means deduction; 加减分 holds signed values."""
    return bool(_DEDUCTION.search(text)) and "加" not in text


def negates(layout: Layout, key: str) -> bool:
    """Whether positive numbers of a field count negative: by the clerk's rule, else by what the header means, or
    the merged header above it in a header of two rows (分值 under 扣分情况)."""
    if key in layout.as_written:
        return False
    if key in layout.negate or key == "points_minus":
        return True
    if key != "points" or "points" not in layout.columns:
        return False
    parent = layout.parents.get(layout.columns["points"], "")
    return is_deduction_header(layout.header_of("points")) or is_deduction_header(parent)


def apply(layout: Layout, choices: Choices, problems: list[str] | None = None) -> Layout:
    """The layout with the clerk's choices applied: chosen columns take their field (another column holding that
    field is released), ignored ones are read by nobody. ``problems`` collects choices that name no field."""
    if not choices:
        return layout
    kind = KINDS[layout.kind]
    columns = dict(layout.columns)
    chosen: set[int] = set()
    negate, as_written = set(layout.negate), set(layout.as_written)
    for index, header in sorted(layout.headers.items()):
        choice = choices.get(header_key(header))
        if choice is None:
            continue
        field = None
        if choice.field is not None:
            column = field_of(kind, choice.field)
            if column is None:
                if problems is not None:
                    labels = "、".join(c.label for c in kind.columns)
                    problems.append(
                        f"“{header}”指定的字段“{choice.field}”不是“{kind.label}”的列。可选：{labels}，或 {IGNORE}"
                    )
                continue
            field = column.key
        for key in [k for k, i in columns.items() if i == index or k == field]:
            del columns[key]
        chosen.add(index)
        if field is None:
            continue
        columns[field] = index
        negate.discard(field)
        as_written.discard(field)
        if choice.rule == NEGATE:
            negate.add(field)
        elif choice.rule == AS_WRITTEN:
            as_written.add(field)
    return _recount(layout, kind, columns, chosen, negate, as_written)


def _recount(
    layout: Layout, kind: Kind, columns: dict[str, int], chosen: set[int], negate: set[str], as_written: set[str]
) -> Layout:
    taken = set(columns.values())
    near_headers = {h for h, _ in layout.near}
    near = [
        (layout.headers[i], kind.column(k).label)
        for k, i in columns.items()
        if i not in chosen and layout.headers.get(i) in near_headers
    ]
    seq_col = layout.seq_col if layout.seq_col not in chosen and layout.seq_col not in taken else None
    unused = [h for i, h in sorted(layout.headers.items()) if i not in taken and i != seq_col]
    missing = kind.missing(columns)
    return replace(
        layout,
        columns=columns,
        near=near,
        unused=unused,
        missing=missing,
        seq_col=seq_col,
        negate=negate,
        as_written=as_written,
        chosen=chosen | layout.chosen,
    )


def signature(kind: str, headers: dict[int, str]) -> str:
    """The key of a remembered layout: the kind and the headers in their order."""
    ordered = [header_key(headers[i]) for i in sorted(headers)]
    return hashlib.sha256(json.dumps([kind, ordered], ensure_ascii=False).encode()).hexdigest()


def _how(layout: Layout, kind: Kind, index: int, key: str) -> str:
    if index in layout.chosen:
        return HOW_REMEMBERED if layout.remembered else HOW_CHOSEN
    full, bare = _header_key(layout.headers.get(index, ""))
    keys = _column_keys(kind.column(key))
    if full in keys[0] or bare in keys[0]:
        return HOW_EXACT
    if any(full in pair or bare in pair for pair in keys[1:]):
        return HOW_SYNONYM
    return HOW_NEAR


def _samples(grid: list[list[Any]], layout: Layout, index: int) -> str:
    found = []
    for row in grid[layout.body_row : layout.body_row + 60]:
        if index < len(row) and not is_blank(row[index]):
            text = plain_text(row[index]) or ""
            found.append(text if len(text) <= 16 else text[:15] + "…")
            if len(found) == SAMPLES:
                break
    return "、".join(found)


def describe(sheet: str, layout: Layout, grid: list[list[Any]]) -> dict:
    """The matching step of one sheet: every header with its field, how it was matched, a sign rule, samples; and
    the required fields still missing with what they mean."""
    kind = KINDS[layout.kind]
    by_index = {i: k for k, i in layout.columns.items()}
    rows = []
    for index, header in sorted(layout.headers.items()):
        key = by_index.get(index)
        rule = ""
        if key is None:
            how = HOW_SERIAL if index == layout.seq_col else (IGNORE if index in layout.chosen else HOW_NONE)
            field = None
        else:
            how = _how(layout, kind, index, key)
            field = kind.column(key).label
            if key in SIGNED and negates(layout, key):
                rule = "取负"
            elif key in layout.as_written:
                rule = "按原值"
        rows.append(
            {
                "index": index,
                "header": header,
                "field": field,
                "how": how,
                "rule": rule,
                "samples": _samples(grid, layout, index),
            }
        )
    missing = []
    for label in layout.missing:
        notes = []
        for one in label.split(" 或 "):
            column = kind.labelled(one)
            if column is not None and column.note:
                notes.append(f"{one}：{column.note}")
        missing.append({"field": label, "meaning": "；".join(notes)})
    return {
        "sheet": sheet,
        "kind": layout.kind,
        "kind_label": kind.label,
        "signature": signature(layout.kind, layout.headers),
        "columns": rows,
        "missing": missing,
        "remembered": layout.remembered,
        "fields": [c.label for c in kind.columns],
    }


def choices_of(layout: Layout) -> Choices:
    """The choices behind a layout's chosen columns, in the form a remembered layout stores them. A sign rule is
    kept only where the header itself says the sign (see _remembered)."""
    by_index = {i: k for k, i in layout.columns.items()}
    kind = KINDS[layout.kind]
    out: Choices = {}
    for index in sorted(layout.chosen):
        header = layout.headers.get(index)
        if header is None:
            continue
        key = by_index.get(index)
        if key is None:
            out[header_key(header)] = Choice(None)
            continue
        rule = NEGATE if key in layout.negate else AS_WRITTEN if key in layout.as_written else None
        out[header_key(header)] = Choice(kind.column(key).label, rule)
    return _remembered(out)


def _remembered(choices: Choices) -> Choices:
    """The choices a remembered layout may hold. Whether the numbers under 分值 are deductions depends on the sheet's
    content, not on its headers: a 取负 chosen for one section's deduction list would negate the next section's
    bonus sheet on the same template. So a sign rule is remembered (and recalled) only for a header that says the
    sign itself (扣分 taken 按原值 holds for every later 扣分 column of that shape); elsewhere it is dropped, and
    the clerk chooses it again for each upload that needs it."""
    return {h: replace(c, rule=None) if c.rule and not says_sign(h) else c for h, c in choices.items()}


# Remembered layouts -------------------------------------------------------------------------------


def _dump(choices: Choices) -> str:
    return json.dumps({h: c.text() for h, c in choices.items()}, ensure_ascii=False)


def _load(text: str) -> Choices:
    try:
        stored = json.loads(text)
        return {h: parse_choice(f"{h}={v}")[1] for h, v in stored.items()}
    except (ValueError, AttributeError, MappingError):
        return {}  # a damaged row is ignored: the sheet is then matched afresh and asked about again


def recall(cur: Con, sig: str) -> Choices | None:
    """The choices remembered for a header signature, or None."""
    row = first_row(cur, "select choices from remembered_layout where signature = $sig", {"sig": sig})
    # Rows stored before sign rules were filtered may hold one: read through the same filter, they are harmless.
    return _remembered(_load(row[0])) if row else None


def remember(
    cur: Con,
    kind: str,
    headers: dict[int, str],
    choices: Choices,
    actor: str,
    ip: str | None = None,
    batch_id: int | None = None,
) -> int:
    """Store (or replace) the choices for a sheet's signature inside the caller's transaction, and audit it.
    ``batch_id`` is the import that confirmed them: undoing it forgets them (forget_batch)."""
    choices = _remembered(choices)
    sig = signature(kind, headers)
    ordered = [header_key(headers[i]) for i in sorted(headers)]
    old = first_row(cur, "select layout_id from remembered_layout where signature = $sig", {"sig": sig})
    if old:
        cur.execute("delete from remembered_layout where layout_id = $id", {"id": old[0]})
        layout_id = int(old[0])
    else:
        layout_id = int(scalar(cur, "select coalesce(max(layout_id), 0) + 1 from remembered_layout"))
    cur.execute(
        """
        insert into remembered_layout (layout_id, signature, kind, headers, choices, confirmed_by, confirmed_at, batch_id)
        values ($id, $sig, $kind, $headers, $choices, $by, $at, $batch)
        """,
        {
            "id": layout_id,
            "sig": sig,
            "kind": kind,
            "headers": json.dumps(ordered, ensure_ascii=False),
            "choices": _dump(choices),
            "by": actor,
            "at": datetime.now(),
            "batch": batch_id,
        },
    )
    said = "；".join(f"{h}={c.text()}" for h, c in choices.items())
    audit.record(
        cur, actor, "setting_change", f"列对应关系 #{layout_id}", f"记住“{KINDS[kind].label}”的列对应关系：{said}", ip
    )
    return layout_id


def remembered_layouts(cur: Con) -> pd.DataFrame:
    """One row per remembered layout: id, kind label, headers, choices as written, who confirmed it and when."""
    frame = fetch_df(
        cur,
        """
        select layout_id, kind, headers, choices, confirmed_by, confirmed_at
        from remembered_layout order by confirmed_at desc, layout_id desc
        """,
    )
    if frame.empty:
        return frame
    frame["kind"] = frame["kind"].map(lambda k: KINDS[k].label if k in KINDS else k)
    frame["headers"] = frame["headers"].map(lambda t: "、".join(json.loads(t)))
    frame["choices"] = frame["choices"].map(lambda t: "；".join(f"{h}={v}" for h, v in json.loads(t).items()))
    return frame


def forget(cur: Con, layout_id: int, actor: str, ip: str | None = None) -> bool:
    """Delete one remembered layout inside the caller's transaction, and audit it. False when there is none."""
    row = first_row(cur, "select kind, choices from remembered_layout where layout_id = $id", {"id": int(layout_id)})
    if row is None:
        return False
    cur.execute("delete from remembered_layout where layout_id = $id", {"id": int(layout_id)})
    label = KINDS[row[0]].label if row[0] in KINDS else row[0]
    audit.record(cur, actor, "setting_change", f"列对应关系 #{layout_id}", f"删除“{label}”的列对应关系：{row[1]}", ip)
    return True


def forget_batch(cur: Con, batch_id: int, actor: str | None) -> int:
    """Forget the layouts an undone batch confirmed, inside the caller's transaction: a matching taken back with its
    import (扣分 mistakenly taken 按原值) is not applied again to the next upload. A layout confirmed again by a later
    batch belongs to that batch and stays. Returns how many were forgotten."""
    rows = cur.execute("select layout_id from remembered_layout where batch_id = $b", {"b": int(batch_id)}).fetchall()
    for (layout_id,) in rows:
        forget(cur, int(layout_id), actor or "系统")
    return len(rows)


def delete_remembered(con: Con, layout_id: int, actor: Actor) -> bool:
    """An administrator deletes a remembered layout: the next sheet of that shape is matched afresh."""
    if not roles.may(actor, roles.MANAGE_RULES):
        raise roles.PermissionDenied("只有管理员可以删除记住的列对应关系。")
    with transaction(con) as cur:
        return forget(cur, layout_id, actor.name, actor.ip)
