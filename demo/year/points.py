"""The demo year's score events: the items that follow from other sheets and the free-standing ones."""

from __future__ import annotations

from datetime import date

from demo.year.days import _poisson, _workdays
from demo.year.model import _Person, _Year
from demo.year.plan import _NEGATIVE_RATES, _POSITIVE_RATES, _REPRIMAND_MONTHS, _VETO_MONTHS, SECTION_NAMES
from demo.year.words import (
    _CHORES,
    _DISCIPLINE,
    _ERRORS,
    _HIGH_OUTLETS,
    _LATENESS,
    _OUTLETS,
    _PRAISERS,
    _RECEIVERS,
    _TOPICS,
    _VETOES,
    _WORKS,
)


def _reason(y: _Year, code: str, person: _Person, day: date) -> tuple[float | None, str, str | None]:
    """(points or None for the item's fixed value, reason, evidence) as a clerk would word them."""
    rng = y.rng
    if code == "XC01":
        outlet = rng.choice(_OUTLETS)
        return None, f"{rng.choice(_TOPICS)}相关信息被{outlet}采用", f"{outlet}{day.month}月刊发"
    if code == "XC02":
        outlet = rng.choice(_HIGH_OUTLETS)
        return None, f"{rng.choice(_TOPICS)}经验做法被{outlet}刊发推广", outlet
    if code == "ZL01":
        points, praise = rng.choice(_PRAISERS)
        return float(points), f"{rng.choice(_WORKS)}{praise}", "批示件"
    if code == "ZL02":
        return None, f"报送{rng.choice(_RECEIVERS)}的{rng.choice(_WORKS)}{rng.choice(_ERRORS)}", "退文记录"
    if code == "ZL03":
        return None, f"{rng.choice(_WORKS)}报送严重超时，被市委组织部通报批评", "市委组织部通报"
    if code == "TJ01":
        other = rng.choice([s for s in SECTION_NAMES if s != person.section_on(day)])
        return None, f"协助{other}完成{rng.choice(_CHORES)}，受到表扬", None
    if code == "TJ02":
        return None, f"在{rng.choice(_CHORES)}中推诿扯皮，影响工作推进", "督查通报"
    if code == "DC01":
        return None, f"领办的“{rng.choice(_CHORES)}”按期办结销号", "销号单"
    if code == "DC03":
        return None, f"“{rng.choice(_CHORES)}”未按要求即时反馈进展", "督查通报"
    if code == "JL01":
        return None, rng.choice(_DISCIPLINE), "考勤记录"
    if code == "JL02":
        return None, f"{day.month}月{day.day}日{rng.choice(_LATENESS)}", "考勤记录"
    raise KeyError(code)


def _points(y: _Year) -> None:
    rng = y.rng
    for month in range(1, 13):
        days = _workdays(y.year, month)
        # A few people have a big month: stars change hands from month to month.
        scorers = [p for p in y.people if p.drive > 0]
        hot = rng.sample(scorers, 4)
        for person in scorers:
            present = [d for d in days if person.present(d)]
            if not present:
                continue
            factor = person.drive * rng.lognormvariate(0, 0.35) * (2.0 if person in hot else 1.0)
            plans = [(code, rate * factor) for code, rate in _POSITIVE_RATES]
            plans += [(code, rate * rng.uniform(0.5, 1.5)) for code, rate in _NEGATIVE_RATES]
            for code, rate in plans:
                cap = y.book.item(code).monthly_cap
                over_cap_allowed = rng.random() < 0.06
                used = 0.0
                for _ in range(_poisson(rng, rate)):
                    day = rng.choice(present)
                    points, reason, evidence = _reason(y, code, person, day)
                    value = y.value(code, day) if points is None else points
                    if cap is not None and used + abs(value) > cap and not over_cap_allowed:
                        break
                    if y.add_point(day, person, code, reason, value, evidence):
                        used += abs(value)
    for month in _VETO_MONTHS:
        day = rng.choice(_workdays(y.year, month))
        person = rng.choice([p for p in y.on(day) if p.drive > 0 and not p.leader and not p.fixed])
        y.add_point(day, person, "JL03", _VETOES[_VETO_MONTHS.index(month)], evidence="区纪委监委通报")
    for month in _REPRIMAND_MONTHS:
        day = rng.choice(_workdays(y.year, month))
        person = rng.choice([p for p in y.on(day) if p.drive > 0 and not p.leader])
        points, reason, evidence = _reason(y, "ZL03", person, day)
        y.add_point(day, person, "ZL03", reason, points, evidence)
