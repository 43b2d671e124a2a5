"""The frozen monthly posting (每月公示): publishing a month stores its posting rows and stars as version 1 with a
posting period (公示期); objections are recorded against posted rows during it; a correction publishes the next
version with a reason, and versions are compared row by row. A published month refuses imports and undos unless an
admin has opened it for correction; the frozen versions themselves never change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from analytics.accounts import audit
from analytics.accounts.roles import CORRECT, OBJECT, PUBLISH, Actor, require
from analytics.errors import DashboardError, UndoRefused
from analytics.periods import Month
from analytics.results.points import as_month, posting
from analytics.results.stars import monthly_stars
from analytics.rules import rulebook as rb
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.store.db import Con, fetch_df, scalar, transaction

ROW_COLUMNS = [
    "fact_id",
    "section",
    "person_id",
    "name",
    "event_date",
    "content",
    "item_code",
    "item_name",
    "points",
    "counted",
    "capped",
    "veto",
    "reason",
    "evidence",
    "batch_id",
    "source_file",
    "sheet",
    "row_no",
]
# The columns a correction may change, compared row by row between versions.
COMPARED = ["name", "section", "event_date", "content", "item_code", "points", "counted", "reason", "evidence"]
STAR_COLUMNS = ["person_id", "name", "section", "award", "award_kind", "net_points", "points", "rank"]
OBJECTION_STATUS = {"open": "待答复", "upheld": "异议成立", "rejected": "异议不成立"}
CHANGE_LABELS = {"added": "新增", "removed": "删除", "changed": "修改"}


class PublishRefused(DashboardError):
    title = "无法发布"


@dataclass(frozen=True)
class Version:
    month: str
    version: int
    published_at: datetime
    published_by: str
    rule_version: int | None
    data_as_of: datetime | None
    batches: list[int]
    window_start: date
    window_end: date
    reason: str | None

    def in_window(self, today: date) -> bool:
        return self.window_start <= today <= self.window_end

    @property
    def window_text(self) -> str:
        return f"{self.window_start:%Y-%m-%d} 至 {self.window_end:%Y-%m-%d}"


def working_days(start: date, n: int) -> tuple[date, date]:
    """The posting period: n working days (Monday to Friday) from start, or from the next working day."""
    day = start
    while day.weekday() >= 5:
        day += timedelta(days=1)
    first, count = day, 1
    while count < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    return first, day


def _key(month: Month | str | date) -> str:
    return str(as_month(month))


def versions(cur: Con, month: Month | str | date) -> list[Version]:
    """Every published version of the month, oldest first; empty when the month was never published."""
    rows = cur.execute(
        """
        select month, version, published_at, published_by, rule_version, data_as_of, batches, window_start,
               window_end, reason
        from posting_version where month = ? order by version
        """,
        [_key(month)],
    ).fetchall()
    return [Version(*r[:6], json.loads(r[6] or "[]"), *r[7:]) for r in rows]  # type: ignore[call-arg]


def latest(cur: Con, month: Month | str | date) -> Version | None:
    found = versions(cur, month)
    return found[-1] if found else None


def published_months(cur: Con) -> list[str]:
    return [r[0] for r in cur.execute("select distinct month from posting_version order by month").fetchall()]


def is_final(cur: Con, month: Month | str | date) -> bool:
    """Stars of a published month are final (定稿): the page marks them so."""
    return latest(cur, month) is not None


def correction_open(cur: Con, month: Month | str | date) -> tuple[str, datetime] | None:
    row = cur.execute("select opened_by, opened_at from posting_correction where month = ?", [_key(month)]).fetchone()
    return (row[0], row[1]) if row else None


def _data_as_of(cur: Con) -> datetime | None:
    return scalar(cur, "select max(imported_at) from import_batch where status = 'committed'")


def _live(cur: Con, month: Month) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = posting(cur, month)
    rows = rows[ROW_COLUMNS].copy()
    stars = monthly_stars(cur, month).stars
    return rows, stars[STAR_COLUMNS].copy()


def _freeze(cur: Con, month: Month, version: int, actor: str, today: date, reason: str | None) -> Version:
    rows, stars = _live(cur, month)
    book = rb.in_force(cur, month.end)
    days = int(round(book.params.get("posting_days", 5)))
    start, end = working_days(today, days)
    batches = sorted({int(b) for b in rows["batch_id"]})
    record = Version(
        str(month), version, datetime.now(), actor, book.version_id, _data_as_of(cur), batches, start, end, reason
    )
    cur.execute(
        "insert into posting_version values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.month,
            version,
            record.published_at,
            actor,
            record.rule_version,
            record.data_as_of,
            json.dumps(batches),
            start,
            end,
            reason,
        ],
    )
    frozen = rows.copy()
    frozen.insert(0, "version", version)
    frozen.insert(0, "month", record.month)
    cur.register("frozen_rows", frozen)
    try:
        cur.execute(
            f"insert into posting_row (month, version, {', '.join(ROW_COLUMNS)}) "
            f"select month, version, {', '.join(ROW_COLUMNS)} from frozen_rows"
        )
    finally:
        cur.unregister("frozen_rows")
    if len(stars):
        frozen_stars = stars.copy()
        frozen_stars.insert(0, "version", version)
        frozen_stars.insert(0, "month", record.month)
        cur.register("frozen_stars", frozen_stars)
        try:
            cur.execute(
                f"insert into posting_star (month, version, {', '.join(STAR_COLUMNS)}) "
                f"select month, version, {', '.join(STAR_COLUMNS)} from frozen_stars"
            )
        finally:
            cur.unregister("frozen_stars")
    return record


def _act(cur: Con, actor: Actor | None, permission: str, action: str, month: Month, detail: str) -> str:
    """Check the acting account's role in the core and leave the audit row in the same transaction; its name."""
    who = require(actor, permission)
    audit.record(cur, who.name, action, f"{month} 公示", detail, who.ip)
    return who.name


