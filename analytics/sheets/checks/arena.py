"""Checking a 擂台评分 sheet: marks within the scale, a judge marking himself, a mark already stored differently."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.sheets.body import Extracted
from analytics.sheets.checks.checker import Checker, Context, dates
from analytics.sheets.checks.result import SheetResult
from analytics.sheets.events import skip_stored, stored_matches
from analytics.sheets.kinds import KINDS
from analytics.sheets.layout import Layout
from analytics.sheets.normalize import parse_number
from analytics.sheets.problems import ERROR, WARNING
from analytics.store.db import Con


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
    found = stored_matches(ctx.cur, rows, "arena_mark", keys, ", t.mark as mark_old, t.fact_id")
    if len(found):
        marks_by_row = rows.set_index("_row")["mark"]
        conflict = found[found["mark_old"].to_numpy() != marks_by_row.loc[found["_row"]].to_numpy()]
        position = {int(r): n for n, r in enumerate(check.rows)}
        holders = _holders(ctx.cur, [int(f) for f in conflict["fact_id"]]) if len(conflict) else {}
        for rec in conflict.to_dict("records"):
            batches = "、".join(f"#{b}" for b in holders.get(int(rec["fact_id"]), [int(rec["batch_id"])]))
            check.add(
                ERROR,
                position[int(rec["_row"])],
                "mark",
                f"该评委对该选手在这场擂台的评分已由批次 {batches} 导入为 {rec['mark_old']:g}，"
                f"与本表的 {marks_by_row[rec['_row']]:g} 不同：如需更正，请先撤销这些批次",
            )
        rows = rows[~rows["_row"].isin(conflict["_row"])].reset_index(drop=True)
    rows, claims = skip_stored(check, ctx.cur, rows, KINDS["arena"], "评分", also=("mark",))
    return check.result("arena", rows, claims=claims)


def _holders(cur: Con, fact_ids: list[int]) -> dict[int, list[int]]:
    """Every imported batch that holds each stored mark: the one that wrote it and those that sent it again (a mark
    stays while any of them is imported, so a correction waits for all of them to be undone)."""
    rows = cur.execute(
        """
        select fact_id, batch_id from arena_mark where fact_id in (select unnest($ids::bigint[]))
        union
        select c.fact_id, c.batch_id from fact_claim c join import_batch b using (batch_id)
        where c.fact_table = 'arena_mark' and b.status = 'committed' and c.fact_id in (select unnest($ids::bigint[]))
        order by 1, 2
        """,
        {"ids": fact_ids},
    ).fetchall()
    out: dict[int, list[int]] = {}
    for fact, batch in rows:
        out.setdefault(int(fact), []).append(int(batch))
    return out
