"""Storing a checked file in one transaction: the batch and its archived file, each sheet into its table (the
roster and the rule book by their own writers), the claims on events sent again, the layouts the clerk confirmed
and the cells corrected in the browser; and the whole import (dry run, then commit) in one call."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from analytics import collector
from analytics.accounts import guard
from analytics.accounts.roles import SYSTEM, Actor, is_system
from analytics.errors import ImportRefused
from analytics.rules import dependents
from analytics.rules import rulebook as rb
from analytics.sheets import events, mapping
from analytics.sheets import guard as file_guard
from analytics.sheets.checks import SheetResult
from analytics.sheets.ingest.dry_run import prepare
from analytics.sheets.ingest.history import find_committed
from analytics.sheets.ingest.preview import Options, Preview, Progress
from analytics.sheets.kinds import FACT_KINDS
from analytics.sheets.roster_store import apply_roster
from analytics.store.db import Con, data_version, transaction


@collector.paused()
def commit(con: Con, preview: Preview, actor: Actor = SYSTEM) -> int:
    """Store a checked file in one transaction; returns the batch id. Refuses a preview with errors.

    ``actor`` (the signed-in user, or the CLI's local user) must hold the import permission, may import only the
    sections it is limited to, becomes the batch's uploader and is recorded in the audit log. SYSTEM (the default) is
    the trusted in-process caller (the demo loader at first start, tests); None is refused."""
    if not preview.ok:
        first = preview.errors[0].text() if preview.errors else "没有可导入的数据"
        raise ImportRefused(f"文件“{preview.file_name}”有 {len(preview.errors)} 处错误，未导入。第一处：{first}")
    with transaction(con) as cur:
        if data_version(cur) != preview.data_version:
            # The data changed since the preview (another import or an undo): check again against it.
            preview = prepare(cur, preview.content, preview.file_name, preview.options)
            if not preview.ok:
                first = preview.errors[0].text() if preview.errors else "没有可导入的数据"
                raise ImportRefused(f"数据在预览后发生了变化，重新检查发现问题：{first}")
        if not is_system(actor):
            guard.before_import(cur, actor, preview)
        batch_id = write_batch(cur, preview)
        who = (preview.options.uploader or actor.name) if is_system(actor) else actor.name
        _remember_layouts(cur, preview, who, actor.ip, batch_id)
        _store_corrections(cur, preview, batch_id, who)
        if not is_system(actor):
            guard.after_import(cur, actor, preview, batch_id)
        return batch_id


def _remember_layouts(cur: Con, preview: Preview, who: str, ip: str | None, batch_id: int) -> None:
    """A matching the clerk confirmed (chose by hand, and committed) is remembered for the next sheet of its shape,
    with the batch that confirmed it (undoing the batch forgets it)."""
    imported = {s.sheet for s in preview.sheets}
    for sheet, layout in preview.layouts.items():
        if sheet not in imported or not layout.chosen or layout.remembered:
            continue
        choices = mapping.choices_of(layout)
        if choices:
            mapping.remember(cur, layout.kind, layout.headers, choices, who, ip, batch_id)


def _store_corrections(cur: Con, preview: Preview, batch_id: int, who: str) -> None:
    if not preview.corrected:
        return
    now = datetime.now()
    cur.executemany(
        "insert into import_correction values (?, ?, ?, ?, ?, ?, ?, ?)",
        [[batch_id, c["sheet"], c["row"], c["header"], c["original"], c["value"], who, now] for c in preview.corrected],
    )


def write_batch(cur: Con, preview: Preview) -> int:
    """Write every sheet of a checked preview inside the caller's transaction."""
    earlier = find_committed(cur, preview.sha256)
    if earlier:
        raise ImportRefused(f"这个文件已导入过（批次 #{earlier[0]}），不能重复导入。")
    # Numbered by max + 1 under the write lock, not by a sequence: a sequence would skip a number for every
    # impact preview (a rolled-back write), and clerks read batch numbers.
    batch_id = cur.execute("select coalesce(max(batch_id), 0) + 1 from import_batch").fetchall()[0][0]
    options = preview.options
    cur.execute(
        """
        insert into import_batch (batch_id, kind, file_name, sha256, sheets, uploader, imported_at, rows_imported,
                                  rows_replaced, rows_skipped, points_total, status, is_demo, summary)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'committed', ?, ?)
        """,
        [
            batch_id,
            preview.kind,
            preview.file_name,
            preview.sha256,
            [s.sheet for s in preview.sheets],
            options.uploader,
            datetime.now(),
            preview.rows_imported,
            preview.rows_replaced,
            preview.rows_skipped,
            preview.points_total,
            options.is_demo,
            json.dumps({"lines": preview.summary_lines()}, ensure_ascii=False),
        ],
    )
    # The archived copy of an .xlsm keeps its data and loses its macros (vbaProject), so no later download carries code.
    cur.execute("insert into import_file values (?, ?)", [batch_id, file_guard.without_macros(preview.content)])
    ids: dict[int, int] = {}
    for sheet in preview.sheets:
        if sheet.kind == "roster" and sheet.roster_plan is not None and sheet.roster_after is not None:
            ids.update(
                apply_roster(cur, sheet.roster_plan, sheet.roster_after, batch_id, preview.file_name, sheet.sheet, ids)
            )
        elif sheet.kind == "rules" and sheet.new_book is not None:
            effective = options.rules_effective or date(sheet.new_book.campaign_year, 1, 1)
            note = "；".join(sheet.notes)
            was = dependents.before(cur)
            rb.save(cur, sheet.new_book, effective, "upload", options.uploader, note, batch_id)
            refused = dependents.stranded_by(cur, was, "导入这份加减分事项")
            if refused:  # the rules changed since the preview (another version saved, points imported)
                raise ImportRefused(refused)
        elif sheet.kind in ("roster", "rules"):
            raise ImportRefused(f"「{sheet.sheet}」的检查结果不完整，未导入。请重新上传。")
        else:
            _insert_facts(cur, sheet, batch_id, preview.file_name, ids)
            events.claim(cur, sheet, batch_id, preview.file_name)
    return batch_id


def _insert_facts(cur: Con, sheet: SheetResult, batch_id: int, file_name: str, ids: dict[int, int]) -> None:
    kind = FACT_KINDS[sheet.kind]
    table, columns = kind.table, kind.stored
    if sheet.kind == "tasks" and sheet.replaced is not None and len(sheet.replaced):
        cur.execute(
            "update task_snapshot set superseded_by = ? where fact_id in (select unnest(?))",
            [batch_id, [int(x) for x in sheet.replaced["fact_id"]]],
        )
    if sheet.rows.empty:
        return
    frame = sheet.rows[list(columns)].copy()
    if ids:
        for col in kind.id_columns:
            frame[col] = frame[col].map(lambda v: ids.get(v, v) if v is not None and v == v else v)
    frame.insert(0, "row_no", sheet.rows["_row"].astype("int64"))
    names = ", ".join(("row_no", *columns))
    cur.complete()  # an unread earlier result (fetchone) would make register() fail
    cur.register("incoming_rows", frame)
    try:
        # The batch, file and sheet are one value for every row: bound once, not carried as 100,000 cells.
        cur.execute(
            f"""
            insert into {table} (batch_id, source_file, sheet, {names})
            select $batch, $file, $sheet, {names} from incoming_rows
            """,
            {"batch": batch_id, "file": file_name, "sheet": sheet.sheet},
        )
    finally:
        cur.unregister("incoming_rows")


@collector.paused()
def import_bytes(
    con: Con,
    content: bytes,
    file_name: str,
    options: Options | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    actor: Actor = SYSTEM,
) -> tuple[Preview, int | None]:
    """Prepare and, unless a dry run or refused, commit. Returns (preview, batch id or None)."""
    preview = prepare(con.cursor(), content, file_name, options, progress)
    if dry_run or not preview.ok:
        return preview, None
    return preview, commit(con, preview, actor)


def import_path(
    con: Con, path: str | Path, options: Options | None = None, dry_run: bool = False, actor: Actor = SYSTEM
):
    path = Path(path)
    return import_bytes(con, path.read_bytes(), path.name, options, dry_run, actor=actor)
