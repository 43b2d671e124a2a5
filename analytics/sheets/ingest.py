"""The clerk's import: a dry run that reads, understands and checks a file (the preview), a commit that stores it in
one transaction, the history of batches, and undo.

Nothing is counted twice: the same file is refused, rows already stored are skipped, a task snapshot of the same
task and date replaces the old one, and undo puts everything back as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.errors import FileUnreadable, ImportRefused, UndoRefused
from analytics.rules import rulebook as rb
from analytics.sheets import guard
from analytics.sheets.kinds import COMMIT_ORDER, KIND_LABELS, KINDS
from analytics.sheets.layout import extract, find_layout
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.sheets.reader import RawSheet, read_file
from analytics.sheets.roster import People, apply_roster, undo_roster
from analytics.sheets.validate import CHECKS, Context, SheetResult
from analytics.store.db import Con, data_version, fetch_df, transaction

Progress = Callable[[float, str], None]

FACT_TABLES = ("score_event", "participation", "task_snapshot", "arena_mark")
GUIDE_SHEETS = {"填写说明", "说明", "使用说明", "填表说明"}


@dataclass
class Options:
    kind: str | None = None  # force every sheet to this kind
    uploader: str | None = None
    mark_missing_left: bool = False  # roster: people not on the new list have left
    rules_effective: date | None = None  # rules: the date the new items take effect
    is_demo: bool = False
    today: date | None = None


@dataclass
class Preview:
    """The dry run of one file: what would be imported, and every problem found."""

    file_name: str
    content: bytes
    sha256: str
    options: Options
    sheets: list[SheetResult] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (sheet, why it was not read)
    file_problems: list[Problem] = field(default_factory=list)
    raw: list[RawSheet] = field(default_factory=list)
    sections: dict[int, str] = field(default_factory=dict)
    data_version: int = 0

    @property
    def problems(self) -> list[Problem]:
        return self.file_problems + [p for s in self.sheets for p in s.problems]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.sheets)

    @property
    def kinds(self) -> list[str]:
        return [k for k in COMMIT_ORDER if any(s.kind == k for s in self.sheets)]

    @property
    def kind(self) -> str | None:
        return ",".join(self.kinds) or None

    @property
    def kind_label(self) -> str:
        return "、".join(KIND_LABELS[k] for k in self.kinds) or "未识别"

    @property
    def rows_imported(self) -> int:
        total = 0
        for s in self.sheets:
            if s.kind == "roster":
                total += s.roster_plan.changes if s.roster_plan else 0
            elif s.kind == "rules":
                total += len(s.new_book.items) if s.new_book else 0
            else:
                total += len(s.rows)
        return total

    @property
    def rows_replaced(self) -> int:
        return sum(len(s.replaced) for s in self.sheets if s.replaced is not None)

    @property
    def rows_skipped(self) -> int:
        return sum(s.skipped_existing for s in self.sheets)

    @property
    def points_total(self) -> float | None:
        sheets = [s for s in self.sheets if s.kind == "points"]
        if not sheets:
            return None
        return round(float(sum(s.rows["points"].sum() for s in sheets)), 4)

    def points_rows(self) -> pd.DataFrame:
        frames = [s.rows.assign(sheet=s.sheet) for s in self.sheets if s.kind == "points" and len(s.rows)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def totals_by_content(self) -> pd.DataFrame:
        """One row per content: rows and net points this file adds."""
        rows = self.points_rows()
        if rows.empty:
            return pd.DataFrame(columns=["考核内容", "条数", "分值合计"])
        out = rows.groupby("content", sort=False).agg(条数=("points", "size"), 分值合计=("points", "sum")).reset_index()
        return out.rename(columns={"content": "考核内容"})

    def totals_by_section(self) -> pd.DataFrame:
        """One row per section: rows and net points this file adds."""
        rows = self.points_rows()
        if rows.empty:
            return pd.DataFrame(columns=["科室", "条数", "分值合计"])
        out = rows.groupby("section_id").agg(条数=("points", "size"), 分值合计=("points", "sum")).reset_index()
        out.insert(0, "科室", out.pop("section_id").map(self.sections))
        return out

    def summary_lines(self) -> list[str]:
        lines = []
        for s in self.sheets:
            label = KIND_LABELS[s.kind]
            if s.kind == "roster":
                lines.append(f"「{s.sheet}」{label}：" + "；".join(s.notes))
            elif s.kind == "rules":
                lines.append(f"「{s.sheet}」{label}：" + "；".join(s.notes))
            else:
                text = f"「{s.sheet}」{label}：{len(s.rows)} 行"
                if s.kind == "points" and len(s.rows):
                    text += f"，分值合计 {s.rows['points'].sum():+g}"
                bad_rows = {p.row for p in s.errors if p.row}
                if bad_rows:
                    text += f"；另有 {len(bad_rows)} 行有错误（改正后整份文件才能导入）"
                if s.skipped_existing:
                    text += f"，跳过已导入的 {s.skipped_existing} 行"
                lines.append("；".join([text, *s.notes]))
        for sheet, why in self.ignored:
            lines.append(f"「{sheet}」未导入：{why}")
        return lines

    def as_json(self) -> dict:
        return {
            "file": self.file_name,
            "ok": self.ok,
            "kind": self.kind,
            "rows_imported": self.rows_imported if self.ok else 0,
            "points_total": self.points_total if self.ok else (None if self.points_total is None else 0.0),
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def find_committed(cur: Con, sha: str) -> tuple | None:
    return cur.execute(
        """
        select batch_id, file_name, imported_at from import_batch
        where sha256 = ? and status = 'committed' order by batch_id limit 1
        """,
        [sha],
    ).fetchone()


def _context(cur: Con, options: Options) -> Context:
    spans = [(start, rb.load(cur, vid)) for vid, start, _ in rb.version_spans(cur)]
    book = rb.current(cur)
    return Context(
        cur=cur,
        book=book,
        spans=spans,
        people=People.load(cur),
        today=options.today or date.today(),
        mark_missing_left=options.mark_missing_left,
        rules_effective=options.rules_effective,
    )


def prepare(
    cur: Con, content: bytes, file_name: str, options: Options | None = None, progress: Progress | None = None
) -> Preview:
    """Read and check a file without storing anything: the preview the clerk sees before committing."""
    options = options or Options()
    report = progress or (lambda fraction, text: None)
    preview = Preview(
        guard.safe_file_name(file_name), content, sha256_of(content), options, data_version=data_version(cur)
    )

    def refuse(message: str) -> Preview:
        preview.file_problems.append(Problem(ERROR, "", None, None, None, message))
        return preview

    earlier = find_committed(cur, preview.sha256)
    if earlier:
        batch_id, earlier_name, at = earlier
        return refuse(
            f"这个文件已于 {at:%Y-%m-%d %H:%M} 导入过（批次 #{batch_id}，文件名“{earlier_name}”），不能重复导入。"
            "如需重新导入，请先在「导入记录」中撤销该批次。"
        )
    report(0.05, "正在读取文件…")
    try:
        preview.raw = read_file(content, preview.file_name)
    except FileUnreadable as exc:
        return refuse(exc.message)
    if options.kind and options.kind not in KINDS:
        return refuse(f"未知的表格类型“{options.kind}”")

    ctx = _context(cur, options)
    preview.sections = dict(ctx.people.sections)
    found = []
    for raw in preview.raw:
        if raw.name.strip() in GUIDE_SHEETS:
            continue
        layout = find_layout(raw.grid, options.kind)
        if layout is None:
            preview.ignored.append((raw.name, "没有找到表头（如为说明页可忽略）"))
            continue
        if not layout.complete:
            expected = KINDS[layout.kind]
            if options.kind or len(layout.columns) >= 3:
                preview.file_problems.append(
                    Problem(
                        ERROR,
                        raw.name,
                        layout.header_row + 1,
                        None,
                        None,
                        f"按“{expected.label}”识别，缺少必填列：{'、'.join(layout.missing)}。"
                        f"已识别的列：{'、'.join(layout.header_of(k) for k in layout.columns) or '无'}。"
                        "请对照模板补齐列名，或在上传时选择正确的表格类型",
                    )
                )
            else:
                preview.ignored.append((raw.name, "没有找到可识别的表头"))
            continue
        found.append((raw, layout))
    if not found:
        if not preview.file_problems:
            refuse("没有找到可识别的工作表。请使用「下载模板」中的表头，或确认表头含有 姓名、日期、分值、事由 等列。")
        return preview
    kinds = {layout.kind for _, layout in found}
    if "rules" in kinds and len(kinds) > 1:
        return refuse("加减分事项表（规则）请单独上传，不要与其他数据放在同一个文件中。")

    order = {k: n for n, k in enumerate(COMMIT_ORDER)}
    found.sort(key=lambda pair: order[pair[1].kind])
    for n, (raw, layout) in enumerate(found):
        report(0.1 + 0.85 * n / len(found), f"正在检查「{raw.name}」…")
        data = extract(raw.grid, layout)
        result = CHECKS[layout.kind](ctx, raw.name, layout, data)
        _note_layout(result, layout, data)
        preview.sheets.append(result)
        if result.roster_after is not None:
            ctx.people = result.roster_after
            preview.sections = dict(ctx.people.sections)
    if not preview.errors and preview.rows_imported == 0 and not preview.rows_replaced:
        if preview.rows_skipped:
            refuse(f"文件中的 {preview.rows_skipped} 行数据都已导入过，没有新的内容。")
        elif any(s.kind == "roster" for s in preview.sheets):
            refuse("人员名单与现有名单一致，没有需要更新的内容。")
        else:
            refuse("文件中没有可导入的数据行（标题、示例行、空行和合计行已忽略）。请在表头下方填写数据后再上传。")
    report(1.0, "检查完成")
    return preview


def _note_layout(result: SheetResult, layout, data) -> None:
    """Tell the clerk how the sheet was understood: near-matched headers and the rows left out."""
    if layout.near:
        pairs = "、".join(f"“{h}”→{label}" for h, label in layout.near)
        result.notes.append(f"列名按近似匹配：{pairs}")
    skipped = []
    if data.skipped_total:
        skipped.append(f"合计/小计行 {len(data.skipped_total)} 行（第 {data.skipped_total[0]} 行等）")
    if data.skipped_example:
        skipped.append(f"模板示例行 {len(data.skipped_example)} 行")
    if data.skipped_note:
        skipped.append(f"说明行 {len(data.skipped_note)} 行")
    if data.skipped_header:
        skipped.append(f"重复的表头行 {len(data.skipped_header)} 行")
    if skipped:
        result.notes.append("已跳过：" + "，".join(skipped))


# Commit ------------------------------------------------------------------------------------------


def commit(con: Con, preview: Preview) -> int:
    """Store a checked file in one transaction; returns the batch id. Refuses a preview with errors."""
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
        return write_batch(cur, preview)


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
    cur.execute("insert into import_file values (?, ?)", [batch_id, guard.without_macros(preview.content)])
    ids: dict[int, int] = {}
    for sheet in preview.sheets:
        if sheet.kind == "roster":
            ids.update(
                apply_roster(cur, sheet.roster_plan, sheet.roster_after, batch_id, preview.file_name, sheet.sheet)
            )
        elif sheet.kind == "rules":
            effective = options.rules_effective or date(sheet.new_book.campaign_year, 1, 1)
            note = "；".join(sheet.notes)
            rb.save(cur, sheet.new_book, effective, "upload", options.uploader, note, batch_id)
        else:
            _insert_facts(cur, sheet, batch_id, preview.file_name, ids)
    return batch_id


_COLUMNS = {
    "points": (
        "score_event",
        (
            "event_date",
            "person_id",
            "section_id",
            "content",
            "item_code",
            "points",
            "reason",
            "evidence",
            "recorder",
            "veto_flag",
        ),
    ),
    "participation": ("participation", ("event_date", "person_id", "section_id", "activity", "title", "role", "hours")),
    "tasks": (
        "task_snapshot",
        (
            "task_code",
            "task_name",
            "ledger",
            "section_id",
            "owner_name",
            "owner_person_id",
            "start_date",
            "due_date",
            "progress",
            "stage",
            "latest_note",
            "updated_on",
        ),
    ),
    "arena": ("arena_mark", ("event_date", "arena", "topic", "contestant_id", "judge_id", "mark")),
}
_ID_COLUMNS = ("person_id", "section_id", "owner_person_id", "contestant_id", "judge_id")


def _insert_facts(cur: Con, sheet: SheetResult, batch_id: int, file_name: str, ids: dict[int, int]) -> None:
    table, columns = _COLUMNS[sheet.kind]
    if sheet.kind == "tasks" and sheet.replaced is not None and len(sheet.replaced):
        cur.execute(
            "update task_snapshot set superseded_by = ? where fact_id in (select unnest(?))",
            [batch_id, [int(x) for x in sheet.replaced["fact_id"]]],
        )
    if sheet.rows.empty:
        return
    frame = sheet.rows[list(columns)].copy()
    if ids:
        for col in _ID_COLUMNS:
            if col in frame:
                frame[col] = frame[col].map(lambda v: ids.get(v, v) if v is not None and v == v else v)
    frame.insert(0, "row_no", sheet.rows["_row"].astype("int64"))
    frame.insert(0, "sheet", sheet.sheet)
    frame.insert(0, "source_file", file_name)
    frame.insert(0, "batch_id", batch_id)
    names = ", ".join(("batch_id", "source_file", "sheet", "row_no", *columns))
    cur.register("incoming_rows", frame)
    try:
        cur.execute(f"insert into {table} ({names}) select {names} from incoming_rows")
    finally:
        cur.unregister("incoming_rows")


def import_bytes(
    con: Con,
    content: bytes,
    file_name: str,
    options: Options | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> tuple[Preview, int | None]:
    """Prepare and, unless a dry run or refused, commit. Returns (preview, batch id or None)."""
    preview = prepare(con.cursor(), content, file_name, options, progress)
    if dry_run or not preview.ok:
        return preview, None
    return preview, commit(con, preview)


def import_path(con: Con, path: str | Path, options: Options | None = None, dry_run: bool = False):
    path = Path(path)
    return import_bytes(con, path.read_bytes(), path.name, options, dry_run)


# History and undo --------------------------------------------------------------------------------


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
    row = cur.execute(
        "select b.file_name, f.content from import_batch b join import_file f using (batch_id) where batch_id = ?",
        [batch_id],
    ).fetchone()
    return (row[0], bytes(row[1])) if row else None


def undo(con: Con, batch_id: int, user: str | None = None) -> dict:
    """Take a batch back out: its rows go, the snapshots it replaced return, the roster and rules are restored."""
    with transaction(con) as cur:
        return undo_in(cur, batch_id, user)


def undo_in(cur: Con, batch_id: int, user: str | None = None) -> dict:
    row = cur.execute("select kind, status, file_name from import_batch where batch_id = ?", [batch_id]).fetchone()
    if row is None:
        raise UndoRefused(f"没有编号为 #{batch_id} 的导入批次。")
    kind, status, file_name = row
    if status != "committed":
        raise UndoRefused(f"批次 #{batch_id}（{file_name}）已经撤销过了。")
    removed = {}
    for table in FACT_TABLES:
        removed[table] = cur.execute(f"select count(*) from {table} where batch_id = ?", [batch_id]).fetchone()[0]
        cur.execute(f"delete from {table} where batch_id = ?", [batch_id])
    # Snapshots this batch replaced come back, unless a later batch has replaced the same task and date since.
    restored = cur.execute("select count(*) from task_snapshot where superseded_by = ?", [batch_id]).fetchone()[0]
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
    if kind and "roster" in kind.split(","):
        undo_roster(cur, batch_id)
    for (version_id,) in cur.execute("select version_id from rule_version where batch_id = ?", [batch_id]).fetchall():
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
    cur.execute(
        "update import_batch set status = 'undone', undone_at = ?, undone_by = ? where batch_id = ?",
        [datetime.now(), user, batch_id],
    )
    return {"batch_id": batch_id, "removed": removed, "restored_snapshots": restored}
