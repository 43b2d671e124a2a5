"""Checking a 擂台评分 sheet: marks within the scale, a judge marking himself, a mark already stored differently."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import skip_stored, stored_matches
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Extracted, Layout
from analytics.sheets.normalize import parse_number
from analytics.sheets.problems import ERROR, WARNING


def check_arena(ctx: Context, sheet: str, layout: Layout, data: Extracted) -> SheetResult:
    check = Checker(sheet, layout, data.frame)
    days = dates(check, ctx, "event_date")
    arenas = check.vocab("arena", ctx.book.vocab_arenas, True, "擂台")
    topics = check.text("topic")
    contestants, _ = check.people(ctx, "contestant", days)
    judges, _ = check.people(ctx, "judge", days)
    marks = check.parse("mark", parse_number, True, "得分")
    top = ctx.book.param("arena_mark_max")
    check.outside("mark", marks, 0, top, lambda pos: f"得分 {marks[pos]:g} 超出范围：应在 0～{top:g} 之间")
    for pos in np.flatnonzero((contestants == judges) & (contestants != 0)):
        check.add(WARNING, pos, "judge", "评委给自己打分：计算最后得分时将剔除这一条")
    check.duplicates([days, arenas, contestants, judges], "日期、擂台、选手、评委", "同一评委对同一选手只能打一次分")
    rows = pd.DataFrame(
        {
            "event_date": days,
            "arena": arenas,
            "topic": topics,
            "contestant_id": contestants,
            "judge_id": judges,
            "mark": marks,
            "_row": check.rows,
        }
    )
    rows = rows[~check.bad].reset_index(drop=True)
    rows = rows.astype({"mark": float, "contestant_id": "int64", "judge_id": "int64"})
    keys = ["event_date", "arena", "contestant_id", "judge_id"]
    found = stored_matches(ctx.cur, rows, "arena_mark", keys, ", t.mark as mark_old")
    if len(found):
        marks_by_row = rows.set_index("_row")["mark"]
        conflict = found[found["mark_old"].to_numpy() != marks_by_row.loc[found["_row"]].to_numpy()]
        position = {int(r): n for n, r in enumerate(check.rows)}
        for rec in conflict.to_dict("records"):
            check.add(
                ERROR,
                position[int(rec["_row"])],
                "mark",
                f"该评委对该选手在这场擂台的评分已由批次 #{rec['batch_id']} 导入为 {rec['mark_old']:g}，"
                f"与本表的 {marks_by_row[rec['_row']]:g} 不同：如需更正，请先撤销该批次",
            )
        rows = rows[~rows["_row"].isin(conflict["_row"])].reset_index(drop=True)
    rows, claims = skip_stored(check, ctx.cur, rows, KINDS["arena"], "评分", also=("mark",))
    return check.result("arena", rows, claims=claims)
