"""Who is signed in and what they may do: the one place pages and the navigation ask. The session token lives in the
Streamlit session state and, so that a reload of the page keeps the user signed in, in a browser cookie that lasts
until the browser is closed; the session itself (idle time, logout, password changes) lives in the database, so a
cookie is only ever as good as the session it names."""

from __future__ import annotations

import copy
import json
import re

import streamlit as st

from analytics.accounts import guard as account_guard
from analytics.accounts import roles, settings, users
from analytics.accounts.roles import Actor
from analytics.errors import DashboardError
from ui import texts
from ui.db import connection, cursor
from ui.safe import md

TOKEN = "auth_token"
COOKIE = "dashboard_session"
_COOKIE_PENDING = "auth_cookie"  # what the next run writes into the browser's cookie: a token, or "" to clear it
_COOKIE_TRIED = "auth_cookie_tried"  # the cookie's token was looked at once in this browser session
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")  # what users.login hands out; anything else is not looked up

# The permissions the pages have asked for since before accounts; kept as names so those pages need no change.
IMPORT = roles.IMPORT
MANAGE_RULES = roles.MANAGE_RULES
CLEAR_DEMO = roles.MANAGE_DEMO

# What each page needs. None: open to anyone who may view (see the view_requires_login setting).
PAGE_NEEDS: dict[str, str | None] = {
    "overview": None,
    "stars": None,
    "flags": None,
    "trends": None,
    "tasks": None,
    "learning": None,
    "arena": None,
    "profile": None,
    "rules": None,
    "import": roles.IMPORT,
    "accounts": roles.MANAGE_ACCOUNTS,
    "audit": roles.VIEW_AUDIT,
    "backup": roles.BACKUP,
    "login": None,
    "present": None,
    "posting": None,
}
ALWAYS_OPEN = ("login",)


def ip() -> str | None:
    """The browser's address as the server sees it (None in tests and behind some proxies)."""
    try:
        value = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a browser session there is no address to report
        return None
    return value if isinstance(value, str) else None  # AppTest hands a stand-in object


def _cookie() -> str | None:
    """The session cookie the browser sent when this session connected, as sent (None in tests and when absent)."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - outside a browser session there are no cookies
        return None
    return value if isinstance(value, str) else None


def remember(token: str) -> None:
    """After a login: keep the user signed in across reloads of this browser (written by the next run)."""
    st.session_state[TOKEN] = token
    st.session_state[_COOKIE_PENDING] = token


def forget() -> str | None:
    """At logout: drop the session token here and in the browser; returns the token that was in use."""
    st.session_state[_COOKIE_PENDING] = ""
    return st.session_state.pop(TOKEN, None)


def sync_cookie() -> None:
    """Write a pending login or logout into the browser's cookie (the app calls this on every run). The cookie has
    no expiry date, so closing the browser ends it; SameSite=Strict keeps other sites from sending it."""
    pending = st.session_state.pop(_COOKIE_PENDING, None)
    if pending is None:
        return
    value = pending if _TOKEN_SHAPE.fullmatch(pending) else ""
    expiry = "" if value else "; max-age=0"
    cookie = json.dumps(f"{COOKIE}={value}; path=/; SameSite=Strict{expiry}")
    st.html(f"<script>document.cookie = {cookie};</script>", unsafe_allow_javascript=True)


def actor() -> Actor | None:
    """The signed-in user of this browser session, or None (never signed in, logged out, idle too long)."""
    token = st.session_state.get(TOKEN)
    if not token and not st.session_state.get(_COOKIE_TRIED):
        # A reload or a new tab of a signed-in browser: resume the session its cookie names, once per session.
        st.session_state[_COOKIE_TRIED] = True
        sent = _cookie()
        if sent is not None:
            # The cookie is user input like any other: only a token's shape is looked up.
            if not _TOKEN_SHAPE.fullmatch(sent) or users.session_actor(connection(), sent, ip()) is None:
                st.session_state[_COOKIE_PENDING] = ""  # forged, ended or idle too long: clear it, say nothing
                return None
            token = st.session_state[TOKEN] = sent
    if not token:
        return None
    found = users.session_actor(connection(), token, ip())
    if found is None:
        st.session_state.pop(TOKEN, None)
        st.session_state["auth_expired"] = True
    return found


def current_user() -> str:
    """The name recorded with an action (the core records the actor itself when handed one)."""
    who = actor()
    return who.name if who else texts.ACCOUNT["anonymous"]


def can(action: str) -> bool:
    return roles.may(actor(), action)


def is_admin() -> bool:
    """Whether an admin is signed in here: what only admins see (where the database file lives) asks this."""
    who = actor()
    return who is not None and who.role == roles.ADMIN


def view_requires_login() -> bool:
    cur = cursor()
    try:
        return bool(settings.get(cur, "view_requires_login"))
    finally:
        cur.close()


def may_open(page: str, who: Actor | None = None, login_for_viewing: bool | None = None) -> bool:
    """Whether this user may open the page: the navigation lists only these, and every page refuses the others."""
    if page in ALWAYS_OPEN:
        return True
    need = PAGE_NEEDS.get(page, roles.MANAGE_ACCOUNTS)
    if need is None:
        if login_for_viewing is None:
            login_for_viewing = view_requires_login()
        return who is not None or not login_for_viewing
    return roles.may(who, need)


def has_admin() -> bool:
    cur = cursor()
    try:
        return users.has_admin(cur)
    finally:
        cur.close()


def first_admin_hint() -> None:
    """No admin yet: say how to create one on the server (there is never a default password)."""
    st.warning(texts.ACCOUNT["no_admin"], icon=":material/admin_panel_settings:")
    st.code(texts.ACCOUNT["no_admin_command"], language="bash")


def guard(page: str) -> Actor | None:
    """Stop the page with a Chinese refusal unless the user may open it; returns the user. Every page calls this
    (through shell.begin or directly), so a page reached by URL is refused as surely as one left out of the menu."""
    who = actor()
    if may_open(page, who):
        return who
    t = texts.ACCOUNT
    st.title(texts.PAGES[page][0] if page in texts.PAGES else texts.APP_TITLE, anchor=False)
    with st.sidebar:
        sidebar_user()
    if not has_admin():
        first_admin_hint()
    elif who is None:
        st.info(t["login_needed"], icon=":material/lock:")
        st.page_link("views/login.py", label=t["go_login"], icon=":material/login:")
    else:
        st.error(t["refused"].format(name=md(who.name), role=who.role_label), icon=":material/block:")
    st.stop()
    return None


def sidebar_user() -> None:
    """Who is signed in, at the bottom of the sidebar's header."""
    who = actor()
    t = texts.ACCOUNT
    if who is None:
        st.page_link("views/login.py", label=t["sidebar_login"], icon=":material/login:")
    else:
        st.page_link(
            "views/login.py",
            label=t["sidebar_user"].format(name=md(who.name), role=who.role_label),
            icon=":material/account_circle:",
        )


