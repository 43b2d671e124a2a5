"""The clerk's import: a dry run that reads, understands and checks a file (the preview), a commit that stores it in
one transaction, the history of batches, and undo.

Nothing is counted twice: the same file is refused, events already stored are skipped (and claimed by the new batch,
so undoing the batch that first brought them keeps them), a task snapshot of the same task and date replaces the old
one, and undo puts everything back as it was. The preview is the contract: how each sheet's kind was decided, how
every column was read, every row left out and why, every roster change, and the rows the clerk must decide."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from analytics.accounts import guard
from analytics.accounts.roles import SYSTEM, Actor, is_system
from analytics.errors import FileUnreadable, ImportRefused, UndoRefused
from analytics.meetings import publish as published
from analytics.rules import rulebook as rb
from analytics.sheets import guard as file_guard
from analytics.sheets import mapping
from analytics.sheets.formulas import sheets_with_cross_formulas
from analytics.sheets.kinds import COMMIT_ORDER, FACT_KINDS, FACT_TABLES, KIND_LABELS, KINDS
from analytics.sheets.layout import Extracted, Layout, _cell_keys, _column_keys, extract, find_layout
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.sheets.reader import RawSheet, hidden_sheets, read_file
from analytics.sheets.roster import DECISION_LABELS, People, apply_roster, undo_roster
from analytics.sheets.validate import CHECKS, Context, SheetResult
from analytics.store.db import Con, data_version, fetch_df, scalar, transaction

Progress = Callable[[float, str], None]

GUIDE_SHEETS = {"填写说明", "说明", "使用说明", "填表说明"}
# A sheet named like a summary is read by nobody: its numbers are computed from the detail sheets beside it.
SUMMARY_WORDS = ("汇总", "统计", "合计", "总表", "排名")
# Header words that only fact sheets carry: a sheet with one is never taken for a roster by default. A person's own
# dates (出生日期, 入职时间) are a roster's.
FACT_MARKERS = (
    "日期",
    "分值",
    "分数",
    "得分",
    "加分",
    "减分",
    "扣分",
    "考核内容",
    "考核项目",
    "事由",
    "活动类型",
    "任务编号",
    "进度",
    "评委",
    "事项编号",
)
PERSONAL_DATES = ("出生", "入职", "入党", "参加工作", "任职", "任现职", "生日", "入伍", "调整", "调入", "离岗")
_ROSTER_WORDS = frozenset(w for c in KINDS["roster"].columns for pair in _column_keys(c) for w in pair)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


@dataclass
class Options:
    kind: str | None = None  # force every sheet to this kind
    uploader: str | None = None
    mark_missing_left: bool = False  # roster: people not on the new list have left
    rules_effective: date | None = None  # rules: the date the new items take effect
    is_demo: bool = False
    today: date | None = None
    # Roster rows whose name exists only in another section: (sheet, Excel row) → 'move' | 'new' (移动 / 新增同名人员);
    # same_name decides all such rows at once. Undecided rows are refused.
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    same_name: str | None = None
    # The clerk's column matching: header as written → field (or 忽略), with a sign rule; applied to every sheet
    # holding that header, over the layout remembered for the sheet's signature (see analytics.sheets.mapping).
    columns: dict[str, mapping.Choice] = field(default_factory=dict)
    use_remembered: bool = True
    # Cells corrected in the browser: (sheet, Excel row, field key) → the new text. The file stays as uploaded; the
    # stored lineage keeps the original value (import_correction).
    corrections: dict[tuple[str, int, str], str] = field(default_factory=dict)


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
    columns: list[dict] = field(default_factory=list)  # {"sheet", "header", "field", "rule"}
    skipped: list[dict] = field(default_factory=list)  # {"sheet", "row", "why"}
    roster_changes: list[dict] = field(default_factory=list)  # {"sheet", "row", "action", "name", ...}
    questions: list[dict] = field(default_factory=list)  # {"sheet", "row", "name", "now", "to", "choices"}
    why_kind: dict[str, str] = field(default_factory=dict)  # sheet → why it was read as its kind
    matching: list[dict] = field(default_factory=list)  # the column matching step, per sheet (mapping.describe)
    layouts: dict[str, Layout] = field(default_factory=dict)  # sheet → the layout read (after the clerk's choices)
    corrected: list[dict] = field(default_factory=list)  # {"sheet", "row", "field", "header", "original", "value"}
    published_months: list[str] = field(default_factory=list)  # months of this file already published
    _error_book: bytes | None = field(default=None, repr=False)

    def error_workbook(self) -> bytes:
        """The upload with every problem marked, built once per preview and only when asked for."""
        if self._error_book is None:
            from analytics.sheets.errorbook import build_error_workbook

            self._error_book = build_error_workbook(self)
        return self._error_book

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
        if self.corrected:
            cells = "、".join(
                f"「{c['sheet']}」第 {c['row']} 行 {c['header']} “{c['original'] or ''}”→“{c['value']}”"
                for c in self.corrected[:20]
            )
            more = f" 等 {len(self.corrected)} 处" if len(self.corrected) > 20 else ""
            lines.append(f"导入前在浏览器中改正：{cells}{more}（原值保留在导入记录中）")
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
            "sheets": [{"sheet": s.sheet, "kind": s.kind, "why": self.why_kind.get(s.sheet, "")} for s in self.sheets],
            "columns": self.columns,
            "skipped": self.skipped,
            "roster_changes": self.roster_changes,
            "questions": self.questions,
            "matching": [{k: v for k, v in m.items() if k != "fields"} for m in self.matching],
            "corrected": self.corrected,
            "published_months": self.published_months,
        }

    @property
    def remembered(self) -> bool:
        """True when a sheet was matched by a layout the clerk confirmed before."""
        return any(m["remembered"] for m in self.matching)


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
    """What every sheet is checked against."""
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
        decisions=dict(options.decisions),
        same_name=options.same_name,
    )


def prepare(
    cur: Con, content: bytes, file_name: str, options: Options | None = None, progress: Progress | None = None
) -> Preview:
    """Read and check a file without storing anything: the preview the clerk sees before committing."""
    options = options or Options()
    report = progress or (lambda fraction, text: None)
    preview = Preview(
        file_guard.safe_file_name(file_name), content, sha256_of(content), options, data_version=data_version(cur)
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

    for name in hidden_sheets(content):
        preview.ignored.append((name, "隐藏的工作表，不导入（如需导入，请在 Excel/WPS 中取消隐藏后再上传）"))
    ctx = _context(cur, options)
    preview.sections = dict(ctx.people.sections)
    computed = sheets_with_cross_formulas(content)
    found = []
    for raw in preview.raw:
        if raw.name.strip() in GUIDE_SHEETS:
            continue
        if not options.kind and any(w in raw.name for w in SUMMARY_WORDS):
            preview.ignored.append((raw.name, "工作表名称表明是汇总/统计表，其数字由明细表算出，不导入"))
            continue
        if not options.kind and raw.name in computed:
            preview.ignored.append((raw.name, "单元格是引用其他工作表的公式，是汇总表，不导入（只导入明细）"))
            continue
        layout = find_layout(raw.grid, options.kind)
        if layout is None:
            preview.ignored.append((raw.name, "没有找到表头（如为说明页可忽略）"))
            continue
        facts = _fact_headers(raw.grid[layout.header_row])
        if not options.kind and layout.kind == "roster" and facts:
            # Never a roster by default: 姓名 and 科室 are in almost every sheet. Say what it looks like instead,
            # and offer the matching step for that kind: the clerk may name the missing column there.
            like = find_layout(raw.grid, among=(*FACT_KINDS, "rules"))
            like = _matched(cur, preview, raw, like) if like is not None else None
            if like is None or not like.complete:
                preview.file_problems.append(_not_a_roster(raw.name, layout, like, facts))
                continue
            layout = like
        else:
            layout = _matched(cur, preview, raw, layout)
        if not layout.complete:
            if options.kind or len(layout.columns) >= 3 or facts:
                preview.file_problems.append(_missing_columns(raw.name, layout))
            else:
                preview.ignored.append((raw.name, "没有找到可识别的表头"))
            continue
        if not options.kind and layout.rivals and layout.kind != "roster":
            both = "、".join(f"“{KIND_LABELS[k]}”" for k in (layout.kind, *layout.rivals))
            preview.file_problems.append(
                Problem(
                    ERROR,
                    raw.name,
                    layout.header_row + 1,
                    None,
                    None,
                    f"表头同样符合 {both}，无法确定表格类型，未导入。请在上传时选择表格类型，或删去不属于该表的列",
                )
            )
            continue
        if options.kind:
            preview.why_kind[raw.name] = f"上传时选择了“{KIND_LABELS[options.kind]}”"
        else:
            named = "、".join(layout.header_of(k) for k in layout.columns)
            preview.why_kind[raw.name] = f"表头含有 {named}"
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
        _correct(preview, raw.name, layout, data)
        ctx.default_year, ctx.year_problem, year_note = _year_evidence(raw, layout, preview.file_name)
        before = ctx.people
        result = CHECKS[layout.kind](ctx, raw.name, layout, data)
        _note_layout(result, layout, data)
        if layout.remembered:
            result.notes.insert(0, "按上次确认的对应关系读取各列")
        if year_note:
            result.notes.append(year_note)
        preview.sheets.append(result)
        _describe(preview, raw, layout, data, result, before, year_note)
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
    published.check_preview(cur, preview)
    preview.published_months = _published_months(cur, preview)
    report(1.0, "检查完成")
    return preview


def _matched(cur: Con, preview: Preview, raw: RawSheet, layout: Layout) -> Layout:
    """The column matching step of one sheet: the layout remembered for its signature, then the clerk's choices;
    recorded in the preview for the page (and --json) to show."""
    options = preview.options
    choices: mapping.Choices = {}
    remembered = None
    if options.use_remembered:
        remembered = mapping.recall(cur, mapping.signature(layout.kind, layout.headers)) or None
        choices.update(remembered or {})
    headers = {mapping.header_key(h) for h in layout.headers.values()}
    own = {h: c for h, c in options.columns.items() if h in headers}
    choices.update(own)
    problems: list[str] = []
    out = mapping.apply(layout, choices, problems)
    # Said to come from the remembered layout only when the clerk changed nothing of it in this upload.
    out.remembered = remembered is not None and all(remembered.get(h) == c for h, c in own.items())
    for text in problems:
        preview.file_problems.append(Problem(ERROR, raw.name, layout.header_row + 1, None, None, text))
    preview.layouts[raw.name] = out
    preview.matching.append(mapping.describe(raw.name, out, raw.grid))
    return out


def _correct(preview: Preview, sheet: str, layout: Layout, data: Extracted) -> None:
    """Put the clerk's corrections into the rows as read, keeping each original value for the lineage."""
    wanted = {(r, k): v for (s, r, k), v in preview.options.corrections.items() if s == sheet}
    if not wanted:
        return
    position = {int(r): n for n, r in enumerate(data.frame["_row"])}
    kind = KINDS[layout.kind]
    for (row, key), value in sorted(wanted.items()):
        if key not in data.frame or row not in position:
            continue
        at = position[row]
        original = data.frame[key].iat[at]
        if str(value) == ("" if original is None else str(original)):
            continue
        data.frame.iloc[at, data.frame.columns.get_loc(key)] = value
        preview.corrected.append(
            {
                "sheet": sheet,
                "row": row,
                "field": key,
                "header": layout.headers.get(layout.columns[key], kind.column(key).label),
                "original": None if original is None or original != original else str(original),
                "value": str(value),
            }
        )


