"""The one benchmark: on a scale database (demo/scale.py), in one run and interleaved round by round, the import of a
100,000-row points workbook (into an empty database and into a copy of the scale one) beside the bare calamine and
openpyxl parses, every core result function, every page of app.py's navigation cold and warm through AppTest beside an
empty page, the overview's numbers computed naively from the raw rows with pandas (via .df() and via Arrow), the deck
and the posting once analytics.meetings exists, and the peak memory. Prints a table of medians and ratios; --json
prints one object.

Only the standard library is imported here, so registering the commands costs the command line nothing; streamlit is
imported inside the page measurement alone (the core never imports it at module level)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"


def register(sub) -> None:
    """Add `scale` (the generator) and `bench` (the benchmark) to the command line."""
    p = sub.add_parser("scale", help="生成规模测试数据库（默认 5000 人、100 个科室、36 个月）及导入基准用文件")
    p.add_argument("-o", "--output", required=True, help="新数据库文件路径（不得已存在）")
    p.add_argument("--people", type=int, default=5000)
    p.add_argument("--sections", type=int, default=100)
    p.add_argument("--months", type=int, default=36)
    p.add_argument("--fraction", default="1", help="按比例缩小人数与科室数，如 1/16、1/4")
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--xlsx-rows", type=int, default=100_000, help="导入基准用加减分表的行数；0 表示不写")
    p.set_defaults(func=_cmd_scale)

    p = sub.add_parser("bench", help="速度基准：导入、规则计算、页面冷/热运行、朴素 pandas 对照、内存")
    p.add_argument("--scale", help="规模数据库文件（不填则临时生成 --fraction 大小的一份）")
    p.add_argument("--fraction", default="1/16", help="未给 --scale 时临时生成的规模，如 1/16")
    p.add_argument("--rows", type=int, default=100_000, help="导入基准的加减分行数")
    p.add_argument("--repeat", type=int, default=5, help="每项测量的轮数（取中位数）")
    p.add_argument("--skip", default="", help="跳过的部分，逗号分隔：import,openpyxl,functions,naive,pages,meetings")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    p.set_defaults(func=_cmd_bench)


def _cmd_scale(args: argparse.Namespace) -> int:
    from demo import scale

    return scale.run_command(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    result = run(
        Path(args.scale) if args.scale else None,
        fraction=args.fraction,
        rows=args.rows,
        repeat=args.repeat,
        skip=skip,
        quiet=args.json,
    )
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_table(result)
    return 0


# Measurement -------------------------------------------------------------------------------------


@dataclass
class _Samples:
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


def page_paths() -> dict[str, str]:
    """The pages of app.py's navigation, key → script, read from app.py itself so a new page is measured too."""
    text = APP.read_text(encoding="utf-8")
    return dict(re.findall(r'page\(\s*"([^"]+)",\s*"([^"]+\.py)"', text))


def _peak_rss_mb() -> float:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024, 1)


def _scale_facts(cur) -> dict[str, Any]:
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


