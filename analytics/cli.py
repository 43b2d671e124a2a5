"""The command line: `python -m analytics …` imports files, manages batches and the demo, writes templates, and prints
the month's stars, the quarter's flags, task lights and arena results; it also runs the review meetings' commands,
accounts, backups and benchmarks. Honours DASHBOARD_DB. This module holds the command table and the entry point; the
commands themselves are in analytics/commands/, one module per group."""

from __future__ import annotations

import argparse
import sys

from analytics.commands import accounts as account_commands
from analytics.commands import meetings as meetings_cli
from analytics.commands import results as result_commands
from analytics.commands import sheets as sheet_commands
from analytics.errors import DashboardError


def cmd_bench_import(args: argparse.Namespace) -> int:
    from analytics.bench import run_import_bench

    run_import_bench(rows=args.rows, repeat=args.repeat)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="作风能力提升年 考核看板：命令行工具")
    parser.add_argument("--user", help="以哪个账号的身份操作（也可用环境变量 DASHBOARD_USER；默认为本机管理员）")
    sub = parser.add_subparsers(dest="command", required=True)
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--user", default=argparse.SUPPRESS, help="以哪个账号的身份操作（默认为本机管理员）")

    # The command table, in the order --help lists the commands: each group adds its own (see analytics/commands/).
    sheet_commands.register(sub, acting)  # import, batches, demo, template
    result_commands.register(sub)  # stars, flags, tasks, arena
    account_commands.register(sub, acting)  # users, backup, restore

    p = sub.add_parser("bench-import", help="导入速度基准：calamine / openpyxl / 完整导入")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(func=cmd_bench_import)
    meetings_cli.register(sub)

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
