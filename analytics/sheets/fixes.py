"""Fixing rows in place: the rows of a preview that have errors, as a table the page lets the clerk edit (each row
with its errors beside it), and the values offered for each column (the roster names closest to an unknown person,
the rule book's lists for 考核内容, 活动类型, 环节 …). The edits go back to the importer as corrections
(Options.corrections), which re-checks the file and keeps each original value for the lineage."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.rules import rulebook as rb
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import plain_text
from analytics.sheets.people import People
from analytics.store.db import Con

ROW = "行号"
ERRORS = "错误"
MAX_ROWS = 200
ALL_NAMES = 300  # rosters up to this size are offered whole in a person column
PERSON_KEYS = ("name", "contestant", "judge", "owner")
# A column whose values come from a rule-book list: its key → the list.
VOCABULARIES = {
    "content": lambda book: book.vocab_contents,
    "activity": lambda book: book.vocab_activities,
    "stage": lambda book: book.vocab_stages,
    "ledger": lambda book: book.vocab_ledgers,
    "arena": lambda book: book.vocab_arenas,
}


def _shown(value: Any) -> str:
    return plain_text(value) or ""


def error_rows(preview, sheet: str, limit: int = MAX_ROWS) -> tuple[pd.DataFrame, dict[str, str]]:
    """The data rows of one sheet that have errors: 行号, one column per field read (titled as in the sheet, holding
    the cell as the clerk wrote it, or as corrected), and 错误. Returns (frame, column title → field key)."""
    layout: Layout | None = preview.layouts.get(sheet)
    raw = next((r for r in preview.raw if r.name == sheet), None)
    result = next((s for s in preview.sheets if s.sheet == sheet), None)
    if layout is None or raw is None or result is None:
        return pd.DataFrame(), {}
    messages: dict[int, list[str]] = {}
    for problem in result.errors:
        if problem.row and problem.row > layout.body_row:
            text = f"{problem.column}：{problem.message}" if problem.column else problem.message
            messages.setdefault(problem.row, []).append(text)
    rows = sorted(messages)[:limit]
    kind = KINDS[layout.kind]
    titles: dict[str, str] = {}
    for key, index in sorted(layout.columns.items(), key=lambda kv: kv[1]):
        title = layout.headers.get(index, kind.column(key).label)
        while title in titles or title in (ROW, ERRORS):
            title += "＿"
        titles[title] = key
    corrected = {(s, r, k): v for (s, r, k), v in preview.options.corrections.items() if s == sheet}
    records = []
    for row in rows:
        cells = raw.grid[row - 1] if row - 1 < len(raw.grid) else []
        record: dict[str, Any] = {ROW: row}
        for title, key in titles.items():
            index = layout.columns[key]
            value = corrected.get((sheet, row, key), cells[index] if index < len(cells) else None)
            record[title] = _shown(value)
        record[ERRORS] = "；".join(messages[row])
        records.append(record)
    frame = pd.DataFrame(records, columns=[ROW, *titles, ERRORS])
    return frame, titles


def offered(cur: Con, frame: pd.DataFrame, titles: dict[str, str], book: rb.RuleBook) -> dict[str, list[str]]:
    """For each column title: the values to offer — the closest roster names for a person column, the rule book's
    list for a listed column — always with the values already written, so nothing shown is lost."""
    out: dict[str, list[str]] = {}
    people: People | None = None
    for title, key in titles.items():
        written = [v for v in frame[title].tolist() if v] if title in frame else []
        if key in VOCABULARIES:
            names = list(VOCABULARIES[key](book).names)
        elif key in PERSON_KEYS:
            people = people or People.load(cur)
            names = []
            for value in dict.fromkeys(written):
                names.extend(n for n in people.suggest_names(value, 5) if n not in names)
            if len(people.by_name) <= ALL_NAMES:
                # A small roster is offered whole (after the closest names): the right person may look unlike the typo.
                names.extend(n for n in sorted(people.by_name) if n not in names)
        else:
            continue
        out[title] = list(dict.fromkeys([*names, *written]))
    return out


def corrections_from(
    sheet: str, before: pd.DataFrame, after: pd.DataFrame, titles: dict[str, str]
) -> dict[tuple[str, int, str], str]:
    """The cells the clerk changed in the table: (sheet, Excel row, field key) → the new text."""
    out: dict[tuple[str, int, str], str] = {}
    if before.empty:
        return out
    for pos in range(min(len(before), len(after))):
        row = int(before[ROW].iat[pos])
        for title, key in titles.items():
            old, new = before[title].iat[pos], after[title].iat[pos]
            new_text = "" if new is None or (isinstance(new, float) and new != new) else str(new).strip()
            if new_text != (old or ""):
                out[(sheet, row, key)] = new_text
    return out
