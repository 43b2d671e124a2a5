"""A sheet's body, the rows under its header: the data rows read into a frame (Extracted), the rows that hold no
data set aside and named (blank, 合计/小计, 示例, notes, hints in brackets, the header repeated), grouping cells left
blank filled down within their group, and the filled cells of columns without a header. Where the header is and
which column is which: analytics.sheets.layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

import numpy as np
import pandas as pd

from analytics.sheets.kinds import KINDS, Kind
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import clean_text, is_blank

TOTAL_WORDS = ("合计", "小计", "总计", "共计")
# A cell that is a total word and nothing else (本页小计, 合 计, 小计：, 合计(小时)) marks a total row in whatever
# column it stands: a ledger grouped by person writes 小计 under 活动名称 or 事由.
_TOTAL_CELL = re.compile(
    r"^(?:本页|本月|本季度?|本表|本组|本人|个人|全年|全部|总)?(?:合计|小计|总计|共计)(?:\(.*\))?[:：]?$"
)
NOTE_PREFIXES = ("注", "说明", "填表说明", "备注:", "备注：", "填表人", "审核人", "制表", "负责人签字", "填报单位")
EXAMPLE_WORD = "示例"
_BRACKETED = re.compile(r"^[(（\[【].*[)）\]】]$")
# A date typed as text (2022/3/5, 2022.03.05, 2022年3月5日), spaces already taken out: for telling groups apart.
_TEXT_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
# A lone text cell under the data is a note when it reads like one (a name is 2–4 characters).
NOTE_MIN_LENGTH = 6


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
