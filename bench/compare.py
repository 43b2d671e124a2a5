"""Side by side: the JSON of several `python -m analytics bench --json` runs (e.g. the three sizes, or before and after
a change) as one Markdown table, with the growth from the first to the last column and the goals.

Run: python bench/compare.py 1/16=/tmp/scale/bench_s16.json 1/4=/tmp/scale/bench_s4.json 全量=/tmp/scale/bench_full.json"""

from __future__ import annotations

import json
import sys
from pathlib import Path

GOALS = {
    "page_cold_s": "≤ 1.0 s",
    "page_warm_s": "≤ 0.25 s",
    "function": "≤ 0.1 s",
    "import_ratio_vs_calamine": "≤ 1.3×",
    "import_into_scale_vs_calamine": "≤ 1.4×",
    "overview_vs_naive_df": "≥ 10×",
    "overview_vs_naive_arrow": "≥ 3×",
    "peak_rss_mb": "≤ 1024",
    "deck_s": "≤ 5 s",
}


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def rows(runs: dict[str, dict]) -> list[tuple[str, list, str]]:
    first = next(iter(runs.values()))
    out: list[tuple[str, list, str]] = []
    for key in ("person", "section", "score_event", "participation", "task_snapshot"):
        out.append((f"行数 {key}", [r["rows"][key] for r in runs.values()], ""))
    for key in (
        "calamine_parse_s",
        "openpyxl_parse_s",
        "import_s",
        "import_into_scale_s",
        "import_ratio_vs_calamine",
        "import_into_scale_ratio",
        "import_into_scale_vs_calamine",
        "empty_page_s",
        "naive_df_s",
        "naive_arrow_s",
        "overview_vs_naive_df",
        "overview_vs_naive_arrow",
        "peak_rss_mb",
        "deck_s",
        "posting_s",
    ):
        if any(key in r for r in runs.values()):
            out.append((key, [r.get(key) for r in runs.values()], GOALS.get(key, "")))
    for page in first["pages"]:
        for kind in ("page_cold_s", "page_warm_s"):
            values = [r["pages"].get(page, {}).get(kind) for r in runs.values()]
            out.append((f"页面 {page} {kind[5:9]}", values, GOALS[kind]))
    for name in first["functions"]:
        out.append((f"函数 {name}", [r["functions"].get(name) for r in runs.values()], GOALS["function"]))
    return out


def markdown(runs: dict[str, dict]) -> str:
    labels = list(runs)
    lines = [
        f"| 项目 | {' | '.join(labels)} | {labels[-1]} ÷ {labels[0]} | 目标 |",
        "|---|" + "---|" * (len(labels) + 2),
    ]
    for name, values, goal in rows(runs):
        growth = ""
        if isinstance(values[0], int | float) and isinstance(values[-1], int | float) and values[0]:
            growth = f"{values[-1] / values[0]:.1f}×"
        lines.append(f"| {name} | {' | '.join(_cell(v) for v in values)} | {growth} | {goal} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    runs = {}
    for arg in argv:
        label, _, path = arg.partition("=")
        runs[label] = json.loads(Path(path).read_text(encoding="utf-8"))
    print(markdown(runs))


if __name__ == "__main__":
    main(sys.argv[1:])
