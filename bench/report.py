"""The benchmark's table: medians beside the goals, printed from the one result object that --json prints."""

from __future__ import annotations

from typing import Any


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


GOALS = {"page_cold_s": 1.0, "page_warm_s": 0.25, "function_s": 0.1}


def _fmt(value: float | None, unit: str = "s") -> str:
    return "—" if value is None else f"{value:.3f}{unit}"


def _times(value: float | None) -> str:
    """A ratio as printed: 1.2×, or — when one side was not measured."""
    return "—" if value is None else f"{value}×"


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
        f"  openpyxl 裸解析        {_fmt(r['openpyxl_parse_s']):>10}   {_times(ratio(r['openpyxl_parse_s'], r['calamine_parse_s']))}"
    )
    print(f"  完整导入（空库）       {_fmt(r['import_s']):>10}   {_times(r['import_ratio_vs_calamine'])}  目标 ≤1.3×")
    print(
        f"  完整导入（规模库副本） {_fmt(r['import_into_scale_s']):>10}   {_times(r['import_into_scale_vs_calamine'])}"
        f"  ÷空库 {_times(r['import_into_scale_ratio'])}  目标 ≤1.4×"
    )
    if r.get("month_file_import_s") is not None:
        print(
            f"  科室月报（一个科室一个月）导入 {_fmt(r['month_file_import_s'])}，撤销 {_fmt(r['month_file_undo_s'])}"
            f"（各含导入、撤销后更新汇总表 {_fmt(r['month_file_rollups_s'])}）"
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
        f"总览热运行快 {_times(r['overview_vs_naive_df'])} / {_times(r['overview_vs_naive_arrow'])}（目标 ≥10× / ≥3×）"
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
