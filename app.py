"""Entry point: the page setup and the navigation, nothing else. Pages the user may not open are hidden from the menu
(and refuse themselves when reached by URL, see ui.auth.guard)."""

import streamlit as st

from ui import auth, backups, shell, unknown
from ui.texts import APP_TITLE, GROUP_ACCOUNT, GROUP_ADMIN, GROUP_BOARD, MY_ACCOUNT, PAGES

st.set_page_config(page_title=APP_TITLE, page_icon=shell.FAVICON, layout="wide", initial_sidebar_state="expanded")

who = auth.actor()
login_for_viewing = auth.view_requires_login()
home = "login" if who is None and login_for_viewing else "overview"
declared: dict[str, tuple[str, str]] = {}  # key → (script, title)


def page(key: str, path: str) -> st.Page:
    title, icon = PAGES[key]
    if key == "login" and who is not None:
        title, icon = MY_ACCOUNT, ":material/account_circle:"
    shown = auth.may_open(key, who, login_for_viewing)
    declared[key] = (path, title)
    return st.Page(
        path,
        title=title,
        icon=icon,
        url_path=key,
        default=unknown.is_home(key, home),
        visibility="visible" if shown else "hidden",
    )


board = [
    page("overview", "views/overview.py"),
    page("stars", "views/stars.py"),
    page("flags", "views/flags.py"),
    page("trends", "views/trends.py"),
    page("tasks", "views/tasks.py"),
    page("learning", "views/learning.py"),
    page("arena", "views/arena.py"),
    page("profile", "views/profile.py"),
    page("present", "views/present.py"),
    page("posting", "views/posting.py"),
]
admin = [
    page("import", "views/import_data.py"),
    page("rules", "views/rules.py"),
    page("accounts", "views/accounts.py"),
    page("audit", "views/audit.py"),
    page("backup", "views/backup.py"),
]
account = [page("login", "views/login.py")]
navigation = st.navigation(
    {
        GROUP_BOARD: board,
        GROUP_ADMIN: admin,
        # Hidden, and after the pages they stand in for: a link to a page's script still names the page itself.
        GROUP_ACCOUNT: [*account, *unknown.extra_pages(declared, home)],
    },
    expanded=True,  # an admin has 14 pages; Streamlit would fold some under an English "View more"
)
backups.daily()
auth.sync_cookie()
shell.chrome_words()
navigation.run()
