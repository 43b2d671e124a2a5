"""The batches imported, and taking one back out: its rows go (or stay, handed to another batch that sent them too),
the task snapshots it replaced return, the roster and the rule book are restored."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from analytics.accounts import guard
from analytics.accounts.roles import SYSTEM, Actor, is_system
from analytics.errors import UndoRefused
from analytics.meetings import publish as published
from analytics.rules import dependents
from analytics.sheets import events, mapping
from analytics.sheets.kinds import FACT_TABLES
from analytics.sheets.roster_store import undo_roster
from analytics.store.db import Con, fetch_df, first_row, scalar, transaction


def find_committed(cur: Con, sha: str) -> tuple | None:
    return first_row(
        cur,
        """
        select batch_id, file_name, imported_at from import_batch
        where sha256 = ? and status = 'committed' order by batch_id limit 1
        """,
        [sha],
    )


def list_batches(cur: Con, include_undone: bool = True) -> pd.DataFrame:
    """One row per batch, newest first."""
    where = "" if include_undone else "where status = 'committed'"
    return fetch_df(
        cur,
        f"""
        select batch_id, kind, file_name, sha256, sheets, uploader, imported_at, rows_imported, rows_replaced,
               rows_skipped, points_total, status, undone_at, undone_by, is_demo, summary
        from import_batch {where}
        order by batch_id desc
        """,
    )


def batch_file(cur: Con, batch_id: int) -> tuple[str, bytes] | None:
    row = first_row(
        cur,
        "select b.file_name, f.content from import_batch b join import_file f using (batch_id) where batch_id = ?",
        [batch_id],
    )
    return (row[0], bytes(row[1])) if row else None


def undo(con: Con, batch_id: int, user: str | None = None, actor: Actor = SYSTEM) -> dict:
    """Take a batch back out: its rows go, the snapshots it replaced return, the roster and rules are restored.
    With an actor: checked (clerks undo only their own batches), recorded as undone by it, and audited."""
    with transaction(con) as cur:
        if is_system(actor):
            return undo_in(cur, batch_id, user)
        guard.before_undo(cur, actor, batch_id)
        result = undo_in(cur, batch_id, actor.name)
        guard.after_undo(cur, actor, batch_id, result)
        return result


def undo_in(cur: Con, batch_id: int, user: str | None = None) -> dict:
    row = first_row(cur, "select kind, status, file_name from import_batch where batch_id = ?", [batch_id])
    if row is None:
        raise UndoRefused(f"没有编号为 #{batch_id} 的导入批次。")
    kind, status, file_name = row
    if status != "committed":
        raise UndoRefused(f"批次 #{batch_id}（{file_name}）已经撤销过了。")
    published.check_undo(cur, batch_id)
    removed = {}
    kept = 0
    for table in FACT_TABLES:
        kept += events.hand_over(cur, table, batch_id)
        removed[table] = cur.execute(f"select count(*) from {table} where batch_id = ?", [batch_id]).fetchall()[0][0]
        cur.execute(f"delete from {table} where batch_id = ?", [batch_id])
    cur.execute("delete from fact_claim where batch_id = ?", [batch_id])
    # Snapshots this batch replaced come back, unless a later batch has replaced the same task and date since.
    replaced = [
        r[0] for r in cur.execute("select fact_id from task_snapshot where superseded_by = ?", [batch_id]).fetchall()
    ]
    cur.execute(
        """
        update task_snapshot t set superseded_by = (
            select min(a.batch_id) from task_snapshot a
            where a.task_code = t.task_code and a.updated_on = t.updated_on and a.superseded_by is null
              and a.fact_id <> t.fact_id
        )
        where t.superseded_by = ?
        """,
        [batch_id],
    )
    # Counted after: the ones a later batch replaced too now point at it and stay replaced.
    restored = (
        scalar(
            cur,
            "select count(*) from task_snapshot where superseded_by is null and fact_id in (select unnest(?))",
            [replaced],
        )
        if replaced
        else 0
    )
    if kind and "roster" in kind.split(","):
        undo_roster(cur, batch_id)
    versions = cur.execute("select version_id from rule_version where batch_id = ?", [batch_id]).fetchall()
    was = dependents.before(cur) if versions else set()
    brought = {vid: dependents.introduced(cur, vid) for (vid,) in versions}
    for (version_id,) in versions:
        for table in (
            "rule_param",
            "rule_content",
            "rule_item",
            "rule_activity",
            "rule_ledger",
            "rule_stage",
            "rule_arena",
        ):
            cur.execute(f"delete from {table} where version_id = ?", [version_id])
        cur.execute("delete from rule_version where version_id = ?", [version_id])
    refused = dependents.stranded_by(cur, was, f"撤销批次 #{batch_id}") if versions else None
    for vid, codes in brought.items():
        refused = refused or dependents.carried_on(cur, vid, codes)
    if refused:
        raise UndoRefused(refused)
    forgotten = mapping.forget_batch(cur, batch_id, user)
    cur.execute(
        "update import_batch set status = 'undone', undone_at = ?, undone_by = ? where batch_id = ?",
        [datetime.now(), user, batch_id],
    )
    return {
        "batch_id": batch_id,
        "removed": removed,
        "restored_snapshots": restored,
        "kept": kept,
        "layouts_forgotten": forgotten,
    }
