"""The dry run: a file read, each sheet understood, matched to its columns, corrected and checked against the data
as it is — nothing stored. Its preview is what the clerk confirms and what the commit stores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np

from analytics import collector
from analytics.errors import FileUnreadable
from analytics.meetings import publish as published
from analytics.rules import rulebook as rb
from analytics.sheets import guard as file_guard
from analytics.sheets import mapping
from analytics.sheets.body import Extracted, extract
from analytics.sheets.checks import CHECKS, Context, SheetResult
from analytics.sheets.ingest.describe import describe_sheet, flag_headerless, note_layout, row_runs
from analytics.sheets.ingest.history import find_committed
from analytics.sheets.ingest.preview import Options, Preview, Progress, sha256_of
from analytics.sheets.ingest.understand import (
    GUIDE_SHEETS,
    SUMMARY_WORDS,
    fact_headers,
    headerless,
    holds_data,
    missing_columns,
    not_a_roster,
    not_roster_headers,
    reads_as_detail,
    year_evidence,
)
from analytics.sheets.kinds import COMMIT_ORDER, FACT_KINDS, KIND_LABELS, KINDS
from analytics.sheets.layout import Layout, find_layout
from analytics.sheets.people import People
from analytics.sheets.problems import ERROR, MAX_LISTED, Problem
from analytics.sheets.reader import RawSheet, hidden_sheets, read_file
from analytics.store.db import Con, data_version


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
        confirm_drops=options.confirm_drops,
    )


def _read_beside_context(cur: Con, content: bytes, file_name: str, options: Options) -> tuple[list[RawSheet], Context]:
    """Read the file and load what its sheets are checked against at the same time: a workbook is parsed in the
    warm children (analytics.sheets.worker) while this thread waits on a pipe, so the roster and the rule books (all
    people of a big department) are loaded in that wait instead of after it. Only the reading runs in the helper
    thread; the database is used from this one. A file that cannot be read is refused as before, whatever the loading
    did; a loading failure surfaces only once the file was read, where it always did."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="read_upload") as pool:
        reading = pool.submit(read_file, content, file_name)
        try:
            ctx: Context | None = _context(cur, options)
            failed: BaseException | None = None
        except Exception as exc:  # noqa: BLE001 - raised below, after the reading, where it was raised before
            ctx, failed = None, exc
        raw = reading.result()
    if failed is not None:
        raise failed
    assert ctx is not None
    return raw, ctx