def _published_months(cur: Con, preview: Preview) -> list[str]:
    """The months of this file's points that are already published (公示)."""
    months: set[str] = set()
    for sheet in preview.sheets:
        if sheet.kind == "points" and len(sheet.rows):
            dates = pd.to_datetime(sheet.rows["event_date"], errors="coerce").dropna()
            # The distinct months first: iterating 100,000 dates as Timestamps costs a second.
            months |= {f"{m // 100}-{m % 100:02d}" for m in (dates.dt.year * 100 + dates.dt.month).unique().tolist()}
    if not months:
        return []
    return sorted(months & set(published.published_months(cur)))


def _fact_headers(row: list) -> list[str]:
    """The headers of a row that only fact sheets carry (日期, 分值, 扣分, 考核内容 …), as written."""
    found = []
    for cell, (full, bare) in zip(row, _cell_keys(row)):
        if not bare or full in _ROSTER_WORDS or bare in _ROSTER_WORDS:
            continue
        if any(m in bare for m in FACT_MARKERS) and not any(w in bare for w in PERSONAL_DATES):
            found.append(str(cell).strip())
    return found


def _how_to_name(kind_key: str, missing: list[str]) -> str:
    """For each missing column: its label and the other headers accepted for it."""
    kind = KINDS[kind_key]
    parts = []
    for label in missing:
        names = []
        for one in label.split(" 或 "):
            column = next((c for c in kind.columns if c.label == one), None)
            others = "、".join(column.synonyms[:3]) if column else ""
            names.append(f"“{one}”" + (f"（也可写作 {others}）" if others else ""))
        parts.append(" 或 ".join(names))
    return "；".join(parts)


