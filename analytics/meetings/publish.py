"""The frozen monthly posting (每月公示): publishing a month stores its posting rows and stars as version 1 with a
posting period (公示期); objections are recorded against posted rows during it; a correction publishes the next
version with a reason, and versions are compared row by row. A published month refuses imports and undos unless an
admin has opened it for correction — points in it, and roster changes and rule-book versions effective in or before
it (they change its stars as much); the frozen versions themselves never change.

The versions read back are in versions.py, their comparison in compare.py and the objections in objections.py; this
module writes the versions, guards the importer, and is where callers reach the whole posting workflow."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd

from analytics.accounts.roles import CORRECT, PUBLISH, Actor
from analytics.errors import UndoRefused
from analytics.meetings.compare import CHANGE_LABELS as CHANGE_LABELS
from analytics.meetings.compare import Diff as Diff
from analytics.meetings.compare import diff as diff
from analytics.meetings.compare import diff_rows, diff_stars
from analytics.meetings.objections import answer_objection as answer_objection
from analytics.meetings.objections import objections as objections
from analytics.meetings.objections import raise_objection as raise_objection
from analytics.meetings.versions import ROW_COLUMNS, STAR_COLUMNS, PublishRefused, Version, act, latest, month_key
from analytics.meetings.versions import correction_open as correction_open
from analytics.meetings.versions import frozen_rows as frozen_rows
from analytics.meetings.versions import frozen_stars as frozen_stars
from analytics.meetings.versions import is_final as is_final
from analytics.meetings.versions import published_months as published_months
from analytics.meetings.versions import versions as versions
from analytics.meetings.versions import working_days as working_days
from analytics.periods import Month
from analytics.results.points import as_month, posting
from analytics.results.stars import monthly_stars
from analytics.rules import rulebook as rb
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.store.db import Con, first_row, scalar, transaction


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


def publish(con: Con, month: Month | str | date, actor: Actor | None, today: date | None = None) -> Version:
    """Publish the month (version 1). A month already published is changed only by a correction."""
    m = as_month(month)
    with transaction(con) as cur:
        name = act(cur, actor, PUBLISH, "publish", m, f"发布{m.label}公示第 1 版")
        if latest(cur, m) is not None:
            raise PublishRefused(f"{m.label}已经公示过；如需修改，请使用“更正”发布新版本。")
        if not len(posting(cur, m)):
            raise PublishRefused(f"{m.label}没有加减分记录，无需公示。")
        return _freeze(cur, m, 1, name, today or date.today(), None)


def open_correction(con: Con, month: Month | str | date, actor: Actor | None) -> None:
    """Allow imports and undos into a published month, until its correction is published."""
    m = as_month(month)
    with transaction(con) as cur:
        name = act(cur, actor, CORRECT, "correction_open", m, f"开始更正{m.label}公示：允许导入或撤销该月数据")
        if latest(cur, m) is None:
            raise PublishRefused(f"{m.label}尚未公示，可以直接导入或撤销，无需更正。")
        if correction_open(cur, m) is None:
            cur.execute("insert into posting_correction values (?, ?, ?)", [str(m), name, datetime.now()])


def withdraw_correction(con: Con, month: Month | str | date, actor: Actor | None) -> None:
    """Close a correction without a new version: only while the month reads as its latest version does (locked
    again, live results that differ from the printed posting could neither be undone nor imported into)."""
    m = as_month(month)
    with transaction(con) as cur:
        act(cur, actor, CORRECT, "correction_withdraw", m, f"取消更正{m.label}公示")
        before = latest(cur, m)
        if before is not None:
            _refuse_if_changed(cur, m, before)
        cur.execute("delete from posting_correction where month = ?", [month_key(month)])


def _refuse_if_changed(cur: Con, month: Month, before: Version) -> None:
    """Refuse, saying what changed and which batches went in or out since the correction opened, when the month's
    live posting rows or stars differ from those of version `before`."""
    rows, stars = _live(cur, month)
    changed = diff_rows(frozen_rows(cur, month, before.version), rows)
    star_changes = diff_stars(frozen_stars(cur, month, before.version), stars)
    if not len(changed) and not len(star_changes):
        return
    counts = changed["change"].value_counts()
    parts = [f"{label} {int(counts[key])} 行" for key, label in CHANGE_LABELS.items() if counts.get(key)]
    if len(star_changes):
        parts.append("摘星有变化")
    # The batches that can have made the difference: those holding a posted row of the month, before or now, and
    # roster and rule-book batches (they move people and change the rules the month is scored by).
    held = sorted(
        {int(b) for b in rows["batch_id"]} | {int(b) for b in frozen_rows(cur, month, before.version)["batch_id"]}
    )
    opened = correction_open(cur, month)
    since = opened[1] if opened else before.published_at
    found = cur.execute(
        """
        select batch_id, status from import_batch
        where (batch_id in (select unnest($held::integer[])) or kind like '%roster%' or kind like '%rules%')
          and ((status = 'committed' and imported_at >= $since) or (status = 'undone' and undone_at >= $since))
        order by batch_id
        """,
        {"held": held, "since": since},
    ).fetchall()
    imported = [b for b, status in found if status == "committed"]
    undone = [b for b, status in found if status == "undone"]
    steps = []
    if imported:
        steps.append(f"撤销更正期间导入的批次 {'、'.join(f'#{b}' for b in imported)}")
    if undone:
        steps.append(f"重新导入更正期间撤销的批次 {'、'.join(f'#{b}' for b in undone)} 的文件")
    undo_first = f"请先{'，并'.join(steps)}，使数据与公示一致后再取消更正；" if steps else ""
    raise PublishRefused(
        f"{month.label}的数据已与第 {before.version} 版公示不同（{'，'.join(parts)}），取消更正后该月锁定，"
        f"公示表与实际结果将不一致。{undo_first}或者填写更正原因，发布第 {before.version + 1} 版公示。"
    )


def correct(
    con: Con, month: Month | str | date, actor: Actor | None, reason: str, today: date | None = None
) -> Version:
    """Publish the next version of a published month with a reason; the earlier versions stay as they were."""
    m = as_month(month)
    reason = str(reason or "").strip()
    if not reason:
        raise PublishRefused("更正须写明原因。")
    with transaction(con) as cur:
        name = act(cur, actor, CORRECT, "correction", m, f"更正{m.label}公示：{reason}")
        before = latest(cur, m)
        if before is None:
            raise PublishRefused(f"{m.label}尚未公示，请先发布。")
        rows, stars = _live(cur, m)
        if not len(diff_rows(frozen_rows(cur, m, before.version), rows)) and not len(
            diff_stars(frozen_stars(cur, m, before.version), stars)
        ):
            raise PublishRefused(f"当前数据与第 {before.version} 版公示完全一致，没有需要更正的内容。")
        record = _freeze(cur, m, before.version + 1, name, today or date.today(), reason)
        cur.execute("delete from posting_correction where month = ?", [str(m)])
        return record


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


def _locked_from(cur: Con, day: date) -> tuple[list[str], list[str]]:
    """(locked, open for correction) among the published months a change effective from ``day`` reaches: every
    month ending on or after it (a move, a departure or a rule-book version dated in or before a month changes that
    month's stars and posting)."""
    return _reached(*_locked(cur, set(published_months(cur))), day)


def _reached(locked: list[str], open_: list[str], day: date) -> tuple[list[str], list[str]]:
    return [m for m in locked if Month.parse(m).end >= day], [m for m in open_ if Month.parse(m).end >= day]


_CORRECT_FIRST = "如确需修改，请管理员在「每月公示」页对该月“开始更正”后再{verb}，{verb}后发布更正版本。"
_CORRECTING = "{months}已公示、正在更正：{verb}后请在「每月公示」页发布更正版本，原公示版本保持不变。"


def _after(months: list[str]) -> str:
    """The first day a change may take effect without reaching these published months."""
    return f"{max(Month.parse(m).end for m in months) + timedelta(days=1):%Y-%m-%d}"


def _roster_dates(cur: Con, sheet) -> list[tuple[int | None, str, str, date]]:
    """(row, name, what, effective day) of every dated change a roster sheet's plan makes: moves, departures and
    returns (a return is effective from the departure it clears)."""
    plan, after = sheet.roster_plan, sheet.roster_after
    out: list[tuple[int | None, str, str, date]] = []
    for move in plan.moves:
        out.append((move["row"], after.people[move["person_id"]].name, "调整科室", move["on"]))
    for leave in plan.leaves:
        out.append((leave["row"], after.people[leave["person_id"]].name, "离岗", leave["on"]))
    stored = [pid for pid in plan.returns if pid > 0]
    if stored:
        for pid, left_on in cur.execute(
            "select person_id, left_on from person where person_id in (select unnest($pids::integer[]))",
            {"pids": stored},
        ).fetchall():
            if left_on is not None:
                out.append((None, after.people[pid].name, "恢复在岗（原离岗日期）", left_on))
    return out


def _check_dated_changes(cur: Con, preview) -> None:
    """Roster changes and a new rule book effective in or before a published month: an error on the row (or the
    file), or a reminder when that month is open for correction."""
    reminded: set[str] = set()
    published = _locked(cur, set(published_months(cur)))  # read once: a city's roster moves thousands of people
    if not published[0] and not published[1]:
        return
    for sheet in preview.sheets:
        dated: list[tuple[int | None, str, date]] = []
        if sheet.kind == "roster" and sheet.roster_plan is not None and sheet.roster_after is not None:
            dated = [
                (row, f"{name} 的{what}自 {day:%Y-%m-%d} 起生效", day)
                for row, name, what, day in _roster_dates(cur, sheet)
            ]
        elif sheet.kind == "rules" and sheet.new_book is not None:
            day = preview.options.rules_effective or date(sheet.new_book.campaign_year, 1, 1)
            dated = [(None, f"新的加减分事项自 {day:%Y-%m-%d} 起施行", day)]
        for row, what, day in dated:
            locked, open_ = _reached(*published, day)
            reminded.update(open_)
            if locked:
                sheet.problems.append(
                    Problem(
                        ERROR,
                        sheet.sheet,
                        row,
                        None,
                        None,
                        f"{what}，会改变{_labels(locked)}的结果，而该月已经公示（已定稿），不能直接导入。"
                        f"如生效日期有误，请改为 {_after(locked)} 或之后；" + _CORRECT_FIRST.format(verb="导入"),
                    )
                )
    if reminded:
        preview.file_problems.append(
            Problem(WARNING, "", None, None, None, _CORRECTING.format(months=_labels(sorted(reminded)), verb="导入"))
        )


def refuse_rules_from(cur: Con, effective_from: date) -> None:
    """A rule-book version effective in or before a published month would change that month's stars: refused until
    an admin opens the month for correction."""
    locked, _ = _locked_from(cur, effective_from)
    if locked:
        raise PublishRefused(
            f"新规则自 {effective_from:%Y-%m-%d} 起施行，会改变{_labels(locked)}的结果，而该月已经公示（已定稿），"
            f"不能直接保存。如施行日期有误，请改为 {_after(locked)} 或之后；" + _CORRECT_FIRST.format(verb="保存")
        )


def check_preview(cur: Con, preview) -> None:
    """The importer's hook: a points file that touches a published month, or a roster change or rule book effective
    in or before one, gets an error in its preview (so it cannot be committed), or a reminder when an admin has
    opened that month for correction."""
    locked, open_ = _locked(cur, preview.points_months())
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
            Problem(WARNING, "", None, None, None, _CORRECTING.format(months=_labels(open_), verb="导入"))
        )
    _check_dated_changes(cur, preview)


