"""Entry point: the page setup and the navigation, nothing else. Pages the user may not open are hidden from the menu
(and refuse themselves when reached by URL, see ui.auth.guard)."""

import streamlit as st

from ui import auth, backups
from ui.texts import APP_TITLE, GROUP_ACCOUNT, GROUP_ADMIN, GROUP_BOARD, MY_ACCOUNT, PAGES
from ui.unknown import unknown_path_pages

st.set_page_config(page_title=APP_TITLE, page_icon=":material/flag:", layout="wide", initial_sidebar_state="expanded")

who = auth.actor()
login_for_viewing = auth.view_requires_login()
anonymous_locked_out = who is None and login_for_viewing


def page(key: str, path: str, default: bool = False) -> st.Page:
    title, icon = PAGES[key]
    if key == "login" and who is not None:
        title, icon = MY_ACCOUNT, ":material/account_circle:"
    shown = auth.may_open(key, who, login_for_viewing)
    return st.Page(
        path, title=title, icon=icon, url_path=key, default=default, visibility="visible" if shown else "hidden"
    )


navigation = st.navigation(
    {
        GROUP_BOARD: [
            page("overview", "views/overview.py", default=not anonymous_locked_out),
            page("stars", "views/stars.py"),
            page("flags", "views/flags.py"),
            page("trends", "views/trends.py"),
            page("tasks", "views/tasks.py"),
            page("learning", "views/learning.py"),
            page("arena", "views/arena.py"),
            page("profile", "views/profile.py"),
            page("present", "views/present.py"),
            page("posting", "views/posting.py"),
        ],
        GROUP_ADMIN: [
            page("import", "views/import_data.py"),
            page("rules", "views/rules.py"),
            page("accounts", "views/accounts.py"),
            page("audit", "views/audit.py"),
            page("backup", "views/backup.py"),
            *unknown_path_pages(PAGES),
        ],
        GROUP_ACCOUNT: [page("login", "views/login.py", default=anonymous_locked_out)],
    },
    expanded=True,  # an admin has 14 pages; Streamlit would fold some under an English "View more"
)
backups.daily()
auth.sync_cookie()
navigation.run()
