"""Where a sheet's header is and what it says: the header row and the sheet's kind found among the first rows, the
header cells matched to the kind's columns (exact synonyms, then near matches; a header of two rows), the points
sheet's 加/减 column told by its words as well as its header, and the Layout that records all of it. The rows under
the header are read in analytics.sheets.body."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from analytics.sheets.columns import Column
from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.normalize import clean_text, is_blank

# A header may stand under a long block of instructions (填表说明 1.–15.): the first 50 rows are looked at. Rows
# without two short text cells or without any kind's header word are passed at once: find_layout on a 100,000-row
# points sheet took 16 ms against 11 ms with 15 rows (2026-12-07).
HEADER_SCAN_ROWS = 50
SEQ_HEADERS = ("序号", "序", "NO", "NO.", "行号", "编号")
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
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
