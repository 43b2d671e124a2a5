"""Commands that print results: the month's stars, the quarter's flags, task lights and arena results (--json for
one JSON object)."""

from __future__ import annotations

import argparse
from datetime import date

from analytics.commands.common import open_db, print_json


def register(sub) -> None:
    """Add stars, flags, tasks and arena to the CLI's subparsers."""
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


def cmd_stars(args: argparse.Namespace) -> int:
    from analytics.results.stars import stars_json

    data = stars_json(open_db().cursor(), args.month)
    if args.json:
        print_json(data)
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

    data = flags_json(open_db().cursor(), args.quarter)
    if args.json:
        print_json(data)
        return 0
    print(f"{data['quarter']} 季度夺旗")
    for row in data["sections"]:
        print(f"  第{row['rank']}名  {row['section']:<8} {row['score']:.2f}")
    print(f"  流动红旗：{data['red_flag'] or '无'}    进步旗：{data['progress_flag'] or '无'}")
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from analytics.results.tasks import tasks_json

    as_of = args.as_of or date.today().isoformat()
    data = tasks_json(open_db().cursor(), date.fromisoformat(as_of))
    if args.json:
        print_json(data)
        return 0
    print(f"截至 {data['as_of']} 任务亮灯：" + "，".join(f"{k} {v}" for k, v in data["counts"].items()))
    for task in data["tasks"]:
        print(
            f"  [{task['light']}] {task['task_code']} {task['task_name']}（{task['section']}） 进度 {task['progress']:g}%"
        )
    return 0


def cmd_arena(args: argparse.Namespace) -> int:
    from analytics.results.arena import arena_json

    data = arena_json(open_db().cursor())
    if args.json:
        print_json(data)
        return 0
    for session in data["sessions"]:
        print(f"{session['date']} {session['arena']} {session.get('topic') or ''}")
        for row in session["results"]:
            print(f"  第{row['rank']}名 {row['name']}（{row['section']}） {row['final_mark']:.2f}  {row['method']}")
    return 0
