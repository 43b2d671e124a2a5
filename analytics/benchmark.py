"""The commands `scale` (the scale generator, demo/scale/) and `bench` (the one benchmark, bench/run.py): their
arguments and how they are run. The benchmark itself lives in bench/, outside the core, because it times pages through
Streamlit's AppTest; only the standard library is imported here, so registering the commands costs nothing."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    if str(ROOT) not in sys.path:  # bench/ sits beside analytics/ in the project's root
        sys.path.insert(0, str(ROOT))
    from bench.run import run

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
        from bench.report import print_table

        print_table(result)
    return 0
