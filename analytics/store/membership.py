"""Memberships (a person in a section from one day to another): the rule that says which section a person was in on a
day, stated once in SQL for every query over stored events (the roster write re-sections them by it, the arena ranks
by it) and followed in Python by analytics.sheets.people.PersonRecord.section_on."""

from __future__ import annotations


def section_on_sql(person: str, day: str) -> str:
    """The section of ``person`` on ``day`` (SQL expressions) by the rule PersonRecord.section_on follows: the
    membership with the latest start on or before the day; before the first membership, the first. The roster write
    keeps a person's memberships one after another (a move is refused unless it is dated after the latest one), so
    this is also the membership whose span holds the day."""
    return f"""coalesce(
        (select arg_max(m.section_id, m.valid_from) from membership m
         where m.person_id = {person} and m.valid_from <= {day}),
        (select arg_min(m.section_id, m.valid_from) from membership m where m.person_id = {person}))"""
