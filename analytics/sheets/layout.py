"""Understanding a messy sheet: where its header row is, which column is which, what kind of sheet it is, and which
rows are data (not titles, blanks, 合计 rows, example rows or notes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.columns import Column
from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.normalize import clean_text, is_blank

# A header may stand under a long block of instructions (填表说明 1.–15.): the first 50 rows are looked at. Rows
# without two short text cells or without any kind's header word are passed at once: find_layout on a 100,000-row
# points sheet took 16 ms against 11 ms with 15 rows (2026-12-07).
HEADER_SCAN_ROWS = 50
SEQ_HEADERS = ("序号", "序", "NO", "NO.", "行号", "编号")
TOTAL_WORDS = ("合计", "小计", "总计", "共计")
# A cell that is a total word and nothing else (本页小计, 合 计, 小计：, 合计(小时)) marks a total row in whatever
# column it stands: a ledger grouped by person writes 小计 under 活动名称 or 事由.
_TOTAL_CELL = re.compile(
    r"^(?:本页|本月|本季度?|本表|本组|本人|个人|全年|全部|总)?(?:合计|小计|总计|共计)(?:\(.*\))?[:：]?$"
)
NOTE_PREFIXES = ("注", "说明", "填表说明", "备注:", "备注：", "填表人", "审核人", "制表", "负责人签字", "填报单位")
EXAMPLE_WORD = "示例"
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_BRACKETED = re.compile(r"^[(（\[【].*[)）\]】]$")
# The words of a points sheet's 加/减 column (the POINTS kind's "direction"): +1 a bonus, -1 a deduction.
DIRECTION_WORDS = {
    **{w: 1 for w in ("加", "加分", "奖", "奖励", "奖分", "奖励分", "加分项", "增加")},
    **{w: -1 for w in ("减", "减分", "扣", "扣分", "扣减", "减扣", "惩", "惩罚", "罚", "罚分", "扣分项", "减分项")},
}
# Read in a column known to be the direction (by its header or its words), never enough to find one: a column of
# dashes is a column left empty.
DIRECTION_SIGNS = {"+": 1, "-": -1, "正": 1, "负": -1}
# How many rows under the header are looked at to tell a column of direction words.
DIRECTION_SAMPLE_ROWS = 200
# A date typed as text (2022/3/5, 2022.03.05, 2022年3月5日), spaces already taken out: for telling groups apart.
_TEXT_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# A lone text cell under the data is a note when it reads like one (a name is 2–4 characters).
NOTE_MIN_LENGTH = 6


def _header_key(text: Any) -> tuple[str, str]:
    """(full, bare): 进度（%） → ('进度(%)', '进度'); '*姓名' → ('姓名', '姓名')."""
    full = clean_text(text).replace("*", "").replace("＊", "")
    bare = _BRACKETS.sub("", full) or full
    return full, bare


@cache
def _column_keys(column: Column) -> tuple[tuple[str, str], ...]:
    """The column's label and synonyms in matching form, worked out once per column."""
    return tuple(_header_key(s) for s in (column.label, *column.synonyms))


def _score(header: tuple[str, str], column: Column) -> tuple[float, int]:
    """(score, rank): 1 for an exact synonym (a little more for the template's own label), less for a near match,
    0 for none; rank is the synonym's place in the column's list, so with two exact candidates for one column the
    earlier synonym wins (发生日期 over 登记日期), whatever their order in the sheet."""
    full, bare = header
    if not bare:
        return 0.0, 0
    best = 0.0
    for n, (s_full, s_bare) in enumerate(_column_keys(column)):
        if full in (s_full, s_bare) or bare in (s_full, s_bare):
            if n == 0:
                return (1.01 if column.label_rank == 0 else 1.0), column.label_rank
            return 1.0, n - 1 if n - 1 < column.label_rank else n
        if bare in SEQ_HEADERS or any(w in bare for w in column.excludes):
            continue  # 编号 alone is a serial column, never a near match for 事项编号 or 工号
        if len(s_bare) >= 2 and s_bare in bare:
            best = max(best, 0.5 + 0.4 * len(s_bare) / len(bare))
        elif len(bare) >= 2 and bare in s_bare:
            best = max(best, 0.4 + 0.4 * len(bare) / len(s_bare))
    return (best if best >= 0.55 else 0.0), 99


