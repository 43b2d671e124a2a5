"""Entry point: the page setup and the navigation, nothing else."""

import streamlit as st

from ui.texts import APP_TITLE, GROUP_ADMIN, GROUP_BOARD, PAGES
from ui.unknown import unknown_path_pages

st.set_page_config(page_title=APP_TITLE, page_icon=":material/flag:", layout="wide", initial_sidebar_state="expanded")


def page(key: str, path: str, default: bool = False) -> st.Page:
    title, icon = PAGES[key]
    return st.Page(path, title=title, icon=icon, url_path=key, default=default)


navigation = st.navigation(
    {
        GROUP_BOARD: [
            page("overview", "views/overview.py", default=True),
            page("stars", "views/stars.py"),
            page("flags", "views/flags.py"),
            page("trends", "views/trends.py"),
            page("tasks", "views/tasks.py"),
            page("learning", "views/learning.py"),
            page("arena", "views/arena.py"),
            page("profile", "views/profile.py"),
        ],
        GROUP_ADMIN: [
            page("import", "views/import_data.py"),
            page("rules", "views/rules.py"),
            *unknown_path_pages(PAGES),
        ],
    }
)
navigation.run()
