"""每月公示 page A/B: two source trees (before and after a change), each in its own process, round by round, run the
posting page through AppTest on a copy of the scale database, for a month not yet published (as the full benchmark
measures it) and the same month published (the page then also offers objections): cold (the first run after the data
version changes) and warm, the bytes of the tables the page sends, and the process's peak memory.

    git worktree add /tmp/me/before <commit>                  # the tree before the change
    python -m bench.posting_ab /tmp/me/before . --scale /tmp/scale/full.duckdb --rounds 3

Prints one JSON object: per tree and state, the medians, and after ÷ before."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def _high_water_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # no /proc: the process's own peak


def _one(tree: str, scale: str, month: str, published: bool) -> dict:
    """Measure one tree in this process (started by main with the tree first on sys.path)."""
    sys.path.insert(0, tree)
    os.chdir(tree)
    from analytics import open_db
    from analytics.accounts.roles import ADMIN, Actor
    from analytics.meetings import publish
    from bench.measure import Samples
    from bench.page_timing import Pages

    with tempfile.TemporaryDirectory(prefix="posting_ab_") as tmp:
        db = Path(tmp) / "work.duckdb"
        shutil.copyfile(scale, db)
        if published:
            con = open_db(db)
            publish.publish(con, month, Actor("管理员", ADMIN))
            con.close()
        year = int(month[:4])
        quarter = f"{year}Q{(int(month[5:7]) - 1) // 3 + 1}"
        pages = Pages(db, {"month": month, "quarter": quarter, "year": year}, None, only={"posting"})
        if pages.broken:
            raise RuntimeError(json.dumps(pages.broken, ensure_ascii=False))
        samples = Samples()
        for _ in range(3):
            pages.measure(samples)
        at = pages.apps["posting"]
        return {
            "cold_s": statistics.median(samples.values["page:posting:cold"]),
            "warm_s": statistics.median(samples.values["page:posting:warm"]),
            "table_bytes": sum(len(d.proto.SerializeToString()) for d in at.dataframe),
            # This process's own high-water mark: ru_maxrss would carry over the parent's from before the exec.
            "peak_rss_mb": _high_water_mb(),
        }


def in_child(tree: str, scale: str | Path, month: str, state: str) -> dict:
    """The posting page of ``tree`` for the month as a draft or published, measured in a child process (a
    published month stays published, so it is measured on a copy of its own); the one benchmark uses this too."""
    run = subprocess.run(
        # By path: the tree measured before the change may not hold this file.
        [sys.executable, os.path.abspath(__file__), tree, tree, "--scale", str(scale)]
        + ["--month", month, "--one", state],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--scale", default="/tmp/scale/full.duckdb")
    parser.add_argument("--month", default=None, help="公示月份，默认为规模库最后一年的 6 月")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", choices=("draft", "published"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.month is None:
        import duckdb

        con = duckdb.connect(args.scale, read_only=True)
        last = con.execute("select max(event_date) from score_event").fetchall()[0][0]
        con.close()
        args.month = f"{last.year}-06"
    if args.one:
        print(json.dumps(_one(args.before, args.scale, args.month, args.one == "published")))
        return
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    found: dict[str, dict[str, dict[str, list[float]]]] = {k: {} for k in trees}
    for n in range(args.rounds):
        order = list(trees.items()) if n % 2 == 0 else list(reversed(trees.items()))
        for name, tree in order:
            for state in ("draft", "published"):
                out = in_child(tree, args.scale, args.month, state)
                into = found[name].setdefault(state, {})
                for key, value in out.items():
                    into.setdefault(key, []).append(value)
        print(f"第 {n + 1}/{args.rounds} 轮", file=sys.stderr, flush=True)
    result: dict = {"month": args.month}
    for name, states in found.items():
        result[name] = {s: {k: round(statistics.median(v), 3) for k, v in d.items()} for s, d in states.items()}
    result["after_over_before"] = {
        s: {k: round(result["after"][s][k] / result["before"][s][k], 3) for k in result["after"][s]}
        for s in result["after"]
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
