"""Who may do what: the one place pages ask before changing data. Until accounts arrive everyone on the intranet
may import and manage rules; the pages already ask here, so roles will only change this module."""

from __future__ import annotations

import streamlit as st

IMPORT = "import"
MANAGE_RULES = "manage_rules"
CLEAR_DEMO = "clear_demo"


def current_user() -> str:
    """The name recorded in the import history."""
    return st.session_state.get("user_name") or "数据管理员"


def can(action: str) -> bool:
    return action in (IMPORT, MANAGE_RULES, CLEAR_DEMO)
