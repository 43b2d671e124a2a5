"""One big worksheet read by two parsing children at once, each taking half of its rows.

python-calamine parses a sheet on one core. A 100,000-row sheet takes about a second, and the server has at least two
cores and two warm children (analytics.sheets.worker). So when a workbook's largest worksheet is big, both children
get the same bytes with a different half: each cuts the sheet's XML at the same row boundary (the same function on
the same bytes), builds a workbook holding its half of the rows, and parses that. The first child also parses every
other sheet of the workbook; the second only the cut sheet, without the empty rows above its half. The server puts
the two halves of the cells back together (join) and gets what one child parsing the whole sheet would have given.

A sheet is cut only when the cut is certainly harmless; otherwise both children say so and the first one parses the
whole workbook as it always did:
- the rows are plain XML (no CDATA, comment or processing instruction, where a `</row>` could hide);
- every row of the second half states its number (`<row r="…">`), so its cells land where they would;
- the sheet has no merged cells (a merged block's value is copied into its cells, which may lie in both halves);
- no second `<sheetData>` or `</sheetData>` lies among the rows;
- the sheet's part and name are certain: the workbook's index is unambiguous (owner) and the parser lists the name
  once.
The server checks the halves too: the second half must start below the last row of the first, or the whole workbook
is parsed again by one child (rows out of order, which only a hand-made file has)."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np
from isal import isal_zlib

from analytics.sheets import guard
from analytics.sheets.formulas import has_cross_formula

# A worksheet unpacked to at least this many bytes (about 15,000 rows of eight columns) is read in two halves.
SPLIT_BYTES = 8 * guard.MB
# Above this the parts are not unpacked a second time in the children (the guard allows members up to 400 MB).
MAX_SPLIT_BYTES = 160 * guard.MB

_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_SHEET_DATA = re.compile(rb"<((?:\w+:)?)sheetData\b[^>]*?(/?)>")
# CDATA sections and comments start with "<!", processing instructions with "<?": where either could hide a "</row>".
# "!" and "?" are rare in a sheet's XML, so each is looked for alone first (a one-byte search is many times faster).
_HIDING = ((b"!", b"<!"), (b"?", b"<?"))


@dataclass(frozen=True)
class Half:
    """One child's workbook: the cut sheet holding only its half of the rows."""

    book: bytes  # the workbook, its parts stored unpacked
    sheet: str  # the cut sheet's name
    summary: bool  # the whole sheet holds a formula over other sheets (analytics.sheets.formulas)


class Declined(Exception):
    """The parser does not list the cut sheet's name exactly once: the workbook is read whole instead."""