@dataclass
class Layout:
    kind: str
    header_row: int  # index into the grid (Excel row = header_row + 1)
    columns: dict[str, int]  # column key → grid column index
    headers: dict[int, str]  # grid column index → header as written
    near: list[tuple[str, str]] = field(default_factory=list)  # (header as written, column it was taken for)
    unused: list[str] = field(default_factory=list)  # headers not used
    missing: list[str] = field(default_factory=list)  # required columns not found (labels)
    seq_col: int | None = None
    header_rows: int = 1  # 2 when sub-headers (加分/减分) sit under a merged header (加减分)
    rivals: list[str] = field(default_factory=list)  # other kinds this header fits exactly as well
    # The clerk's column matching (analytics.sheets.mapping): grid columns whose field was chosen (or ignored) by
    # hand, fields whose positive numbers count negative or as written whatever the header says, and whether the
    # choices came from a remembered layout.
    chosen: set[int] = field(default_factory=set)
    negate: set[str] = field(default_factory=set)
    as_written: set[str] = field(default_factory=set)
    remembered: bool = False
    # Grid columns whose cells are mostly direction words (加分/扣分, 奖/惩): read as the points sheet's 加/减 column,
    # or, left unread, refused (a sign nobody reads would store deductions as bonuses).
    worded: set[int] = field(default_factory=set)
    # A header of two rows: the merged header above each sub-header that replaced it (扣分情况 over 分值 | 事由),
    # which may say what the column below holds (mapping.negates).
    parents: dict[int, str] = field(default_factory=dict)
    # The text cells above the header row (a title such as 2022年3月扣分登记表), as written.
    above: list[str] = field(default_factory=list)

    @property
    def body_row(self) -> int:
        """Grid index of the first row under the header."""
        return self.header_row + self.header_rows

    @property
    def complete(self) -> bool:
        return not self.missing

    def header_of(self, key: str) -> str:
        index = self.columns.get(key)
        return (
            self.headers.get(index, KINDS[self.kind].column(key).label)
            if index is not None
            else KINDS[self.kind].column(key).label
        )


MAX_HEADER_LENGTH = 24


def _cell_keys(cells: list[Any]) -> list[tuple[str, str]]:
    """Matching keys of a row's cells; numbers, dates and long text cannot be headers and get none."""
    return [
        _header_key(c) if isinstance(c, str) and 0 < len(c.strip()) <= MAX_HEADER_LENGTH else ("", "") for c in cells
    ]


@cache
def _exact_words(kind: Kind) -> frozenset[str]:
    return frozenset(w for column in kind.columns for pair in _column_keys(column) for w in pair)


def map_columns(cells: list[Any], kind: Kind, keys: list[tuple[str, str]] | None = None) -> tuple[Layout, float]:
    """Assign header cells to the kind's columns: exact synonyms first, then the best near matches."""
    keys = keys if keys is not None else _cell_keys(cells)
    candidates = []
    for index, key in enumerate(keys):
        if not key[1]:
            continue
        for column in kind.columns:
            score, rank = _score(key, column)
            if score:
                candidates.append((score, -rank, -index, column.key, index))
    candidates.sort(reverse=True)
    columns: dict[str, int] = {}
    taken: set[int] = set()
    near = []
    for score, _, _, field_key, index in candidates:
        if field_key in columns or index in taken:
            continue
        columns[field_key] = index
        taken.add(index)
        if score < 1:
            near.append((str(cells[index]).strip(), kind.column(field_key).label))
    headers = {i: str(c).strip() for i, c in enumerate(cells) if not is_blank(c)}
    seq_col = next((i for i, k in enumerate(keys) if k[1] in SEQ_HEADERS and i not in taken), None)
    # Several columns may name the same field (加减分 merged over 加分/减分 reads 加减分 twice): the first is used.
    unused = [headers[i] for i in sorted(headers) if i not in taken and i != seq_col]
    missing = kind.missing(columns)
    layout = Layout(kind.key, -1, columns, headers, near, unused, missing, seq_col)
    exact = len(columns) - len(near)
    telltales = sum(1 for t in kind.telltales if t in columns)
    score = exact * 2 + len(near) + telltales * 0.5 - len(missing) * 3
    return layout, score


