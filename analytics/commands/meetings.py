"""Command-line commands of the review meetings: deck, posting, publish, correct, objections, diff and deputies."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from analytics.commands.common import acting, open_db
from analytics.errors import DashboardError


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    print(f"已写出 {path}（{len(content) // 1024} KB）")


def cmd_deck(args: argparse.Namespace) -> int:
    from analytics.meetings import deck, slides

    if sum(bool(x) for x in (args.month, args.quarter, args.week)) != 1:
        raise ValueError("请给出 --month、--quarter 或 --section 与 --week 中的一种")
    if args.week and not args.section:
        raise ValueError("科室周讲评须同时给出 --section 和 --week")
    con = open_db()
    agenda, period = (
        ("month", args.month) if args.month else ("quarter", args.quarter) if args.quarter else ("week", args.week)
    )
    meeting = slides.build(con.cursor(), agenda, period, deputy=args.deputy, section=args.section)
    content = deck.build_deck(meeting)
    out = Path(args.output or f"{meeting.file_stem}.pptx")
    _write(out, content)
    if args.pdf:
        _write(out.with_suffix(".pdf"), deck.to_pdf(content, ".pptx"))
    return 0


def cmd_posting(args: argparse.Namespace) -> int:
    from analytics.meetings import deck, posting

    con = open_db()
    sheet = posting.posting_sheet(con.cursor(), args.month, version=args.version, live=args.live)
    content = posting.posting_xlsx(sheet)
    out = Path(args.output or sheet.file_name)
    _write(out, content)
    if args.pdf:
        _write(out.with_suffix(".pdf"), deck.to_pdf(content, ".xlsx"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    con = open_db()
    version = publish.publish(con, args.month, acting(args, con))
    print(f"已发布 {version.month} 第 {version.version} 版公示，公示期 {version.window_text}")
    return 0


def cmd_open_correction(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    con = open_db()
    publish.open_correction(con, args.month, acting(args, con))
    print(f"{args.month} 已开始更正：现在可以导入或撤销该月的加减分，完成后请发布更正版本（correct）。")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    con = open_db()
    version = publish.correct(con, args.month, acting(args, con), args.reason)
    print(f"已发布 {version.month} 第 {version.version} 版公示（更正），公示期 {version.window_text}")
    return 0


def cmd_object(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    con = open_db()
    objection_id = publish.raise_objection(con, args.month, acting(args, con), args.text, fact_id=args.row, by=args.by)
    print(f"已登记异议 #{objection_id}")
    return 0


def cmd_reply(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    con = open_db()
    publish.answer_objection(con, args.id, acting(args, con), args.text, upheld=args.upheld)
    print(f"已答复异议 #{args.id}：{'异议成立' if args.upheld else '异议不成立'}")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from analytics.meetings import publish

    cur = open_db().cursor()
    found = publish.versions(cur, args.month)
    if len(found) < 2 and args.before is None:
        raise DashboardError(f"{args.month} 只有 {len(found)} 个公示版本，没有可比较的更正。")
    after = args.after or found[-1].version
    before = args.before or after - 1
    result = publish.diff(cur, args.month, before, after)
    if args.json:
        print(
            json.dumps(
                {
                    "month": result.month,
                    "before": before,
                    "after": after,
                    "counts": result.counts,
                    "rows": result.rows.drop(columns=["change_label"]).to_dict("records"),
                    "stars": result.stars.drop(columns=["change_label"]).to_dict("records"),
                },
                ensure_ascii=False,
                default=str,
            )
        )
        return 0
    print(
        f"{result.month} 第 {before} 版 → 第 {after} 版："
        + "，".join(f"{publish.CHANGE_LABELS[k]} {v} 行" for k, v in result.counts.items())
    )
    for row in result.rows.itertuples():
        print(f"  [{row.change_label}] {row.name}（{row.section}）{row.what}")
    for row in result.stars.itertuples():
        print(f"  [{row.change_label}] {row.name}（{row.section}）{row.award}")
    return 0


def cmd_deputies(args: argparse.Namespace) -> int:
    from analytics.meetings import deputies
    from analytics.store.db import transaction

    con = open_db()
    if args.set or args.reset:
        assignment: dict[str, list[str]] = {}
        for item in args.set or []:
            name, _, secs = item.partition("=")
            if not secs:
                raise ValueError(f"应写成 姓名=科室1,科室2，而不是“{item}”")
            assignment[name.strip()] = [s.strip() for s in secs.replace("，", ",").split(",") if s.strip()]
        with transaction(con) as cur:
            deputies.assign(cur, assignment, acting(args, con))
    cur = con.cursor()
    source = "已设置" if deputies.is_recorded(cur) else "按人员名单职务推定"
    print(f"分管部长与科室（{source}）：")
    for name, secs in deputies.deputies(cur).items():
        print(f"  {name}：{'、'.join(secs)}")
    return 0


def register(sub) -> None:
    """Add the meeting commands to the CLI's subparsers."""
    p = sub.add_parser("deck", help="讲评会 PPTX（可加 --pdf）")
    p.add_argument("--month", help="月度讲评，如 2022-03")
    p.add_argument("--deputy", help="月度讲评：分管部长姓名（不填为全部门）")
    p.add_argument("--quarter", help="季度讲评，如 2022Q1")
    p.add_argument("--section", help="科室周讲评：科室")
    p.add_argument("--week", help="科室周讲评：该周任一天，如 2022-03-07")
    p.add_argument("-o", "--output", help="输出文件，如 讲评.pptx")
    p.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 生成 PDF")
    p.set_defaults(func=cmd_deck)

    p = sub.add_parser("posting", help="每月公示表 xlsx（可加 --pdf）")
    p.add_argument("--month", required=True)
    p.add_argument("--version", type=int, help="已发布的第几版（默认最新版；未发布时为当前数据）")
    p.add_argument("--live", action="store_true", help="按当前数据生成（不用已发布的版本）")
    p.add_argument("-o", "--output")
    p.add_argument("--pdf", action="store_true")
    p.set_defaults(func=cmd_posting)

    p = sub.add_parser("publish", help="发布某月公示（第 1 版）")
    p.add_argument("--month", required=True)
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("open-correction", help="对已公示的月份开始更正（允许导入、撤销）")
    p.add_argument("--month", required=True)
    p.set_defaults(func=cmd_open_correction)

    p = sub.add_parser("correct", help="发布更正版本")
    p.add_argument("--month", required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_correct)

    p = sub.add_parser("object", help="登记异议")
    p.add_argument("--month", required=True)
    p.add_argument("--by", help="提出人（不填为执行命令的账号）")
    p.add_argument("--text", required=True)
    p.add_argument("--row", type=int, help="针对的公示记录编号（fact_id）")
    p.set_defaults(func=cmd_object)

    p = sub.add_parser("reply", help="答复异议")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--text", required=True)
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--upheld", action="store_true", help="异议成立")
    verdict.add_argument("--rejected", action="store_true", help="异议不成立")
    p.set_defaults(func=cmd_reply)

    p = sub.add_parser("diff", help="比较两个公示版本")
    p.add_argument("--month", required=True)
    p.add_argument("--before", type=int)
    p.add_argument("--after", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("deputies", help="分管部长与科室；--set 姓名=科室1,科室2")
    p.add_argument("--set", action="append", metavar="姓名=科室,科室")
    p.add_argument("--reset", action="store_true", help="清除设置，按人员名单职务推定")
    p.set_defaults(func=cmd_deputies)