def part_to_split(data: bytes) -> str | None:
    """The worksheet part worth reading in two halves: the largest one, when it is big enough and the machine has a
    second core. Only the zip's directory is read."""
    if (os.cpu_count() or 1) < 2:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            sheets = [i for i in book.infolist() if _SHEET_PART.fullmatch(i.filename)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return None
    if not sheets:
        return None
    largest = max(sheets, key=lambda info: info.file_size)
    return largest.filename if SPLIT_BYTES <= largest.file_size <= MAX_SPLIT_BYTES else None


def _cut_at(xml: bytes) -> tuple[int, int, int] | None:
    """(end of the <sheetData> tag, the cut, start of </sheetData>) for a sheet that can be cut, else None."""
    data = _SHEET_DATA.search(xml)
    if data is None or data.group(2):
        return None
    prefix = data.group(1)
    start = data.end()
    end = xml.rfind(b"</" + prefix + b"sheetData>")
    if end < start or any(xml.find(c, start, end) != -1 and xml.find(mark, start, end) != -1 for c, mark in _HIDING):
        return None
    if xml.find(b"mergeCell", end) != -1:
        return None
    row_end = b"</" + prefix + b"row>"
    cut = xml.find(row_end, (start + end) // 2, end)
    if cut == -1:
        return None
    cut += len(row_end)
    # Every row of the second half, the first above all, states its number: a row without one is placed after the
    # row before it, which the second child would not have read. One search finds a "<row" that is not followed by
    # its number (neither text nor an attribute value holds a raw "<", so every "<row" starts a row's tag; a ">"
    # inside a value ends the search for the number early, and the sheet is then read whole, as before).
    row = rb"<" + re.escape(prefix) + rb"row"
    numbered = rb'\s[^>]*?\br="\d+"'
    if not re.compile(row + numbered).match(
        xml, cut + len(xml[cut : cut + 64]) - len(xml[cut : cut + 64].lstrip()), end
    ):
        return None
    if re.compile(row + rb"(?!" + numbered + rb")").search(xml, cut, end):
        return None
    return start, cut, end


_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\s([^>]*)>")
_ATTR = re.compile(rb'\s([\w:]+)="([^"]*)"')


def owner(book: zipfile.ZipFile, part: str) -> str | None:
    """The name of the one sheet whose part is `part`, read strictly: None unless the workbook's index and its
    relationships are unambiguous (ids and names unique, targets plain paths under xl/worksheets/) and exactly one
    sheet points at the part. A cut must never fall on a part that the parser would find under another name, or
    under two."""
    try:
        workbook = book.read("xl/workbook.xml")
        rels = book.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return None
    targets: dict[bytes, bytes] = {}
    for kind, attrs in _TAG.findall(rels):
        found = dict(_ATTR.findall(b" " + attrs))
        if kind != b"Relationship" or b"Id" not in found or found[b"Id"] in targets:
            return None
        targets[found[b"Id"]] = found.get(b"Target", b"")
    names, owners = set(), []
    for kind, attrs in _TAG.findall(workbook):
        if kind != b"sheet":
            continue
        found = dict(_ATTR.findall(b" " + attrs))
        name, rid = found.get(b"name"), found.get(b"r:id")
        if name is None or rid is None or name in names or rid not in targets:
            return None
        names.add(name)
        target = targets[rid].decode("utf-8", "replace")
        path = target[1:] if target.startswith("/") else "xl/" + target
        if path == part:
            owners.append(name)
    if len(owners) != 1 or not _SHEET_PART.fullmatch(part) or b"&" in owners[0]:
        return None  # an escaped name could be read differently; such a sheet is simply read whole
    return owners[0].decode("utf-8", "replace")


# A zip's records (APPNOTE 4.3.7, 4.3.12, 4.3.16): the local file header (signature, version needed, flags, method, time,
# date, CRC-32, sizes, then the lengths of the name and of the extra field), the central directory's header and the
# end record. Written by stored_zip: version 2.0, names in UTF-8 (flag 11), stored (method 0), dated 1980-01-01.
_LOCAL_HEAD = struct.Struct("<4s5H3L2H")
_CENTRAL_HEAD = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_UTF8, _DAY_ONE = 0x800, 0x21


def unpacked(data: bytes, book: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A part's bytes. A plainly deflated part is unpacked with ISA-L straight from the file's bytes (about twice
    zlib's speed, and its CRC-32 five times: 0.06 s instead of 0.13 s for a 100,000-row sheet, in each child). A part
    whose header, size or CRC is not exactly what the directory says is read by zipfile, which raises for it as
    before."""
    if info.compress_type == zipfile.ZIP_DEFLATED and not info.flag_bits & 0x1:
        at = info.header_offset
        head = data[at : at + _LOCAL_HEAD.size]
        if len(head) == _LOCAL_HEAD.size:
            signature, *_, name_size, extra_size = _LOCAL_HEAD.unpack(head)
            name = info.orig_filename.encode("utf-8" if info.flag_bits & _UTF8 else "cp437", "replace")
            begin = at + _LOCAL_HEAD.size + name_size + extra_size
            if (
                signature == b"PK\x03\x04"
                and data[at + _LOCAL_HEAD.size : at + _LOCAL_HEAD.size + name_size] == name
                and begin + info.compress_size <= len(data)
            ):
                try:
                    # At most one byte more than the directory says: a part that unpacks to more is not read on.
                    xml = isal_zlib.decompressobj(-15).decompress(
                        memoryview(data)[begin : begin + info.compress_size], info.file_size + 1
                    )
                except Exception:  # noqa: BLE001 - ISA-L's own error for damaged data: zipfile then reads the part
                    xml = b""
                if len(xml) == info.file_size and isal_zlib.crc32(xml) == info.CRC:
                    return xml
    return book.read(info)


def stored_zip(members: list[tuple[str, tuple]]) -> bytes:
    """A zip holding each (name, pieces of its bytes) unpacked, written in one join, its CRC-32s by ISA-L: for the
    37 MB half of a 100,000-row sheet about 0.02 s less than zipfile's writer. The guard keeps a workbook far below
    the 4 GB and 65,535 members that would need zip64 (MAX_TOTAL_BYTES, MAX_MEMBERS); ValueError if one did not."""
    parts: list = []
    directory = []
    at = 0
    for name, pieces in members:
        raw = name.encode("utf-8")
        size = sum(len(piece) for piece in pieces)
        crc = 0
        for piece in pieces:
            crc = isal_zlib.crc32(piece, crc)
        if at + size >= 1 << 32 or len(raw) >= 1 << 16:
            raise ValueError("zip64")
        head = _LOCAL_HEAD.pack(b"PK\x03\x04", 20, _UTF8, 0, 0, _DAY_ONE, crc, size, size, len(raw), 0)
        directory.append(
            _CENTRAL_HEAD.pack(
                b"PK\x01\x02", 20, 20, _UTF8, 0, 0, _DAY_ONE, crc, size, size, len(raw), 0, 0, 0, 0, 0, at
            )
            + raw
        )
        parts += [head, raw, *pieces]
        at += len(head) + len(raw) + size
    central = b"".join(directory)
    if len(directory) >= 1 << 16 or at + len(central) >= 1 << 32:
        raise ValueError("zip64")
    return b"".join(
        [*parts, central, _END.pack(b"PK\x05\x06", 0, 0, len(directory), len(directory), len(central), at, 0)]
    )


def cut(data: bytes, part: str, half: int) -> Half | None:
    """The workbook with `part` holding only its first (half 0) or second (half 1) half of rows, with the cut sheet's
    name and whether the whole sheet is a summary; None when the sheet cannot be cut (see above) or its part and name
    are not certain (owner). The parts are stored unpacked: the parser does not unpack them again. The reader then
    checks that the parser lists the name once among its worksheets."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            name = owner(book, part)
            if name is None or part not in book.NameToInfo:
                return None
            xml = unpacked(data, book, book.NameToInfo[part])
            bounds = _cut_at(xml)
            if bounds is None:
                return None
            start, middle, end = bounds
            # A second <sheetData> or </sheetData> among the rows (a damaged file): a whole read stops at the first
            # closing tag, and rows after it must not come back through a half. Each child looks in its own rows;
            # when one cuts and the other does not, the workbook is read whole (analytics.sheets.worker).
            if xml.find(b"sheetData", *((start, middle) if half == 0 else (middle, end))) != -1:
                return None
            whole = memoryview(xml)
            pieces = (whole[:middle], whole[end:]) if half == 0 else (whole[:start], whole[middle:])
            members = [
                (info.filename, pieces if info.filename == part else (unpacked(data, book, info),))
                for info in book.infolist()
                if not info.is_dir()
            ]
            # Looked for in the whole sheet, which is at hand: the summary note is the same from either child.
            return Half(stored_zip(members), name, has_cross_formula(xml, name))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError):
        return None


def join(first: Any, second: Any, origin: tuple[int, int]) -> Any:
    """The cells of the whole sheet from the first half's (parsed from A1) and the second's (parsed from `origin`,
    its first non-empty cell), both rectangular object arrays. None when the second half does not start below the
    first (rows out of order): then the halves cannot be put together by position."""
    top, left = origin
    rows_a, width_a = first.shape
    rows_b, width_b = second.shape
    if rows_b == 0:
        return first
    if top < rows_a:
        return None
    if top == rows_a and left == 0 and width_a == width_b:
        return np.concatenate((first, second))  # the usual sheet: no blank cells to fill in between (0.01 -> 0.002 s)
    cells = np.full((top + rows_b, max(width_a, left + width_b)), "", dtype=object)
    cells[:rows_a, :width_a] = first
    cells[top:, left : left + width_b] = second
    return cells


def join_rows(cells: Any, first: list[list[Any]], second: list[list[Any]], origin: tuple[int, int]) -> list[list[Any]]:
    """The grid (one list per row) of the joined `cells`, given each half's rows. When both halves are as wide as the
    whole and the second starts in column A (the usual sheet), their rows are the whole sheet's rows already and are
    reused, with blank rows between; otherwise the rows are made from the joined cells."""
    top, left = origin
    rows, width = cells.shape
    if not second:
        return first if len(first) == rows and all(map(width.__eq__, map(len, first))) else cells.tolist()
    if left or top < len(first) or top + len(second) != rows:
        return cells.tolist()
    if not (all(map(width.__eq__, map(len, first))) and all(map(width.__eq__, map(len, second)))):
        return cells.tolist()
    return first + [[""] * width for _ in range(top - len(first))] + second
