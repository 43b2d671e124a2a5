"""What every page starts with: the sidebar (brand, 演示数据 badge, global filters kept in the URL) and the view it
describes (year, month, quarter, section) for the page to render."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from analytics.catalog import Catalog
from analytics.periods import Month, Quarter
from ui import data, texts
from ui.db import version

FILTERS = ("year", "month", "quarter", "section")


@dataclass
class View:
    version: int
    catalog: Catalog
    year: int
    month: Month
    quarter: Quarter
    section_id: int | None
    section: str | None

    @property
    def section_label(self) -> str:
        return self.section or texts.ALL_SECTIONS


def _on_year_change() -> None:
    """A new year: move the month and quarter into it, so the pickers never hold an impossible value."""
    catalog = data.catalog(version())
    year = st.session_state.get("year")
    if year is None:
        return
    st.session_state["month"] = catalog.latest_month(int(year))
    st.session_state["quarter"] = str(Month.parse(st.session_state["month"]).quarter)


def _month_options(catalog: Catalog, year: int) -> list[str]:
    have = catalog.months_of(year)
    return have or [str(Month(year, m)) for m in range(1, 13)]


def begin(page: str, uses: tuple[str, ...] = FILTERS) -> View:
    """Draw the sidebar and return the view. Filters the page does not use are shown greyed, keeping their value."""
    current = version()
    catalog = data.catalog(current)
    title, icon = texts.PAGES[page]
    with st.sidebar:
        st.markdown(f"### {texts.APP_TITLE}")
        st.caption(texts.APP_SUBTITLE)
        if catalog.demo:
            st.badge(texts.DEMO_BADGE, icon=":material/science:", color="orange", help=texts.DEMO_HELP)
        st.markdown(f"**{texts.FILTERS_HEADING}**", help=texts.FILTERS_HELP)

        years = [str(y) for y in catalog.years]
        if st.session_state.get("year") not in years:
            st.session_state["year"] = str(max(int(m[:4]) for m in catalog.months)) if catalog.months else years[-1]
        st.selectbox(texts.FILTER_YEAR, years, index=None, key="year", bind="query-params",
                     on_change=_on_year_change, disabled="year" not in uses)
        year = int(st.session_state["year"])

        months = _month_options(catalog, year)
        if st.session_state.get("month") not in months:
            st.session_state["month"] = catalog.latest_month(year) if catalog.latest_month(year) in months else months[-1]
        st.selectbox(texts.FILTER_MONTH, months, index=None, key="month", bind="query-params",
                     format_func=lambda m: Month.parse(m).label, disabled="month" not in uses)
        month = Month.parse(st.session_state["month"])

        quarters = sorted({str(Month.parse(m).quarter) for m in months})
        if st.session_state.get("quarter") not in quarters:
            st.session_state["quarter"] = str(month.quarter) if str(month.quarter) in quarters else quarters[-1]
        st.selectbox(texts.FILTER_QUARTER, quarters, index=None, key="quarter", bind="query-params",
                     format_func=lambda q: Quarter.parse(q).label, disabled="quarter" not in uses)
        quarter = Quarter.parse(st.session_state["quarter"])

        sections = [texts.ALL_SECTIONS, *catalog.sections["name"].tolist()]
        if st.session_state.get("section") not in sections:
            st.session_state["section"] = texts.ALL_SECTIONS
        st.selectbox(texts.FILTER_SECTION, sections, index=None, key="section", bind="query-params",
                     disabled="section" not in uses)
        section = st.session_state["section"]
        section = None if section == texts.ALL_SECTIONS else section

    st.title(title, anchor=False)
    return View(current, catalog, year, month, quarter, catalog.section_id(section), section)


def empty_database(view: View) -> bool:
    """Say what is missing and where to go; True when the page has nothing to show."""
    if not view.catalog.empty:
        return False
    st.info(texts.EMPTY_DATABASE, icon=":material/info:")
    st.page_link("pages/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    return True


def empty_period(label: str) -> None:
    st.info(texts.EMPTY_PERIOD.format(period=label), icon=":material/event_busy:")
    st.page_link("pages/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