def publish(con: Con, month: Month | str | date, actor: Actor | None, today: date | None = None) -> Version:
    """Publish the month (version 1). A month already published is changed only by a correction."""
    m = as_month(month)
    with transaction(con) as cur:
        name = _act(cur, actor, PUBLISH, "publish", m, f"发布{m.label}公示第 1 版")
        if latest(cur, m) is not None:
            raise PublishRefused(f"{m.label}已经公示过；如需修改，请使用“更正”发布新版本。")
        if not len(posting(cur, m)):
            raise PublishRefused(f"{m.label}没有加减分记录，无需公示。")
        return _freeze(cur, m, 1, name, today or date.today(), None)


def open_correction(con: Con, month: Month | str | date, actor: Actor | None) -> None:
    """Allow imports and undos into a published month, until its correction is published."""
    m = as_month(month)
    with transaction(con) as cur:
        name = _act(cur, actor, CORRECT, "correction_open", m, f"开始更正{m.label}公示：允许导入或撤销该月数据")
        if latest(cur, m) is None:
            raise PublishRefused(f"{m.label}尚未公示，可以直接导入或撤销，无需更正。")
        if correction_open(cur, m) is None:
            cur.execute("insert into posting_correction values (?, ?, ?)", [str(m), name, datetime.now()])


def withdraw_correction(con: Con, month: Month | str | date, actor: Actor | None) -> None:
    m = as_month(month)
    with transaction(con) as cur:
        _act(cur, actor, CORRECT, "correction_withdraw", m, f"取消更正{m.label}公示")
        cur.execute("delete from posting_correction where month = ?", [_key(month)])


def correct(
    con: Con, month: Month | str | date, actor: Actor | None, reason: str, today: date | None = None
) -> Version:
    """Publish the next version of a published month with a reason; the earlier versions stay as they were."""
    m = as_month(month)
    reason = str(reason or "").strip()
    if not reason:
        raise PublishRefused("更正须写明原因。")
    with transaction(con) as cur:
        name = _act(cur, actor, CORRECT, "correction", m, f"更正{m.label}公示：{reason}")
        before = latest(cur, m)
        if before is None:
            raise PublishRefused(f"{m.label}尚未公示，请先发布。")
        rows, stars = _live(cur, m)
        if not len(_diff_rows(frozen_rows(cur, m, before.version), rows)) and not len(
            _diff_stars(frozen_stars(cur, m, before.version), stars)
        ):
            raise PublishRefused(f"当前数据与第 {before.version} 版公示完全一致，没有需要更正的内容。")
        record = _freeze(cur, m, before.version + 1, name, today or date.today(), reason)
        cur.execute("delete from posting_correction where month = ?", [str(m)])
        return record


