"""`python -m analytics scale …`: check the arguments, generate, print the summary."""

from __future__ import annotations

from demo.scale.database import generate
from demo.scale.plan import parse_fraction


def run_command(args) -> int:
    """`python -m analytics scale …` (the arguments are declared in analytics/benchmark.py)."""
    if not 1 <= args.months <= 120:
        raise ValueError("--months 应在 1 到 120 之间")
    if args.people < 8 or args.sections < 2:
        raise ValueError("--people 至少 8，--sections 至少 2")
    try:
        summary = generate(
            args.output,
            people=args.people,
            sections=args.sections,
            months=args.months,
            fraction=parse_fraction(args.fraction),
            seed=args.seed,
            xlsx_rows=args.xlsx_rows or None,
        )
    except FileExistsError as exc:
        raise ValueError(str(exc)) from exc
    for line in summary.lines():
        print(line)
    return 0
