"""The app runs on an intranet without the internet: nothing it serves makes the browser ask an outside host. The
favicon was such a request (a Material icon as page_icon is drawn from fonts.gstatic.com by Streamlit's frontend)."""

from __future__ import annotations

import re

import streamlit as st
from apptest import ROOT, no_exception, open_page
from streamlit.commands.page_config import _get_favicon_string

# An address the browser would fetch; an SVG's namespace (www.w3.org/2000/svg) is a name, never fetched.
OUTSIDE = re.compile(r"https?://(?!127\.0\.0\.1|localhost|www\.w3\.org/2000/svg)", re.IGNORECASE)


def test_the_favicon_is_served_from_the_app(empty_db, monkeypatch):
    asked: list = []
    real = st.set_page_config
    monkeypatch.setattr(st, "set_page_config", lambda **kw: asked.append(kw) or real(**kw))
    no_exception(open_page("overview", empty_db))
    icons = [_get_favicon_string(kw["page_icon"]) for kw in asked if "page_icon" in kw]
    assert icons and all(icon.startswith("data:image/") for icon in icons), icons


def test_no_page_names_an_outside_address():
    files = [ROOT / "app.py", *(ROOT / ".streamlit").glob("*"), *(ROOT / "ui").rglob("*"), *(ROOT / "views").rglob("*")]
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in files
        if path.is_file() and path.suffix in {".py", ".toml", ".svg", ".css", ".html", ".js"}
        for match in OUTSIDE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
