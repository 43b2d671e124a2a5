"""The dry run's report of one file (the preview): what would be imported, how each sheet's kind was decided,
how every column was read, every row left out and why, every roster change, the rows the clerk must decide, and
every problem; and the options the clerk chose for it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.sheets import mapping
from analytics.sheets.checks import SheetResult
from analytics.sheets.kinds import COMMIT_ORDER, KIND_LABELS
from analytics.sheets.layout import Layout
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.sheets.reader import RawSheet

Progress = Callable[[float, str], None]


@dataclass
class Options:
    kind: str | None = None  # force every sheet to this kind
    uploader: str | None = None
    mark_missing_left: bool = False  # roster: people not on the new list have left
    rules_effective: date | None = None  # rules: the date the new items take effect
    is_demo: bool = False
    today: date | None = None
    # The clerk's answers to the preview's questions, (sheet, Excel row) → choice: roster rows whose name exists only
    # in another section, 'move' | 'new' (移动 / 新增同名人员; same_name decides all such rows at once); hidden rows,
    # 'include' | 'exclude'; a drop in a task's progress, 'confirm'. Undecided rows are refused.
    decisions: dict[tuple[str, int], str] = field(default_factory=dict)
    same_name: str | None = None
    # Every drop in a task's progress in the file confirmed at once, as if each row were decided 'confirm' (the
    # CLI's --decide '*=confirm'); no other question is answered by it. The import page writes one decision per
    # drop it shows instead, so a file changed since cannot have rows confirmed that the clerk was not shown.
    confirm_drops: bool = False
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
    # {"sheet", "row", "name", "now", "to", "choices"}; a question in its own words has "text" too, and a drop in a
    # task's progress "topic": "progress_drop" (what may be confirmed all at once).
    questions: list[dict] = field(default_factory=list)
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

    def points_months(self) -> set[str]:
        """The months ("2022-03") of this file's points rows: what publishing (公示) is checked against."""
        months: set[str] = set()
        for sheet in self.sheets:
            if sheet.kind == "points" and len(sheet.rows) and "event_date" in sheet.rows:
                # The distinct dates first: a file of 100,000 rows has a few hundred.
                days = pd.Series(pd.unique(sheet.rows["event_date"].to_numpy(dtype=object)), dtype=object)
                dates = pd.to_datetime(days, errors="coerce").dropna()
                months |= {f"{m // 100}-{m % 100:02d}" for m in (dates.dt.year * 100 + dates.dt.month).tolist()}
        return months

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