def frozen_rows(cur: Con, month: Month | str | date, version: int) -> pd.DataFrame:
    """The posted rows of one version, as they were published (one row per score event)."""
    return fetch_df(
        cur,
        f"""
        select {", ".join(ROW_COLUMNS)} from posting_row where month = $month and version = $version
        order by fact_id
        """,
        {"month": _key(month), "version": version},
    )


def frozen_stars(cur: Con, month: Month | str | date, version: int) -> pd.DataFrame:
    return fetch_df(
        cur,
        f"""
        select {", ".join(STAR_COLUMNS)} from posting_star where month = $month and version = $version
        order by award_kind desc, award, rank, person_id
        """,
        {"month": _key(month), "version": version},
    )


def _same(a, b) -> bool:
    if a is None or (isinstance(a, float) and a != a):
        return b is None or (isinstance(b, float) and b != b)
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) < 1e-9
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def _diff_rows(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
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


def _diff_stars(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
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
    raw = _diff_rows(frozen_rows(cur, month, before), frozen_rows(cur, month, after))
    rows = pd.DataFrame([_describe(r) for r in raw.to_dict("records")], columns=DIFF_COLUMNS)
    stars = _diff_stars(frozen_stars(cur, month, before), frozen_stars(cur, month, after))
    stars.insert(1, "change_label", stars["change"].map({"added": "新获得", "removed": "不再获得"}))
    return Diff(_key(month), before, after, rows, stars)


# Objections --------------------------------------------------------------------------------------


def raise_objection(
    con: Con,
    month: Month | str | date,
    actor: Actor | None,
    text: str,
    fact_id: int | None = None,
    today: date | None = None,
    by: str | None = None,
) -> int:
    """Record an objection (异议) against a posted row of the latest version, or the posting as a whole; only during
    the posting period. ``by`` is who raised it (a colleague may object through the account that records it);
    without it, the recording account."""
    m = as_month(month)
    text = str(text or "").strip()
    if not text:
        raise PublishRefused("请写明异议内容。")
    today = today or date.today()
    with transaction(con) as cur:
        name = _act(cur, actor, OBJECT, "objection", m, f"登记{m.label}公示的异议：{text[:200]}")
        raiser = str(by or "").strip() or name
        version = latest(cur, m)
        if version is None:
            raise PublishRefused(f"{m.label}尚未公示，不能提出异议。")
        if not version.in_window(today):
            raise PublishRefused(f"{m.label}的公示期为 {version.window_text}，不在公示期内，不能提出异议。")
        if fact_id is not None:
            found = scalar(
                cur,
                "select count(*) from posting_row where month = ? and version = ? and fact_id = ?",
                [str(m), version.version, fact_id],
            )
            if not found:
                raise PublishRefused("所选的记录不在本月公示中。")
        objection_id = scalar(cur, "select coalesce(max(objection_id), 0) + 1 from posting_objection")
        cur.execute(
            "insert into posting_objection values (?, ?, ?, ?, ?, ?, ?, 'open', null, null, null)",
            [objection_id, str(m), version.version, fact_id, raiser, datetime.now(), text],
        )
        return objection_id


def answer_objection(con: Con, objection_id: int, actor: Actor | None, reply: str, upheld: bool) -> None:
    """Reply to an objection: upheld (异议成立, to be fixed by a correction) or rejected (异议不成立)."""
    reply = str(reply or "").strip()
    if not reply:
        raise PublishRefused("请填写答复内容。")
    with transaction(con) as cur:
        found = cur.execute(
            "select status, month from posting_objection where objection_id = ?", [objection_id]
        ).fetchone()
        if found is None:
            raise PublishRefused(f"没有编号为 {objection_id} 的异议。")
        verdict = "异议成立" if upheld else "异议不成立"
        actor_name = _act(
            cur, actor, PUBLISH, "objection_reply", as_month(found[1]), f"答复异议 #{objection_id}：{verdict}"
        )
        cur.execute(
            """
            update posting_objection set status = ?, reply = ?, replied_by = ?, replied_at = ?
            where objection_id = ?
            """,
            ["upheld" if upheld else "rejected", reply, actor_name, datetime.now(), objection_id],
        )


def objections(cur: Con, month: Month | str | date) -> pd.DataFrame:
    """One row per objection of the month with the posted row it is against (name, content, reason) and its status."""
    frame = fetch_df(
        cur,
        """
        select o.objection_id, o.version, o.fact_id, r.name, r.section, r.content, r.counted, r.reason,
               o.raised_by, o.raised_at, o.text, o.status, o.reply, o.replied_by, o.replied_at
        from posting_objection o
        left join posting_row r on r.month = o.month and r.version = o.version and r.fact_id = o.fact_id
        where o.month = $month
        order by o.objection_id
        """,
        {"month": _key(month)},
    )
    frame["status_label"] = frame["status"].map(OBJECTION_STATUS)
    return frame


# The import guard --------------------------------------------------------------------------------


def _locked(cur: Con, months: set[str]) -> tuple[list[str], list[str]]:
    """(published months not open for correction, published months open for correction) among months."""
    if not months:
        return [], []
    published = set(published_months(cur))
    hit = sorted(months & published)
    open_ = {r[0] for r in cur.execute("select month from posting_correction").fetchall()}
    return [m for m in hit if m not in open_], [m for m in hit if m in open_]


def _labels(months: list[str]) -> str:
    return "、".join(Month.parse(m).label for m in months)


def check_preview(cur: Con, preview) -> None:
    """The importer's hook: a points file that touches a published month gets an error in its preview (so it cannot
    be committed), or a reminder when an admin has opened that month for correction."""
    months: set[str] = set()
    for sheet in preview.sheets:
        if sheet.kind == "points" and len(sheet.rows) and "event_date" in sheet.rows:
            dates = pd.to_datetime(sheet.rows["event_date"], errors="coerce").dropna()
            # The distinct months first: iterating 100,000 dates as Timestamps costs a second.
            months |= {f"{m // 100}-{m % 100:02d}" for m in (dates.dt.year * 100 + dates.dt.month).unique().tolist()}
    locked, open_ = _locked(cur, months)
    if locked:
        preview.file_problems.append(
            Problem(
                ERROR,
                "",
                None,
                None,
                None,
                f"文件含有{_labels(locked)}的加减分记录，而该月已经公示（已定稿），不能直接导入。"
                "如确需修改，请管理员在「每月公示」页对该月“开始更正”后再导入，导入后发布更正版本。",
            )
        )
    if open_:
        preview.file_problems.append(
            Problem(
                WARNING,
                "",
                None,
                None,
                None,
                f"{_labels(open_)}已公示、正在更正：导入后请在「每月公示」页发布更正版本，原公示版本保持不变。",
            )
        )


def check_undo(cur: Con, batch_id: int) -> None:
    """The undo's hook: a batch with score events in a published month is kept unless that month is open for
    correction."""
    demo = cur.execute("select is_demo from import_batch where batch_id = ?", [batch_id]).fetchone()
    if demo and demo[0]:
        # Clearing the demo year must stay possible; the frozen versions of its months are kept all the same.
        return
    months = {
        f"{d.year}-{d.month:02d}"
        for (d,) in cur.execute(
            "select distinct date_trunc('month', event_date) from score_event where batch_id = ?", [batch_id]
        ).fetchall()
    }
    locked, _ = _locked(cur, months)
    if locked:
        raise UndoRefused(
            f"批次 #{batch_id} 含有{_labels(locked)}的加减分记录，该月已经公示（已定稿），不能直接撤销。"
            "如确需修改，请管理员在「每月公示」页对该月“开始更正”后再撤销，撤销后发布更正版本。"
        )
