"""Commands for the clerk's sheets: import files (with the column matching and roster decisions), list and undo
import batches, load or clear the demo year, and write an import template."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from analytics.commands.common import acting, open_db, print_json
from analytics.errors import DashboardError
from analytics.sheets.kinds import KINDS


def register(sub, acting_parser: argparse.ArgumentParser) -> None:
    """Add import, batches, demo and template to the CLI's subparsers."""
    p = sub.add_parser("import", help="导入 Excel/CSV 文件", parents=[acting_parser])
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
        "--decide",
        action="append",
        metavar="工作表:行号=move|new|include|exclude|confirm",
        help="人员名单：逐行指定移动或新增同名人员；隐藏的行：在预览所说的行号指定导入（include）或不导入（exclude）；"
        "任务进度下降：逐行确认照常导入（confirm），或用 '*=confirm' 确认文件中全部的进度下降（其他待确认事项仍须逐项指定）",
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

    p = sub.add_parser("batches", help="导入记录；--undo 撤销一个批次", parents=[acting_parser])
    p.add_argument("--undo", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser("demo", help="加载演示数据（2022 年）；--clear 清除", parents=[acting_parser])
    p.add_argument("--clear", action="store_true")
    p.add_argument("--out", help="只把演示文件写到这个目录，不导入")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("template", help="写出导入模板")
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_template)


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
    from analytics.sheets.checks.tasks import DROP_TOPIC
    from analytics.sheets.ingest import Options, import_path

    try:
        con = open_db()
    except DashboardError as exc:
        # --json promises one JSON result a file, also when the database cannot be opened (busy, damaged).
        if not args.json:
            raise
        for name in args.files:
            print_json(_refused(Path(name).name, args.kind, exc.message))
        return 1
    actor = acting(args, con)
    refused = False
    choices = _choices(args.map or [])
    decisions, confirm_drops = _decisions(args.decide or [])
    for name in args.files:
        path = Path(name)
        options = Options(
            kind=args.kind,
            uploader=actor.name,
            mark_missing_left=args.mark_missing_left,
            rules_effective=date.fromisoformat(args.effective) if args.effective else None,
            decisions=decisions,
            same_name=args.same_name,
            confirm_drops=confirm_drops,
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
            print_json(result) if args.json else print(f"✗ {name}：找不到文件")
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
                print_json(
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
                print_json(data)
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
        drops = [q for q in preview.questions if q.get("topic") == DROP_TOPIC]
        if len(drops) > 1:
            print(f"    全部确认下降（共 {len(drops)} 处）：用 --decide '*=confirm'，其他待确认事项仍须逐项指定")
        for q in preview.questions:
            labels = {c["value"]: c["label"] for c in q["choices"]}
            if "text" in q:  # a question of its own words (the hidden rows of a sheet)
                said = "，".join(
                    f"{label}用 --decide '{q['sheet']}:{q['row']}={value}'" for value, label in labels.items()
                )
                print(f"    待确认 {q['text']}{said}")
                continue
            print(
                f"    待确认 「{q['sheet']}」第 {q['row']} 行 {q['name']}：{labels['move']}，还是{labels['new']}？"
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


_DECISION_WORDS = {
    "move": "move",
    "移动": "move",
    "new": "new",
    "新增": "new",
    "新增同名人员": "new",
    "include": "include",
    "导入": "include",
    "exclude": "exclude",
    "不导入": "exclude",
}
# The place that stands for every drop in a task's progress of the file: --decide '*=confirm'.
_EVERY_DROP = ("*", "全部")


def _decisions(items: list[str]) -> tuple[dict[tuple[str, int], str], bool]:
    """--decide 'SHEET:ROW=move|new|include|exclude|confirm', one per question the preview asks (移动 / 新增同名人员
    for an ambiguous roster row, 导入 / 不导入 for hidden rows, 进度确实下降 for a drop in a task's progress); and
    whether '*=confirm' confirmed every drop in progress of the file at once (it answers no other question)."""
    from analytics.sheets.checks.tasks import CONFIRM_DROP

    words = {**_DECISION_WORDS, "confirm": CONFIRM_DROP, "确认": CONFIRM_DROP}
    out = {}
    every_drop = False
    for item in items:
        place, _, choice = item.rpartition("=")
        word = words.get(choice.strip())
        if place.strip() in _EVERY_DROP:
            if word != CONFIRM_DROP:
                raise SystemExit(
                    f"--decide '*=…' 只能写 '*=confirm'（确认文件中全部的进度下降）；人员名单的同名人员请用 --same-name "
                    f"move|new 全部指定，隐藏的行请按行号指定（收到：{item}）"
                )
            every_drop = True
            continue
        sheet, _, row = place.rpartition(":")
        if not sheet or not row.isdigit() or word is None:
            raise SystemExit(
                "--decide 的写法应为 工作表:行号=move、=new、=include、=exclude 或 =confirm，例如 人员名单:5=move；"
                f"确认全部的进度下降写 '*=confirm'（收到：{item}）"
            )
        out[(sheet, int(row))] = word
    return out, every_drop


def cmd_batches(args: argparse.Namespace) -> int:
    from analytics.sheets.ingest import list_batches, undo

    con = open_db()
    if args.undo is not None:
        result = undo(con, args.undo, actor=acting(args, con))
        if args.json:
            print_json(result)
        else:
            removed = sum(result["removed"].values())
            print(f"已撤销批次 #{args.undo}：删除 {removed} 行，恢复被替换的任务快照 {result['restored_snapshots']} 条")
        return 0
    frame = list_batches(con.cursor())
    if args.json:
        print_json(
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
    con = open_db()
    if args.clear:
        count = demo.clear_demo(con, actor=acting(args, con))
        print(f"已清除演示数据（撤销 {count} 个批次）。")
        return 0
    if demo.demo_loaded(con.cursor()):
        print("演示数据已在库中；如需重新加载，请先运行 demo --clear。")
        return 0
    batches = demo.load_demo(con, actor=acting(args, con))
    print(f"已通过导入流程加载演示数据：{len(batches)} 个文件。")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from analytics.rules.rulebook import current
    from analytics.sheets.templates import build_template

    con = open_db()
    Path(args.output).write_bytes(build_template(args.kind, current(con.cursor())))
    print(f"已写出{KINDS[args.kind].label}模板：{args.output}")
    return 0
