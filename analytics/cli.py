"""The command line: `python -m analytics …` imports files, manages batches and the demo, writes templates, and prints
the month's stars, the quarter's flags, task lights and arena results. Honours DASHBOARD_DB."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from analytics.errors import DashboardError
from analytics.meetings import cli as meetings_cli
from analytics.sheets.kinds import KINDS


def _open():
    from analytics import open_db

    return open_db()


def _actor(args: argparse.Namespace, con):
    """Who the command acts as: the account named by --user or $DASHBOARD_USER (its role applies, so a clerk's
    section limits hold here too), else the local administrator. Whoever can run commands on the server can read and
    replace the database file itself, so asking them for a password would protect nothing; the audit log still names
    the operating-system user."""
    from analytics.accounts.roles import ADMIN, Actor, PermissionDenied
    from analytics.accounts.users import actor_of

    name = getattr(args, "user", None) or os.environ.get("DASHBOARD_USER")
    if not name:
        return Actor(f"本机管理员（{_os_user()}）", ADMIN, ip="命令行")
    cur = con.cursor()
    try:
        actor = actor_of(cur, name, ip="命令行")
    finally:
        cur.close()
    if actor is None:
        raise PermissionDenied(f"没有名为“{name}”的可用账号（--user 或 DASHBOARD_USER）。可用 users list 查看账号。")
    return actor


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "未知用户"


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))


def _refused(file_name: str, kind: str | None, message: str) -> dict:
    """The JSON result of a file that was not read at all."""
    error = {"sheet": "", "row": None, "column": None, "value": None, "message": message}
    return {
        "file": file_name,
        "ok": False,
        "kind": kind,
        "rows_imported": 0,
        "points_total": None,
        "errors": [error],
        "warnings": [],
        "sheets": [],
        "columns": [],
        "skipped": [],
        "roster_changes": [],
        "questions": [],
    }


def cmd_import(args: argparse.Namespace) -> int:
    from analytics.sheets.ingest import Options, import_path

    try:
        con = _open()
    except DashboardError as exc:
        # --json promises one JSON result a file, also when the database cannot be opened (busy, damaged).
        if not args.json:
            raise
        for name in args.files:
            _print_json(_refused(Path(name).name, args.kind, exc.message))
        return 1
    actor = _actor(args, con)
    refused = False
    choices = _choices(args.map or [])
    for name in args.files:
        path = Path(name)
        options = Options(
            kind=args.kind,
            uploader=actor.name,
            mark_missing_left=args.mark_missing_left,
            rules_effective=date.fromisoformat(args.effective) if args.effective else None,
            decisions=_decisions(args.decide or []),
            same_name=args.same_name,
            columns=choices,
            use_remembered=not args.no_remembered,
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
            preview, batch_id = import_path(con, path, options, dry_run=args.dry_run, actor=actor)
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
        for change in preview.roster_changes[:200]:
            where = "→".join(x for x in (change.get("from"), change.get("to")) if x)
            print(f"    名单变化 {change['action']} {change['name']} {where}".rstrip())
        for q in preview.questions:
            print(
                f"    待确认 「{q['sheet']}」第 {q['row']} 行 {q['name']}：移动或新增同名人员？"
                f"用 --decide '{q['sheet']}:{q['row']}=move'（或 =new）指定，或 --same-name move|new 全部指定"
            )
        for step in preview.matching:
            _print_matching(step)
        for problem in preview.errors[:50]:
            print(f"    错误 {problem.text()}")
        if len(preview.errors) > 50:
            print(f"    …… 另有 {len(preview.errors) - 50} 处错误")
        for problem in preview.warnings[:20]:
            print(f"    提醒 {problem.text()}")
    return 1 if refused else 0


def _choices(items: list[str]) -> dict:
    """--map '表头=字段[:负|正]' or '表头=忽略': the column matching step on the command line."""
    from analytics.sheets.mapping import MappingError, parse_choices

    try:
        return parse_choices(items)
    except MappingError as exc:
        raise SystemExit(f"--map：{exc.message}") from exc


def _print_matching(step: dict) -> None:
    """The column matching of one sheet: changed, near or rule-bound columns, unused ones, and what is missing."""
    if step["remembered"]:
        print(f"    「{step['sheet']}」按上次确认的对应关系读取各列")
    for column in step["columns"]:
        plain = column["how"] in ("完全一致", "同义词") and not column["rule"]
        if plain or column["how"] == "序号列":
            continue
        field = column["field"] or "（不导入）"
        rule = f"，{column['rule']}" if column["rule"] else ""
        print(f"    列 「{step['sheet']}」{column['header']} → {field}（{column['how']}{rule}）")
    for missing in step["missing"]:
        print(
            f"    缺少 「{step['sheet']}」{missing['field']}：{missing['meaning']}。"
            f"可用 --map '表头={missing['field'].split(' 或 ')[0]}' 指定由哪一列读取"
        )


_DECISION_WORDS = {"move": "move", "移动": "move", "new": "new", "新增": "new", "新增同名人员": "new"}


def _decisions(items: list[str]) -> dict[tuple[str, int], str]:
    """--decide 'SHEET:ROW=move|new' (移动 / 新增同名人员), one per ambiguous roster row."""
    out = {}
    for item in items:
        place, _, choice = item.rpartition("=")
        sheet, _, row = place.rpartition(":")
        if not sheet or not row.isdigit() or choice.strip() not in _DECISION_WORDS:
            raise SystemExit(f"--decide 的写法应为 工作表:行号=move 或 =new，例如 人员名单:5=move（收到：{item}）")
        out[(sheet, int(row))] = _DECISION_WORDS[choice.strip()]
    return out


def cmd_batches(args: argparse.Namespace) -> int:
    from analytics.sheets.ingest import list_batches, undo

    con = _open()
    if args.undo is not None:
        result = undo(con, args.undo, actor=_actor(args, con))
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
                    "uploader": r.uploader,
                    "undone_by": r.undone_by,
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
            f"  导入人：{r.uploader or '—'}"
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
        count = demo.clear_demo(con, actor=_actor(args, con))
        print(f"已清除演示数据（撤销 {count} 个批次）。")
        return 0
    if demo.demo_loaded(con.cursor()):
        print("演示数据已在库中；如需重新加载，请先运行 demo --clear。")
        return 0
    batches = demo.load_demo(con, actor=_actor(args, con))
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


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码：")
    if getpass.getpass("再输入一次：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from analytics.accounts import users
    from analytics.accounts.roles import ROLES

    con = _open()
    if args.action == "list":
        frame = users.list_accounts(con.cursor())
        rows = [
            {
                "name": r.name,
                "role": r.role,
                "sections": list(r.sections) if r.sections is not None else [],
                "disabled": bool(r.disabled),
                "locked_until": None if r.locked_until is None or r.locked_until != r.locked_until else r.locked_until,
            }
            for r in frame.itertuples()
        ]
        if args.json:
            _print_json(rows)
            return 0
        if not rows:
            print("还没有账号。创建第一个管理员：python -m analytics users add 姓名 --role admin")
        for row in rows:
            extra = f"  限定科室：{'、'.join(row['sections'])}" if row["sections"] else ""
            state = "  已停用" if row["disabled"] else ""
            print(f"{row['name']:<12} {ROLES.get(row['role'], row['role'])}{extra}{state}")
        return 0
    if not args.name:
        raise ValueError("请给出账号名")
    sections = [s for s in (args.sections or "").replace("，", ",").split(",") if s.strip()]
    if args.action == "add":
        if not args.role:
            raise ValueError("请用 --role 指定角色：viewer（查看）、clerk（内勤）或 admin（管理员）")
        password = _password(args)
        cur = con.cursor()
        first = not users.has_admin(cur) and args.role == "admin"
        cur.close()
        users.add(con, args.name, args.role, password, sections, actor=None if first else _actor(args, con))
        print(f"已创建账号“{args.name}”（{ROLES[args.role]}）。")
    elif args.action == "passwd":
        users.set_password(con, args.name, _password(args), _actor(args, con))
        print(f"已修改“{args.name}”的密码，该账号的其他登录已全部退出。")
    elif args.action in ("disable", "enable"):
        users.set_disabled(con, args.name, args.action == "disable", _actor(args, con))
        print(f"已{'停用' if args.action == 'disable' else '启用'}账号“{args.name}”。")
    elif args.action == "role":
        if not args.role:
            raise ValueError("请用 --role 指定角色")
        users.set_role(con, args.name, args.role, sections, _actor(args, con))
        print(f"账号“{args.name}”的角色已改为{ROLES[args.role]}。")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from analytics.accounts import backup

    con = _open()
    path = backup.backup(con, args.output, _actor(args, con))
    print(f"已备份到 {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from analytics.accounts import backup
    from analytics.store.db import db_path

    info = backup.describe(args.file)
    con = _open()
    try:
        actor = _actor(args, con)
    finally:
        con.close()
    kept = backup.restore(args.file, db_path(), actor)
    print(
        f"已从 {args.file}（{info['created_at']:%Y-%m-%d %H:%M} 由 {info['created_by']} 备份，"
        f"{info['batches']} 个有效批次）恢复。原数据库已保留为 {kept}"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="作风能力提升年 考核看板：命令行工具")
    parser.add_argument("--user", help="以哪个账号的身份操作（也可用环境变量 DASHBOARD_USER；默认为本机管理员）")
    sub = parser.add_subparsers(dest="command", required=True)
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--user", default=argparse.SUPPRESS, help="以哪个账号的身份操作（默认为本机管理员）")

    p = sub.add_parser("import", help="导入 Excel/CSV 文件", parents=[acting])
    p.add_argument("files", nargs="+")
    p.add_argument("--kind", choices=sorted(KINDS), help="表格类型（不填则按表头自动识别）")
    p.add_argument("--dry-run", action="store_true", help="只检查、预览，不写入")
    p.add_argument("--json", action="store_true", help="每个文件输出一行 JSON")
    p.add_argument("--mark-missing-left", action="store_true", help="人员名单：未出现在新名单中的人员标记为离岗")
    p.add_argument("--effective", help="加减分事项：生效日期，如 2022-07-01")
    p.add_argument(
        "--same-name",
        choices=("move", "new"),
        help="人员名单：姓名已在其他科室时，全部按“移动”（move）或“新增同名人员”（new）处理；不填则拒绝这些行",
    )
    p.add_argument(
        "--decide", action="append", metavar="工作表:行号=move|new", help="人员名单：逐行指定移动或新增同名人员"
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="表头=字段[:负|正]",
        help="列对应：指定某一列读作哪个字段，如 --map '扣分=分值:负'（取负）、--map '编号=忽略'（不导入该列）；"
        "导入成功后记住，下次同样表头的表格自动按此读取",
    )
    p.add_argument("--no-remembered", action="store_true", help="不使用上次确认的列对应关系，按表头重新识别")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help="导入记录；--undo 撤销一个批次", parents=[acting])
    p.add_argument("--undo", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("demo", help="加载演示数据（2022 年）；--clear 清除", parents=[acting])
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

    p = sub.add_parser("users", help="账号：add / list / passwd / disable / enable / role", parents=[acting])
    p.add_argument("action", choices=["add", "list", "passwd", "disable", "enable", "role"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["viewer", "clerk", "admin"], help="viewer 查看，clerk 内勤，admin 管理员")
    p.add_argument("--sections", help="内勤限定的科室，逗号分隔（不填则不限）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（不提示）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("backup", help="把整个数据库备份到一个文件（看板运行时请在「备份」页操作）", parents=[acting])
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="用备份文件替换数据库（须先停止看板）", parents=[acting])
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)

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