def find_layout(grid: list[list[Any]], kind: str | None = None, among: tuple[str, ...] | None = None) -> Layout | None:
    """The best (header row, kind) in the first rows of a sheet. A complete layout beats any incomplete one.
    ``among`` limits the kinds tried. Returns None when no row looks like a header at all."""
    kinds = [KINDS[kind]] if kind else [KINDS[k] for k in (among or KINDS)]
    best: tuple[tuple, Layout] | None = None
    complete: dict[str, tuple] = {}  # kind → its best complete rank
    for row_index, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        keys = _cell_keys(row)
        if sum(1 for k in keys if k[1]) < 2:
            continue
        for candidate in kinds:
            # A header row has at least one exact column name of its kind; skip the costly near matching otherwise.
            words = _exact_words(candidate)
            if not any(k[0] in words or k[1] in words for k in keys if k[1]):
                continue
            layout, score = map_columns(row, candidate, keys)
            if len(layout.columns) < 2:
                continue
            layout.header_row = row_index
            rank = (layout.complete, score, -row_index)
            if layout.complete:
                complete[candidate.key] = max(complete.get(candidate.key, rank), rank)
            if best is None or rank > best[0]:
                best = (rank, layout)
    if best is None:
        return None
    chosen = _with_direction(grid, _with_sub_header(grid, best[1], best[0]))
    chosen.above = [c.strip() for row in grid[: chosen.header_row] for c in row if isinstance(c, str) and c.strip()]
    if not chosen.parents and chosen.header_row > 0:
        chosen.parents = _parents_above(grid[chosen.header_row - 1], chosen)
    # Two kinds of facts read the header equally well: the kind is uncertain, and the importer will ask.
    chosen.rivals = [k for k, rank in complete.items() if k not in (chosen.kind, "roster") and rank[:2] >= best[0][:2]]
    return chosen


def _with_sub_header(grid: list[list[Any]], layout: Layout, rank: tuple) -> Layout:
    """A header of two rows: sub-headers (加分 | 减分) under a merged header (加减分) replace it where written, and
    the header they replaced is kept as their parent (扣分情况 over 分值 says the amounts are deductions). Taken only
    when the two rows together name the columns better than the first alone."""
    below = layout.header_row + 1
    if below >= len(grid):
        return layout
    top, sub = grid[layout.header_row], grid[below]
    sub_keys = _cell_keys(sub)
    if not any(k[1] for k in sub_keys):
        return layout
    width = max(len(top), len(sub))
    cells = []
    parents = {}
    for i in range(width):
        s_cell = sub[i] if i < len(sub) else ""
        t_cell = top[i] if i < len(top) else ""
        under = i < len(sub_keys) and bool(sub_keys[i][1])
        cells.append(s_cell if under else t_cell)
        if under and not is_blank(t_cell):
            parents[i] = str(t_cell).strip()
    combined, score = map_columns(cells, KINDS[layout.kind])
    if (combined.complete, score) <= rank[:2] or len(combined.columns) < len(layout.columns):
        return layout
    combined.header_row = layout.header_row
    combined.header_rows = 2
    combined.parents = parents
    return combined


