"""The wire between the parsing child and the server: a workbook's sheets as typed columns of bytes.

The child (analytics.sheets.worker) reads hostile files, so what it sends back is data the server checks, never code:
no pickle. A sheet travels as one kind code per cell (uint8) and, per kind, the values in cell order: strings as their
distinct values (one UTF-8 text joined on a separator none of them holds) and one code per cell, numbers as float64/int64, dates as days, date-times, times and
durations as microseconds. Both sides work column by column in C (numpy, str.join/split, map) instead of pickling and
unpickling 800,000 objects one by one, which cost about as much as the parse itself. Cells of any other type arrive as
their text. A sheet's strings repeat (a name on every row of its person, a 科室 on hundreds): each distinct one
crosses once, and on the server every cell holding it is the same object, so the checks that hash a column's cells
(pandas.factorize) hash each distinct text once instead of once per cell.

A frame: 8 bytes (little-endian) of header length, the header (JSON), then the buffers the header points to."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any

import numpy as np

from analytics import collector
from analytics.sheets.errorcells import Unsaved

# UNSAVED: a formula saved without its result (analytics.sheets.errorcells.Unsaved), its text kept as that type.
STR, FLOAT, INT, BOOL, DATE, DATETIME, TIME, TIMEDELTA, OTHER, UNSAVED = range(10)
_LAST = UNSAVED
_KIND_OF = {
    Unsaved: UNSAVED,
    str: STR,
    float: FLOAT,
    int: INT,
    bool: BOOL,
    date: DATE,
    datetime: DATETIME,
    time: TIME,
    timedelta: TIMEDELTA,
}
_DTYPES = {"u1": np.uint8, "i4": np.int32, "i8": np.int64, "f8": np.float64}
_US = 1_000_000
# Years 1 to 9999 (what Python's date and datetime can hold), as days and as microseconds since 1970.
_RANGE = {DATE: (-719_162, 2_932_896), DATETIME: (-62_135_596_800 * _US, 253_402_300_799_999_999)}


class Broken(ValueError):
    """A frame that does not hold what its header says (the child misbehaved): the file is refused."""


class _Writer:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, array: np.ndarray, dtype: str) -> list:
        data = np.ascontiguousarray(array, dtype=_DTYPES[dtype]).tobytes()
        ref = [self.size, len(data), dtype]
        self.parts.append(data)
        self.size += len(data)
        return ref

    def add_text(self, text: str) -> list:
        data = text.encode("utf-8", "surrogatepass")
        ref = [self.size, len(data), "u1"]
        self.parts.append(data)
        self.size += len(data)
        return ref


# Strings travel as one text split on a character none of them holds (a C-level split on the server); only when a
# sheet holds every candidate do they travel with their lengths instead.
_SEPARATORS = ("\x00", "\x1f", "\ue000", "\U0010fffd")


def _strings(values: list[str], out: _Writer) -> dict:
    for sep in _SEPARATORS:
        text = sep.join(values)
        if text.count(sep) == len(values) - 1:
            return {"count": len(values), "sep": sep, "text": out.add_text(text)}
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    return {"count": len(values), "sep": None, "lengths": out.add(lengths, "i8"), "text": out.add_text("".join(values))}


def _distinct_strings(values: np.ndarray, out: _Writer) -> dict:
    """Strings (an object array of str) as their distinct values, in order of first appearance, and each cell's
    index among them: one pass of a dict in C (each cell's text hashed once), the first position of every text
    turned into its rank."""
    cells = values.tolist()
    first: dict[str, int] = {}
    at = np.fromiter(map(first.setdefault, cells, range(len(cells))), dtype=np.int64, count=len(cells))
    rank = np.zeros(len(cells), dtype=np.int32)
    rank[np.fromiter(first.values(), dtype=np.int64, count=len(first))] = np.arange(len(first), dtype=np.int32)
    codes = rank[at]
    return {"count": len(cells), "codes": out.add(codes, "i4"), "distinct": _strings(list(first), out)}


class _Kinds(dict):
    def __missing__(self, key: type) -> int:
        return OTHER


_KIND = _Kinds(_KIND_OF)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MICROSECOND = timedelta(microseconds=1)


def _pack_sheet(name: str, grid: list[list[Any]], merged: list, out: _Writer) -> dict:
    rows = len(grid)
    lengths = list(map(len, grid))
    width = max(lengths, default=0)
    ragged = any(n != width for n in lengths)
    flat = list(chain.from_iterable([r + [""] * (width - len(r)) for r in grid] if ragged else grid))
    kinds = np.fromiter(map(_KIND.__getitem__, map(type, flat)), dtype=np.uint8, count=len(flat))
    cells = np.fromiter(flat, dtype=object, count=len(flat))
    del flat
    columns: dict[str, Any] = {}
    for kind in np.unique(kinds).tolist():
        values = cells[kinds == kind]
        if kind in (STR, UNSAVED):
            if kind == UNSAVED:
                columns[str(kind)] = _strings([str(v) for v in values.tolist()], out)
            else:
                columns[str(kind)] = _distinct_strings(values, out)
        elif kind == FLOAT:
            columns[str(kind)] = out.add(np.array(values.tolist(), dtype=np.float64), "f8")
        elif kind == INT:
            wide = np.array([not -(2**63) <= v < 2**63 for v in values.tolist()], dtype=bool)
            if wide.any():  # wider than 64 bits (calamine's integers never are): sent as text
                kinds[np.flatnonzero(kinds == INT)[wide]] = OTHER
            columns[str(kind)] = out.add(np.array(values[~wide].tolist(), dtype=np.int64), "i8")
        elif kind == BOOL:
            columns[str(kind)] = out.add(np.array(values.tolist(), dtype=np.uint8), "u1")
        elif kind == DATE:
            days = np.fromiter(map(date.toordinal, values.tolist()), dtype=np.int64, count=len(values))
            columns[str(kind)] = out.add(days - _EPOCH_ORDINAL, "i8")
        elif kind == DATETIME:
            if any(v.tzinfo is not None for v in values.tolist()):
                kinds[kinds == DATETIME] = OTHER  # never from calamine; kept as text rather than shifted to UTC
            else:
                columns[str(kind)] = out.add(values.astype("datetime64[us]").view(np.int64), "i8")
        elif kind == TIME:
            micros = [((v.hour * 60 + v.minute) * 60 + v.second) * _US + v.microsecond for v in values.tolist()]
            columns[str(kind)] = out.add(np.array(micros, dtype=np.int64), "i8")
        elif kind == TIMEDELTA:
            micros = [v // _MICROSECOND for v in values.tolist()]
            wide = np.array([not -(2**63) <= m < 2**63 for m in micros], dtype=bool)
            if wide.any():  # beyond 292,000 years (never from calamine): sent as text
                kinds[np.flatnonzero(kinds == TIMEDELTA)[wide]] = OTHER
            columns[str(kind)] = out.add(np.array([m for m, w in zip(micros, wide, strict=True) if not w]), "i8")
    if (kinds == OTHER).any():
        columns[str(OTHER)] = _strings([str(v) for v in cells[kinds == OTHER].tolist()], out)
    return {
        "name": name,
        "rows": rows,
        "width": width,
        "lengths": out.add(np.array(lengths, dtype=np.int64), "i8") if ragged else None,
        "merged": [[list(a), list(b)] for a, b in merged],
        "kinds": out.add(kinds, "u1"),
        "columns": columns,
    }


@dataclass
class Notes:
    """What a frame says besides its sheets."""

    # Which half of a cut sheet the child read (analytics.sheets.halves): {"sheet", "half", "origin": (row,
    # column) of the first cell of the second half}; None for a frame of whole sheets.
    split: dict | None = None
    # The sheets holding formulas over other sheets (analytics.sheets.formulas): summaries, never imported.
    summaries: frozenset[str] = frozenset()
    # Sheet → the Excel rows (from 1) hidden in it (analytics.sheets.hidden); sheets without any are left out.
    hidden: dict[str, list[int]] = field(default_factory=dict)


def pack(sheets: list[tuple[str, list[list[Any]], list]], notes: Notes | None = None) -> bytes:
    """(name, grid, merged ranges) per sheet → one frame."""
    out = _Writer()
    header: dict[str, Any] = {
        "status": "ok",
        "sheets": [_pack_sheet(n, grid, merged, out) for n, grid, merged in sheets],
    }
    if notes is not None:
        header["split"] = notes.split and {**notes.split, "origin": list(notes.split["origin"])}
        header["summaries"] = sorted(notes.summaries)
        header["hidden"] = notes.hidden
    return _frame(header, out)


def refusal(message: str) -> bytes:
    """A frame that carries the Chinese message of a file the child would not read."""
    return _frame({"status": "refused", "message": message}, _Writer())


def _frame(header: dict, out: _Writer) -> bytes:
    head = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return b"".join([len(head).to_bytes(8, "little"), head, *out.parts])


# The server's side: every length and index is checked before it is used ------------------------------------------


def _array(body: memoryview, ref: Any, count: int | None = None) -> np.ndarray:
    if not (isinstance(ref, list) and len(ref) == 3 and ref[2] in _DTYPES):
        raise Broken("buffer reference")
    start, size, dtype = ref
    if not (
        isinstance(start, int) and isinstance(size, int) and 0 <= start and 0 <= size and start + size <= len(body)
    ):
        raise Broken("buffer bounds")
    kind = np.dtype(_DTYPES[dtype])
    if size % kind.itemsize:
        raise Broken("buffer size")
    array = np.frombuffer(body[start : start + size], dtype=kind)
    if count is not None and len(array) != count:
        raise Broken("buffer length")
    return array


def _unstrings(body: memoryview, spec: Any, count: int) -> np.ndarray:
    if not isinstance(spec, dict) or spec.get("count") != count:
        raise Broken("strings")
    try:
        text = _array(body, spec.get("text")).tobytes().decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise Broken("text") from exc
    sep = spec.get("sep")
    if sep is not None:
        if sep not in _SEPARATORS:
            raise Broken("separator")
        parts = text.split(sep) if count else []
    else:
        lengths = _array(body, spec.get("lengths"), count)
        if len(lengths) and (lengths.min() < 0 or int(lengths.sum()) != len(text)):
            raise Broken("string lengths")
        ends = np.cumsum(lengths).tolist()
        parts = [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
    if len(parts) != count:
        raise Broken("string count")
    values = np.empty(count, dtype=object)
    values[:] = parts
    return values


def _undistinct(body: memoryview, spec: Any, count: int) -> np.ndarray:
    """The cells of _distinct_strings: every code is checked to point at one of the distinct values."""
    if not isinstance(spec, dict) or spec.get("count") != count:
        raise Broken("strings")
    codes = _array(body, spec.get("codes"), count)
    distinct = spec.get("distinct")
    if not isinstance(distinct, dict) or not isinstance(distinct.get("count"), int):
        raise Broken("strings")
    values = _unstrings(body, distinct, distinct["count"])
    if count and (codes.min() < 0 or codes.max() >= len(values)):
        raise Broken("string codes")
    return values[codes]


def _unpack_sheet(body: memoryview, spec: Any, arrays: bool = False) -> tuple:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise Broken("sheet")
    rows, width = spec.get("rows"), spec.get("width")
    if not (isinstance(rows, int) and isinstance(width, int) and rows >= 0 and width >= 0):
        raise Broken("extent")
    n = rows * width
    kinds = _array(body, spec.get("kinds"), n)
    columns = spec.get("columns")
    if not isinstance(columns, dict):
        raise Broken("columns")
    flat = np.empty(n, dtype=object)
    seen = np.bincount(kinds, minlength=_LAST + 1)
    if len(seen) > _LAST + 1:
        raise Broken("kind")
    for kind in np.flatnonzero(seen).tolist():
        spec_of = columns.get(str(kind))
        if spec_of is None:
            raise Broken("missing column")
        count = int(seen[kind])
        where = kinds == kind
        if kind == STR:
            flat[where] = _undistinct(body, spec_of, count)
        elif kind == OTHER:
            flat[where] = _unstrings(body, spec_of, count)
        elif kind == UNSAVED:
            unsaved = np.empty(count, dtype=object)
            unsaved[:] = [Unsaved(text) for text in _unstrings(body, spec_of, count).tolist()]
            flat[where] = unsaved
        elif kind == FLOAT:
            flat[where] = _array(body, spec_of, count).astype(object)
        elif kind == INT:
            flat[where] = _array(body, spec_of, count).astype(object)
        elif kind == BOOL:
            flat[where] = _array(body, spec_of, count).astype(bool).astype(object)
        elif kind in (DATE, DATETIME, TIMEDELTA):
            unit = {DATE: "datetime64[D]", DATETIME: "datetime64[us]", TIMEDELTA: "timedelta64[us]"}[kind]
            values = _array(body, spec_of, count)
            if kind in _RANGE and len(values) and (values.min() < _RANGE[kind][0] or values.max() > _RANGE[kind][1]):
                raise Broken("date range")
            flat[where] = values.view(unit).astype(object)
        elif kind == TIME:
            values = _array(body, spec_of, count)
            if len(values) and (values.min() < 0 or values.max() >= 86_400 * _US):
                raise Broken("time range")
            flat[where] = [
                time(m // 3_600_000_000, m // 60_000_000 % 60, m // _US % 60, m % _US) for m in values.tolist()
            ]
    cells = flat.reshape(rows, width)
    grid = cells.tolist()
    if spec.get("lengths") is not None:
        lengths = _array(body, spec["lengths"], rows)
        if len(lengths) and (lengths.min() < 0 or lengths.max() > width):
            raise Broken("row lengths")
        grid = [row[:n] for row, n in zip(grid, lengths.tolist(), strict=True)]
    merged = spec.get("merged")
    try:
        ranges = [((int(a[0]), int(a[1])), (int(b[0]), int(b[1]))) for a, b in merged or ()]
    except (TypeError, ValueError, IndexError) as exc:
        raise Broken("merged") from exc
    if arrays:
        return spec["name"], grid, ranges, cells
    return spec["name"], grid, ranges


def unpack(frame: bytes | bytearray, arrays: bool = False) -> tuple[str, Any]:
    """A frame → ("ok", [(name, grid, merged), …]) or ("refused", message). Raises Broken for anything else.
    See unpack_notes for ``arrays``."""
    status, payload, _ = unpack_notes(frame, arrays)
    return status, payload


def unpack_notes(frame: bytes | bytearray, arrays: bool = False) -> tuple[str, Any, Notes]:
    """unpack, and the frame's Notes. Raises Broken for notes that are not.

    With ``arrays`` each sheet also carries its cells as one rectangular object array (rows × widest row, short
    rows padded with ""): the array the grid is made from, which the importer slices into columns instead of
    turning the grid's rows back into an array (analytics.sheets.body.extract)."""
    if len(frame) < 8:
        raise Broken("short frame")
    size = int.from_bytes(frame[:8], "little")
    if size > len(frame) - 8:
        raise Broken("header length")
    try:
        header = json.loads(frame[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Broken("header") from exc
    if not isinstance(header, dict):
        raise Broken("header")
    if header.get("status") == "refused" and isinstance(header.get("message"), str):
        return "refused", header["message"], Notes()
    if header.get("status") != "ok" or not isinstance(header.get("sheets"), list):
        raise Broken("status")
    body = memoryview(frame)[8 + size :]
    summaries = header.get("summaries", [])
    if not (isinstance(summaries, list) and all(isinstance(name, str) for name in summaries)):
        raise Broken("summaries")
    hidden = header.get("hidden", {})
    if not (
        isinstance(hidden, dict)
        and all(
            isinstance(rows, list) and all(type(n) is int and 0 < n < 1 << 31 for n in rows) for rows in hidden.values()
        )
    ):
        raise Broken("hidden")
    notes = Notes(_split(header.get("split")), frozenset(summaries), hidden)
    # The grid is a few hundred thousand new lists and no cycle: the collector would walk the whole heap for them.
    with collector.paused():
        return "ok", [_unpack_sheet(body, spec, arrays) for spec in header["sheets"]], notes


def _split(note: Any) -> dict | None:
    if note is None:
        return None
    if not isinstance(note, dict) or not isinstance(note.get("sheet"), str) or note.get("half") not in (0, 1):
        raise Broken("split")
    origin = note.get("origin", [0, 0])
    if not (isinstance(origin, list) and len(origin) == 2 and all(type(n) is int and 0 <= n < 1 << 31 for n in origin)):
        raise Broken("split origin")
    return {"sheet": note["sheet"], "half": note["half"], "origin": (origin[0], origin[1])}
