"""Entry point: the page setup and the navigation, nothing else."""

import streamlit as st

from ui.texts import APP_TITLE, GROUP_ADMIN, GROUP_BOARD, PAGES

st.set_page_config(page_title=APP_TITLE, page_icon=":material/flag:", layout="wide", initial_sidebar_state="expanded")


def page(key: str, path: str, default: bool = False) -> st.Page:
    title, icon = PAGES[key]
    return st.Page(path, title=title, icon=icon, url_path=key, default=default)


navigation = st.navigation(
    {
        GROUP_BOARD: [
            page("overview", "pages/overview.py", default=True),
            page("stars", "pages/stars.py"),
            page("flags", "pages/flags.py"),
            page("trends", "pages/trends.py"),
            page("tasks", "pages/tasks.py"),
            page("learning", "pages/learning.py"),
            page("arena", "pages/arena.py"),
            page("profile", "pages/profile.py"),
        ],
        GROUP_ADMIN: [
            page("import", "pages/import_data.py"),
            page("rules", "pages/rules.py"),
        ],
    }
)
navigation.run()
