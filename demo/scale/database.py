"""Writing the scale data set into a new DuckDB file: the rule book, the roster, each fact table with its
import batches and lineage (batch, file, sheet, row), and the summary."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.rules import rulebook as rb
from analytics.store.db import Con, set_meta
from demo.scale.days import _as_date, _Calendar, _month_start
from demo.scale.facts import _arena, _participation, _score_events, _tasks
from demo.scale.people import _roster
from demo.scale.plan import QUARTER_WORDS, UPLOADER, Summary
from demo.scale.xlsx import import_file_paths, write_import_files


def _insert(cur: Con, table: str, frame: pd.DataFrame, columns: list[str]) -> None:
    names = ", ".join(columns)
    cur.register("scale_rows", frame[columns])
    try:
        cur.execute(f"insert into {table} ({names}) select {names} from scale_rows")
    finally:
        cur.unregister("scale_rows")


def _lineage(frame: pd.DataFrame, batch_of_month: dict[int, int], files: dict[int, str], sheet: str) -> pd.DataFrame:
    """Batch, file, sheet and row number (as the clerk sees it: the header is on row 2) for each fact row."""
    frame = frame.sort_values(["month", "day", "section_id", "person_id"] if "person_id" in frame else ["month", "day"])
    frame = frame.reset_index(drop=True)
    frame["batch_id"] = frame["month"].map(batch_of_month).astype("int32")
    frame["source_file"] = frame["batch_id"].map(files)
    frame["sheet"] = sheet
    frame["row_no"] = (frame.groupby("batch_id").cumcount() + 3).astype("int32")
    if "day" in frame and "event_date" not in frame:
        frame["event_date"] = _as_date(frame["day"].to_numpy())
    return frame


def generate(
    path: str | Path,
    people: int = 5000,
    sections: int = 100,
    months: int = 36,
    fraction: Fraction | float = 1,
    seed: int = 2022,
    xlsx_rows: int | None = 100_000,
) -> Summary:
    """Build the scale database at `path` (which must not exist yet) and, unless xlsx_rows is None, the import
    benchmark's points workbook (xlsx_rows rows) and roster workbook beside it."""
    from analytics import open_db

    t0 = time.perf_counter()
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"文件已存在：{path}")
    fraction = Fraction(fraction).limit_denominator(1000)
    people = max(8, int(people * fraction))
    sections = max(2, int(round(sections * fraction)))
    rng = np.random.default_rng(seed)
    cal = _Calendar(months)
    con = open_db(path)
    cur = con.cursor()
    book = rb.current(cur)
    roster = _roster(rng, people, sections, cal)
    events = _score_events(rng, book, roster, cal)
    attended = _participation(rng, book, roster, cal)
    snapshots = _tasks(rng, book, roster, cal)
    marks = _arena(rng, book, roster, cal)

    # Batches in the order the clerks would have uploaded them: each month's roster changes (the first month and each
    # quarter start), then the month's points, participation, task updates and (at mid-quarter) arena marks.
    batches = []
    batch_of: dict[str, dict[int, int]] = {k: {} for k in ("roster", "points", "participation", "tasks", "arena")}
    files: dict[int, str] = {}
    roster_months = sorted({0, *roster.moves["month"].tolist(), *roster.person["join_month"].tolist(),
                            *[m for m in roster.person["leave_month"].tolist() if m < months]})  # fmt: skip
    arena_months = set(marks["month"].tolist()) if len(marks) else set()
    for m in range(months):
        start = _month_start(m)
        label = f"{start.year}年{start.month}月"
        for kind, name, present in (
            ("roster", f"人员名单（{label}调整）.xlsx" if m else "人员名单.xlsx", m in roster_months),
            ("points", f"{label}加减分情况.xlsx", True),
            ("participation", f"{label}学习活动参与情况.xlsx", True),
            ("tasks", f"任务台账推进情况（{label}）.xlsx", True),
            ("arena", f"{start.year}年第{QUARTER_WORDS[(start.month - 1) // 3]}季度擂台评分.xlsx", m in arena_months),
        ):
            if not present:
                continue
            batch_id = len(batches) + 1
            batch_of[kind][m] = batch_id
            files[batch_id] = name
            imported = datetime.combine(start, datetime.min.time()) + timedelta(
                days=33 if kind != "roster" else 0, hours=10
            )
            batches.append((batch_id, kind, name, m, imported))

    events = _lineage(events, batch_of["points"], files, "加减分")
    attended = _lineage(attended, batch_of["participation"], files, "学习活动")
    snapshots = _lineage(snapshots, batch_of["tasks"], files, "推进台账")
    if len(marks):
        marks = _lineage(marks.assign(section_id=0), batch_of["arena"], files, "擂台评分")
    # About 1% of task updates were reported again, corrected, in the next month's file: the old row is superseded.
    redo = snapshots[(rng.random(len(snapshots)) < 0.01) & (snapshots["month"] < months - 1)].copy()
    redo["progress"] = np.minimum(100.0, redo["progress"] + 5)
    redo["latest_note"] = redo["latest_note"] + "（更正）"
    redo["superseded_by"] = None
    snapshots["superseded_by"] = pd.array([None] * len(snapshots), dtype="Int32")
    later = (redo["month"] + 1).map(batch_of["tasks"]).astype("int32")
    snapshots.loc[redo.index, "superseded_by"] = later.to_numpy()
    redo["batch_id"] = later
    redo["source_file"] = redo["batch_id"].map(files)
    last_row = snapshots.groupby("batch_id")["row_no"].max()
    redo["row_no"] = (redo["batch_id"].map(last_row) + redo.groupby("batch_id").cumcount() + 1).astype("int32")
    snapshots = pd.concat([snapshots, redo], ignore_index=True)

    person = roster.person.copy()
    first_member = roster.memberships.groupby("person_id")["from_month"].min()
    person["batch_id"] = person["person_id"].map(first_member).map(batch_of["roster"]).astype("int32")
    person["source_file"] = person["batch_id"].map(files)
    person["sheet"] = "干部名单"
    person["row_no"] = (person.groupby("batch_id").cumcount() + 3).astype("int32")
    person.loc[person["left_on"].isna(), "left_on"] = None
    members = roster.memberships.copy()
    members["batch_id"] = members["from_month"].map(batch_of["roster"]).astype("int32")
    members["source_file"] = members["batch_id"].map(files)
    members["sheet"] = "干部名单"
    members["row_no"] = (members.groupby("batch_id").cumcount() + 3).astype("int32")

    totals = {
        "points": events.groupby("batch_id")["points"].agg(["size", "sum"]),
        "participation": attended.groupby("batch_id")["person_id"].agg(["size"]),
        "tasks": snapshots.groupby("batch_id")["task_code"].agg(["size"]),
        "arena": marks.groupby("batch_id")["mark"].agg(["size"]) if len(marks) else pd.DataFrame(),
        "roster": members.groupby("batch_id")["person_id"].agg(["size"]),
    }
    replaced = snapshots.dropna(subset=["superseded_by"]).groupby("superseded_by").size()
    batch_frame = pd.DataFrame(
        [
            {
                "batch_id": b,
                "kind": kind,
                "file_name": name,
                "sha256": hashlib.sha256(f"scale:{seed}:{fraction}:{name}".encode()).hexdigest(),
                "sheets": [
                    {
                        "roster": "干部名单",
                        "points": "加减分",
                        "participation": "学习活动",
                        "tasks": "推进台账",
                        "arena": "擂台评分",
                    }[kind]
                ],  # fmt: skip
                "uploader": UPLOADER,
                "imported_at": at,
                "rows_imported": int(totals[kind]["size"].get(b, 0)) if len(totals[kind]) else 0,
                "rows_replaced": int(replaced.get(b, 0)) if kind == "tasks" else 0,
                "rows_skipped": 0,
                "points_total": round(float(totals["points"]["sum"].get(b, 0.0)), 4) if kind == "points" else None,
                "status": "committed",
                "is_demo": False,
                "summary": json.dumps({"lines": [f"规模数据：{name}"]}, ensure_ascii=False),
            }
            for b, kind, name, m, at in batches
        ]
    )
    sections_frame = pd.DataFrame(
        {
            "section_id": np.arange(1, sections + 1),
            "name": roster.section_names,
            "sort_order": np.arange(1, sections + 1),
        }
    )
    changes = [(batch_of["roster"][0], "section", None, int(s), None) for s in sections_frame["section_id"]]
    changes += [(int(r.batch_id), "insert", int(r.person_id), None, None) for r in person.itertuples()]
    # Moves and leavers are journalled as apply_roster does: the person's fields and open membership before.
    by_person = person.set_index("person_id")
    spans = members.sort_values(["person_id", "from_month"])
    for r in roster.moves.itertuples():
        p = by_person.loc[r.person_id]
        before_span = spans[(spans["person_id"] == r.person_id) & (spans["from_month"] < r.month)].iloc[-1]
        before = {"name": p["name"], "staff_no": p["staff_no"], "title": p["title"], "category": p["category"],
                  "left_on": None, "open_section": int(r.from_section),
                  "open_from": before_span["valid_from"].isoformat()}  # fmt: skip
        changes.append((batch_of["roster"][r.month], "update", int(r.person_id), None, json.dumps(before, ensure_ascii=False)))  # fmt: skip
    for r in person[person["leave_month"] < months].itertuples():
        span = spans[(spans["person_id"] == r.person_id) & (spans["from_month"] < r.leave_month)].iloc[-1]
        before = {"name": r.name, "staff_no": r.staff_no, "title": r.title, "category": r.category, "left_on": None,
                  "open_section": int(span["section_id"]), "open_from": span["valid_from"].isoformat()}  # fmt: skip
        changes.append((batch_of["roster"][r.leave_month], "update", int(r.person_id), None, json.dumps(before, ensure_ascii=False)))  # fmt: skip
    change_frame = pd.DataFrame(changes, columns=["batch_id", "action", "person_id", "section_id", "before_json"])
    change_frame = change_frame.drop_duplicates(["batch_id", "action", "person_id", "section_id"])

    cur.execute("begin")
    try:
        _insert(cur, "import_batch", batch_frame, list(batch_frame.columns))
        _insert(cur, "section", sections_frame, list(sections_frame.columns))
        _insert(cur, "person", person, ["person_id", "name", "staff_no", "title", "category", "left_on", "batch_id",
                                        "source_file", "sheet", "row_no"])  # fmt: skip
        _insert(cur, "membership", members, ["person_id", "section_id", "valid_from", "valid_to", "batch_id",
                                             "source_file", "sheet", "row_no"])  # fmt: skip
        _insert(cur, "roster_change", change_frame, list(change_frame.columns))
        lineage = ["batch_id", "source_file", "sheet", "row_no"]
        _insert(cur, "score_event", events, lineage + ["event_date", "person_id", "section_id", "content", "item_code",
                                                       "points", "reason", "evidence", "recorder", "veto_flag"])  # fmt: skip
        _insert(cur, "participation", attended, lineage + ["event_date", "person_id", "section_id", "activity", "title",
                                                           "role", "hours"])  # fmt: skip
        _insert(cur, "task_snapshot", snapshots, lineage + ["task_code", "task_name", "ledger", "section_id",
                "owner_name", "owner_person_id", "start_date", "due_date", "progress", "stage", "latest_note",
                "updated_on", "superseded_by"])  # fmt: skip
        if len(marks):
            _insert(
                cur,
                "arena_mark",
                marks,
                lineage + ["event_date", "arena", "topic", "contestant_id", "judge_id", "mark"],
            )
        # Later roster imports draw ids from the sequences: move them past the ids written here.
        cur.execute("select max(nextval('seq_person')) from range(?)", [people]).fetchall()
        cur.execute("select max(nextval('seq_section')) from range(?)", [sections]).fetchall()
        set_meta(cur, "data_version", "1")
        set_meta(cur, "scale_generator", json.dumps({"people": people, "sections": sections, "months": months,
                                                     "fraction": str(fraction), "seed": seed}))  # fmt: skip
        cur.execute("commit")
    except BaseException:
        cur.execute("rollback")
        raise
    # The rollups the pages read, built now as the app's first reader would: the file is ready to serve, and its
    # first visitor does not wait for them.
    from analytics.results import rollup

    rollups = rollup.bring_up_to_date(cur)
    cur.execute("checkpoint")
    summary = Summary(path, people, sections, months, seconds=0.0, rollups=rollups)
    for table in ("score_event", "participation", "task_snapshot", "arena_mark", "membership", "import_batch"):
        summary.rows[table] = cur.execute(f"select count(*) from {table}").fetchone()[0]
    if xlsx_rows:
        summary.points_xlsx, summary.roster_xlsx = import_file_paths(path)
        write_import_files(cur, summary.points_xlsx, summary.roster_xlsx, xlsx_rows, seed)
    con.close()
    summary.seconds = time.perf_counter() - t0
    return summary
