"""The rows of a worksheet the clerk hid (right-click → 隐藏, or left out by a filter): read from the sheet's XML,
where such a row's tag says hidden="1". The parser reads their cells like any other, so a row hidden because it was
struck out (作废) was counted in silence; the importer now asks about them (analytics.sheets.ingest.dry_run).

A sheet without a hidden row costs one search for the word "hidden", through its rare letter (errorcells.holds: about
1 ms for a 100,000-row sheet); only where the word stands is the tag around it read."""

from __future__ import annotations

import re

from analytics.sheets.errorcells import holds

_WORD = b"hidden"
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ATTR = re.compile(rb"""\b(r|hidden)\s*=\s*["']([^"']*)["']""")
_TRUE = (b"1", b"true")


def hidden_rows(xml: bytes) -> list[int]:
    """The Excel row numbers (from 1) of every row a worksheet's XML marks hidden, in order."""
    if not holds(xml, _WORD):
        return []
    at = xml.find(_WORD)
    found: list[int] = []
    unnumbered = False
    while at != -1:
        tag = xml.rfind(b"<", 0, at)
        row = _ROW_TAG.match(xml, tag) if tag != -1 else None
        # The word inside a row's own tag; elsewhere (a column's tag, a cell's text) it says nothing of rows.
        if row is not None and row.end() > at:
            attrs = dict(_ATTR.findall(row.group(1)))
            if attrs.get(b"hidden", b"").strip().lower() in _TRUE:
                number = attrs.get(b"r", b"")
                if number.isdigit():
                    found.append(int(number))
                else:
                    unnumbered = True
            at = xml.find(_WORD, row.end())
        else:
            at = xml.find(_WORD, at + len(_WORD))
    if unnumbered:
        return _counted(xml)
    return sorted(set(found))


def _counted(xml: bytes) -> list[int]:
    """Every hidden row's number when some row does not state its own: such a row follows the one before it (the
    format allows this, a few writers do it)."""
    found = []
    number = 0
    for row in _ROW_TAG.finditer(xml):
        attrs = dict(_ATTR.findall(row.group(1)))
        stated = attrs.get(b"r", b"")
        number = int(stated) if stated.isdigit() else number + 1
        if attrs.get(b"hidden", b"").strip().lower() in _TRUE:
            found.append(number)
    return sorted(set(found))
