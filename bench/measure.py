"""What the benchmark measures and how it keeps its samples: the scale database's sizes and the measured period, every
core result function the pages call, the deck and the posting through their commands, and the process's memory."""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any


@dataclass
class Samples:
    values: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, seconds: float) -> None:
        self.values.setdefault(key, []).append(seconds)

    def time(self, key: str, fn: Callable[[], Any]) -> None:
        if key in self.errors:
            return
        t0 = time.perf_counter()
        try:
            fn()
        except Exception as exc:  # a function that fails is reported, not timed; the rest of the run goes on
            self.errors[key] = f"{type(exc).__name__}: {str(exc)[:200]}"
            return
        self.add(key, time.perf_counter() - t0)

    def median(self, key: str) -> float | None:
        values = self.values.get(key)
        return round(statistics.median(values), 4) if values else None


def peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024, 1)


def rss_mb() -> float:
    """The resident memory now (the peak is what the benchmark reports; this tells which phase reached it)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            import os

            return round(int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()


def scale_facts(cur) -> dict[str, Any]:
    """Sizes of the database and the period the measurements look at: the last full year, its June and Q2."""
    rows = {
        table: cur.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("person", "section", "score_event", "participation", "task_snapshot", "arena_mark")
    }
    last = cur.execute("select max(event_date) from score_event").fetchone()[0] or date.today()
    year = last.year if last.month == 12 else last.year - 1
    year = (
        max(year, cur.execute("select min(event_date) from score_event").fetchone()[0].year)
        if rows["score_event"]
        else year
    )
    return {"rows": rows, "year": year, "month": f"{year}-06", "quarter": f"{year}Q2", "as_of": date(year, 6, 30)}


def function_cases(cur, facts: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Every public result function the pages call, on the measured period."""
    from analytics.results import arena, flags, participation, points, stars, tasks, trends

    year, month, quarter, as_of = facts["year"], facts["month"], facts["quarter"], facts["as_of"]
    start = date(year, 1, 1)
    lights = tasks.task_lights(cur, as_of)
    task = lights["task_code"].iloc[0] if len(lights) else ""
    person = cur.execute("select min(person_id) from score_event where year(event_date) = ?", [year]).fetchone()[0]
    sessions = arena.arena_results(cur, year)
    cases: dict[str, Callable[[], Any]] = {
        "points.person_month_net": lambda: points.person_month_net(cur, month),
        "points.posting": lambda: points.posting(cur, month),
        "points.ytd_points": lambda: points.ytd_points(cur, year, month),
        "stars.monthly_stars": lambda: stars.monthly_stars(cur, month),
        "stars.star_board": lambda: stars.star_board(cur, year),
        "flags.quarter_flags": lambda: flags.quarter_flags(cur, quarter),
        "flags.flag_history": lambda: flags.flag_history(cur, year),
        "trends.person_trend": lambda: trends.person_trend(cur, year),
        "trends.section_trend": lambda: trends.section_trend(cur, year),
        "trends.movers": lambda: trends.movers(cur, month),
        "tasks.task_lights": lambda: tasks.task_lights(cur, as_of),
        "tasks.funnel": lambda: tasks.funnel(cur, as_of),
        "tasks.rates": lambda: tasks.rates(cur, as_of),
        "tasks.burnup": lambda: tasks.burnup(cur, year),
        "tasks.light_trace": lambda: tasks.light_trace(cur, task, as_of),
        "tasks.progress_history": lambda: tasks.progress_history(cur, task),
        "tasks.section_task_rates": lambda: tasks.section_task_rates(cur, date(year, 4, 1), as_of, as_of),
        "participation.five_one_matrix": lambda: participation.five_one_matrix(cur, start, as_of, as_of),
        "participation.counters": lambda: participation.counters(cur, start, date(year, 12, 31)),
        "participation.monthly_participation": lambda: participation.monthly_participation(cur, year),
        "participation.section_participation": lambda: participation.section_participation(
            cur, start, date(year, 12, 31)
        ),
        "participation.person_participation": lambda: participation.person_participation(cur, person, year),
        "arena.arena_results": lambda: arena.arena_results(cur, year),
        "arena.judge_spread": lambda: arena.judge_spread(cur, year),
    }
    if len(sessions):
        s = sessions.iloc[0]
        cases["arena.arena_marks"] = lambda: arena.arena_marks(cur, s["arena"], s["date"])
        cases["arena.arena_trace"] = lambda: arena.arena_trace(
            cur, s["arena"], s["date"], int(s["contestant_id"]), s["topic"]
        )
    return cases


def meetings_cases(db: Path, facts: dict[str, Any], folder: Path) -> dict[str, Callable[[], Any]]:
    """The deck and the posting through their documented commands, once analytics.meetings exists."""
    if importlib.util.find_spec("analytics.meetings") is None:
        return {}
    import io
    import os

    from analytics import cli

    def command(*argv: str) -> Callable[[], Any]:
        def call() -> None:
            os.environ["DASHBOARD_DB"] = str(db)
            with redirect_stdout(io.StringIO()):
                code = cli.main(list(argv))
            if code:
                raise RuntimeError(f"{argv[0]} exited {code}")

        return call

    month = facts["month"]
    return {
        "deck": command("deck", "--month", month, "-o", str(folder / "deck.pptx")),
        "posting": command("posting", "--month", month, "-o", str(folder / "posting.xlsx")),
    }
