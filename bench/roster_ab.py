"""Roster write A/B in one process: the per-row write (tests/sheets/roster_rowwise.py, the oracle) and the set-based
one (analytics.sheets.roster_store) take turns, round after round, under the same load, through the real importer.

    python bench/roster_ab.py /tmp/scale/full_roster.xlsx [--scale /tmp/scale/full.duckdb] [--rounds 3]

Steps of each round, for each write: the roster into an empty database (first), the same roster saved again (unchanged:
planned, then refused as changing nothing, so no write), a copy of it with 200 people moved and 100 leaving (moves),
then undoing the moves and the first import. With --scale the last three also run on a copy of that database (its
roster is the file's, and 2 million events follow the people who move). Per step: wall and CPU of the whole import
or undo, and the seconds inside the roster write itself. Prints one JSON object of medians. Files are written under
a temporary folder; the scale database is only copied."""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in (ROOT, ROOT / "tests" / "sheets"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import openpyxl  # noqa: E402
import python_calamine as calamine  # noqa: E402
import roster_rowwise  # noqa: E402

from analytics import open_db  # noqa: E402
from analytics.sheets import roster_store  # noqa: E402
from analytics.sheets.ingest import history, import_bytes, undo, write  # noqa: E402

WRITES = {"per_row": roster_rowwise, "set_based": roster_store}
inside: dict[str, float] = {"s": 0.0}


def timed(function: Callable) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            inside["s"] += time.perf_counter() - start

    return call


def use(name: str) -> None:
    write.apply_roster = timed(WRITES[name].apply_roster)  # type: ignore[attr-defined]
    history.undo_roster = timed(WRITES[name].undo_roster)  # type: ignore[attr-defined]


def moved_roster(content: bytes, moves: int, leavers: int, year: int) -> bytes:
    """The roster with `moves` people in another of its sections from 7月1日 and `leavers` people 离岗 on 8月1日."""
    rows = calamine.CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header, body = rows[0], [list(r) for r in rows[1:]]
    section = header.index("科室")
    sections = sorted({r[section] for r in body})
    picked = random.Random(11).sample(range(len(body)), moves + leavers)
    status, changed = [""] * len(body), [""] * len(body)
    for i in picked[:moves]:
        body[i][section] = sections[(sections.index(body[i][section]) + 1) % len(sections)]
        changed[i] = f"{year}-07-01"
    for i in picked[moves:]:
        status[i], changed[i] = "离岗", f"{year}-08-01"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "干部名单"
    sheet.append([*header, "状态", "调整日期"])
    for row, s, c in zip(body, status, changed):
        sheet.append([*row, s, c])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def step(out: dict, key: str, action: Callable[[], Any]) -> Any:
    inside["s"] = 0.0
    cpu, wall = time.process_time(), time.perf_counter()
    result = action()
    out.setdefault(key, []).append(
        {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "write": inside["s"]}
    )
    return result


def imported(con: Any, content: bytes, name: str, changes: bool = True) -> int | None:
    preview, batch = import_bytes(con, content, name)
    if changes and batch is None:
        raise SystemExit(f"{name} refused: {[p.text() for p in preview.errors][:3]}")
    return batch


def one_round(folder: Path, name: str, files: dict[str, bytes], scale: str | None, out: dict) -> None:
    roster, again, moves = files["roster"], files["again"], files["moves"]
    use(name)
    path = folder / f"{name}.duckdb"
    path.unlink(missing_ok=True)
    con = open_db(path)
    try:
        first = step(out, "first", lambda: imported(con, roster, "人员名单.xlsx"))
        step(out, "unchanged", lambda: imported(con, again, "人员名单（再次）.xlsx", changes=False))
        batch = step(out, "moves", lambda: imported(con, moves, "调动与离岗.xlsx"))
        step(out, "undo_moves", lambda: undo(con, batch))
        step(out, "undo_first", lambda: undo(con, first))
    finally:
        con.close()
    path.unlink(missing_ok=True)
    if scale:
        shutil.copyfile(scale, path)
        con = open_db(path)
        try:
            step(out, "scale_unchanged", lambda: imported(con, again, "人员名单（再次）.xlsx", changes=False))
            batch = step(out, "scale_moves", lambda: imported(con, moves, "调动与离岗.xlsx"))
            step(out, "scale_undo_moves", lambda: undo(con, batch))
        finally:
            con.close()
        path.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("roster")
    parser.add_argument("--scale")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    roster = Path(args.roster).read_bytes()
    folder = Path(tempfile.mkdtemp())
    with open_db(folder / "year.duckdb") as con:  # the campaign year the empty database's rules give
        year = con.execute("select max(effective_from) from rule_version").fetchone()[0].year
    # The same roster saved again (other bytes, the same people), and with the moves and leavers.
    files = {"roster": roster, "again": moved_roster(roster, 0, 0, year), "moves": moved_roster(roster, 200, 100, year)}
    runs: dict[str, dict] = {name: {} for name in WRITES}
    try:
        for name in WRITES:  # warm-up: the parsing child, imports, the first statement of each kind
            one_round(folder, name, files, None, {})
        for _ in range(args.rounds):
            for name in WRITES:
                one_round(folder, name, files, args.scale, runs[name])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result: dict[str, Any] = {"rounds": args.rounds}
    for name, steps in runs.items():
        result[name] = {
            key: {m: round(statistics.median(r[m] for r in rows), 3) for m in ("wall", "cpu", "write")}
            for key, rows in steps.items()
        }
    result["wall_ratio"] = {
        key: round(result["per_row"][key]["wall"] / max(result["set_based"][key]["wall"], 1e-9), 1)
        for key in result["per_row"]
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
