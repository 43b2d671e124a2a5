"""The checks the core's write entry points make with the acting user, and the audit rows they leave.

Each function runs inside the writer's transaction: a refused write changes nothing, and a done write is stored
together with its audit row."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from analytics.accounts import audit, settings
from analytics.accounts.roles import (
    IMPORT,
    MANAGE_DEMO,
    MANAGE_RULES,
    UNDO,
    Actor,
    PermissionDenied,
    require,
)
from analytics.sheets.kinds import KINDS
from analytics.store.db import Con, first_row

SHOWN_ROWS = 5


def _current_sections(cur: Con, person_ids: list[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = cur.execute(
        """
        select m.person_id, s.name from membership m join section s using (section_id)
        where m.valid_to is null and list_contains($ids, m.person_id)
        """,
        {"ids": [int(p) for p in person_ids]},
    ).fetchall()
    return dict(rows)


def _outside_rows(cur: Con, actor: Actor, preview: Any) -> list[str]:
    """'「sheet」第 N 行（科室）' for every row of the preview that belongs to a section the actor may not import."""
    allowed = set(actor.sections)
    found: list[str] = []
    after = next((s.roster_after for s in reversed(preview.sheets) if s.roster_after is not None), None)
    for sheet in preview.sheets:
        rows = sheet.rows
        if sheet.kind == "roster":
            sections = rows["section"] if "section" in rows else None
        elif "section_id" in rows:
            sections = rows["section_id"].map(preview.sections)
        elif "contestant_id" in rows:
            if after is not None:  # the roster as this file's roster sheets leave it (it may add the contestant)
                people = {pid: preview.sections.get(p.current_section) for pid, p in after.people.items()}
            else:
                people = _current_sections(cur, [int(p) for p in rows["contestant_id"].dropna().unique()])
            sections = rows["contestant_id"].map(people)
        else:
            sections = None
        claimed = _claimed_sections(cur, sheet)
        if sections is None and not claimed:
            continue
        pairs = list(zip(rows["_row"], sections, strict=False)) if sections is not None else []
        for row_no, section in sorted([*pairs, *claimed.items()], key=lambda pair: int(pair[0])):
            if section is None or section != section or str(section) not in allowed:
                found.append(f"「{sheet.sheet}」第 {row_no} 行（{section if section == section else '未知科室'}）")
    return found


def _claimed_sections(cur: Con, sheet: Any) -> dict[int, str | None]:
    """For rows of the sheet that send again an event already stored (claims): the stored event's section, by the
    sheet's row number. A claimed row is held by the batch as much as a new one: when the batch that wrote it is
    undone, it passes to this one, and goes with this one's undo."""
    claims = getattr(sheet, "claims", None)
    table = KINDS[sheet.kind].table if sheet.kind in KINDS else None
    if claims is None or claims.empty or table is None:
        return {}
    columns = {
        r[0]
        for r in cur.execute(
            "select column_name from information_schema.columns where table_name = ?", [table]
        ).fetchall()
    }
    if "section_id" in columns:
        query = f"select f.fact_id, s.name from {table} f left join section s using (section_id)"
    elif "contestant_id" in columns:  # an arena mark belongs to the contestant's section now
        query = f"""
            select f.fact_id, s.name from {table} f
            left join membership m on m.person_id = f.contestant_id and m.valid_to is null
            left join section s on s.section_id = m.section_id
        """
    else:
        return {}
    ids = [int(f) for f in claims["fact_id"]]
    named = dict(cur.execute(f"{query} where f.fact_id in (select unnest($ids::bigint[]))", {"ids": ids}).fetchall())
    return {int(row): named.get(int(fact)) for row, fact in zip(claims["_row"], claims["fact_id"], strict=False)}


