"""登录 / 我的账号: the login form for the intranet (no outside provider); once signed in, the account, logout and
changing one's own password (which ends the account's other sessions)."""

import streamlit as st

from analytics.accounts import users
from analytics.errors import DashboardError
from ui import auth, texts
from ui.db import connection
from ui.safe import md

t = texts.ACCOUNT
who = auth.actor()
st.title(texts.MY_ACCOUNT if who else texts.PAGES["login"][0], anchor=False)
if st.session_state.pop("auth_expired", False) and who is None:
    st.warning(t["expired"], icon=":material/timer_off:")
notice = st.session_state.pop("auth_notice", None)
if notice:
    st.success(notice, icon=":material/check_circle:")

if who is None:
    if not auth.has_admin():
        auth.first_admin_hint()
    st.caption(t["intro"].format(view=t["view_login"] if auth.view_requires_login() else t["view_open"]))
    with st.form("login_form", border=True, enter_to_submit=True):
        name = st.text_input(t["name"], key="login_name", max_chars=64)
        password = st.text_input(t["password"], key="login_password", type="password", max_chars=128)
        submitted = st.form_submit_button(t["login"], type="primary", icon=":material/login:", key="login_submit")
    if submitted:
        try:
            actor, token = users.login(connection(), name, password, auth.ip())
        except DashboardError as exc:
            st.error(md(exc.message), icon=":material/error:")
        else:
            auth.remember(token)
            st.session_state["auth_notice"] = t["welcome"].format(name=actor.name, role=actor.role_label)
            st.rerun()
    st.stop()

st.markdown(t["signed_in"].format(name=md(who.name), role=who.role_label))
if who.sections:
    st.caption(t["sections"].format(sections=md("、".join(who.sections))))
if st.button(t["logout"], key="logout", icon=":material/logout:"):
    users.logout(connection(), auth.forget(), auth.ip())
    st.session_state["auth_notice"] = t["logged_out"]
    st.rerun()

st.divider()
st.subheader(t["change_password"], anchor=False)
with st.form("password_form", border=True, clear_on_submit=True):
    old = st.text_input(t["old_password"], key="pw_old", type="password", max_chars=128)
    new = st.text_input(t["new_password"], key="pw_new", type="password", max_chars=128, help=t["password_help"])
    again = st.text_input(t["new_password2"], key="pw_again", type="password", max_chars=128)
    change = st.form_submit_button(t["change_password"], key="pw_submit", icon=":material/key:")
if change:
    if new != again:
        st.error(t["mismatch"], icon=":material/error:")
    else:
        try:
            users.set_password(connection(), who.name, new, who, keep_token=st.session_state.get(auth.TOKEN), old=old)
        except DashboardError as exc:
            st.error(md(exc.message), icon=":material/error:")
        else:
            st.success(t["password_changed"], icon=":material/check_circle:")
