"""The demo year simulated in one fixed order from one seeded generator (the order is part of the output)."""

from __future__ import annotations

import random

from analytics.rules import rulebook as rb
from demo.year.arenas import _arenas
from demo.year.model import _Year
from demo.year.participation import _daily_pushes, _field_work, _five_one, _lectures_and_forums
from demo.year.people import _people
from demo.year.points import _points
from demo.year.tasks import _tasks


def _simulate_year(year: int) -> _Year:
    y = _Year(year, random.Random(year * 7919 + 11), rb.default_book())
    _people(y)
    _tasks(y)
    _five_one(y)
    _lectures_and_forums(y)
    _daily_pushes(y)
    _field_work(y)
    _points(y)
    _arenas(y)
    return y
