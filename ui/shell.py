"""What every page starts with: the sidebar (brand, 演示数据 badge, global filters kept in the URL) and the view it
describes (year, month, quarter, section) for the page to render."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analytics.periods import Month, Quarter
from analytics.store.catalog import Catalog
from ui import auth, data, texts
from ui.db import version
from ui.safe import md

FILTERS = ("year", "month", "quarter", "section")
# The tab's icon, sent to the browser inside the page (a data: URL). A Material icon here would be fetched by
# Streamlit's frontend from fonts.gstatic.com, and the intranet the app runs on has no way out.
FAVICON = str(Path(__file__).parent / "assets" / "favicon.svg")

# Streamlit has no setting for the language of its own controls; these rules put Chinese over the English words of
# the file uploader, the one control a clerk reads closely.
CHROME_CSS = f"""<style>
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
    content: "{texts.UPLOAD_BUTTON}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{texts.UPLOAD_HINT}"; font-size: 0.875rem; }}
</style>"""


# Runs once per browser tab (the flag), then keeps watching: Streamlit redraws its controls on every run.
CHROME_JS = """<script>
(() => {
  if (window.__chromeWords) return;
  window.__chromeWords = true;
  const exact = EXACT;
  const patterns = Object.entries(PATTERNS).map(([from, to]) => [new RegExp(from, "s"), to]);
  const fix = (el) => {
    for (const name of ["aria-label", "title", "placeholder"]) {
      const said = el.getAttribute(name);
      if (!said) continue;
      let ours = exact[said];
      if (ours === undefined) {
        const hit = patterns.find(([from]) => from.test(said));
        if (hit) ours = said.replace(hit[0], hit[1]);
      }
      if (ours !== undefined && ours !== said) el.setAttribute(name, ours);
    }
  };
  const sweep = (node) => {
    if (node.nodeType !== 1) return;
    fix(node);
    node.querySelectorAll("[aria-label], [title], [placeholder]").forEach(fix);
  };
  sweep(document.body);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes") fix(change.target);
      else change.addedNodes.forEach(sweep);
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label", "title", "placeholder"]});
})();
</script>""".replace("EXACT", json.dumps(texts.CHROME_LABELS, ensure_ascii=False)).replace(
    "PATTERNS", json.dumps(texts.CHROME_PATTERNS, ensure_ascii=False)
)


def chrome_words() -> None:
    """Chinese over the English names Streamlit gives its own controls (every help icon says "Help for …" to a
    screen reader). Called by app.py on every run, so every page has it; it takes no space on the page."""
    st.html(CHROME_JS, unsafe_allow_javascript=True)


@dataclass
class View:
    version: str
    catalog: Catalog
    year: int
    month: Month
    quarter: Quarter
    section_id: int | None
    section: str | None

    @property
    def section_label(self) -> str:
        return self.section or texts.ALL_SECTIONS


# While the sidebar filters are drawn, a note about a bad link waits for the page body (shown under the title).
SIDEBAR = "_drawing_filters"
LINK_NOTES = "_link_notes"


def url_choice(
    key: str,
    label: str,
    options: list,
    default,
    *,
    format_func=str,
    disabled: bool = False,
    help: str | None = None,
    on_change=None,
    container=None,
):
    """A selectbox whose value lives in the URL (?key=value), so a copied link opens the same view, and that keeps its
    value when the user moves to another page. Precedence: what the user just picked, then the URL, then the value
    last used in this session, then the default."""
    keep = f"_keep_{key}"
    current = st.session_state.get(key)
    missed = None
    if current not in options:
        wanted = st.query_params.get(key)
        current = next((o for o in options if str(o) == wanted), None)
        if current is None and wanted not in (None, "") and not disabled:
            missed = wanted
    if current is None:
        remembered = st.session_state.get(keep)
        current = remembered if remembered in options else default
    st.session_state[key] = current
    if missed is not None:
        # A link naming a value that is not there (a mistyped section, a month without data, a person since removed)
        # still opens the page on the fallback, and says so: the reader must not take other data for the asked one.
        note = texts.BAD_LINK.format(what=label, value=md(missed), shown=md(format_func(current)))
        if st.session_state.get(SIDEBAR):
            st.session_state.setdefault(LINK_NOTES, []).append(note)
        else:
            st.warning(note, icon=":material/link_off:")
    value = (container or st).selectbox(
        label, options, key=key, format_func=format_func, disabled=disabled, help=help, on_change=on_change
    )
    st.session_state[keep] = value
    st.query_params[key] = str(value)
    return value


def _on_year_change() -> None:
    """A new year: move the month and quarter into it, so the pickers never hold an impossible value."""
    catalog = data.catalog(version())
    year = st.session_state.get("year")
    if year is None:
        return
    month = catalog.latest_month(int(year))
    for key, value in (("month", month), ("quarter", str(Month.parse(month).quarter))):
        st.session_state[key] = value
        st.session_state[f"_keep_{key}"] = value


def _month_options(catalog: Catalog, year: int) -> list[str]:
    have = catalog.months_of(year)
    return have or [str(Month(year, m)) for m in range(1, 13)]


def begin(page: str, uses: tuple[str, ...] = FILTERS) -> View:
    """Draw the sidebar and return the view. Filters the page does not use are shown greyed, keeping their value."""
    auth.guard(page)
    current = version()
    catalog = data.catalog(current)
    title, icon = texts.PAGES[page]
    st.session_state[SIDEBAR] = True
    st.session_state[LINK_NOTES] = []
    with st.sidebar:
        st.markdown(f"### {texts.APP_TITLE}")
        st.caption(texts.APP_SUBTITLE)
        if catalog.demo:
            st.badge(texts.DEMO_BADGE, icon=":material/science:", color="orange", help=texts.DEMO_HELP)
        st.markdown(f"**{texts.FILTERS_HEADING}**", help=texts.FILTERS_HELP)

        years = [str(y) for y in catalog.years]
        latest_year = str(max(int(m[:4]) for m in catalog.months)) if catalog.months else years[-1]
        year = int(
            url_choice(
                "year", texts.FILTER_YEAR, years, latest_year, on_change=_on_year_change, disabled="year" not in uses
            )
        )

        months = _month_options(catalog, year)
        latest = catalog.latest_month(year)
        month = Month.parse(
            url_choice(
                "month",
                texts.FILTER_MONTH,
                months,
                latest if latest in months else months[-1],
                format_func=lambda m: Month.parse(m).label,
                disabled="month" not in uses,
            )
        )

        quarters = sorted({str(Month.parse(m).quarter) for m in months})
        quarter = Quarter.parse(
            url_choice(
                "quarter",
                texts.FILTER_QUARTER,
                quarters,
                str(month.quarter) if str(month.quarter) in quarters else quarters[-1],
                format_func=lambda q: Quarter.parse(q).label,
                disabled="quarter" not in uses,
            )
        )

        sections = [texts.ALL_SECTIONS, *catalog.sections["name"].tolist()]
        section = url_choice(
            "section", texts.FILTER_SECTION, sections, texts.ALL_SECTIONS, disabled="section" not in uses
        )
        section = None if section == texts.ALL_SECTIONS else section

        auth.sidebar_user()

    st.session_state[SIDEBAR] = False
    st.html(CHROME_CSS)
    st.title(title, anchor=False)
    for note in st.session_state.pop(LINK_NOTES, []):
        st.warning(note, icon=":material/link_off:")
    return View(current, catalog, year, month, quarter, catalog.section_id(section), section)


def empty_database(view: View) -> bool:
    """Say what is missing and where to go; True when the page has nothing to show."""
    if not view.catalog.empty:
        return False
    st.info(texts.EMPTY_DATABASE, icon=":material/info:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
    return True


def empty_period(label: str) -> None:
    st.info(texts.EMPTY_PERIOD.format(period=label), icon=":material/event_busy:")
    st.page_link("views/import_data.py", label=texts.GO_IMPORT, icon=":material/upload_file:")
