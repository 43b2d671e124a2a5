"""Which worksheets of an .xlsx file compute their cells from other sheets (=SUM('3月'!E:E), =SUMIF(明细!B:B,…),
='3月'!E5): such a sheet is a summary of the detail sheets beside it, and importing it would count its events twice.
A range that a lookup searches (=VLOOKUP(C2,事项!A:D,4,0), =INDEX(名单!B:B,MATCH(A2,名单!A:A,0))) is no such mark: a
detail sheet looks up each row's 分值 or 科室 in a small helper sheet by the row's own key, and stays a detail sheet.

Reads only the workbook's XML parts (no cell values), so it costs little even for a large file. Anything that is
not a readable .xlsx simply yields no sheet names: the reader decides elsewhere whether the file can be read."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from posixpath import join, normpath

_SHEET = re.compile(rb'<(?:\w+:)?sheet\b[^>]*?name="([^"]*)"[^>]*?\br:id="([^"]+)"')
_REL = re.compile(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"')
_REL_REVERSED = re.compile(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"')
# A formula and its text up to the next tag: a sheet reference ends in '!' inside <f>…</f>, but so does a "!" in a
# text literal (=IF(E2>2,"优秀!","")) or an error value (#REF!), which refer to no sheet; refers_to_other_sheet tells.
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)")
_FORMULA_WITH_BANG = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*![^<]*)")
# An error value written in a formula (#REF!, #DIV/0!, #NAME?, #N/A): its "!" names no sheet.
_ERROR_VALUE = re.compile(r"#[A-Za-z][A-Za-z0-9_/]*[!?]?")
# What ends an unquoted sheet name before "!": operators, separators and the space (the intersection operator).
_NOT_IN_NAME = frozenset("=+-*/^&%,;(){}<> \t\r\n")
# The arguments (counted from 0) that are the range a lookup function searches or takes its result from. A reference
# there is looked up by a key; anywhere else (SUM, SUMIF, a plain ='3月'!E5, a lookup's key) it marks a summary.
# Functions newer than Excel 2010 are stored with a prefix (_xlfn.XLOOKUP), dropped before the name is looked up.
LOOKUP_RANGES = {
    "VLOOKUP": frozenset({1}),
    "HLOOKUP": frozenset({1}),
    "LOOKUP": frozenset({1, 2}),
    "XLOOKUP": frozenset({1, 2}),
    "INDEX": frozenset({0}),
    "MATCH": frozenset({1}),
    "XMATCH": frozenset({1}),
}
MAX_PART = 64 * 1024 * 1024
_FEW = 10_000


def _unescape(text: bytes) -> str:
    # Character references too: openpyxl writes every non-ASCII character of a formula as &#26376; and the like.
    return html.unescape(text.decode("utf-8", errors="replace"))


def _closing(formula: str, at: int, quote: str) -> int:
    """Index just past the quote closing the one at ``at`` (a doubled quote stands for itself), or len(formula)."""
    i = at + 1
    while True:
        end = formula.find(quote, i)
        if end == -1:
            return len(formula)
        if formula.startswith(quote * 2, end):
            i = end + 2
            continue
        return end + 1


def _bracketed(formula: str, at: int) -> int:
    """Index just past the "]" closing the "[" at ``at``: a structured reference (Table1[[#This Row],[得分]], where "'"
    escapes the next character) or an external workbook's number ([1]名单!A1)."""
    depth, i = 0, at
    while i < len(formula):
        ch = formula[i]
        if ch == "'":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(formula)


def _function_name(text: str) -> str:
    name = text.strip().upper()
    for prefix in ("_XLFN.", "_XLWS."):
        name = name.removeprefix(prefix)
    return name


def sheet_references(formula: str) -> list[tuple[str, bool]]:
    """Each sheet name a formula's references carry before "!" (名单!A1, '名 单'!A:B, 'It''s'!A1, 1月:3月!E2,
    [1]名单!A1), quotes undone, with whether the reference is a range a lookup searches (LOOKUP_RANGES). Text
    literals ("优秀!"), error values (#REF!) and structured references are not references to a sheet and are passed
    over."""
    found = []
    word = 0  # where the name before a "!" (or a function's name before "(") would start
    quoted: str | None = None  # the quoted name just read, when nothing has followed it yet
    calls: list[list] = []  # [function name, argument number] of each open parenthesis, innermost last
    braces = 0  # inside an array constant {1,2}, whose commas separate no arguments
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch == '"':
            i = _closing(formula, i, '"')
            word, quoted = i, None
        elif ch == "'":
            end = _closing(formula, i, "'")
            quoted = formula[i + 1 : end - 1].replace("''", "'")
            i = end
        elif ch == "[":
            i = _bracketed(formula, i)
        elif ch == "#" and (error := _ERROR_VALUE.match(formula, i)) is not None:
            i = error.end()
            word, quoted = i, None
        elif ch == "!":
            # Plain parentheses inside a lookup's argument (LOOKUP(2,1/(名单!A:A=A2),名单!B:B)) belong to it.
            call = next((c for c in reversed(calls) if c[0]), None)
            looked_up = call is not None and call[1] in LOOKUP_RANGES.get(call[0], ())
            found.append((quoted if quoted is not None else formula[word:i], looked_up))
            i += 1
            word, quoted = i, None
        else:
            if ch == "(":
                calls.append([_function_name(formula[word:i]), 0])
            elif ch == ")" and calls:
                calls.pop()
            elif ch == "," and calls and not braces:
                calls[-1][1] += 1
            elif ch == "{":
                braces += 1
            elif ch == "}" and braces:
                braces -= 1
            if ch in _NOT_IN_NAME:
                word = i + 1
            quoted = None
            i += 1
    return found


def referenced_sheets(formula: str) -> list[str]:
    """The sheet names a formula's references carry before "!", looked up or not (see sheet_references)."""
    return [name for name, _ in sheet_references(formula)]


def refers_to_other_sheet(formula: str, own: str | None = None) -> bool:
    """Whether a formula (its text as Excel stores it, without the leading "=") takes a value from a sheet other than
    ``own`` other than by a lookup (Excel compares sheet names without regard to case): a summary's mark. A reference
    to the sheet's own name, or a range a lookup searches by the row's key, is none."""
    mine = own.casefold() if own is not None else None
    return any(not looked_up and name.casefold() != mine for name, looked_up in sheet_references(formula))


def _other_sheet_in(formula: re.Match[bytes], own: str | None) -> bool:
    return refers_to_other_sheet(_unescape(formula.group(1)), own)


def has_cross_formula(xml: bytes, own: str | None = None) -> bool:
    """Whether a sheet's XML holds a formula taking a value from another sheet than ``own`` other than by a lookup
    (refers_to_other_sheet): the sheet is a summary. Found from the other end: "!" is
    rare in a sheet's XML while "<" starts every tag, so each "!" is looked up with one-byte searches and only the
    tag before it is tried. A part with many "!" is searched formula by formula with a pattern."""
    at = xml.find(b"!")
    for _ in range(_FEW):
        if at == -1:
            return False
        tag = xml.rfind(b"<", 0, at)
        formula = _FORMULA.match(xml, tag) if tag != -1 else None
        if formula is not None and formula.end() > at:
            if _other_sheet_in(formula, own):
                return True
            at = formula.end()
        after = xml.find(b"<", at)
        at = xml.find(b"!", after) if after != -1 else -1
    return any(_other_sheet_in(formula, own) for formula in _FORMULA_WITH_BANG.finditer(xml))


def sheets_with_cross_formulas(content: bytes, among: set[str] | None = None) -> set[str]:
    """Names of the worksheets (of those named ``among``, when given) holding at least one formula that takes a value
    from another sheet other than by a lookup. Only those sheets' XML is unpacked."""
    return {name for name, xml in worksheets(content, among) if has_cross_formula(xml, name)}


def worksheets(content: bytes, among: set[str] | None = None) -> Iterator[tuple[str, bytes]]:
    """(name, XML) of an .xlsx file's worksheets (of those named ``among``, when given), each unpacked when its turn
    comes; nothing at all for a file that is not a readable .xlsx, and nothing more once one part cannot be read."""
    if not content.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            names = set(book.namelist())
            if "xl/workbook.xml" not in names:
                return
            workbook = book.read("xl/workbook.xml")
            rels_part = "xl/_rels/workbook.xml.rels"
            rels = book.read(rels_part) if rels_part in names else b""
            targets = {rid: target for rid, target in _REL.findall(rels)}
            targets.update({rid: target for target, rid in _REL_REVERSED.findall(rels)})
            for raw_name, rid in _SHEET.findall(workbook):
                target = targets.get(rid)
                name = _unescape(raw_name)
                if not target or (among is not None and name not in among):
                    continue
                text = target.decode("utf-8", errors="replace")
                part = text.lstrip("/") if text.startswith("/") else normpath(join("xl", text))
                if part not in names or book.getinfo(part).file_size > MAX_PART:
                    continue
                yield name, book.read(part)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return
