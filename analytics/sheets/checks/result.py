"""The report of one checked sheet: its clean rows, its problems, and what it asks of the commit (snapshots it
replaces, stored events it claims, a roster plan, a new rule book)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analytics.rules import rulebook as rb
from analytics.sheets.layout import Layout
from analytics.sheets.people import People
from analytics.sheets.problems import ERROR, WARNING, Problem
from analytics.sheets.roster import RosterPlan


@dataclass
class SheetResult:
    sheet: str
    kind: str
    layout: Layout
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    skipped_existing: int = 0
    replaced: pd.DataFrame | None = None  # task snapshots this sheet replaces (fact_id, task_code, updated_on)
    roster_plan: RosterPlan | None = None
    roster_after: People | None = None
    new_book: rb.RuleBook | None = None
    notes: list[str] = field(default_factory=list)
    # Stored facts this sheet sends again (fact_id, _row): the batch claims them too, so undoing the batch that
    # first brought them keeps them while this one is active.
    claims: pd.DataFrame | None = None
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)  # (Excel row, why) beyond layout's
    column_rules: dict[str, str] = field(default_factory=dict)  # column key → how its values were read
    # What the clerk is asked to decide about rows of this sheet, as Preview.questions holds them.
    questions: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]
