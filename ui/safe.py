"""User text made inert before it is shown: Markdown for st.markdown/st.caption/link labels, HTML for plotly labels.

Names, sections, reasons and file names come from uploaded sheets; every one of them is hostile until escaped here.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Every character Markdown, Streamlit's directives (:red[…], :material/…:) and its LaTeX ($…$) give a meaning to.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def plain(value: Any) -> str:
    """The text without control and bidi-override characters, and on one line."""
    text = "" if value is None else str(value)
    return _CONTROL.sub("", text).replace("\r", " ").replace("\n", " ")


def md(value: Any) -> str:
    """User text for st.markdown, st.caption, st.page_link labels and the like: every Markdown sign escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", plain(value))


def html_text(value: Any) -> str:
    """User text for plotly labels, hover text and annotations, which render a subset of HTML."""
    return html.escape(plain(value), quote=True)
