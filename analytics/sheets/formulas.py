"""Which worksheets of an .xlsx file compute their cells from other sheets (=SUM('3月'!E:E), =SUMIF(明细!B:B,…)):
such a sheet is a summary of the detail sheets beside it, and importing it would count its events twice.

Reads only the workbook's XML parts (no cell values), so it costs little even for a large file. Anything that is
not a readable .xlsx simply yields no sheet names: the reader decides elsewhere whether the file can be read."""

from __future__ import annotations

import io
import re
import zipfile
from posixpath import join, normpath

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?\br:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"')
_REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
# A formula naming another sheet: the sheet reference ends in '!' inside <f>…</f>.
_CROSS = re.compile(rb"<(?:\w+:)?f\b[^>]*>[^<]*!")
MAX_PART = 64 * 1024 * 1024
_FEW = 10_000


def _unescape(text: bytes) -> str:
    return (
        text.decode("utf-8", errors="replace")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def has_cross_formula(xml: bytes) -> bool:
    """_CROSS.search(xml), found from the other end: "!" is rare in a sheet's XML while "<" starts every tag, so each
    "!" is looked up with one-byte searches and only the tag before it is tried. A part with many "!" is searched
    as before."""
    at = xml.find(b"!")
    for _ in range(_FEW):
        if at == -1:
            return False
        tag = xml.rfind(b"<", 0, at)
        if tag != -1 and _CROSS.match(xml, tag):
            return True
        after = xml.find(b"<", at)
        at = xml.find(b"!", after) if after != -1 else -1
    return _CROSS.search(xml) is not None


def sheets_with_cross_formulas(content: bytes, among: set[str] | None = None) -> set[str]:
    """Names of the worksheets (of those named ``among``, when given) holding at least one formula that refers to
    another sheet. Only those sheets' XML is unpacked."""
    if not content.startswith(b"PK\x03\x04"):
        return set()
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            names = set(book.namelist())
            if "xl/workbook.xml" not in names:
                return set()
            workbook = book.read("xl/workbook.xml")
            rels_part = "xl/_rels/workbook.xml.rels"
            rels = book.read(rels_part) if rels_part in names else b""
            targets = {rid: target for rid, target in _REL.findall(rels)}
            targets.update({rid: target for target, rid in _REL_REVERSED.findall(rels)})
            found = set()
            for name, rid in _SHEET.findall(workbook):
                target = targets.get(rid)
                if not target or (among is not None and _unescape(name) not in among):
                    continue
                text = target.decode("utf-8", errors="replace")
                part = text.lstrip("/") if text.startswith("/") else normpath(join("xl", text))
                if part not in names or book.getinfo(part).file_size > MAX_PART:
                    continue
                if has_cross_formula(book.read(part)):
                    found.add(_unescape(name))
            return found
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return set()
