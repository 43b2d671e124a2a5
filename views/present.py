"""汇报模式: the review meeting on the projector, one topic a page — 月度讲评 (a deputy head's sections or the whole
department), 季度讲评 and 科室周讲评 — with previous/next, a page counter, auto-advance, and the deck to download. The
agenda, period, scope and page live in the URL, so a link opens the same deck on the meeting-room PC."""

import streamlit as st

from analytics.errors import DashboardError
from ui import present, shell, texts
from ui.db import version
from ui.meeting_texts import PRESENT as T
from ui.safe import html_text, md

STATE = "present_slide"
st.html(present.PRESENT_CSS)
st.html(present.FIT_JS, unsafe_allow_javascript=True)
st.html(f'<h1 class="present-page-title">{html_text(texts.PAGES["present"][0])}</h1>')
current = version()

# The pickers wait behind one button in the row of controls: the screen is for the slide (see present.FIT_JS).
settings, back, counter, forward, pptx, pdf = st.columns([1, 1, 2, 1, 1, 1], vertical_alignment="center")
with settings.popover(T["settings"], icon=":material/tune:", width="stretch"):
    agenda = shell.url_choice("agenda", T["agenda"], list(present.AGENDAS), "month", format_func=present.agenda_label)
    options = present.periods(current, agenda)
    deputy = section = None
    if options:
        period = shell.url_choice(
            "period",
            T[f"period_{agenda}"],
            options,
            options[-1],
            format_func=lambda p: present.period_label(agenda, p),
        )
        if agenda == "month":
            led, recorded = present.deputies(current)
            choices = [T["whole"], *led]
            picked = shell.url_choice(
                "deputy",
                T["deputy"],
                choices,
                T["whole"],
                format_func=lambda d: (
                    d if d == T["whole"] else T["deputy_option"].format(name=d, sections="、".join(led[d]))
                ),
                help=T["deputies_note"].format(source=T["deputies_recorded" if recorded else "deputies_derived"]),
            )
            deputy = None if picked == T["whole"] else picked
        elif agenda == "week":
            names = present.sections(current)
            section = shell.url_choice("sec", T["section"], names, names[0])
    auto = int(
        shell.url_choice(
            "auto",
            T["auto"],
            [str(s) for s in present.AUTO_SECONDS],
            "0",
            format_func=lambda s: T["auto_off"] if s == "0" else T["auto_every"].format(s=s),
        )
    )
if not options:
    st.info(T["no_data"], icon=":material/info:")
    st.stop()

try:
    meeting = present.outline(current, agenda, period, deputy, section)
except DashboardError as exc:
    st.error(exc.message, icon=":material/error:")
    st.stop()
total = present.page_count(meeting)

if STATE not in st.session_state:
    wanted = st.query_params.get("slide", "1")
    st.session_state[STATE] = int(wanted) - 1 if wanted.isdigit() and 1 <= int(wanted) <= total else 0
st.session_state[STATE] = min(st.session_state[STATE], total - 1)


def go(step: int) -> None:
    st.session_state[STATE] = (st.session_state[STATE] + step) % total
    present.moved_by_hand(STATE)


back.button(
    T["previous"], key="present_previous", icon=":material/chevron_left:", on_click=go, args=(-1,), width="stretch"
)
forward.button(T["next"], key="present_next", icon=":material/chevron_right:", on_click=go, args=(1,), width="stretch")
pptx.download_button(
    T["download_pptx"],
    data=present.deck_maker(current, agenda, period, deputy, section),
    file_name=f"{meeting.file_stem}.pptx",
    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
    key="present_pptx",
    icon=":material/slideshow:",
    width="stretch",
)
if st.session_state.get("present_pdf_for") == (current, agenda, period, deputy, section):
    try:
        pdf.download_button(
            T["download_pdf"],
            data=present.deck_pdf(current, agenda, period, deputy, section),
            file_name=f"{meeting.file_stem}.pdf",
            mime="application/pdf",
            key="present_pdf",
            icon=":material/picture_as_pdf:",
            width="stretch",
        )
    except DashboardError as exc:
        pdf.error(exc.message)
elif pdf.button(T["make_pdf"], key="present_make_pdf", width="stretch"):
    st.session_state["present_pdf_for"] = (current, agenda, period, deputy, section)
    st.rerun()


@st.fragment(run_every=auto or None)
def show() -> None:
    index = present.advance(STATE, total, auto)
    st.query_params["slide"] = str(index + 1)
    counter.markdown(f"**{T['counter'].format(n=index + 1, total=total)}**")
    with st.container(key=present.SLIDE_KEY):  # zoomed to fit the screen (present.FIT_JS)
        present.draw(current, meeting, index, f"slide{index}")
        st.caption(md(T["lineage"].format(lineage=meeting.lineage)))


show()