def _function_cases(cur, facts: dict[str, Any]) -> dict[str, Callable[[], Any]]:
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
    out["child_peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out))


def _in_child(samples: _Samples, db: Path, facts: dict[str, Any], points: Path | None) -> None:
    import subprocess

    args = [sys.executable, "-m", "analytics.benchmark", str(db), json.dumps(facts, default=str), str(points or "")]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if run.returncode:
        samples.errors["naive"] = run.stderr.strip().splitlines()[-1][:200] if run.stderr.strip() else "exit"
        return
    for key, value in json.loads(run.stdout.strip().splitlines()[-1]).items():
        samples.add(key, value)


class _Pages:
    """Every page of the navigation in its own AppTest, on the work copy; cold = the first run after the data version
    changes (bumped through the database, as an import would), warm = the next run."""

    QUERY_KEYS = ("year",)

    def __init__(self, db: Path, facts: dict[str, Any], person: int | None, only: set[str] | None = None):
        import os

        os.environ["DASHBOARD_DB"] = str(db)
        os.environ["DASHBOARD_DEMO"] = "off"
        from streamlit import logger
        from streamlit.testing.v1 import AppTest

        # AppTest outside a server warns on every run that it has no script context; the figures are what we print.
        logger.set_log_level("error")

        self.AppTest = AppTest
        self.db = db
        self.filters: dict[str, Any] = {"month": facts["month"], "quarter": facts["quarter"]}
        if person is not None:
            self.filters["person"] = person
        self.year = str(facts["year"])
        self.paths = page_paths()
        self.apps: dict[str, Any] = {}
        self.broken: dict[str, str] = {}
        t0 = time.perf_counter()
        AppTest.from_file(str(APP), default_timeout=600).run()
        self.first_app_s = time.perf_counter() - t0
        for key, path in self.paths.items():
            if only is not None and key not in only:
                continue
            if not (ROOT / path).exists():
                self.broken[key] = "页面文件不存在"
                continue
            try:
                self.apps[key] = self._open(key, path)
            except Exception as exc:
                self.broken[key] = f"{type(exc).__name__}: {str(exc)[:200]}"

    def _open(self, key: str, path: str):
        at = self.AppTest.from_file(str(APP), default_timeout=600)
        at.query_params["year"] = self.year
        at.run()
        if key != next(iter(self.paths)):
            at.switch_page(path)
            at.run()
        for name, value in self.filters.items():
            widgets = [w for w in at.selectbox if w.key == name]
            if widgets and not widgets[0].disabled and widgets[0].value != value and value in widgets[0].options:
                widgets[0].set_value(value)
            elif widgets and not widgets[0].disabled and widgets[0].value != value:
                try:
                    widgets[0].set_value(value)
                except Exception:
                    pass
        at.run()
        self._check(at, key)
        return at

    @staticmethod
    def _check(at, key: str) -> None:
        if at.exception:
            raise RuntimeError(f"{key}: {[e.value for e in at.exception][:1]}")

    def bump(self) -> None:
        from analytics import open_db
        from analytics.store.db import transaction

        con = open_db(self.db)
        with transaction(con):
            pass
        con.close()

    def measure(self, samples: _Samples) -> None:
        import streamlit as st

        for key, at in self.apps.items():
            if key in self.broken:
                continue
            self.bump()
            try:
                t0 = time.perf_counter()
                at.run()
                cold = time.perf_counter() - t0
                self._check(at, key)
                t0 = time.perf_counter()
                at.run()
                warm = time.perf_counter() - t0
                self._check(at, key)
            except Exception as exc:
                self.broken[key] = str(exc)[:200]
                continue
            samples.add(f"page:{key}:cold", cold)
            samples.add(f"page:{key}:warm", warm)
        # Entries of older data versions are dead weight the app would also drop in time; keep the memory honest.
        st.cache_data.clear()

    def empty_page(self, samples: _Samples) -> None:
        at = self.AppTest.from_string("import streamlit as st\n", default_timeout=60)
        at.run()
        t0 = time.perf_counter()
        at.run()
        samples.add("empty_page", time.perf_counter() - t0)


def _meetings_cases(db: Path, facts: dict[str, Any], folder: Path) -> dict[str, Callable[[], Any]]:
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


def run(
    scale: Path | None = None,
    *,
    fraction: str = "1/16",
    rows: int = 100_000,
    repeat: int = 5,
    skip: set[str] | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Measure everything, round by round, and return one object of medians and ratios."""
    import io

    import python_calamine as calamine

    from analytics import open_db
    from analytics.sheets.ingest import import_bytes
    from demo import scale as generator

    skip = skip or set()
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    samples = _Samples()
    with tempfile.TemporaryDirectory(prefix="bench_") as tmp:
        folder = Path(tmp)
        if scale is None:
            say(f"生成 {fraction} 规模数据库…")
            summary = generator.generate(
                folder / "scale.duckdb", fraction=generator.parse_fraction(fraction), xlsx_rows=None
            )
            scale = summary.path
        elif not scale.is_file():
            raise ValueError(f"找不到规模数据库：{scale}")
        work = folder / "work.duckdb"
        shutil.copyfile(scale, work)
        con = open_db(work)
        cur = con.cursor()
        facts = _scale_facts(cur)
        points_path, roster_path = folder / "points.xlsx", folder / "roster.xlsx"
        say(f"写出 {rows:,} 行加减分导入文件…")
        generator.write_import_files(cur, points_path, roster_path, rows)
        points_bytes, roster_bytes = points_path.read_bytes(), roster_path.read_bytes()
        cases = {} if "functions" in skip else _function_cases(cur, facts)
        person = cur.execute(
            "select person_id from score_event where strftime(event_date, '%Y-%m') = ? group by 1 "
            "order by sum(points) desc limit 1",
            [facts["month"]],
        ).fetchone()
        meetings = {} if "meetings" in skip else _meetings_cases(work, facts, folder)
        naive_copy = folder / "naive.duckdb"
        shutil.copyfile(scale, naive_copy)

        def bare_calamine() -> None:
            book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(points_bytes))
            book.get_sheet_by_index(0).to_python()

        def import_into(target: Path, with_roster: bool) -> float:
            db = open_db(target)
            try:
                if with_roster:
                    import_bytes(db, roster_bytes, "人员名单.xlsx")
                t0 = time.perf_counter()
                preview, batch = import_bytes(db, points_bytes, "加减分.xlsx")
                elapsed = time.perf_counter() - t0
                if batch is None:
                    raise RuntimeError(preview.errors[0].text() if preview.errors else "未导入")
                return elapsed
            finally:
                db.close()

        def import_empty() -> None:
            target = folder / "empty.duckdb"
            target.unlink(missing_ok=True)
            samples.add("import", import_into(target, True))
            target.unlink()

        def import_scale() -> None:
            target = folder / "scale_copy.duckdb"
            shutil.copyfile(scale, target)
            samples.add("import_into_scale", import_into(target, False))
            target.unlink()

        pages = None
        if "pages" not in skip:
            # The app opens the same file in this process: DuckDB shares one database instance between connections.
            say("准备页面（AppTest）…")
            pages = _Pages(work, facts, person[0] if person else None)
        for round_no in range(repeat):
            say(f"第 {round_no + 1}/{repeat} 轮…")
            if "import" not in skip:
                bare_calamine() if round_no == 0 else None  # the first parse pays for imports and page faults
                samples.time("calamine_parse", bare_calamine)
                if "import" not in samples.errors:
                    try:
                        import_empty()
                    except Exception as exc:
                        samples.errors["import"] = str(exc)[:200]
                if "import_into_scale" not in samples.errors:
                    try:
                        import_scale()
                    except Exception as exc:
                        samples.errors["import_into_scale"] = str(exc)[:200]
            for name, fn in cases.items():
                if round_no == 0:
                    samples.time(f"warmup:{name}", fn)
                samples.time(f"fn:{name}", fn)
            if "naive" not in skip and "naive" not in samples.errors:
                parse = "import" not in skip and "openpyxl" not in skip and round_no < max(1, repeat // 2)
                _in_child(samples, naive_copy, facts, points_path if parse else None)
            if pages is not None:
                pages.empty_page(samples)
                pages.measure(samples)
            for name, fn in meetings.items():
                samples.time(name, fn)
        con.close()

    m = samples.median
    result: dict[str, Any] = {
        "scale": str(scale),
        "rows": facts["rows"],
        "period": {"year": facts["year"], "month": facts["month"], "quarter": facts["quarter"]},
        "import_rows": rows,
        "repeat": repeat,
        "import_s": m("import"),
        "import_into_scale_s": m("import_into_scale"),
        "calamine_parse_s": m("calamine_parse"),
        "openpyxl_parse_s": m("openpyxl_parse"),
        "naive_df_s": m("naive_df"),
        "naive_arrow_s": m("naive_arrow"),
        "empty_page_s": m("empty_page"),
    }
    result["import_ratio_vs_calamine"] = _ratio(result["import_s"], result["calamine_parse_s"])
    result["import_into_scale_ratio"] = _ratio(result["import_into_scale_s"], result["import_s"])
    result["import_into_scale_vs_calamine"] = _ratio(result["import_into_scale_s"], result["calamine_parse_s"])
    result["pages"] = {}
    if pages is not None:
        result["first_app_run_s"] = round(pages.first_app_s, 4)
        for key in pages.paths:
            cold, warm = m(f"page:{key}:cold"), m(f"page:{key}:warm")
            entry: dict[str, Any] = {"page_cold_s": cold, "page_warm_s": warm}
            if key in pages.broken:
                entry["error"] = pages.broken[key]
            result["pages"][key] = entry
    overview = result["pages"].get("overview", {}).get("page_warm_s")
    result["overview_vs_naive_df"] = _ratio(result["naive_df_s"], overview)
    result["overview_vs_naive_arrow"] = _ratio(result["naive_arrow_s"], overview)
    result["functions"] = {name: m(f"fn:{name}") for name in cases}
    for name in meetings:
        result[f"{name}_s"] = m(name)
    result["errors"] = {k: v for k, v in samples.errors.items() if not k.startswith("warmup:")}
    # The app's process: imports, functions and pages. The naive reading and openpyxl ran in a child process.
    result["peak_rss_mb"] = _peak_rss_mb()
    result["naive_child_peak_rss_mb"] = max(samples.values.get("child_peak_rss_mb", [0.0])) or None
    return result


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


# Printing ----------------------------------------------------------------------------------------

GOALS = {"page_cold_s": 1.0, "page_warm_s": 0.25, "function_s": 0.1}


def _fmt(value: float | None, unit: str = "s") -> str:
    return "—" if value is None else f"{value:.3f}{unit}"


def print_table(r: dict[str, Any]) -> None:
    rows = r["rows"]
    print(
        f"规模：{rows['person']:,} 人，{rows['section']} 个科室，加减分 {rows['score_event']:,} 条，"
        f"参与 {rows['participation']:,} 条，任务快照 {rows['task_snapshot']:,} 条；"
        f"测量期间 {r['period']['month']} / {r['period']['quarter']}；每项 {r['repeat']} 轮取中位数"
    )
    print(f"\n导入 {r['import_rows']:,} 行加减分")
    print(f"  calamine 裸解析        {_fmt(r['calamine_parse_s']):>10}   1.00×")
    print(
        f"  openpyxl 裸解析        {_fmt(r['openpyxl_parse_s']):>10}   {_ratio(r['openpyxl_parse_s'], r['calamine_parse_s'])}×"
    )
    print(f"  完整导入（空库）       {_fmt(r['import_s']):>10}   {r['import_ratio_vs_calamine']}×  目标 ≤1.3×")
    print(
        f"  完整导入（规模库副本） {_fmt(r['import_into_scale_s']):>10}   {r['import_into_scale_vs_calamine']}×"
        f"  ÷空库 {r['import_into_scale_ratio']}×  目标 ≤1.4×"
    )
    if r["pages"]:
        print(f"\n{'页面':<12}{'冷启动':>10}{'热运行':>10}{'冷÷1.0s':>9}{'热÷0.25s':>10}")
        for key, e in r["pages"].items():
            if e.get("page_cold_s") is None:
                print(f"  {key:<12}（{e.get('error', '未测')[:60]}）")
                continue
            print(
                f"  {key:<12}{_fmt(e['page_cold_s']):>10}{_fmt(e['page_warm_s']):>10}"
                f"{e['page_cold_s'] / GOALS['page_cold_s']:>9.2f}{e['page_warm_s'] / GOALS['page_warm_s']:>10.2f}"
            )
        print(f"  {'空页面（下限）':<10}{'':>10}{_fmt(r['empty_page_s']):>10}")
    print(
        f"\n总览 vs 朴素 pandas：朴素 .df() {_fmt(r['naive_df_s'])}，朴素 Arrow {_fmt(r['naive_arrow_s'])}；"
        f"总览热运行快 {r['overview_vs_naive_df']}× / {r['overview_vs_naive_arrow']}×（目标 ≥10× / ≥3×）"
    )
    if r["functions"]:
        print(f"\n{'规则函数':<40}{'中位':>10}{'÷100ms':>8}")
        for name, s in sorted(r["functions"].items(), key=lambda kv: -(kv[1] or 0)):
            share = "" if s is None else f"{s / GOALS['function_s']:.2f}"
            print(f"  {name:<38}{_fmt(s):>10}{share:>8}")
    for name in ("deck_s", "posting_s"):
        if name in r:
            print(f"{name[:-2]}：{_fmt(r[name])}")
    print(f"\n峰值内存 {r['peak_rss_mb']} MB（目标 ≤1024 MB）")
    for key, text in r["errors"].items():
        print(f"出错 {key}：{text}")


if __name__ == "__main__":
    _child_main(sys.argv[1:])
