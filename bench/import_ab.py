"""Import A/B: two source trees (before and after a change) measured in turn, each in its own process, round by
round, as ratios to calamine's bare parse taken in that same process — on a loaded machine the ratio survives the
noise that swamps absolute times.

    git archive <commit> | tar -x -C /tmp/me/before          # the tree before the change
    python -m bench.import_ab /tmp/me/before . --scale /tmp/scale/full.duckdb --rounds 3

Each process parses the points file once with calamine (the warm-up), reads it once through the importer (starts
the parsing child), then twice: bare parse, import into an empty database (after its roster), import into a copy of
the scale database. Printed per tree: medians of the wall-clock ratios, and of this process's CPU time over the bare
parse's CPU time (the parsing child's CPU is not counted: what is left is decoding, checking and writing, and it
varies far less with the load than wall time). Files are written under a temporary folder; the scale database is
only copied."""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(tree: str, scale: str, repeat: int) -> dict:
    """Measure one tree in this process (started by main with the tree first on sys.path)."""
    sys.path.insert(0, tree)
    os.chdir(tree)
    import python_calamine as calamine

    from analytics import open_db
    from analytics.sheets import reader
    from analytics.sheets.ingest import import_bytes

    points = Path(scale.replace(".duckdb", "_points.xlsx")).read_bytes()
    roster = Path(scale.replace(".duckdb", "_roster.xlsx")).read_bytes()
    out: dict[str, list[float]] = {k: [] for k in ("cal", "empty", "scale", "cpu_cal", "cpu_empty", "cpu_scale")}

    def bare(key: str | None) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        calamine.CalamineWorkbook.from_filelike(io.BytesIO(points)).get_sheet_by_index(0).to_python()
        if key:
            out[key].append(time.perf_counter() - wall)
            out["cpu_" + key].append(time.process_time() - cpu)

    def imported(path: Path, key: str) -> None:
        db = open_db(path)
        try:
            if key == "empty":
                import_bytes(db, roster, "人员名单.xlsx")
            cpu, wall = time.process_time(), time.perf_counter()
            preview, batch = import_bytes(db, points, "加减分.xlsx")
            out[key].append(time.perf_counter() - wall)
            out["cpu_" + key].append(time.process_time() - cpu)
            if batch is None:
                raise RuntimeError(preview.errors[0].text() if preview.errors else "未导入")
        finally:
            db.close()

    bare(None)
    reader.read_file(points, "预热.xlsx")
    with tempfile.TemporaryDirectory(prefix="import_ab_") as tmp:
        for n in range(repeat):
            bare("cal")
            imported(Path(tmp) / f"empty{n}.duckdb", "empty")
            target = Path(tmp) / f"scale{n}.duckdb"
            shutil.copyfile(scale, target)
            imported(target, "scale")
            bare("cal")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--scale", default="/tmp/scale/full.duckdb")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(args.before, args.scale, 2)))
        return
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    ratios: dict[str, dict[str, list[float]]] = {k: {} for k in trees}
    for n in range(args.rounds):
        order = list(trees.items()) if n % 2 == 0 else list(reversed(trees.items()))
        for name, tree in order:
            run = subprocess.run(
                # By path: the tree measured before the change may not hold this file.
                [sys.executable, os.path.abspath(__file__), tree, tree, "--scale", args.scale, "--one"],
                capture_output=True,
                text=True,
                check=True,
                cwd=tree,
            )
            out = json.loads(run.stdout.strip().splitlines()[-1])
            cal, cpu = statistics.median(out["cal"]), statistics.median(out["cpu_cal"])
            into = ratios[name]
            into.setdefault("calamine_s", []).append(cal)
            for key in ("empty", "scale"):
                into.setdefault(f"{key}_s", []).extend(out[key])
                into.setdefault(f"{key}_ratio", []).extend(x / cal for x in out[key])
                into.setdefault(f"{key}_cpu_ratio", []).extend(x / cpu for x in out[f"cpu_{key}"])
        print(f"第 {n + 1}/{args.rounds} 轮", file=sys.stderr, flush=True)
    result = {name: {k: round(statistics.median(v), 3) for k, v in into.items()} for name, into in ratios.items()}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