def acting() -> Actor:
    """The signed-in user to hand a core write, or PermissionDenied (shown as a Chinese message). The core refuses
    None too; only in-process callers (first start, tests) use its default, roles.SYSTEM."""
    who = actor()
    if who is None:
        raise roles.PermissionDenied(texts.ACCOUNT["expired"])
    return who


def acting_or_visitor() -> Actor:
    """Who makes a write a visitor may make too (an objection to a posting): the signed-in user, or the visitor
    who has not signed in, recorded as 匿名 with the address the browser came from."""
    return actor() or roles.visitor(ip())


def admin_page(page: str) -> Actor:
    """The start of a page of its own (no board filters): refuse unless allowed, then the title and who is signed
    in; returns the user."""
    guard(page)
    with st.sidebar:
        sidebar_user()
    st.title(texts.PAGES[page][0], anchor=False)
    return acting()


def import_refusal(preview) -> str | None:
    """Why the signed-in user may not commit this preview (a limited clerk's file holding another section's rows …),
    or None: the commit's own check (analytics.accounts.guard.before_import), asked before the button is offered.
    The check names the uploader on the preview it is given, so it is handed a copy and the preview stays as it is."""
    who = actor()
    if who is None:
        return texts.ACCOUNT["expired"]
    store = st.session_state.setdefault("import_refusals", {})
    key = (who.name, who.role, tuple(who.sections), preview.sha256, preview.data_version, repr(preview.options))
    if key not in store:
        if len(store) > 50:
            store.clear()
        cur = cursor()
        try:
            account_guard.before_import(cur, who, copy.copy(preview))
            store[key] = None
        except DashboardError as exc:
            store[key] = exc.message
        finally:
            cur.close()
    return store[key]


def undo_refusals(batch_ids: list[int]) -> dict[int, str | None]:
    """Why the signed-in user may not undo each of these batches (another uploader's batch, a demo or rules batch),
    or None: the undo's own rule (analytics.accounts.guard), asked before the batches are offered."""
    who = actor()
    if who is None:
        return dict.fromkeys(batch_ids, texts.ACCOUNT["expired"])
    cur = cursor()
    try:
        return account_guard.undo_refusals(cur, who, batch_ids)
    finally:
        cur.close()