def _missing_columns(sheet: str, layout: Layout) -> Problem:
    expected = KINDS[layout.kind]
    return Problem(
        ERROR,
        sheet,
        layout.header_row + 1,
        None,
        None,
        f"按“{expected.label}”识别，缺少必填列：{'、'.join(layout.missing)}。"
        f"已识别的列：{'、'.join(layout.header_of(k) for k in layout.columns) or '无'}。"
        f"请添加或改名：{_how_to_name(layout.kind, layout.missing)}；或在上传时选择正确的表格类型",
    )


def _not_a_roster(sheet: str, layout: Layout, like: Layout | None, facts: list[str]) -> Problem:
    shown = "、".join(facts[:5])
    if like is None or like.complete:
        text = (
            f"表头含有 {shown}，不是人员名单，但无法判断是哪一种明细表，未导入。"
            "请使用「下载模板」中的表头；如确为人员名单，请在上传时选择“人员名单”"
        )
    else:
        label = KIND_LABELS[like.kind]
        text = (
            f"表头含有 {shown}，看起来是“{label}”，但缺少必填列：{'、'.join(like.missing)}，未导入。"
            f"请添加或改名：{_how_to_name(like.kind, like.missing)}。"
            "如确为人员名单，请在上传时选择“人员名单”"
        )
    row = (like or layout).header_row + 1
    return Problem(ERROR, sheet, row, None, None, text)


