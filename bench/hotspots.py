"""Where the time goes, on a scale database: for a core function, its Python profile and each SQL statement it runs with
DuckDB's operator profile (time, rows, row groups scanned of those there are); for a page, its Python profile cold and
warm and "what if this were removed" runs that replace named callables with no-ops, measured interleaved with the page
as it is.

Run (on a copy; the scale file itself is never written):
  python bench/hotspots.py --scale /tmp/scale/full.duckdb --function flags.flag_history --function tasks.burnup
  python bench/hotspots.py --scale /tmp/scale/full.duckdb --page tasks --remove ui.work:gantt_chart:figure"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from bench.measure import Samples, function_cases, scale_facts  # noqa: E402
from bench.page_timing import Pages  # noqa: E402


class RecordingCursor:
    """A cursor that notes every statement (and its parameters) the function runs, then behaves as the real one."""

    def __init__(self, cur, log: list):
        self._cur = cur
        self.log = log

    def execute(self, sql, params=None):
        self.log.append((sql, params))
        self._cur.execute(sql, params) if params is not None else self._cur.execute(sql)
        return self

    def sql(self, sql, params=None, **rest):
        self.log.append((sql, params))
        return self._cur.sql(sql, params=params, **rest)

    def cursor(self):
        return RecordingCursor(self._cur.cursor(), self.log)

    def __getattr__(self, name):
        return getattr(self._cur, name)


def _operators(node: dict | list, out: list) -> None:
    if isinstance(node, list):
        for child in node:
            _operators(child, out)
        return
    if node.get("type"):
        out.append(
            (
                node.get("timing", 0.0),
                node["type"],
                node.get("intermediate_rows", 0),
                node.get("row_groups_scanned"),
                node.get("total_row_groups_to_scan"),
                "; ".join(f"{k}={str(v)[:60]}" for k, v in (node.get("extra_info") or {}).items() if v)[:160],
            )
        )
    for child in node.get("children", []):
        _operators(child, out)


def explain(con, sql: str, params, folder: Path) -> tuple[float, list]:
    """Run one statement with DuckDB's JSON profile; (seconds, operators slowest first)."""
    target = folder / "profile.json"
    cur = con.cursor()
    cur.execute("pragma enable_profiling = 'json'")
    cur.execute(f"pragma profiling_output = '{target}'")
    try:
        cur.execute(sql, params) if params is not None else cur.execute(sql)
        cur.fetchall()
    finally:
        cur.execute("pragma disable_profiling")
    data = json.loads(target.read_text())
    ops: list = []
    _operators(data.get("operator", {}), ops)
    return data.get("query", {}).get("total_time", 0.0), sorted(ops, key=lambda o: -o[0])


def python_profile(fn, top: int, threads: bool = False) -> str:
    """The cumulative profile of one call; with threads=True, of the threads it starts (AppTest runs the page script
    in its own thread, so profiling the caller would show only its waiting)."""
    profile = cProfile.Profile()
    if threads:

        def start(*_):
            sys.setprofile(None)
            profile.enable()

        threading.setprofile(start)
        try:
            fn()
        finally:
            threading.setprofile(None)
    else:
        profile.enable()
        fn()
        profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    return "\n".join(lines[: top + 8])


def profile_functions(db: Path, names: list[str], top: int, folder: Path) -> None:
    con = open_db(db)
    facts = scale_facts(con.cursor())
    log: list = []
    cases = function_cases(RecordingCursor(con.cursor(), log), facts)
    for name in names:
        fn = cases[name]
        fn()  # warm
        log.clear()
        samples = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        statements = list({(sql, json.dumps(p, default=str)): (sql, p) for sql, p in log}.values())
        print(f"\n=== {name}: {statistics.median(samples) * 1000:.0f} ms (median of 3), {len(statements)} statements")
        timed = []
        for sql, params in statements:
            if not sql.lstrip().lower().startswith(("select", "with")):
                continue
            seconds, ops = explain(con, sql, params, folder)
            timed.append((seconds, sql, ops))
        for seconds, sql, ops in sorted(timed, key=lambda t: -t[0])[:3]:
            head = " ".join(sql.split())[:200]
            print(f"  SQL {seconds * 1000:.0f} ms: {head}…")
            for timing, kind, rows, scanned, groups, info in ops[:6]:
                groups_text = f", row groups {scanned}/{groups}" if groups else ""
                print(f"      {timing * 1000:8.1f} ms  {kind:<22} {rows:>10,} rows{groups_text}  {info}")
        print(python_profile(fn, top))
    con.close()


REPLACEMENTS = {
    "none": lambda *a, **k: None,
    "figure": lambda *a, **k: __import__("plotly.graph_objects", fromlist=["Figure"]).Figure(),
    "first": lambda *a, **k: a[0] if a else None,
}


def _resolve(spec: str):
    """'module:callable[:none|figure|first]' → (module, attribute, replacement): what stands in for the removed part —
    nothing, an empty chart, or its first argument unchanged (e.g. a frame without its styling)."""
    module_name, attr, *mode = spec.split(":")
    module = __import__(module_name, fromlist=[attr])
    return module, attr, REPLACEMENTS[mode[0] if mode else "none"]


def profile_page(db: Path, page: str, removals: list[str], repeat: int, top: int) -> None:
    con = open_db(db)
    facts = scale_facts(con.cursor())
    con.close()
    pages = Pages(db, facts, None, only={page})
    if page not in pages.apps:
        raise SystemExit(f"{page}: {pages.broken.get(page, '没有这个页面')}")
    at = pages.apps[page]
    originals = {}
    for spec in removals:
        module, attr, stand_in = _resolve(spec)
        originals[spec] = (module, attr, getattr(module, attr), stand_in)

    def apply(removed: bool) -> None:
        for module, attr, original, stand_in in originals.values():
            setattr(module, attr, stand_in if removed else original)

    variants = {"as is": False} | ({"without " + ", ".join(removals): True} if removals else {})
    samples = Samples()
    for _ in range(repeat):
        for label, removed in variants.items():
            apply(removed)
            pages.bump()
            t0 = time.perf_counter()
            at.run()
            samples.add(f"{label}:cold", time.perf_counter() - t0)
            t0 = time.perf_counter()
            at.run()
            samples.add(f"{label}:warm", time.perf_counter() - t0)
            apply(False)
            if at.exception:
                raise SystemExit(f"{label}: {[e.value for e in at.exception][:1]}")
    print(f"\n=== page {page} (median of {repeat})")
    for label in variants:
        print(f"  {label:<50} cold {samples.median(f'{label}:cold'):.3f}s  warm {samples.median(f'{label}:warm'):.3f}s")
    pages.bump()
    print("\n--- cold run profile")
    print(python_profile(at.run, top, threads=True))
    print("\n--- warm run profile")
    print(python_profile(at.run, top, threads=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", required=True)
    parser.add_argument("--function", action="append", default=[])
    parser.add_argument("--page")
    parser.add_argument("--remove", action="append", default=[], help="module:callable replaced by a no-op")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="profile_") as tmp:
        folder = Path(tmp)
        db = folder / "work.duckdb"
        shutil.copyfile(args.scale, db)
        os.environ["DASHBOARD_DB"] = str(db)
        if args.function:
            profile_functions(db, args.function, args.top, folder)
        if args.page:
            profile_page(db, args.page, args.remove, args.repeat, args.top)


if __name__ == "__main__":
    main()
