"""汇报模式 helpers: the meeting and its deck cached by data version, the pickers that live in the URL, the projector
style, and one slide drawn from the core's slide data (analytics.meetings.slides), the same data the deck writes."""

from __future__ import annotations

import copy
import time

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.meetings import deck as deck_module
from analytics.meetings import deputies as deputies_module
from analytics.meetings import slides as slides_module
from analytics.meetings.slides import AGENDAS, Chart, Meeting, Slide
from analytics.periods import Month, Quarter
from ui import charts
from ui.db import cursor
from ui.meeting_texts import PRESENT as T
from ui.safe import html_text, md

AUTO_SECONDS = (0, 10, 20, 30, 60)

# Only this page: no sidebar, no header or toolbar, wide content and type large enough for the back of a room.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer { display: none; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 1rem; max-width: 100%; }
.slide-title { font-size: 2.6rem; font-weight: 700; color: #C8102E; margin: 0.2rem 0 0.6rem 0; }
.slide-cover { font-size: 3.4rem; font-weight: 700; color: #C8102E; text-align: center; margin-top: 3rem; }
.slide-sub { font-size: 1.8rem; text-align: center; color: #2B2B2B; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stMetricLabel"] p { font-size: 1.2rem; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: 1.15rem; }
.slide-foot { color: #6B7280; font-size: 1rem; }
/* The page's name, for screen readers and the page map, not for the projector. */
.present-page-title { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); margin: 0; }
/* Streamlit leaves room under the last element for its own chrome; a slide needs the screen's every line. */
[data-testid="stMainBlockContainer"] { padding-bottom: 0.5rem; }
</style>"""

# A slide is one screen, whatever the projector: the slide's box (the container keyed SLIDE_KEY) is zoomed so that
# the page ends at the bottom of the window, never needing a scroll, at any size from 1366×768 up; 1 is its full
# size, never more. Zooming (not cutting lines, tables or charts) keeps every word the deck has. Recomputed when
# Streamlit draws (the next slide, a chart arriving) or the window changes size, from the slide's height at zoom 1,
# so a chart that redraws at its new width does not start the sizing again.
SLIDE_KEY = "present_screen"
FIT_JS = """<script>
(() => {
  if (window.__presentFit) return;
  window.__presentFit = true;
  let queued = false;
  const fit = () => {
    queued = false;
    const slide = document.querySelector(".st-key-SLIDE");
    const main = document.querySelector('[data-testid="stMain"]');
    const block = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!slide || !main || !block) return;
    const zoom = parseFloat(slide.style.zoom || "1");
    const box = slide.getBoundingClientRect();
    const top = box.top - main.getBoundingClientRect().top + main.scrollTop;
    const room = main.clientHeight - top - parseFloat(getComputedStyle(block).paddingBottom) - 16;
    const natural = box.height / zoom;
    const wanted = Math.max(0.35, Math.min(1, room / natural));
    if (Math.abs(wanted - zoom) > 0.005) slide.style.zoom = String(wanted);
  };
  const later = () => { if (!queued) { queued = true; requestAnimationFrame(fit); } };
  new MutationObserver(later).observe(document.body, {subtree: true, childList: true});
  addEventListener("resize", later);
  setInterval(later, 1000);
  later();
})();
</script>""".replace("SLIDE", SLIDE_KEY)


@st.cache_data(show_spinner=False, max_entries=32)
def outline(version: str, agenda: str, period: str, deputy: str | None, section: str | None) -> Meeting:
    """What the meeting reviews and its topics, without computing a slide: the page opens on this."""
    return slides_module.outline(cursor(), agenda, period, deputy=deputy, section=section)


@st.cache_data(show_spinner=False, max_entries=256)
def topic(version: str, agenda: str, period: str, deputy: str | None, section: str | None, name: str) -> Slide:
    """One topic's slide, computed the first time it is shown (or the deck is made) and kept for the data version."""
    return slides_module.topic(cursor(), outline(version, agenda, period, deputy, section), name)


def meeting(version: str, agenda: str, period: str, deputy: str | None, section: str | None) -> Meeting:
    """The meeting with every slide, each from the topic cache: the deck holds the slides the page shows."""
    m = copy.copy(outline(version, agenda, period, deputy, section))
    m.slides = [topic(version, agenda, period, deputy, section, name) for name in m.topics]
    m.closing = topic(version, agenda, period, deputy, section, slides_module.CLOSING)
    return m


@st.cache_data(show_spinner=False, max_entries=8)
def deck_bytes(version: str, agenda: str, period: str, deputy: str | None, section: str | None) -> bytes:
    return deck_module.build_deck(meeting(version, agenda, period, deputy, section))


def deck_maker(version: str, agenda: str, period: str, deputy: str | None, section: str | None):
    """The deck made when the download button is clicked, not on every run of the page (at city scale the whole
    meeting takes seconds). Streamlit calls it outside the script run, so it reads through the cached functions."""
    return lambda: deck_bytes(version, agenda, period, deputy, section)


@st.cache_data(show_spinner=False, max_entries=4)
def deck_pdf(version: str, agenda: str, period: str, deputy: str | None, section: str | None) -> bytes:
    return deck_module.to_pdf(deck_bytes(version, agenda, period, deputy, section), ".pptx")


@st.cache_data(show_spinner=False, max_entries=8)
def periods(version: str, agenda: str) -> list[str]:
    return slides_module.periods_with_data(cursor(), agenda)


@st.cache_data(show_spinner=False, max_entries=8)
def deputies(version: str) -> tuple[dict[str, list[str]], bool]:
    cur = cursor()
    return deputies_module.deputies(cur), deputies_module.is_recorded(cur)


@st.cache_data(show_spinner=False, max_entries=8)
def sections(version: str) -> list[str]:
    return deputies_module.sections(cursor())


def period_label(agenda: str, period: str) -> str:
    if agenda == "month":
        return Month.parse(period).label
    if agenda == "quarter":
        return Quarter.parse(period).label
    return f"{period} 起一周"


def agenda_label(agenda: str) -> str:
    return AGENDAS[agenda]


def figure(spec: Chart) -> go.Figure:
    categories = [html_text(c) for c in spec.categories]
    fig = go.Figure()
    if spec.kind == "doughnut":
        name, values = spec.series[0]
        fig.add_trace(
            go.Pie(
                labels=categories,
                values=values,
                hole=0.5,
                name=html_text(name),
                marker={
                    "colors": [
                        charts.LIGHT_COLORS.get(c, charts.PALETTE[n % 10]) for n, c in enumerate(spec.categories)
                    ]
                },
                textinfo="label+value",
            )
        )
    for name, values in spec.series if spec.kind != "doughnut" else []:
        if spec.kind == "line":
            fig.add_trace(go.Scatter(x=categories, y=values, name=html_text(name), mode="lines+markers"))
        else:
            fig.add_trace(go.Bar(x=categories, y=values, name=html_text(name)))
    if spec.kind == "stacked":
        fig.update_layout(barmode="stack")
    charts.style(fig, height=460, legend=len(spec.series) > 1 or spec.kind == "doughnut")
    fig.update_layout(font={"size": 16})
    if spec.value_label and spec.kind != "doughnut":
        fig.update_yaxes(title=spec.value_label)
    return fig


def _table(spec) -> None:
    frame = pd.DataFrame([[md(v) for v in row] for row in spec.rows], columns=[md(c) for c in spec.columns])
    st.table(frame, hide_index=True)


def draw_cover(m: Meeting) -> None:
    period = T["cover_period"].format(start=f"{m.start:%Y-%m-%d}", end=f"{m.end:%Y-%m-%d}")
    st.html(
        f'<div class="slide-cover">{html_text(m.title)}</div><div class="slide-sub">{html_text(m.subtitle)}</div>'
        f'<div class="slide-sub">{html_text(period)}</div>'
    )
    if m.final:
        st.badge(T["final"], icon=":material/verified:", color="green")


def draw_slide(m: Meeting, slide: Slide, key: str) -> None:
    st.html(f'<div class="slide-title">{html_text(slide.title)}</div>')
    if slide.kpis:
        for column, (label, value) in zip(st.columns(len(slide.kpis)), slide.kpis):
            column.metric(md(label), value)
    if slide.chart and slide.table:
        left, right = st.columns([2, 3])
        with left:
            st.plotly_chart(figure(slide.chart), config=charts.CONFIG, key=f"{key}_chart")
        with right:
            _table(slide.table)
    elif slide.chart:
        st.plotly_chart(figure(slide.chart), config=charts.CONFIG, key=f"{key}_chart")
    elif slide.table:
        _table(slide.table)
    for bullet in slide.bullets:
        st.markdown(f"- {md(bullet)}")


def draw(version: str, m: Meeting, index: int, key: str) -> None:
    """Page ``index`` of the meeting (an outline): 0 is the cover, then the topics, then the closing slide; a topic is
    computed when it is first shown."""
    names = [None, *m.topics, slides_module.CLOSING]
    name = names[index]
    if name is None:
        draw_cover(m)
    else:
        draw_slide(m, topic(version, m.agenda, m.period, m.deputy, m.section, name), key)
    st.html(f'<div class="slide-foot">{html_text(m.as_of_text)}</div>')


def page_count(m: Meeting) -> int:
    """The cover, each topic, the closing slide."""
    return len(m.topics) + 2


def advance(state_key: str, total: int, seconds: int) -> int:
    """Move to the next page when the interval has passed since the last move (the meeting-room loop)."""
    now = time.monotonic()
    last = st.session_state.get(f"{state_key}_moved_at")
    if last is None:
        st.session_state[f"{state_key}_moved_at"] = now
    elif seconds and now - last >= seconds - 0.5:
        st.session_state[state_key] = (st.session_state.get(state_key, 0) + 1) % total
        st.session_state[f"{state_key}_moved_at"] = now
    return st.session_state.get(state_key, 0)


def moved_by_hand(state_key: str) -> None:
    st.session_state[f"{state_key}_moved_at"] = time.monotonic()


def deck_download(version: str, agenda: str, period: str, key: str) -> None:
    """The deck of the whole department for a period, as a download button on a board page, made on the click."""
    m = outline(version, agenda, period, None, None)
    st.download_button(
        T["download_deck"].format(title=m.title),
        data=deck_maker(version, agenda, period, None, None),
        file_name=f"{m.file_stem}.pptx",
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        key=key,
        icon=":material/slideshow:",
    )
