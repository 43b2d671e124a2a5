"""Commands for accounts and the database file: users (add, list, passwd, disable, enable, role), backup and
restore."""

from __future__ import annotations

import argparse
import getpass
import sys

from analytics.commands.common import acting, open_db, print_json


def register(sub, acting_parser: argparse.ArgumentParser) -> None:
    """Add users, backup and restore to the CLI's subparsers."""
    p = sub.add_parser("users", help="账号：add / list / passwd / disable / enable / role", parents=[acting_parser])
    p.add_argument("action", choices=["add", "list", "passwd", "disable", "enable", "role"])
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=["viewer", "clerk", "admin"], help="viewer 查看，clerk 内勤，admin 管理员")
    p.add_argument("--sections", help="内勤限定的科室，逗号分隔（不填则不限）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码（不提示）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser(
        "backup", help="把整个数据库备份到一个文件（看板运行时请在「备份」页操作）", parents=[acting_parser]
    )
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="用备份文件替换数据库（须先停止看板）", parents=[acting_parser])
    p.add_argument("file")
    p.set_defaults(func=cmd_restore)


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

    con = open_db()
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
            print_json(rows)
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
        users.add(con, args.name, args.role, password, sections, actor=None if first else acting(args, con))
        print(f"已创建账号“{args.name}”（{ROLES[args.role]}）。")
    elif args.action == "passwd":
        users.set_password(con, args.name, _password(args), acting(args, con))
        print(f"已修改“{args.name}”的密码，该账号的其他登录已全部退出。")
    elif args.action in ("disable", "enable"):
        users.set_disabled(con, args.name, args.action == "disable", acting(args, con))
        print(f"已{'停用' if args.action == 'disable' else '启用'}账号“{args.name}”。")
    elif args.action == "role":
        if not args.role:
            raise ValueError("请用 --role 指定角色")
        users.set_role(con, args.name, args.role, sections, acting(args, con))
        print(f"账号“{args.name}”的角色已改为{ROLES[args.role]}。")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from analytics.accounts import backup

    con = open_db()
    path = backup.backup(con, args.output, acting(args, con))
    print(f"已备份到 {path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from analytics.accounts import backup
    from analytics.store.db import db_path

    info = backup.describe(args.file)
    con = open_db()
    try:
        actor = acting(args, con)
    finally:
        con.close()
    kept = backup.restore(args.file, db_path(), actor)
    print(
        f"已从 {args.file}（{info['created_at']:%Y-%m-%d %H:%M} 由 {info['created_by']} 备份，"
        f"{info['batches']} 个有效批次）恢复。原数据库已保留为 {kept}"
    )
    return 0
