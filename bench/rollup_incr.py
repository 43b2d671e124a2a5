"""The points rollup's rebuild cost, on a copy: (a) a whole rebuild, (b) the rebuild after one month's events
changed (some of its rows edited in SQL, the data version bumped: only that month is recomputed), (c) the fingerprint
pass alone; with a points file, also (d) the rebuild after importing it through the real importer. Checks at the
end that the partially rebuilt tables equal a whole rebuild. Prints one JSON object.

    python bench/rollup_incr.py /tmp/scale/full.duckdb [REPEAT [POINTS_FILE]]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from analytics.results import rollup  # noqa: E402
from analytics.sheets.ingest import Options, import_bytes  # noqa: E402
from analytics.store.db import transaction  # noqa: E402

CHECKSUM = """
    select (select count(*) from points_rollup), (select sum(hash(#columns#)::hugeint) from points_rollup),
           (select count(*) from points_rollup_veto), (select sum(hash(#veto#)::hugeint) from points_rollup_veto)
"""


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main(scale: str, repeat: int, points_file: str | None = None) -> dict:
    folder = Path(tempfile.mkdtemp())
    work = folder / "db.duckdb"
    shutil.copyfile(scale, work)
    con = open_db(work)
    cur = con.cursor()
    try:
        load_before = os.getloadavg()
        events = cur.execute("select count(*) from score_event").fetchall()[0][0]
        first = timed(lambda: rollup.ready(cur))  # no fingerprints yet: a whole build
        whole = [timed(lambda: rollup.rebuild(cur, whole=True)) for _ in range(repeat)]
        prints = [timed(lambda: rollup.fingerprints(cur)) for _ in range(repeat)]
        months = sorted(rollup.stored_fingerprints(cur))
        partial, sizes = [], []
        for n in range(repeat):
            month = months[(len(months) // 2 + n) % len(months)]
            with transaction(con) as tx:
                # A re-import of part of one month: a tenth of its events get other points.
                tx.execute(
                    """
                    update score_event set points = points + 0.5
                    where event_date >= $start and event_date < $start + interval 1 month and fact_id % 10 = 0
                    """,
                    {"start": month},
                )
            partial.append(timed(lambda: rollup.ready(cur)))
            if rollup.last_rebuild != ([month], []):
                raise SystemExit(f"部分重建的月份不对：{rollup.last_rebuild}")
            sizes.append(
                cur.execute("select count(*) from points_rollup where month_start = ?", [month]).fetchall()[0][0]
            )
        imported: dict[str, object] = {}
        if points_file:
            path = Path(points_file)
            import_s = timed(lambda: import_bytes(con, path.read_bytes(), path.name, Options()))
            imported = {
                "import_s": round(import_s, 3),
                "after_import_rebuild_s": round(timed(lambda: rollup.ready(cur)), 3),
                "after_import_months": len(rollup.last_rebuild[0]),
            }
        sql = CHECKSUM.replace("#columns#", rollup.GRAIN_COLUMNS).replace("#veto#", rollup.VETO_COLUMNS)
        after_partial = cur.execute(sql).fetchall()[0]
        rollup.rebuild(cur, whole=True)
        identical = after_partial == cur.execute(sql).fetchall()[0]
        return {
            "events": events,
            "rollup_rows": after_partial[0],
            "months": len(months),
            "first_build_s": round(first, 3),
            "whole_rebuild_s": round(statistics.median(whole), 3),
            "one_month_rebuild_s": round(statistics.median(partial), 3),
            "one_month_rollup_rows": int(statistics.median(sizes)),
            "fingerprint_pass_s": round(statistics.median(prints), 3),
            **imported,
            "partial_equals_whole": identical,
            "load_before": [round(x, 1) for x in load_before],
            "load_after": [round(x, 1) for x in os.getloadavg()],
            "repeat": repeat,
        }
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    print(json.dumps(main(args[0], int(args[1]) if len(args) > 1 else 3, args[2] if len(args) > 2 else None)))
