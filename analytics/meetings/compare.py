"""Two published versions of a month compared row by row and star by star: which posted rows were added, removed or
changed (and in which fields), and which stars were gained or lost. A correction is refused when it would change
nothing; the 每月公示 page and `python -m analytics diff` show the comparison."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from analytics.meetings.versions import STAR_COLUMNS, frozen_rows, frozen_stars, month_key
from analytics.periods import Month
from analytics.store.db import Con

# The columns a correction may change, compared row by row between versions.
COMPARED = ["name", "section", "event_date", "content", "item_code", "points", "counted", "reason", "evidence"]
CHANGE_LABELS = {"added": "新增", "removed": "删除", "changed": "修改"}


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and a != a):
        return b is None or (isinstance(b, float) and b != b)
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def diff_rows(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per posted row added, removed or changed (with the fields that differ) between two frozen frames."""
    old = {int(r["fact_id"]): r for r in before.to_dict("records")}
    new = {int(r["fact_id"]): r for r in after.to_dict("records")}
    out: list[dict[str, Any]] = []
    for fact_id in sorted(old.keys() | new.keys()):
        a, b = old.get(fact_id), new.get(fact_id)
        if a is None:
            out.append({"change": "added", "fact_id": fact_id, "before": None, "after": b, "fields": []})
        elif b is None:
            out.append({"change": "removed", "fact_id": fact_id, "before": a, "after": None, "fields": []})
        else:
            fields = [c for c in COMPARED if not _same(a.get(c), b.get(c))]
            if fields:
                out.append({"change": "changed", "fact_id": fact_id, "before": a, "after": b, "fields": fields})
    return pd.DataFrame(_pair(out), columns=["change", "fact_id", "before", "after", "fields"])


def _same_event(row: dict) -> tuple:
    return (row.get("person_id"), str(row.get("event_date")), row.get("content"), row.get("item_code") or "")


def _pair(changes: list[dict]) -> list[dict]:
    """A correction re-imports a row rather than editing it (undo, then a fixed file): a removed and an added row of
    the same person, day, content and item are one changed row."""
    added: dict[tuple, list[dict]] = {}
    for change in changes:
        if change["change"] == "added":
            added.setdefault(_same_event(change["after"]), []).append(change)
    paired: set[int] = set()
    out = []
    for change in changes:
        if change["change"] == "removed" and added.get(_same_event(change["before"])):
            partner = added[_same_event(change["before"])].pop(0)
            paired.add(id(partner))
            a, b = change["before"], partner["after"]
            fields = [c for c in COMPARED if not _same(a.get(c), b.get(c))]
            if fields:
                out.append(
                    {"change": "changed", "fact_id": partner["fact_id"], "before": a, "after": b, "fields": fields}
                )
        else:
            out.append(change)
    return [c for c in out if id(c) not in paired]


def _star_keys(stars: pd.DataFrame) -> dict[tuple[int, str], dict]:
    return {(int(r["person_id"]), r["award"]): r for r in stars.to_dict("records")}


def diff_stars(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """One row per star gained (added) or lost (removed) between two frozen star frames."""
    old, new = _star_keys(before), _star_keys(after)
    rows = [{"change": "removed", **old[k]} for k in old.keys() - new.keys()]
    rows += [{"change": "added", **new[k]} for k in new.keys() - old.keys()]
    frame = pd.DataFrame(rows, columns=["change", *STAR_COLUMNS])
    return frame.sort_values(["change", "award", "person_id"]).reset_index(drop=True)


DIFF_COLUMNS = [
    "change",
    "change_label",
    "fact_id",
    "name",
    "section",
    "event_date",
    "what",
    "points_before",
    "points_after",
]


def _describe(row: dict) -> dict:
    a, b = row["before"], row["after"]
    base = b if b is not None else a
    if row["change"] == "changed":
        what = "；".join(f"{FIELD_LABELS[c]}：{_show(a.get(c))} → {_show(b.get(c))}" for c in row["fields"])
    else:
        what = f"{_show(base.get('content'))}｜{_show(base.get('reason'))}"
    return {
        "change": row["change"],
        "change_label": CHANGE_LABELS[row["change"]],
        "fact_id": row["fact_id"],
        "name": base.get("name"),
        "section": base.get("section"),
        "event_date": base.get("event_date"),
        "what": what,
        "points_before": None if a is None else a.get("counted"),
        "points_after": None if b is None else b.get("counted"),
    }


FIELD_LABELS = {
    "name": "姓名",
    "section": "科室",
    "event_date": "日期",
    "content": "考核内容",
    "item_code": "事项编号",
    "points": "分值",
    "counted": "计入分值",
    "reason": "事由",
    "evidence": "依据",
}


def _show(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "（空）"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (date, datetime)):
        return f"{value:%Y-%m-%d}"
    return str(value)


@dataclass
class Diff:
    """Two versions compared: rows one per added, removed or changed posted row; stars one per star gained or lost."""

    month: str
    before: int
    after: int
    rows: pd.DataFrame
    stars: pd.DataFrame

    @property
    def counts(self) -> dict[str, int]:
        return {k: int((self.rows["change"] == k).sum()) for k in CHANGE_LABELS}


def diff(cur: Con, month: Month | str | date, before: int, after: int) -> Diff:
    """Version ``before`` against version ``after`` of a published month, row by row and star by star."""
    raw = diff_rows(frozen_rows(cur, month, before), frozen_rows(cur, month, after))
    rows = pd.DataFrame([_describe(r) for r in raw.to_dict("records")], columns=DIFF_COLUMNS)
    stars = diff_stars(frozen_stars(cur, month, before), frozen_stars(cur, month, after))
    stars.insert(1, "change_label", stars["change"].map({"added": "新获得", "removed": "不再获得"}))
    return Diff(month_key(month), before, after, rows, stars)