def _years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text or "")}


def _year_evidence(raw: RawSheet, layout: Layout, file_name: str) -> tuple[int | None, str | None, str | None]:
    """The year of dates written without one (3月5日): from the nearest evidence — the sheet's name, then its title
    rows, then the file's name. (year, problem when the evidence disagrees, note for the preview)."""
    titles = " ".join(str(c) for row in raw.grid[: layout.header_row] for c in row if isinstance(c, str))
    sources = [("工作表名", raw.name), ("标题", titles), ("文件名", Path(file_name).stem)]
    found = [(where, text, _years(text)) for where, text in sources]
    found = [(where, text.strip()[:30], years) for where, text, years in found if years]
    if not found:
        return None, None, None
    years = set().union(*(y for _, _, y in found))
    if len(years) > 1:
        said = "；".join(f"{where}“{text}”为 {'、'.join(map(str, sorted(y)))} 年" for where, text, y in found)
        return None, f"未写年份，且表中关于年份的信息不一致（{said}）：请写明完整日期，如 2022-03-05", None
    year = years.pop()
    where, text, _ = found[0]
    return year, None, f"未写年份的日期按 {year} 年计（依据{where}“{text}”）"


_FIELD_LABELS = {"points_plus": "分值（加分）", "points_minus": "分值（减分）"}