def direction_of(value: Any, signs: bool = False) -> int | None:
    """+1 for a bonus word (加分, 加, 奖), -1 for a deduction word (扣分, 减, 惩), None for anything else; with
    ``signs`` also + / - and 正 / 负."""
    if not isinstance(value, str):
        return None
    key = clean_text(value)
    return DIRECTION_WORDS.get(key, DIRECTION_SIGNS.get(key) if signs else None)


def _worded(grid: list[list[Any]], layout: Layout) -> set[int]:
    """The header columns whose filled cells under the header are mostly direction words."""
    body = grid[layout.body_row : layout.body_row + DIRECTION_SAMPLE_ROWS]
    out = set()
    for index in layout.headers:
        filled = [row[index] for row in body if index < len(row) and not is_blank(row[index])]
        if filled and 2 * sum(direction_of(v) is not None for v in filled) > len(filled):
            out.add(index)
    return out


def _with_direction(grid: list[list[Any]], layout: Layout) -> Layout:
    """A points sheet's 加/减 column judged by its values too: a column of 加分/扣分 words is the direction column,
    whatever its header (性质, 类别, 加减分 near 加减分编号, 加减分事项 taken for 事由); a column it was taken for is
    then missing and asked about, never read from these words. A column of such words still unread (another one
    is the direction column) is kept in ``worded`` for the check to refuse."""
    if layout.kind != "points":
        return layout
    layout.worded = _worded(grid, layout)
    if "direction" in layout.columns:
        return layout
    by_index = {i: k for k, i in layout.columns.items()}
    near = {h for h, _ in layout.near}
    for index in sorted(layout.worded):
        key = by_index.get(index)
        if key in ("points", "points_plus", "points_minus") and layout.headers[index] not in near:
            continue
        kind = KINDS[layout.kind]
        if key is not None:
            del layout.columns[key]
        layout.columns["direction"] = index
        layout.near = [(h, label) for h, label in layout.near if h != layout.headers[index]]
        taken = set(layout.columns.values())
        layout.unused = [h for i, h in sorted(layout.headers.items()) if i not in taken and i != layout.seq_col]
        layout.missing = kind.missing(layout.columns)
        break
    return layout


def _parents_above(row: list[Any], layout: Layout) -> dict[int, str]:
    """The upper row of a header of two rows whose merged cells the reader copied down (日期 merged over both rows
    reads 日期 twice, so the lower row is a whole header by itself): its texts over other headers are their parents
    (扣分情况 over 分值 | 事由). A title merged across the table is one text, and a preamble repeats no header: no
    upper header row either."""
    texts = {i: row[i].strip() for i in layout.headers if i < len(row) and isinstance(row[i], str) and row[i].strip()}
    parents = {i: text for i, text in texts.items() if _header_key(text) != _header_key(layout.headers[i])}
    # A header cell merged over both rows is read in both: without one, the row above is a preamble (填报单位：…).
    if len(set(texts.values())) < 2 or len(parents) == len(texts):
        return {}
    return parents


@dataclass
class Extracted:
    frame: pd.DataFrame  # one column per mapped key plus _row (Excel row number)
    skipped_blank: int = 0
    skipped_total: list[int] = field(default_factory=list)
    skipped_example: list[int] = field(default_factory=list)
    skipped_note: list[int] = field(default_factory=list)
    skipped_header: list[int] = field(default_factory=list)
    skipped_hint: list[int] = field(default_factory=list)  # （单位：分） under the header
    blank_rows: list[int] = field(default_factory=list)
    filled_down: dict[str, int] = field(default_factory=dict)  # column key → cells that took the value above
    # Column key → (Excel row, its value, the Excel rows that took it) for each cell whose value was filled down.
    filled_from: dict[str, list[tuple[int, Any, list[int]]]] = field(default_factory=dict)
    # Grid column without a header → (Excel row, value) of each filled cell in it, in the rows read as data or
    # left blank in every column read: cells nobody reads, which the preview must name (a value typed beside the
    # table, the second half of a CSV cell split by an unquoted comma).
    headerless: dict[int, list[tuple[int, Any]]] = field(default_factory=dict)
    # Grid column with a header no field took (nor 序号) → its cells in the rows read as data: what a check may
    # look at so that a column it would misread by leaving out is not passed over in silence (是否参加 under an
    # unknown header).
    unused: dict[int, np.ndarray] = field(default_factory=dict)

    def skipped(self) -> list[tuple[int, str]]:
        """(Excel row, why) for every row under the header that was not read as data."""
        out = [(r, "合计/小计行") for r in self.skipped_total]
        out += [(r, "模板示例行") for r in self.skipped_example]
        out += [(r, "说明/备注行") for r in self.skipped_note]
        out += [(r, "重复的表头行") for r in self.skipped_header]
        out += [(r, "表头下的提示行") for r in self.skipped_hint]
        out += [(r, "空行") for r in self.blank_rows]
        return sorted(out)


