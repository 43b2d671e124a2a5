"""The command line: `python -m analytics …` imports files, manages batches and the demo, writes templates, and prints
the month's stars, the quarter's flags, task lights and arena results. Honours DASHBOARD_DB."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from analytics.errors import DashboardError
from analytics.sheets.kinds import KINDS


def _open():
    from analytics import open_db

    return open_db()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def cmd_import(args: argparse.Namespace) -> int:
    from analytics.sheets.ingest import Options, import_path

    con = _open()
    refused = False
    for name in args.files:
        path = Path(name)
        options = Options(
            kind=args.kind,
            uploader=args.uploader,
            mark_missing_left=args.mark_missing_left,
            rules_effective=date.fromisoformat(args.effective) if args.effective else None,
        )
        if not path.is_file():
            result = {
                "file": path.name,
                "ok": False,
                "kind": args.kind,
                "rows_imported": 0,
                "points_total": None,
                "errors": [{"sheet": "", "row": None, "column": None, "value": None, "message": f"找不到文件：{name}"}],
                "warnings": [],
            }
            refused = True
            _print_json(result) if args.json else print(f"✗ {name}：找不到文件")
            continue
        try:
            preview, batch_id = import_path(con, path, options, dry_run=args.dry_run)
        except DashboardError as exc:
            preview, batch_id = None, None
            message = exc.message
        if preview is None or not preview.ok:
            refused = True
        if args.json:
            if preview is None:
                _print_json(
                    {
                        "file": path.name,
                        "ok": False,
                        "kind": args.kind,
                        "rows_imported": 0,
                        "points_total": None,
                        "errors": [{"sheet": "", "row": None, "column": None, "value": None, "message": message}],
                        "warnings": [],
                    }
                )
            else:
                data = preview.as_json()
                if args.dry_run:
                    data["dry_run"] = True
                if batch_id is not None:
                    data["batch_id"] = batch_id
                _print_json(data)
            continue
        if preview is None:
            print(f"✗ {path.name}：{message}")
            continue
        status = "✓" if preview.ok else "✗"
        action = "预览（未写入）" if args.dry_run else (f"已导入，批次 #{batch_id}" if batch_id else "未导入")
        print(f"{status} {path.name}（{preview.kind_label}）：{action}")
        for line in preview.summary_lines():
            print(f"    {line}")
        for problem in preview.errors[:50]:
            print(f"    错误 {problem.text()}")
        if len(preview.errors) > 50:
            print(f"    …… 另有 {len(preview.errors) - 50} 处错误")
        for problem in preview.warnings[:20]:
            print(f"    提醒 {problem.text()}")
    return 1 if refused else 0


def cmd_batches(args: argparse.Namespace) -> int:
    from analytics.sheets.ingest import list_batches, undo

    con = _open()
    if args.undo is not None:
        result = undo(con, args.undo, args.user)
        if args.json:
            _print_json(result)
        else:
            removed = sum(result["removed"].values())
            print(f"已撤销批次 #{args.undo}：删除 {removed} 行，恢复被替换的任务快照 {result['restored_snapshots']} 条")
        return 0
    frame = list_batches(con.cursor())
    if args.json:
        _print_json(
            [
                {
                    "batch_id": int(r.batch_id),
                    "kind": r.kind,
                    "file_name": r.file_name,
                    "sha256": r.sha256,
                    "imported_at": r.imported_at,
                    "rows_imported": int(r.rows_imported),
                    "rows_replaced": int(r.rows_replaced),
                    "points_total": None if r.points_total != r.points_total else r.points_total,
                    "status": r.status,
                    "is_demo": bool(r.is_demo),
                }
                for r in frame.itertuples()
            ]
        )
        return 0
    if frame.empty:
        print("还没有导入记录。")
        return 0
    for r in frame.itertuples():
        state = "已撤销" if r.status == "undone" else "有效"
        demo = "（演示）" if r.is_demo else ""
        print(
            f"#{r.batch_id:<4} {r.imported_at:%Y-%m-%d %H:%M}  {state}  {r.kind:<14} {r.rows_imported:>7} 行  {r.file_name}{demo}"
        )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from demo import year as demo

    if args.out:
        written = demo.write_files(Path(args.out))
        print(f"已写出 {len(written)} 个演示文件到 {args.out}")
        return 0
    con = _open()
    if args.clear:
        count = demo.clear_demo(con)
        print(f"已清除演示数据（撤销 {count} 个批次）。")
        return 0
    if demo.demo_loaded(con.cursor()):
        print("演示数据已在库中；如需重新加载，请先运行 demo --clear。")
        return 0
    batches = demo.load_demo(con)
    print(f"已通过导入流程加载演示数据：{len(batches)} 个文件。")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from analytics.rules.rulebook import current
    from analytics.sheets.templates import build_template

    con = _open()
    Path(args.output).write_bytes(build_template(args.kind, current(con.cursor())))
    print(f"已写出{KINDS[args.kind].label}模板：{args.output}")
    return 0


def cmd_stars(args: argparse.Namespace) -> int:
    from analytics.results.stars import stars_json

    data = stars_json(_open().cursor(), args.month)
    if args.json:
        _print_json(data)
        return 0
    print(f"{data['month']} 每月摘星")
    for star in data["stars"]:
        print(
            f"  {star['award']:<8} 第{star['rank']}名  {star['name']}（{star['section']}） 净得分 {star['net_points']:g}"
        )
    if not data["stars"]:
        print("  本月没有人摘星。")
    for item in data["excluded"]:
        print(f"  未参评：{item['name']}：{item['reason']}")
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    from analytics.results.flags import flags_json

    data = flags_json(_open().cursor(), args.quarter)
    if args.json:
        _print_json(data)
        return 0
    print(f"{data['quarter']} 季度夺旗")
    for row in data["sections"]:
        print(f"  第{row['rank']}名  {row['section']:<8} {row['score']:.2f}")
    print(f"  流动红旗：{data['red_flag'] or '无'}    进步旗：{data['progress_flag'] or '无'}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from analytics.results.tasks import tasks_json

    as_of = args.as_of or date.today().isoformat()
    data = tasks_json(_open().cursor(), date.fromisoformat(as_of))
    if args.json:
        _print_json(data)
        return 0
    print(f"截至 {data['as_of']} 任务亮灯：" + "，".join(f"{k} {v}" for k, v in data["counts"].items()))
    for task in data["tasks"]:
        print(
            f"  [{task['light']}] {task['task_code']} {task['task_name']}（{task['section']}） 进度 {task['progress']:g}%"
        )
    return 0


def cmd_arena(args: argparse.Namespace) -> int:
    from analytics.results.arena import arena_json

    data = arena_json(_open().cursor())
    if args.json:
        _print_json(data)
        return 0
    for session in data["sessions"]:
        print(f"{session['date']} {session['arena']} {session.get('topic') or ''}")
        for row in session["results"]:
            print(f"  第{row['rank']}名 {row['name']}（{row['section']}） {row['final_mark']:.2f}  {row['method']}")
    return 0


def cmd_bench_import(args: argparse.Namespace) -> int:
    from analytics.bench import run_import_bench

    run_import_bench(rows=args.rows, repeat=args.repeat)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="作风能力提升年 考核看板：命令行工具")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="导入 Excel/CSV 文件")
    p.add_argument("files", nargs="+")
    p.add_argument("--kind", choices=sorted(KINDS), help="表格类型（不填则按表头自动识别）")
    p.add_argument("--dry-run", action="store_true", help="只检查、预览，不写入")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--uploader", default="命令行", help="导入人")
    p.add_argument("--mark-missing-left", action="store_true", help="人员名单：未出现在新名单中的人员标记为离岗")
    p.add_argument("--effective", help="加减分事项：生效日期，如 2022-07-01")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help="导入记录；--undo 撤销一个批次")
    p.add_argument("--undo", type=int, metavar="ID")
    p.add_argument("--user", default="命令行")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("demo", help="加载演示数据（2022 年）；--clear 清除")
    p.add_argument("--clear", action="store_true")
    p.add_argument("--out", help="只把演示文件写到这个目录，不导入")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("template", help="写出导入模板")
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("stars", help="每月摘星")
    p.add_argument("--month", required=True, help="如 2022-03")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stars)

    p = sub.add_parser("flags", help="季度夺旗")
    p.add_argument("--quarter", required=True, help="如 2022Q1")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser("tasks", help="任务亮灯")
    p.add_argument("--as-of", help="截至日期，如 2022-06-30（默认今天）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("arena", help="擂台成绩")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_arena)

    p = sub.add_parser("bench-import", help="导入速度基准：calamine / openpyxl / 完整导入")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(func=cmd_bench_import)

    from analytics.benchmark import register as register_scale_and_bench  # stdlib-only module: costs nothing

    register_scale_and_bench(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DashboardError as exc:
        print(f"{exc.title}：{exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"参数有误：{exc}", file=sys.stderr)
        return 2
