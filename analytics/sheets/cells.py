"""Writing user text into xlsx and csv files so that it stays text: no cell a clerk typed can run as a formula."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# A spreadsheet treats text starting with these as a formula (or, for + - @, as one after a keystroke in some
# programs); tab and carriage return start the same attack in CSV files opened by Excel.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_LEADS)


def put(cell: Any, value: Any) -> Any:
    """Set an openpyxl cell; text that looks like a formula is stored as a string cell, never as a formula.
    Control characters, which an xlsx cannot hold (openpyxl refuses them), are replaced by "?"."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("?", value)
    cell.value = value
    if looks_like_formula(value):
        cell.data_type = "s"
    return cell


def csv_text(value: Any) -> Any:
    """A value for a CSV file: formula-looking text gets a leading apostrophe, which Excel and WPS show as text."""
    if looks_like_formula(value):
        return "'" + value
    return value
