"""每月公示 helpers: the month's publication state, the posted rows and versions, the workbook and PDF downloads, and
the 已定稿 badge other pages show next to a published month's stars."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.accounts import roles
from analytics.meetings import deck as deck_module
from analytics.meetings import posting as posting_module
from analytics.meetings import publish as pub
from analytics.periods import Month
from analytics.rules import rulebook as rb
from ui import auth
from ui.db import cursor
from ui.meeting_texts import POSTING as T

PUBLISH = roles.PUBLISH


def can_publish() -> bool:
    return auth.can(PUBLISH)


@st.cache_data(show_spinner=False, max_entries=16)
def versions(version: str, month: str) -> list[pub.Version]:
    return pub.versions(cursor(), month)


@st.cache_data(show_spinner=False, max_entries=16)
def correction(version: str, month: str):
    return pub.correction_open(cursor(), month)


@st.cache_data(show_spinner=False, max_entries=8)
def sheet(version: str, month: str, chosen: int | None, live: bool) -> posting_module.PostingSheet:
    return posting_module.posting_sheet(cursor(), month, version=chosen, live=live)


@st.cache_data(show_spinner=False, max_entries=8)
def workbook(version: str, month: str, chosen: int | None, live: bool) -> bytes:
    return posting_module.posting_xlsx(sheet(version, month, chosen, live))


@st.cache_data(show_spinner=False, max_entries=4)
def workbook_pdf(version: str, month: str, chosen: int | None, live: bool) -> bytes:
    return deck_module.to_pdf(workbook(version, month, chosen, live), ".xlsx")


@st.cache_data(show_spinner=False, max_entries=8)
def diff(version: str, month: str, before: int, after: int) -> pub.Diff:
    return pub.diff(cursor(), month, before, after)


@st.cache_data(show_spinner=False, max_entries=8)
def objections(version: str, month: str) -> pd.DataFrame:
    return pub.objections(cursor(), month)


@st.cache_data(show_spinner=False, max_entries=8)
def posting_days(version: str, month: str) -> int:
    return int(round(rb.in_force(cursor(), Month.parse(month).end).params.get("posting_days", 5)))


def final_badge(version: str, month: Month | str) -> None:
    """On any page showing a month's stars: 已定稿 when the month is published."""
    found = versions(version, str(Month.parse(month)))
    if found:
        st.badge(
            T["final_badge"].format(v=found[-1].version),
            icon=":material/verified:",
            color="green",
            help=T["final_help"],
        )


def final_months_badge(version: str, months: list[str]) -> None:
    """On a page showing stars of several months (个人档案): 已定稿 with the months among them that are published."""
    published = [m for m in sorted(set(months)) if versions(version, str(Month.parse(m)))]
    if published:
        st.badge(
            T["final_months_badge"].format(months="、".join(Month.parse(m).label for m in published)),
            icon=":material/verified:",
            color="green",
            help=T["final_help"],
        )
