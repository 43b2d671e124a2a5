"""The catalog's months and last day (one grouped scan) are those of every live fact, written '2022-03', in order."""

from __future__ import annotations

from analytics import open_db
from analytics.sheets.kinds import FACT_KINDS
from analytics.store import catalog


def direct(cur) -> tuple[list[str], object]:
    dated = " union all ".join(
        f"select {k.date_column} as d from {k.table} where {k.live}" for k in FACT_KINDS.values()
    )
    months = [
        r[0] for r in cur.execute(f"select distinct strftime(d, '%Y-%m') as m from ({dated}) order by m").fetchall()
    ]
    return months, cur.execute(f"select max(d) from ({dated})").fetchall()[0][0]


def test_months_and_last_day_of_the_demo_and_of_an_empty_database(demo_db):
    con = open_db(demo_db)
    try:
        found = catalog.load(con.cursor())
        assert (found.months, found.last_date) == direct(con.cursor())
        assert len(found.months) == 12 and found.last_date.year == 2022
    finally:
        con.close()
    empty = open_db(":memory:")
    found = catalog.load(empty.cursor())
    assert (found.months, found.last_date) == ([], None) == direct(empty.cursor())
