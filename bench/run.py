"""The one benchmark: on a scale database (demo/scale/), in one run and interleaved round by round, the import of a
100,000-row points workbook (into an empty database and into a copy of the scale one) beside the bare calamine and
openpyxl parses, every core result function, every page of app.py's navigation cold and warm through AppTest beside an
empty page (and 每月公示 once more with its month published, in a child process), the overview's numbers computed naively from the raw rows with pandas (via .df() and via Arrow), the deck
and the posting once analytics.meetings exists, and the peak memory. Returns one object of medians and ratios
(`python -m analytics bench` prints it as a table, or as JSON with --json)."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import posting_ab
from bench.measure import Samples, function_cases, meetings_cases, peak_rss_mb, rss_mb, scale_facts
from bench.naive import measure_in_child
from bench.page_timing import Pages
from bench.report import ratio

ROOT = Path(__file__).resolve().parent.parent


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
    from analytics.results import rollup
    from analytics.rules import rulebook
    from analytics.sheets.ingest import import_bytes, undo
    from analytics.store.db import after_commit, transaction
    from demo import scale as generator

    skip = skip or set()
    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr, flush=True))

    def memory(phase: str) -> None:
        """Resident memory after each phase, always on stderr: which phase reaches the peak that is reported."""
        print(f"内存 {phase}：{rss_mb():,.0f} MB（峰值 {peak_rss_mb():,.0f} MB）", file=sys.stderr, flush=True)

    samples = Samples()
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
        facts = scale_facts(cur)
        points_path, roster_path = folder / "points.xlsx", folder / "roster.xlsx"
        say(f"写出 {rows:,} 行加减分导入文件…")
        rule_book, rule_from = generator.write_import_files(cur, points_path, roster_path, rows)
        points_bytes, roster_bytes = points_path.read_bytes(), roster_path.read_bytes()
        cases = {} if "functions" in skip else function_cases(cur, facts)
        person = cur.execute(
            "select person_id from score_event where strftime(event_date, '%Y-%m') = ? group by 1 "
            "order by sum(points) desc limit 1",
            [facts["month"]],
        ).fetchone()
        meetings = {} if "meetings" in skip else meetings_cases(work, facts, folder)
        naive_copy = folder / "naive.duckdb"
        shutil.copyfile(scale, naive_copy)

        def bare_calamine() -> None:
            book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(points_bytes))
            book.get_sheet_by_index(0).to_python()

        def import_into(target: Path, with_roster: bool) -> float:
            db = open_db(target)
            try:
                if with_roster:
                    # The empty database gets the rule book the rows were written from (the scale one has it).
                    with transaction(db) as write:
                        rulebook.save(write, rule_book, rule_from, "基准")
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

        month_con = None
        if "import" not in skip:
            # A clerk's monthly sheet (one section, one month) imported and undone in the work copy the pages read,
            # through a connection that brings the rollups up to date after each write as the app's does
            # (rollup.keep_current), their part timed on its own.
            month_bytes, _ = generator.month_file(cur)
            month_con = open_db(work)
            after_commit(
                month_con,
                lambda c: samples.time("month_rollups", lambda: rollup.bring_up_to_date(c.cursor())),
            )

        def month_file() -> None:
            t0 = time.perf_counter()
            preview, batch = import_bytes(month_con, month_bytes, "科室月报.xlsx")
            samples.add("month_import", time.perf_counter() - t0)
            if batch is None:
                raise RuntimeError(preview.errors[0].text() if preview.errors else "未导入")
            t0 = time.perf_counter()
            undo(month_con, batch)
            samples.add("month_undo", time.perf_counter() - t0)

        pages = None
        if "pages" not in skip:
            # The app opens the same file in this process: DuckDB shares one database instance between connections.
            say("准备页面（AppTest）…")
            pages = Pages(work, facts, person[0] if person else None)
        memory("准备完毕")
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
                if "month_file" not in samples.errors:
                    try:
                        month_file()
                    except Exception as exc:
                        samples.errors["month_file"] = str(exc)[:200]
                memory(f"第 {round_no + 1} 轮导入后")
            for name, fn in cases.items():
                if round_no == 0:
                    samples.time(f"warmup:{name}", fn)
                samples.time(f"fn:{name}", fn)
            memory(f"第 {round_no + 1} 轮规则函数后")
            if "naive" not in skip and "naive" not in samples.errors:
                parse = "import" not in skip and "openpyxl" not in skip and round_no < max(1, repeat // 2)
                measure_in_child(samples, naive_copy, facts, points_path if parse else None)
            if pages is not None:
                pages.empty_page(samples)
                pages.measure(samples, lambda key, n=round_no + 1: memory(f"第 {n} 轮页面 {key} 后"))
            for name, fn in meetings.items():
                samples.time(name, fn)
            if meetings:
                memory(f"第 {round_no + 1} 轮讲评与公示后")
        published = None
        if pages is not None and "posting" in pages.apps:
            # 每月公示 once the month is published (it then also takes objections): measured on a copy of its own in a
            # child process, since a published month stays published and the rounds above measure it as a draft.
            say("每月公示（已发布的月份，子进程）…")
            try:
                published = posting_ab.in_child(str(ROOT), scale, facts["month"], "published")
            except Exception as exc:
                samples.errors["page:posting_published"] = str(exc)[:200]
        if month_con is not None:
            month_con.close()
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
        # The clerk's monthly sheet into the work copy: the import and the undo, each with the rollups brought up to
        # date after it, and that part alone (what the first page after it would otherwise pay).
        "month_file_import_s": m("month_import"),
        "month_file_undo_s": m("month_undo"),
        "month_file_rollups_s": m("month_rollups"),
    }
    result["import_ratio_vs_calamine"] = ratio(result["import_s"], result["calamine_parse_s"])
    result["import_into_scale_ratio"] = ratio(result["import_into_scale_s"], result["import_s"])
    result["import_into_scale_vs_calamine"] = ratio(result["import_into_scale_s"], result["calamine_parse_s"])
    result["pages"] = {}
    if pages is not None:
        result["first_app_run_s"] = round(pages.first_app_s, 4)
        for key in pages.paths:
            cold, warm = m(f"page:{key}:cold"), m(f"page:{key}:warm")
            entry: dict[str, Any] = {"page_cold_s": cold, "page_warm_s": warm}
            if key in pages.broken:
                entry["error"] = pages.broken[key]
            result["pages"][key] = entry
        if published is not None:
            result["pages"]["posting_published"] = {
                "page_cold_s": round(published["cold_s"], 4),
                "page_warm_s": round(published["warm_s"], 4),
                "child_peak_rss_mb": round(published["peak_rss_mb"], 1),
            }
        if m("page:present_turn:cold") is not None:
            # 汇报模式 builds a topic when it is shown: its slowest page turn, first time round and second.
            result["pages"]["present_turn"] = {
                "page_cold_s": m("page:present_turn:cold"),
                "page_warm_s": m("page:present_turn:warm"),
            }
    overview = result["pages"].get("overview", {}).get("page_warm_s")
    result["overview_vs_naive_df"] = ratio(result["naive_df_s"], overview)
    result["overview_vs_naive_arrow"] = ratio(result["naive_arrow_s"], overview)
    result["functions"] = {name: m(f"fn:{name}") for name in cases}
    for name in meetings:
        result[f"{name}_s"] = m(name)
    result["errors"] = {k: v for k, v in samples.errors.items() if not k.startswith("warmup:")}
    # The app's process: imports, functions and pages. The naive reading and openpyxl ran in a child process.
    result["peak_rss_mb"] = peak_rss_mb()
    result["naive_child_peak_rss_mb"] = max(samples.values.get("child_peak_rss_mb", [0.0])) or None
    return result