@collector.paused()
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
        preview.raw, ctx = _read_beside_context(cur, content, preview.file_name, options)
    except FileUnreadable as exc:
        return refuse(exc.message)
    if options.kind and options.kind not in KINDS:
        return refuse(f"未知的表格类型“{options.kind}”")

    for name in hidden_sheets(content):
        preview.ignored.append((name, "隐藏的工作表，不导入（如需导入，请在 Excel/WPS 中取消隐藏后再上传）"))
    preview.sections = dict(ctx.people.sections)
    found = []
    named_summaries: dict[str, str] = {}  # sheet → the summary word its name holds, read as detail all the same
    skipped_details: list[str] = []  # sheets laid out as detail, skipped for formulas over other sheets
    unread: list[str] = []  # sheets holding data under no header that could be read
    for raw in preview.raw:
        if raw.name.strip() in GUIDE_SHEETS:
            continue
        if not options.kind and raw.summary:
            preview.ignored.append((raw.name, "单元格是引用其他工作表的公式，是汇总表，不导入（只导入明细）"))
            if reads_as_detail(raw):
                skipped_details.append(raw.name)
            continue
        word = next((w for w in SUMMARY_WORDS if w in raw.name), None) if not options.kind else None
        if word is not None:
            if not reads_as_detail(raw):
                preview.ignored.append((raw.name, _named_summary(word)))
                continue
            named_summaries[raw.name] = word
        layout = find_layout(raw.grid, options.kind)
        if layout is None:
            preview.ignored.append((raw.name, "没有找到表头（如为说明页可忽略）"))
            if "说明" not in raw.name and holds_data(raw):
                unread.append(raw.name)
            continue
        facts = fact_headers(raw.grid[layout.header_row])
        foreign = not_roster_headers(layout) if layout.kind == "roster" and layout.complete else []
        if not options.kind and layout.kind == "roster" and (facts or foreign):
            # A roster only when its header holds nothing but roster columns and harmless ones (序号, 备注, 性别 …):
            # 姓名 and 科室 are in almost every sheet. Say what it looks like instead, and offer the matching step
            # for that kind: the clerk may name the missing column there.
            like = find_layout(raw.grid, among=(*FACT_KINDS, "rules"))
            like = _matched(cur, preview, raw, like) if like is not None else None
            if like is None or not like.complete:
                preview.file_problems.append(not_a_roster(raw.name, layout, like, facts or foreign))
                continue
            layout = like
        else:
            layout = _matched(cur, preview, raw, layout)
        if not layout.complete:
            if options.kind or len(layout.columns) >= 3 or facts:
                preview.file_problems.append(missing_columns(raw.name, layout))
            else:
                preview.ignored.append((raw.name, "没有找到可识别的表头"))
                if "说明" not in raw.name and holds_data(raw):
                    unread.append(raw.name)
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
    found = _without_summaries_beside_detail(preview, found, named_summaries)
    found = _without_helpers(preview, found)
    if skipped_details and not any(layout.kind in FACT_KINDS for _, layout in found):
        # The helper sheets (名单, 事项) the skipped sheets look up would be imported on their own, as if they were
        # the file's point: the file is refused instead, naming the sheets that hold its facts.
        names = "、".join(f"「{name}」" for name in skipped_details)
        rest = "、".join(f"「{raw.name}」" for raw, _ in found)
        return refuse(
            f"{names}是明细表，但单元格中有引用其他工作表的公式（如 =SUM('3月'!E:E)、='名单'!B2），按汇总表处理，未导入"
            + (f"；其余的工作表{rest}不单独导入" if rest else "")
            + "。如确为明细，请将这些公式转为数值（复制后“选择性粘贴—数值”）再上传；按查找（VLOOKUP、INDEX/MATCH）"
            "引用其他工作表的公式不影响导入。"
        )
    if found and unread:
        return refuse(headerless(unread))
    if not found:
        if not preview.file_problems:
            # Each sheet passed over is named with its reason: a sheet skipped for its name is not a missing header.
            said = "".join(f"「{name}」{why}；" for name, why in preview.ignored)
            refuse(
                f"没有找到可识别的工作表。{said}"
                "请使用「下载模板」中的表头，或确认表头含有 姓名、日期、分值、事由 等列。"
            )
        return preview
    kinds = {layout.kind for _, layout in found}
    if "rules" in kinds and len(kinds) > 1:
        return refuse("加减分事项表（规则）请单独上传，不要与其他数据放在同一个文件中。")

    order = {k: n for n, k in enumerate(COMMIT_ORDER)}
    found.sort(key=lambda pair: order[pair[1].kind])
    for n, (raw, layout) in enumerate(found):
        report(0.1 + 0.85 * n / len(found), f"正在检查「{raw.name}」…")
        data = extract(raw.grid, layout, raw.cells, raw.merged)
        _correct(preview, raw.name, layout, data)
        hidden = _hidden_rows(preview, raw, layout, data)
        ctx.default_year, ctx.year_problem, year_note = year_evidence(raw, layout, preview.file_name)
        ctx.took_year = False
        before = ctx.people
        result = CHECKS[layout.kind](ctx, raw.name, layout, data)
        if layout.kind in FACT_KINDS:
            _repeats_of_earlier_sheets(preview, result)
        note_layout(result, layout, data)
        flag_headerless(result, raw, layout, data, {c["row"] for c in preview.corrected if c["sheet"] == raw.name})
        if not ctx.took_year:
            year_note = None  # every date has its year: nothing was taken from the sheet's name or title
        elif year_note is None and ctx.year_problem is None:
            # No year anywhere near the sheet: such dates took the campaign year, and the clerk is told so.
            year_note = (
                f"未写年份的日期按活动年度 {ctx.book.campaign_year} 年计（工作表名、标题和文件名中都没有年份）；"
                "如不是这一年，请写明完整日期，如 2022-03-05"
            )
        if layout.remembered:
            result.notes.insert(0, "按上次确认的对应关系读取各列")
        if year_note:
            result.notes.append(year_note)
        if hidden is not None:
            hidden.settle(result)
        preview.sheets.append(result)
        describe_sheet(preview, raw, layout, data, result, before, year_note)
        if result.roster_after is not None:
            ctx.people = result.roster_after
            preview.sections = dict(ctx.people.sections)
    for raw in preview.raw:
        raw.cells = None  # read by extract only: the preview (kept by the page) holds the grid alone
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


