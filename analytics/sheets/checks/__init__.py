"""Checking the rows of one sheet against the contract and the rule book, producing clean rows and problems.

One module a kind (points, participation, tasks, arena, roster, rules), each a `check_<kind>(ctx, sheet, layout,
data) -> SheetResult`; the checks they share are in checker.py, the report of a sheet in result.py. Adding a kind is
its declaration (analytics.sheets.kinds), its migration, and its module here with a line in CHECKS."""

from __future__ import annotations

from collections.abc import Callable

from analytics.sheets.body import Extracted
from analytics.sheets.checks.arena import check_arena
from analytics.sheets.checks.checker import Context
from analytics.sheets.checks.participation import check_participation
from analytics.sheets.checks.points import check_points
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.checks.roster import check_roster
from analytics.sheets.checks.rules import check_rules
from analytics.sheets.checks.tasks import check_tasks
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout

__all__ = ["CHECKS", "Context", "SheetResult"]

CHECKS: dict[str, Callable[[Context, str, Layout, Extracted], SheetResult]] = {
    "roster": check_roster,
    "points": check_points,
    "participation": check_participation,
    "tasks": check_tasks,
    "arena": check_arena,
    "rules": check_rules,
}
assert set(CHECKS) == set(KINDS)
