"""What there is to choose from: years and months with data, sections, people — the lists behind every filter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from analytics.periods import Month
from analytics.rules import rulebook as rb
from analytics.sheets.kinds import FACT_KINDS
from analytics.store.db import Con, fetch_df, scalar


@dataclass
class Catalog:
    years: list[int]
    months: list[str]  # '2022-03' for every month with any fact, in order
    sections: pd.DataFrame  # section_id, name, sort_order, people (current headcount)
    people: pd.DataFrame  # person_id, name, section_id, section, title, category, left_on, label
    last_date: date | None  # the latest date of any fact
    campaign_year: int
    demo: bool
    facts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.facts.values())

    def months_of(self, year: int) -> list[str]:
        return [m for m in self.months if m.startswith(f"{year}-")]

    def latest_month(self, year: int | None = None) -> str:
        months = self.months_of(year) if year else self.months
        if months:
            return months[-1]
        return str(
            Month(
                year or self.campaign_year,
                12 if (year or self.campaign_year) < date.today().year else date.today().month,
            )
        )

    def section_id(self, name: str | None) -> int | None:
        if not name:
            return None
        hit = self.sections.loc[self.sections["name"] == name, "section_id"]
        return int(hit.iloc[0]) if len(hit) else None


def load(cur: Con) -> Catalog:
    """One query per list; small tables, called once per data version by the pages."""
    # Every list below is a union over the declared fact kinds (analytics/sheets/kinds.py), rows in force only.
    dated = " union all ".join(
        f"select {k.date_column} as d from {k.table} where {k.live}" for k in FACT_KINDS.values()
    )
    # One scan for the months and the last day; the months are written once each, not once per row.
    spans = cur.execute(
        f"""
        select strftime(m, '%Y-%m') as month, last
        from (select date_trunc('month', d) as m, max(d) as last from ({dated}) group by m)
        order by month
        """
    ).fetchall()
    months = [month for month, _ in spans]
    counted = " union all ".join(
        f"select '{k.key}', count(*) from {k.table} where {k.live}" for k in FACT_KINDS.values()
    )
    facts = dict(cur.execute(f"{counted} union all select 'people', count(*) from person").fetchall())
    last = max((day for _, day in spans if day is not None), default=None)
    sections = fetch_df(
        cur,
        """
        select s.section_id, s.name, s.sort_order,
               count(distinct case when m.valid_to is null and p.left_on is null then m.person_id end) as people
        from section s
        left join membership m using (section_id)
        left join person p using (person_id)
        group by all
        order by s.sort_order, s.section_id
        """,
    )
    people = fetch_df(
        cur,
        """
        select p.person_id, p.name, m.section_id, s.name as section, p.title, p.category, p.left_on, p.staff_no
        from person p
        join membership m on m.person_id = p.person_id and m.valid_to is null
        join section s on s.section_id = m.section_id
        order by s.sort_order, p.person_id
        """,
    )
    duplicate = people["name"].duplicated(keep=False)
    people["label"] = people["name"].where(~duplicate, people["name"] + "（" + people["section"] + "）")
    book = rb.current(cur)
    years = sorted({int(m[:4]) for m in months} | {book.campaign_year})
    demo = bool(scalar(cur, "select count(*) from import_batch where is_demo and status = 'committed'"))
    return Catalog(years, months, sections, people, last, book.campaign_year, demo, facts)
