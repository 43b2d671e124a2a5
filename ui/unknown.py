"""Addresses typed into the browser. Streamlit serves the default page only at the root and answers any path it
does not know with an English "Page not found" dialog. So, for the one run that asked for it, the navigation gets one
more hidden page: asked for the default page by its key (/overview), that page is served under its key and a hidden
stand-in takes the root; asked for an unknown path, our own Chinese page runs under exactly that path."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

NOT_FOUND_SCRIPT = "views/not_found.py"
NOT_FOUND_TITLE = "页面不存在"


def requested_path() -> str:
    """The page path the browser asked for on this run ("" for the home page or a click in the navigation)."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None) if ctx else None
    return str(getattr(manager, "intended_page_name", None) or "").strip("/")


def is_home(key: str, home: str) -> bool:
    """Whether the page of this key is the navigation's default page on this run: the home page, unless the browser
    asked for it by its key, when it is served under that key (Streamlit serves a default page only at the root)."""
    return key == home and requested_path() != home


def extra_pages(declared: Mapping[str, tuple[str, str]], home: str) -> list[st.Page]:
    """[] normally. Asked for the home page by its key: a hidden default page with the same script, which holds the
    root while the home page itself answers its key. Asked for an unknown path: a hidden page under that path that
    shows 页面不存在. A nested path (a/b) cannot be a page path in Streamlit, and no script of ours runs for it: the
    page's relative asset addresses (./static/…) resolve under /a/, the server answers them with its index page, and
    the browser shows a blank page (Streamlit 1.67). ``declared``: each page's key → (script, title)."""
    path = requested_path()
    if path == home:
        script, title = declared[home]
        return [st.Page(script, title=title, url_path=f"{home}_root", default=True, visibility="hidden")]
    if not path or path in declared or "/" in path:
        return []
    return [st.Page(NOT_FOUND_SCRIPT, title=NOT_FOUND_TITLE, url_path=path, visibility="hidden")]