HIDDEN_INCLUDE, HIDDEN_EXCLUDE = "include", "exclude"
HIDDEN_LABELS = {HIDDEN_INCLUDE: "照常导入这些行", HIDDEN_EXCLUDE: "不导入这些行"}


@dataclass
class _Hidden:
    """The rows of one sheet read as data that the clerk hid in Excel (or a filter left out), and the clerk's choice."""

    sheet: str
    rows: list[int]
    choice: str | None

    def settle(self, result: SheetResult) -> None:
        """Say what became of the hidden rows; refuse the sheet while the clerk has not chosen."""
        named = f"第 {row_runs(self.rows, MAX_LISTED)} 行"
        if self.choice == HIDDEN_INCLUDE:
            result.notes.append(f"{named}在 Excel 中是隐藏的（或被筛选掉），按您的选择照常导入（{len(self.rows)} 行）")
        elif self.choice == HIDDEN_EXCLUDE:
            result.notes.append(f"{named}在 Excel 中是隐藏的（或被筛选掉），按您的选择不导入（{len(self.rows)} 行）")
        else:
            result.problems.append(
                Problem(
                    ERROR,
                    self.sheet,
                    self.rows[0],
                    None,
                    None,
                    f"{'这一行' if len(self.rows) == 1 else f'{named}（共 {len(self.rows)} 行）'}在 Excel 中被隐藏"
                    "（或被筛选掉），屏幕上看不到，却填有数据：请您确认——在预览的“请您确认”中选择"
                    f"“{HIDDEN_LABELS[HIDDEN_INCLUDE]}”或“{HIDDEN_LABELS[HIDDEN_EXCLUDE]}”；"
                    "或在 Excel/WPS 中取消隐藏（或清除筛选）、删去不要的行后重新上传",
                )
            )


def _hidden_rows(preview: Preview, raw: RawSheet, layout: Layout, data: Extracted) -> _Hidden | None:
    """The hidden rows among those read as data (a hidden blank, title or total row is left out anyway): asked about
    in the preview, as a question keyed on the sheet's header row; the rows left out when the clerk says so."""
    if not raw.hidden or data.frame.empty:
        return None
    numbers = data.frame["_row"].to_numpy()
    hidden = np.isin(numbers, np.asarray(raw.hidden, dtype=numbers.dtype))
    if not hidden.any():
        return None
    rows = [int(r) for r in numbers[hidden].tolist()]
    place = layout.header_row + 1
    choice = preview.options.decisions.get((raw.name, place))
    if choice not in HIDDEN_LABELS:
        choice = None
    preview.questions.append(
        {
            "sheet": raw.name,
            "row": place,
            "name": "",
            "now": "",
            "to": "",
            "text": f"「{raw.name}」第 {row_runs(rows, MAX_LISTED)} 行在 Excel 中被隐藏（或被筛选掉），共 {len(rows)} 行：是否导入？",
            "choices": [{"value": k, "label": v} for k, v in HIDDEN_LABELS.items()],
        }
    )
    if choice == HIDDEN_EXCLUDE:
        keep = ~hidden
        data.frame = data.frame[keep].reset_index(drop=True)
        data.unused = {index: cells[keep] for index, cells in data.unused.items()}
        preview.skipped.extend({"sheet": raw.name, "row": r, "why": "隐藏的行（按您的选择不导入）"} for r in rows)
    return _Hidden(raw.name, rows, choice)


HELPER = "与明细表在同一工作簿中的查找用辅助表，不导入；如需更新加减分事项（规则），请单独上传"


