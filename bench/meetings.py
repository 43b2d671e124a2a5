"""Review-meeting speed on the demo year: the slides of each agenda, the PPTX deck of a month (goal ≤ 3 s), its PDF
through LibreOffice, and the 公示表 of a month with 10,000 score events (goal ≤ 3 s) and its PDF. Prints figures and
ratios to the goals; asserts nothing.

Run: python bench/meetings.py [--repeat 3] [--events 10000]"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analytics import open_db  # noqa: E402
from analytics.meetings import deck, posting, slides  # noqa: E402
from analytics.sheets.ingest import import_bytes  # noqa: E402
from demo import year as demo  # noqa: E402

DECK_GOAL = 3.0
POSTING_GOAL = 3.0
BIG_MONTH = "2023-01"  # outside the demo's months, so the posting holds only the generated events


def timed(fn, repeat: int) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def line(label: str, seconds: float, goal: float | None = None) -> None:
    ratio = f"  ({seconds / goal:.2f} × goal {goal:g} s)" if goal else ""
    print(f"{label:<44} {seconds:7.3f} s{ratio}")


def big_month(con, events: int) -> None:
    """Import `events` score events for BIG_MONTH through the real importer (one CSV)."""
    people = con.execute(
        """
        select p.name, s.name from person p
        join membership m on m.person_id = p.person_id and m.valid_to is null
        join section s using (section_id)
        order by p.person_id
        """
    ).fetchall()
    names = {}
    for name, section in people:
        names.setdefault(name, section)  # one row per name: the importer needs a section for same-named people
    rows = [["日期", "姓名", "科室", "考核内容", "分值", "事由"]]
    unique = list(names.items())
    for n in range(events):
        name, section = unique[n % len(unique)]
        rows.append([f"2023-01-{n % 28 + 1:02d}", name, section, "工作质量", 1 if n % 5 else -0.5, f"基准测试事由 {n}"])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    preview, batch = import_bytes(con, buffer.getvalue().encode("utf-8"), "基准测试.csv")
    if batch is None:
        raise SystemExit("基准数据导入失败：" + "; ".join(p.text() for p in preview.errors[:3]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        con = open_db(Path(folder) / "bench.duckdb")
        demo.load_demo(con)
        cur = con.cursor()
        print(f"Review meetings on the demo year (median of {args.repeat})")
        for agenda, period, kwargs in (
            ("month", "2022-06", {}),
            ("quarter", "2022Q2", {}),
            ("week", "2022-06-06", {"section": "组织科"}),
        ):
            seconds, _ = timed(lambda a=agenda, p=period, k=kwargs: slides.build(cur, a, p, **k), args.repeat)
            line(f"slides: {agenda} {period}", seconds)
        seconds, content = timed(lambda: deck.build_deck(slides.build(cur, "month", "2022-06")), args.repeat)
        line("deck: month 2022-06 (slides + PPTX)", seconds, DECK_GOAL)
        if deck.office():
            seconds, _ = timed(lambda: deck.to_pdf(content, ".pptx"), 1)
            line("deck PDF via LibreOffice", seconds)
        else:
            print("deck PDF via LibreOffice                      skipped: LibreOffice not installed")

        big_month(con, args.events)
        count = cur.execute("select count(*) from score_event where event_date >= '2023-01-01'").fetchone()[0]
        seconds, book = timed(lambda: posting.posting_xlsx(posting.posting_sheet(cur, BIG_MONTH)), args.repeat)
        line(f"posting xlsx: {count} events", seconds, POSTING_GOAL)
        if deck.office():
            seconds, _ = timed(lambda: deck.to_pdf(book, ".xlsx"), 1)
            line(f"posting PDF via LibreOffice: {count} events", seconds)
        con.close()


if __name__ == "__main__":
    main()
