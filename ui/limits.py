"""The upload size limit, checked before a file's bytes are read, with a Chinese message (Streamlit's own refusal
past the server's hard limit is in English, so the app's limit sits below it)."""

from __future__ import annotations

import streamlit as st

from analytics.accounts import settings
from ui.db import cursor
from ui.safe import md


def too_big(file) -> bool:
    """Show the refusal and return True when an uploaded file is over the limit."""
    cur = cursor()
    try:
        message = settings.upload_refusal(cur, file.name, int(file.size))
    finally:
        cur.close()
    if message:
        st.error(md(message), icon=":material/block:")
    return message is not None