def _is_total(text: str) -> bool:
    return bool(_TOTAL_CELL.match(text)) or any(
        text == w or text.endswith(w) or text.startswith((w + ":", w + "：")) for w in TOTAL_WORDS
    )


_NOT_TEXT = ("floating", "integer", "mixed-integer-float", "date", "datetime", "empty", "boolean")


def _total_cells(values: np.ndarray) -> np.ndarray:
    """Cells that are a total word alone (see _TOTAL_CELL). Every such word holds 计: a column of text only (the
    usual one) is searched for it as one joined string (2 ms for 100,000 cells, a tenth of a pass cell by cell), and
    only a column holding it is looked at cell by cell."""
    found = np.zeros(len(values), dtype=bool)
    shape = pd.api.types.infer_dtype(values, skipna=False)
    if shape in _NOT_TEXT or (shape == "string" and "计" not in "\x1f".join(values)):
        return found
    for pos, value in enumerate(values):
        if type(value) is str and "计" in value:
            found[pos] = bool(_TOTAL_CELL.match(clean_text(value)))
    return found


def _blank(values: np.ndarray) -> np.ndarray:
    # calamine and CSV give '' for an empty cell; compared as a whole column, this is fast.
    return (values == "") | pd.isna(values)


def _row_marks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(合计 rows, 示例 rows, note rows) judged by one column, per distinct value."""
    empty = np.zeros(len(values), dtype=bool)
    if pd.api.types.infer_dtype(values, skipna=True) in (
        "floating",
        "integer",
        "mixed-integer-float",
        "date",
        "datetime",
    ):
        return empty, empty, empty
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    marks = np.zeros((len(uniques) + 1, 3), dtype=bool)
    for n, u in enumerate(uniques):
        if isinstance(u, str):
            text = clean_text(u)
            marks[n] = (_is_total(text), text.startswith(EXAMPLE_WORD), text.startswith(NOTE_PREFIXES))
    picked = marks[codes]
    return picked[:, 0], picked[:, 1], picked[:, 2]


def extract(
    grid: list[list[Any]],
    layout: Layout,
    array: np.ndarray | None = None,
    blocks: list[tuple[tuple[int, int], tuple[int, int]]] | None = None,
) -> Extracted:
    """The data rows under the header, as raw cells, with the Excel row number of each. ``blocks`` are the sheet's
    merged blocks (RawSheet.merged), whose copied values are no cells of their own.

    ``array`` is the same sheet as one rectangular object array (RawSheet.cells, from the parsing child's wire):
    its columns are sliced as they are. Without it the grid's rows are made into one (the cells beyond a short row
    are "" either way, and a wider array only adds blank cells, so both give the same result)."""
    first_row = layout.body_row + 1
    if array is not None and array.ndim == 2 and len(array) == len(grid):
        cells = array[layout.body_row :]
        n, width = cells.shape
    else:
        body = grid[layout.body_row :]
        n = len(body)
        width = max((len(r) for r in body), default=0)
        if any(len(r) != width for r in body):
            body = [list(r) + [""] * (width - len(r)) for r in body]
        # One C-level pass turns the rows into a 2-D array; its columns are then free to slice.
        cells = np.empty((n, width), dtype=object)
        if n and width:
            cells[:] = body

    def column(index: int) -> np.ndarray:
        # A view of the cells, never written to (_fill_down writes into a copy); the frame takes copies of the rows
        # it keeps.
        if index >= width:
            return np.full(n, "", dtype=object)
        return cells[:, index]

    columns = {key: column(index) for key, index in layout.columns.items()}
    row_numbers = np.arange(first_row, first_row + n, dtype=np.int64)
    if not n:
        return Extracted(pd.DataFrame({**{k: pd.Series([], dtype=object) for k in columns}, "_row": row_numbers}))

    # 合计 and 示例 are looked for where clerks write them: the first columns, 序号 and the name-like columns,
    # never in free text (a 事由 may well begin with 合计). In every other column a total word alone in its cell
    # (小计 under 活动名称) marks a total row too. Total rows are known before anything fills down into them.
    probe_index = set(range(min(3, width)))
    if layout.seq_col is not None:
        probe_index.add(layout.seq_col)
    for key in ("name", "contestant", "task_code", "item_code"):
        if key in layout.columns:
            probe_index.add(layout.columns[key])
    by_index = {index: columns[key] for key, index in layout.columns.items()}

    keys = list(columns)
    blank = _blank(columns[keys[0]])
    first_blank = blank.copy()
    repeated = columns[keys[0]] == layout.headers[layout.columns[keys[0]]]
    for key in keys[1:]:
        # Only rows still in question are looked at again: most rows fail the first test.
        still = np.flatnonzero(blank)
        if len(still):
            blank[still] = _blank(columns[key][still])
        still = np.flatnonzero(repeated)
        if len(still):
            repeated[still] = columns[key][still] == layout.headers[layout.columns[key]]

    total = np.zeros(n, dtype=bool)
    example = np.zeros(n, dtype=bool)
    note = np.zeros(n, dtype=bool)
    for index in sorted(probe_index):
        t, e, m = _row_marks(by_index[index] if index in by_index else column(index))
        total |= t
        example |= e
        note |= m
    for index in range(width):
        if index not in probe_index:
            total |= _total_cells(by_index[index] if index in by_index else column(index))
    if note.any():
        # A note row (注：…, 填表人：…) fills at most one of the required columns, unless it is one text merged
        # across the table (备注：… over every column).
        candidates = np.flatnonzero(note)
        filled = np.zeros(len(candidates), dtype=np.int64)
        for key in KINDS[layout.kind].required:
            if key in columns:
                filled += ~_blank(columns[key][candidates])
        merged = np.array([_one_text(cells[pos]) for pos in candidates], dtype=bool)
        note[candidates[(filled > 1) & ~merged]] = False
    hint = np.zeros(n, dtype=bool)
    for pos in np.flatnonzero(~blank[: min(n, 2)]):
        # A hint row in brackets right under the header: （单位：分）, (必填).
        texts = [c for c in cells[pos] if not is_blank(c)]
        hint[pos] = all(isinstance(c, str) and _BRACKETED.match(c.strip()) for c in texts)
    # One text merged across the row (备注：…, 以上情况属实), anywhere: no data row repeats one text in every cell.
    # Only rows whose first two columns hold the same value are looked at (whole-column test first).
    if len(keys) >= 2:
        same = (columns[keys[0]] == columns[keys[1]]) & ~blank & ~note
        for pos in np.flatnonzero(same):
            if _one_text(cells[pos], at_least=3):
                note[pos] = True
    # A lone text cell under the last data row that reads like a note (以上数据截至3月底), typed under any column.
    lone = _lone(cells, first_blank, [layout.columns[k] for k in keys[:2]], columns[keys[1]] if len(keys) > 1 else None)
    data_like = ~(blank | total | example | repeated | note | hint | lone)
    last_data = int(np.flatnonzero(data_like)[-1]) if data_like.any() else -1
    for pos in np.flatnonzero(lone & ~blank):
        if pos > last_data:
            text = next((c for c in cells[pos] if not is_blank(c)), None)
            if text is None:
                blank[pos] = True  # its one cell holds only spaces: a blank row of the sheet's empty tail
            elif isinstance(text, str) and (len(text.strip()) >= NOTE_MIN_LENGTH or "：" in text or ":" in text):
                note[pos] = True

    keep = ~(blank | total | example | repeated | note | hint)
    headerless = _headerless(cells, layout, ~(total | example | repeated | note | hint), row_numbers, blocks or [])
    fills = _fill_down(columns, keep, KINDS[layout.kind])
    # dtype=object keeps cells as read: pandas would otherwise spend time turning text columns into its string type.
    frame = pd.DataFrame({k: v[keep] for k, v in columns.items()}, dtype=object, copy=False)
    frame["_row"] = row_numbers[keep]
    taken = set(layout.columns.values())
    unused = {index: column(index)[keep] for index in layout.headers if index not in taken and index != layout.seq_col}
    rows = row_numbers
    out = Extracted(
        frame,
        skipped_blank=int(blank.sum()),
        skipped_total=rows[total & ~blank].tolist(),
        skipped_example=rows[example & ~blank & ~total].tolist(),
        skipped_note=rows[note & ~blank & ~total & ~example].tolist(),
        skipped_header=rows[repeated & ~blank].tolist(),
        skipped_hint=rows[hint & ~blank].tolist(),
        # Blank rows between data rows only: the empty tail of a formatted sheet is no news.
        blank_rows=rows[blank & (np.arange(n) < last_data)].tolist(),
        filled_down={key: len(takers) for key, (takers, _) in fills.items()},
        filled_from={key: _filled_runs(columns[key], row_numbers, *pair) for key, pair in fills.items()},
        headerless=headerless,
        unused=unused,
    )
    return out


def _headerless(
    cells: np.ndarray,
    layout: Layout,
    rows: np.ndarray,
    row_numbers: np.ndarray,
    merged: list[tuple[tuple[int, int], tuple[int, int]]],
) -> dict[int, list[tuple[int, Any]]]:
    """The filled cells of the given rows in columns without a header (spaces alone are not filled). A cell inside
    a merged block other than its first took the block's value from the reader (a 事由 merged over the next column
    to give it room): it holds nothing of its own."""
    out: dict[int, list[tuple[int, Any]]] = {}
    width = cells.shape[1] if cells.ndim == 2 else 0
    for index in range(width):
        if index in layout.headers:
            continue
        values = cells[:, index]
        copies = {
            r + 1
            for (r1, c1), (r2, c2) in merged
            if c1 <= index <= c2
            for r in range(r1, r2 + 1)
            if (r, index) != (r1, c1)
        }
        found = [
            (int(row_numbers[pos]), values[pos])
            for pos in np.flatnonzero(rows & ~_blank(values))
            if not (isinstance(values[pos], str) and not values[pos].strip()) and int(row_numbers[pos]) not in copies
        ]
        if found:
            out[index] = found
    return out


def _lone(cells: np.ndarray, first_blank: np.ndarray, first_two: list[int], second: np.ndarray | None) -> np.ndarray:
    """Rows with exactly one filled cell. A row whose first two mapped columns are both filled has two, so only the
    other rows (few in a sheet of data) are counted cell by cell."""
    if second is None or len(set(first_two)) < 2:
        return ((cells != "") & ~pd.isna(cells)).sum(axis=1) == 1
    lone = np.zeros(len(cells), dtype=bool)
    maybe = np.flatnonzero(first_blank | _blank(second))
    if len(maybe):
        part = cells[maybe]
        lone[maybe] = ((part != "") & ~pd.isna(part)).sum(axis=1) == 1
    return lone


def _one_text(row: np.ndarray, at_least: int = 2) -> bool:
    """True when a row's filled cells are one and the same text, in at least ``at_least`` cells (a merged note)."""
    texts = [c for c in row if not is_blank(c)]
    return len(texts) >= at_least and all(isinstance(c, str) for c in texts) and len(set(texts)) == 1


