"""The naive reading the overview is compared with: the overview's numbers computed from the raw rows with pandas (via
.df() as a typical app does, and via Arrow), and the bare openpyxl parse, both in a child process (`python -m
bench.naive`) so that their memory does not count as the app's."""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.measure import Samples, peak_rss_mb

ROOT = Path(__file__).resolve().parent.parent


def naive_overview(cur, facts: dict[str, Any], arrow: bool) -> dict[str, Any]:
    """The overview's numbers as a typical app would compute them: read the raw rows into pandas (.df(), or through
    Arrow) and reshape there — month net per section and person with each item's monthly cap applied, the year's
    monthly series per section, the month's top three and content leaders, the contents mix, headcount, task lights
    (closed / overdue as of the month's end) and participation of the month."""
    import numpy as np
    import pandas as pd

    def read(sql: str) -> pd.DataFrame:
        rel = cur.sql(sql)
        return rel.to_arrow_table().to_pandas() if arrow else rel.df()

    cur.complete()
    year, month = facts["year"], facts["month"]
    events = read("select * from score_event")
    items = read("select code, monthly_cap from rule_item where version_id = (select max(version_id) from rule_item)")
    members = read("select * from membership")
    people = read("select * from person")
    sections = read("select * from section")
    snapshots = read("select * from task_snapshot")
    attended = read("select * from participation")

    events["event_date"] = pd.to_datetime(events["event_date"])
    events = events[events["event_date"].dt.year == year]
    events["month"] = events["event_date"].dt.strftime("%Y-%m")
    caps = dict(zip(items["code"], items["monthly_cap"], strict=True))
    per_item = events.groupby(["month", "section_id", "person_id", "content", "item_code"], dropna=False)[
        "points"
    ].sum()
    per_item = per_item.reset_index()
    cap = per_item["item_code"].map(caps).astype(float)
    per_item["counted"] = np.where(cap.notna(), per_item["points"].clip(-cap, cap), per_item["points"])
    series = per_item.groupby(["month", "section_id"])["counted"].sum().unstack(fill_value=0.0)
    this = per_item[per_item["month"] == month]
    net = this.groupby("person_id")["counted"].sum().sort_values(ascending=False)
    top = net[net >= net.iloc[min(2, len(net) - 1)]] if len(net) else net
    by_content = this.groupby(["content", "person_id"])["counted"].sum()
    leaders = by_content[by_content == by_content.groupby("content").transform("max")]
    mix = this.groupby("content")[["points", "counted"]].sum()

    end = pd.Timestamp(facts["as_of"]) if month.endswith("-06") else pd.Timestamp(f"{month}-28")
    members["valid_from"] = pd.to_datetime(members["valid_from"])
    members["valid_to"] = pd.to_datetime(members["valid_to"])
    on_roster = members[(members["valid_from"] <= end) & (members["valid_to"].isna() | (members["valid_to"] >= end))]
    left = people.set_index("person_id")["left_on"]
    on_roster = on_roster[on_roster["person_id"].map(left).isna()]
    headcount = on_roster.groupby("section_id").size()

    snapshots["updated_on"] = pd.to_datetime(snapshots["updated_on"])
    live = snapshots[snapshots["superseded_by"].isna() & (snapshots["updated_on"] <= end)]
    latest = live.sort_values("updated_on").groupby("task_code").tail(1)
    closed = int((latest["progress"] >= 100).sum())
    overdue = int(((latest["progress"] < 100) & (pd.to_datetime(latest["due_date"]) < end)).sum())

    attended["event_date"] = pd.to_datetime(attended["event_date"])
    month_rows = attended[attended["event_date"].dt.strftime("%Y-%m") == month]
    active = month_rows.groupby("section_id")["person_id"].nunique()
    return {
        "series": series.shape,
        "net": float(net.sum()),
        "stars": len(top),
        "content_stars": len(leaders),
        "mix": len(mix),
        "headcount": int(headcount.sum()),
        "sections": len(sections),
        "tasks_closed": closed,
        "tasks_overdue": overdue,
        "people_active": int(active.sum()),
    }


def _child_main(argv: list[str]) -> None:
    """In a separate process, so that the naive reading's memory does not count as the app's: time the naive overview
    (.df() then Arrow) on a copy of the database and, when asked, the bare openpyxl parse; print one JSON line."""
    import io

    import duckdb

    db, facts_json, points = argv[0], argv[1], argv[2] if len(argv) > 2 else ""
    facts = json.loads(facts_json)
    facts["as_of"] = date.fromisoformat(facts["as_of"])
    con = duckdb.connect(db, read_only=True)
    out: dict[str, float] = {}
    for key, arrow in (("naive_df", False), ("naive_arrow", True)):
        t0 = time.perf_counter()
        naive_overview(con.cursor(), facts, arrow=arrow)
        out[key] = time.perf_counter() - t0
    if points:
        import pandas as pd

        content = Path(points).read_bytes()
        t0 = time.perf_counter()
        pd.read_excel(io.BytesIO(content), engine="openpyxl")
        out["openpyxl_parse"] = time.perf_counter() - t0
    out["child_peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def measure_in_child(samples: Samples, db: Path, facts: dict[str, Any], points: Path | None) -> None:
    import subprocess

    args = [sys.executable, "-m", "bench.naive", str(db), json.dumps(facts, default=str), str(points or "")]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        samples.errors["naive"] = run.stderr.strip().splitlines()[-1][:200] if run.stderr.strip() else "exit"
        return
    for key, value in json.loads(run.stdout.strip().splitlines()[-1]).items():
        samples.add(key, value)


if __name__ == "__main__":
    _child_main(sys.argv[1:])