def _describe(
    preview: Preview,
    raw: RawSheet,
    layout: Layout,
    data: Extracted,
    result: SheetResult,
    before: People,
    year_note: str | None,
) -> None:
    """The contract of one sheet for the preview: columns as read, rows left out, roster changes, questions."""
    kind = KINDS[layout.kind]
    sheet = raw.name
    near = {h for h, _ in layout.near}
    dates = {"event_date", "updated_on", "start_date", "due_date", "changed_on"}
    for key, index in sorted(layout.columns.items(), key=lambda kv: kv[1]):
        header = layout.headers.get(index, kind.column(key).label)
        rules = []
        if header in near:
            rules.append("按近似列名匹配")
        if key in result.column_rules:
            rules.append(result.column_rules[key])
        if key in data.filled_down:
            rules.append(f"分组列：{data.filled_down[key]} 个空白单元格沿用上一行")
        if key in dates and year_note:
            rules.append(year_note)
        label = _FIELD_LABELS.get(key, kind.column(key).label)
        preview.columns.append({"sheet": sheet, "header": header, "field": label, "rule": "；".join(rules)})
    used = set(layout.columns.values())
    date_header = layout.header_of("event_date") if "event_date" in layout.columns else None
    for index, header in sorted(layout.headers.items()):
        if index in used:
            continue
        if index == layout.seq_col:
            rule = "序号列，导入时忽略"
        elif date_header and "日期" in header:
            rule = f"未使用：日期按“{date_header}”（事件发生的日期）计"
        else:
            rule = "未使用"
        preview.columns.append({"sheet": sheet, "header": header, "field": None, "rule": rule})
    for row in range(layout.header_row):
        if any(isinstance(c, str) and c.strip() for c in raw.grid[row]):
            preview.skipped.append({"sheet": sheet, "row": row + 1, "why": "标题行"})
    rows = [*data.skipped(), *result.skipped_rows]
    preview.skipped.extend({"sheet": sheet, "row": r, "why": why} for r, why in sorted(rows))
    plan = result.roster_plan
    after = result.roster_after
    if plan is None or after is None:
        return

    def section_of(people: People, pid: int) -> str:
        record = people.people.get(pid)
        return people.sections.get(record.current_section, "") if record else ""

    for ins in plan.inserts:
        record = after.people[ins["person_id"]]
        preview.roster_changes.append(
            {
                "sheet": sheet,
                "row": ins["row"],
                "action": "新增",
                "name": record.name,
                "to": section_of(after, record.person_id),
                "on": ins["valid_from"],
            }
        )
    for move in plan.moves:
        pid = move["person_id"]
        preview.roster_changes.append(
            {
                "sheet": sheet,
                "row": move["row"],
                "action": "调整科室",
                "name": after.people[pid].name,
                "from": section_of(before, pid),
                "to": after.sections.get(move["section_id"], ""),
                "on": move["on"],
            }
        )
    for leave in plan.leaves:
        pid = leave["person_id"]
        preview.roster_changes.append(
            {
                "sheet": sheet,
                "row": leave["row"],
                "action": "离岗",
                "name": after.people[pid].name,
                "from": section_of(after, pid),
                "on": leave["on"],
            }
        )
    for pid in plan.returns:
        preview.roster_changes.append(
            {
                "sheet": sheet,
                "row": None,
                "action": "恢复在岗",
                "name": after.people[pid].name,
                "to": section_of(after, pid),
            }
        )
    for update in plan.updates:
        fields = {k: v for k, v in update.items() if k not in ("person_id", "row")}
        preview.roster_changes.append(
            {
                "sheet": sheet,
                "row": update["row"],
                "action": "更新信息",
                "name": after.people[update["person_id"]].name,
                "fields": fields,
            }
        )
    choices = [{"value": k, "label": v} for k, v in DECISION_LABELS.items()]
    preview.questions.extend({"sheet": sheet, **q, "choices": choices} for q in plan.questions)


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
    if data.skipped_hint:
        skipped.append(f"表头下的提示行 {len(data.skipped_hint)} 行")
    if data.filled_down:
        filled = "、".join(f"{layout.header_of(k)} {n} 格" for k, n in data.filled_down.items())
        result.notes.append(f"分组列空白处沿用上一行：{filled}")
    if layout.header_rows == 2:
        result.notes.append("表头为两行（合并表头下的子列），按子列名识别")
    if skipped:
        result.notes.append("已跳过：" + "，".join(skipped))


# Commit ------------------------------------------------------------------------------------------


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
        _remember_layouts(cur, preview, who, actor.ip)
        _store_corrections(cur, preview, batch_id, who)
        if not is_system(actor):
            guard.after_import(cur, actor, preview, batch_id)
        return batch_id


