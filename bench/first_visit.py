"""What the first visitor of a database file waits for: the app opened on a copy of the file (through AppTest, in a
fresh process, so the first run also loads the modules) and its overview run twice.

    python bench/first_visit.py /tmp/scale/full.duckdb      # prints one JSON object
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(source: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="first_visit_") as tmp:
        db = Path(tmp) / "copy.duckdb"
        shutil.copyfile(source, db)
        os.environ.update(DASHBOARD_DB=str(db), DASHBOARD_DEMO="off", DASHBOARD_DAILY_BACKUP="off")
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            at.run()
            times.append(round(time.perf_counter() - t0, 3))
            if at.exception:
                raise SystemExit(str(at.exception[0].value))
        return {"database": source, "first_run_s": times[0], "next_run_s": times[1]}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