def _named_summary(word: str) -> str:
    return (
        f"工作表名称表明是汇总/统计表（含“{word}”），表头也不是完整的明细表（每行一条带日期的记录），不导入。"
        f"如确为明细，请将工作表改名（去掉“{word}”）后上传，或在上传时选择表格类型"
    )


def _without_summaries_beside_detail(
    preview: Preview, found: list[tuple[RawSheet, Layout]], named: dict[str, str]
) -> list[tuple[RawSheet, Layout]]:
    """A sheet named like a summary (3月加减分情况统计) but laid out as detail is read as detail only when no other
    sheet of the file is of its kind: beside the month sheets it most likely gathers their rows again (一季度汇总),
    and reading both would count each event twice. Told in the preview either way."""
    kept = []
    for raw, layout in found:
        word = named.get(raw.name)
        if word is None:
            kept.append((raw, layout))
            continue
        if layout.kind not in FACT_KINDS:
            preview.ignored.append((raw.name, _named_summary(word)))
            _forget(preview, raw.name)
            continue
        others = [r.name for r, other in found if other.kind == layout.kind and r.name not in named]
        if not others:
            preview.why_kind[raw.name] += f"；名称虽含“{word}”，但每行是一条带日期的明细，按明细导入"
            kept.append((raw, layout))
            continue
        beside = "、".join(f"「{name}」" for name in others[:3])
        preview.ignored.append(
            (
                raw.name,
                f"工作表名称含“{word}”，且文件中另有同类明细表{beside}，按汇总表处理（其中的记录多为这些表的重复），"
                f"不导入。如确为另外的明细，请将工作表改名（去掉“{word}”）后上传",
            )
        )
        _forget(preview, raw.name)
    return kept


def _without_helpers(preview: Preview, found: list[tuple[RawSheet, Layout]]) -> list[tuple[RawSheet, Layout]]:
    """A rule sheet (加减分事项) beside sheets of facts is the table their 分值 are looked up in, not a new rule
    book: replacing the rules as a side effect of a points file would change every month's results. Such a sheet is
    passed over, and said so; the rules are replaced only by a file of its own (or with the kind chosen)."""
    if preview.options.kind or not any(layout.kind in FACT_KINDS for _, layout in found):
        return found
    kept = []
    for raw, layout in found:
        if layout.kind == "rules":
            preview.ignored.append((raw.name, HELPER))
            _forget(preview, raw.name)
        else:
            kept.append((raw, layout))
    return kept


def _forget(preview: Preview, sheet: str) -> None:
    """Drop what the matching step recorded of a sheet that is not read after all."""
    preview.layouts.pop(sheet, None)
    preview.why_kind.pop(sheet, None)
    preview.matching[:] = [m for m in preview.matching if m.get("sheet") != sheet]


def _repeats_of_earlier_sheets(preview: Preview, result: SheetResult) -> None:
    """Rows that are the same event as a row of an earlier sheet of the same kind in this file (equal on the kind's
    identity, each detail equal or blank on one side, as a stored row is matched): an error, as a repeat within one
    sheet is."""
    kind = FACT_KINDS[result.kind]
    columns = [*kind.identity, *kind.detail, "_row"]
    for earlier in preview.sheets:
        if earlier.kind != result.kind or earlier.rows.empty or result.rows.empty:
            continue
        pairs = result.rows[columns].merge(earlier.rows[columns], on=list(kind.identity), suffixes=("", "_earlier"))
        for d in kind.detail:
            mine, theirs = pairs[d], pairs[f"{d}_earlier"]
            pairs = pairs[mine.isna() | theirs.isna() | (mine == theirs)]
        for rec in pairs.drop_duplicates("_row").to_dict("records"):
            result.problems.append(
                Problem(
                    ERROR,
                    result.sheet,
                    int(rec["_row"]),
                    None,
                    None,
                    f"与「{earlier.sheet}」第 {int(rec['_row_earlier'])} 行是同一条记录：同一事件在文件中只能登记一次",
                )
            )


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
    months = preview.points_months()
    if not months:
        return []
    return sorted(months & set(published.published_months(cur)))
