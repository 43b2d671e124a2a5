"""The demo year's arena sessions and the judges' marks."""

from __future__ import annotations

from demo.year.days import _next_workday
from demo.year.model import _Mark, _Year
from demo.year.plan import _ARENAS, DUPLICATE_NAME, SELF_MARK_SESSION


def _arenas(y: _Year) -> None:
    rng = y.rng
    for month, dom, arena, topic, count, panel in _ARENAS:
        day = _next_workday(y.day(month, dom))
        # Arena sheets carry no 科室, so the two people of the same name stay off the stage and the panel.
        eligible = [p for p in y.on(day) if p.name != DUPLICATE_NAME]
        if count == 0:
            contestants = [p for p in eligible if p.head]
            judges = [p for p in eligible if p.leader] + rng.sample([p for p in eligible if p.deputy], panel - 4)
        else:
            contestants = rng.sample([p for p in eligible if not p.leader], count)
            judges = rng.sample([p for p in eligible if p not in contestants], panel)
        if (month, dom) == SELF_MARK_SESSION:
            judges = judges[:-1] + [contestants[0]]
        skill = {id(p): rng.uniform(84, 94) for p in contestants}
        bias = {id(p): rng.uniform(-2, 2) for p in judges}
        for contestant in contestants:
            for judge in judges:
                if judge is contestant and (month, dom) != SELF_MARK_SESSION:
                    continue
                mark = skill[id(contestant)] + bias[id(judge)] + rng.gauss(0, 1.8)
                y.marks.append(_Mark(day, arena, topic, contestant, judge, min(98.0, max(80.0, round(mark * 2) / 2))))