def check_undo(cur: Con, batch_id: int) -> None:
    """The undo's hook: a batch with score events in a published month is kept unless that month is open for
    correction."""
    demo = first_row(cur, "select is_demo from import_batch where batch_id = ?", [batch_id])
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
            + _CORRECT_FIRST.format(verb="撤销")
        )
    day = _undo_reaches(cur, batch_id)
    if day is not None:
        locked, _ = _locked_from(cur, day)
        if locked:
            raise UndoRefused(
                f"批次 #{batch_id} 的人员名单或规则变动自 {day:%Y-%m-%d} 起生效，撤销会改变{_labels(locked)}的结果，"
                "而该月已经公示（已定稿），不能直接撤销。" + _CORRECT_FIRST.format(verb="撤销")
            )


def _undo_reaches(cur: Con, batch_id: int) -> date | None:
    """The first day whose results undoing a batch's roster changes or rule-book version would change: the start of
    a membership it opened for a person it moved, a departure it set or cleared, the effective date of its rules.
    People it added are left out: undoing them is refused while any record names them."""
    days = [
        d
        for (d,) in cur.execute(
            """
            select min(effective_from) from rule_version where batch_id = $batch
            union all
            select min(m.valid_from) from membership m
            where m.batch_id = $batch
              and m.person_id in (select person_id from roster_change where batch_id = $batch and action = 'update')
            """,
            {"batch": batch_id},
        ).fetchall()
        if d is not None
    ]
    for before_json, left_on in cur.execute(
        """
        select c.before_json, p.left_on from roster_change c join person p using (person_id)
        where c.batch_id = $batch and c.action = 'update'
        """,
        {"batch": batch_id},
    ).fetchall():
        was = json.loads(before_json).get("left_on")
        was_day = date.fromisoformat(was) if was else None
        if was_day != left_on:
            days += [d for d in (was_day, left_on) if d is not None]
    return min(days, default=None)