def before_import(cur: Con, actor: Actor, preview: Any) -> None:
    """Refuse an import the actor may not make, and name the actor as its uploader."""
    require(actor, IMPORT)
    too_big = settings.upload_refusal(cur, preview.file_name, len(preview.content))
    if too_big:
        raise PermissionDenied(too_big)
    if "rules" in preview.kinds:
        require(actor, MANAGE_RULES)
    if preview.options.is_demo:
        require(actor, MANAGE_DEMO)
    if actor.limited():
        outside = _outside_rows(cur, actor, preview)
        if outside:
            more = f"等 {len(outside)} 行" if len(outside) > SHOWN_ROWS else ""
            raise PermissionDenied(
                f"账号“{actor.name}”只能导入 {'、'.join(actor.sections)} 的数据，"
                f"文件中有其他科室的行：{'；'.join(outside[:SHOWN_ROWS])}{more}。"
                "请删去这些行后再导入，或请有权限的同事导入。"
            )
    preview.options = replace(preview.options, uploader=actor.name)


def after_import(cur: Con, actor: Actor, preview: Any, batch_id: int) -> None:
    audit.record(
        cur,
        actor.name,
        "import",
        f"批次 #{batch_id}",
        f"{preview.file_name}（{preview.kind_label}）：{preview.rows_imported} 行{_claimed_text(preview)}",
        actor.ip,
    )


def _claimed_text(preview: Any) -> str:
    """The rows the batch claims beside the ones it writes: its undo can delete them too, once the batches that
    wrote them are undone."""
    claimed = sum(len(s.claims) for s in preview.sheets if getattr(s, "claims", None) is not None)
    return f"，另有 {claimed} 行已由其他批次导入，一并认领" if claimed else ""


def before_undo(cur: Con, actor: Actor, batch_id: int) -> None:
    """Clerks undo only their own batches; rules batches need the rules permission, demo batches the demo one."""
    require(actor, UNDO)
    row = first_row(
        cur, "select kind, uploader, is_demo from import_batch where batch_id = $batch_id", {"batch_id": batch_id}
    )
    if row is None:
        return  # undo_in names the missing batch
    _may_undo(actor, batch_id, *row)


def undo_refusals(cur: Con, actor: Actor, batch_ids: list[int]) -> dict[int, str | None]:
    """before_undo's answer for many batches at once (the undo list of a page of batches): batch → why this actor
    may not undo it, or None. One query, the same rule."""
    try:
        require(actor, UNDO)
    except PermissionDenied as exc:
        return dict.fromkeys(batch_ids, exc.message)
    rows = cur.execute(
        "select batch_id, kind, uploader, is_demo from import_batch where batch_id in (select unnest($ids))",
        {"ids": [int(b) for b in batch_ids]},
    ).fetchall()
    found = {int(batch): rest for batch, *rest in rows}
    out: dict[int, str | None] = {}
    for batch in batch_ids:
        out[batch] = None
        if batch in found:
            try:
                _may_undo(actor, batch, *found[batch])
            except PermissionDenied as exc:
                out[batch] = exc.message
    return out


def _may_undo(actor: Actor, batch_id: int, kind: str | None, uploader: str | None, is_demo: bool) -> None:
    if kind and "rules" in kind.split(","):
        require(actor, MANAGE_RULES)
    if is_demo:
        require(actor, MANAGE_DEMO)
    if not actor.may(MANAGE_RULES) and uploader != actor.name:
        raise PermissionDenied(f"批次 #{batch_id} 由“{uploader or '未知'}”导入，内勤账号只能撤销自己导入的批次。")


def after_undo(cur: Con, actor: Actor, batch_id: int, result: dict) -> None:
    removed = sum(result.get("removed", {}).values())
    kept = f"，{result['kept']} 行另有批次含有，保留并改记到该批次" if result.get("kept") else ""
    file_name = first_row(cur, "select file_name from import_batch where batch_id = $batch_id", {"batch_id": batch_id})
    audit.record(
        cur,
        actor.name,
        "undo",
        f"批次 #{batch_id}",
        f"{file_name[0] if file_name else ''}：删除 {removed} 行{kept}",
        actor.ip,
    )


def rules_saved(cur: Con, actor: Actor, version_id: int, effective_from: Any, note: str | None) -> None:
    audit.record(
        cur, actor.name, "rules_edit", f"规则第 {version_id} 版", f"自 {effective_from} 起施行；{note or ''}", actor.ip
    )


def demo_changed(cur: Con, actor: Actor, action: str, batches: int) -> None:
    audit.record(cur, actor.name, action, "演示数据", f"{batches} 个批次", actor.ip)
