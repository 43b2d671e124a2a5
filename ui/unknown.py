"""Unknown addresses: Streamlit answers a path it does not know with an English "Page not found" dialog. Asked for
such a path, the navigation gets one more hidden page under exactly that path, so our own Chinese page runs instead."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

NOT_FOUND_SCRIPT = "views/not_found.py"


def requested_path() -> str:
    """The page path the browser asked for on this run ("" for the home page or a click in the navigation)."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None) if ctx else None
    return str(getattr(manager, "intended_page_name", None) or "")


def unknown_path_pages(known: Iterable[str]) -> list[st.Page]:
    """[] normally; for an unknown path, a hidden page under it that shows 页面不存在. A nested path (a/b) cannot be a
    page path in Streamlit; such a request still gets Streamlit's own dialog (see the report in docs)."""
    path = requested_path().strip("/")
    if not path or path in set(known) or "/" in path:
        return []
    return [st.Page(NOT_FOUND_SCRIPT, title="页面不存在", url_path=path, visibility="hidden")]