def _fill_down(
    columns: dict[str, np.ndarray], keep: np.ndarray, kind: Kind
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Grouping columns written only on a group's first row: blank cells of kept rows take the value above, the way
    merged cells already do, but only within their group (Kind.fill_down_within): a row whose own value in one of
    the group's columns differs from the one above starts another group and takes nothing of the previous one, so a
    required cell left blank on it is refused as blank. Returns, for each column that took values, the positions of
    the cells filled and of the cells they took from."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    rows = np.flatnonzero(keep)
    if not len(rows):
        return out
    present = [k for k in kind.fill_down if k in columns]
    involved = set(present) | {g for k in present for g in kind.fill_group(k) if g in columns}
    # The sheet's own values, before any column is filled: a group starts where the clerk wrote another value.
    own = {key: columns[key][rows] for key in involved}
    empty = {
        key: _blank(kept) | np.array([isinstance(v, str) and not v.strip() for v in kept], dtype=bool)
        for key, kept in own.items()
    }
    starts: dict[str, np.ndarray] = {}
    for key in present:
        kept, blank = own[key], empty[key]
        if not blank.any() or blank.all():
            continue
        # The index of the last filled row at or above each row; -1 above the first filled one (left blank).
        last = np.maximum.accumulate(np.where(~blank, np.arange(len(kept)), -1))
        take = blank & (last >= 0)
        group = [g for g in kind.fill_group(key) if g in columns]
        if group and take.any():
            for g in group:
                if g not in starts:
                    starts[g] = _group_starts(own[g], empty[g])
            # Rows of one group share a number; a cell takes a value only from a row of its own group.
            number = np.cumsum(np.logical_or.reduce([starts[g] for g in group]))
            take &= number[np.maximum(last, 0)] == number
        if not take.any():
            continue
        # Into a copy: the column is a view of the sheet's cells, which stay as read.
        values = columns[key] = columns[key].copy()
        values[rows[take]] = kept[last[take]]
        out[key] = (rows[take], rows[last[take]])
    return out


def _group_starts(kept: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """Rows whose own value differs from the last one written above them (the first written value included)."""
    starts = np.zeros(len(kept), dtype=bool)
    written = np.flatnonzero(~blank)
    if len(written):
        keys = [_group_key(v) for v in kept[written]]
        starts[written[0]] = True
        starts[written[1:]] = [a != b for a, b in zip(keys[1:], keys[:-1], strict=True)]
    return starts


def _group_key(value: Any) -> str:
    """A grouping cell as the clerk reads it: text in full- or half-width, with or without spaces, alike; a date
    typed as text (2022-03-05, 2022/3/5, 2022年3月5日), as a date or as a date with a midnight time, alike."""
    if isinstance(value, datetime) and value.time() == time(0):
        value = value.date()
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    key = clean_text(value)
    typed = _TEXT_DATE.match(key)
    return f"{typed[1]}-{int(typed[2]):02d}-{int(typed[3]):02d}" if typed else key


def _filled_runs(
    values: np.ndarray, row_numbers: np.ndarray, takers: np.ndarray, sources: np.ndarray
) -> list[tuple[int, Any, list[int]]]:
    """(Excel row, its value, the Excel rows that took it) for each cell whose value was filled down."""
    cut = np.flatnonzero(np.diff(sources)) + 1
    return [
        (int(row_numbers[source[0]]), values[source[0]], row_numbers[taker].tolist())
        for source, taker in zip(np.split(sources, cut), np.split(takers, cut), strict=True)
    ]