def _remember_layouts(cur: Con, preview: Preview, who: str, ip: str | None) -> None:
    """A matching the clerk confirmed (chose by hand, and committed) is remembered for the next sheet of its shape."""
    imported = {s.sheet for s in preview.sheets}
    for sheet, layout in preview.layouts.items():
        if sheet not in imported or not layout.chosen or layout.remembered:
            continue
        choices = mapping.choices_of(layout)
        if choices:
            mapping.remember(cur, layout.kind, layout.headers, choices, who, ip)


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
                apply_roster(cur, sheet.roster_plan, sheet.roster_after, batch_id, preview.file_name, sheet.sheet)
            )
        elif sheet.kind == "rules" and sheet.new_book is not None:
            effective = options.rules_effective or date(sheet.new_book.campaign_year, 1, 1)
            note = "；".join(sheet.notes)
            rb.save(cur, sheet.new_book, effective, "upload", options.uploader, note, batch_id)
        elif sheet.kind in ("roster", "rules"):
            raise ImportRefused(f"「{sheet.sheet}」的检查结果不完整，未导入。请重新上传。")
        else:
            _insert_facts(cur, sheet, batch_id, preview.file_name, ids)
            _insert_claims(cur, sheet, batch_id, preview.file_name)
    return batch_id


def _insert_claims(cur: Con, sheet: SheetResult, batch_id: int, file_name: str) -> None:
    """This batch sends again events an earlier batch stored: it claims them too."""
    if sheet.claims is None or sheet.claims.empty:
        return
    table = KINDS[sheet.kind].table
    cur.executemany(
        "insert into fact_claim values (?, ?, ?, ?, ?, ?)",
        [
            [table, int(f), batch_id, file_name, sheet.sheet, int(r)]
            for f, r in zip(sheet.claims["fact_id"], sheet.claims["_row"])
        ],
    )


_COLUMNS = {key: (kind.table, kind.stored) for key, kind in FACT_KINDS.items()}
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
    cur.complete()  # an unread earlier result (fetchone) would make register() fail
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
    row = cur.execute("select kind, status, file_name from import_batch where batch_id = ?", [batch_id]).fetchone()
    if row is None:
        raise UndoRefused(f"没有编号为 #{batch_id} 的导入批次。")
    kind, status, file_name = row
    if status != "committed":
        raise UndoRefused(f"批次 #{batch_id}（{file_name}）已经撤销过了。")
    published.check_undo(cur, batch_id)
    removed = {}
    kept = 0
    for table in FACT_TABLES:
        # Rows another active batch also brought stay, handed to the earliest such batch with its file and row.
        handed = cur.execute(
            f"""
            update {table} f set batch_id = c.batch_id, source_file = c.source_file, sheet = c.sheet,
                                  row_no = c.row_no
            from (
                select fact_id, arg_min(batch_id, batch_id) as batch_id, arg_min(source_file, batch_id) as source_file,
                       arg_min(sheet, batch_id) as sheet, arg_min(row_no, batch_id) as row_no
                from fact_claim
                where fact_table = $table and batch_id <> $batch
                  and batch_id in (select batch_id from import_batch where status = 'committed')
                group by fact_id
            ) c
            where f.fact_id = c.fact_id and f.batch_id = $batch
            """,
            {"table": table, "batch": batch_id},
        ).fetchall()
        kept += int(handed[0][0]) if handed else 0
        cur.execute(
            f"""
            delete from fact_claim c where fact_table = $table
              and exists (select 1 from {table} f where f.fact_id = c.fact_id and f.batch_id = c.batch_id)
            """,
            {"table": table},
        )
        removed[table] = cur.execute(f"select count(*) from {table} where batch_id = ?", [batch_id]).fetchall()[0][0]
        cur.execute(f"delete from {table} where batch_id = ?", [batch_id])
    cur.execute("delete from fact_claim where batch_id = ?", [batch_id])
    # Snapshots this batch replaced come back, unless a later batch has replaced the same task and date since.
    restored = scalar(cur, "select count(*) from task_snapshot where superseded_by = ?", [batch_id])
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
    return {"batch_id": batch_id, "removed": removed, "restored_snapshots": restored, "kept": kept}
