"""账号管理: admins list accounts, create them, change a role or a clerk's sections, reset a password, disable or
enable an account, and set the login and backup settings. Every change goes through the core, which checks and
audits it."""

import streamlit as st

from analytics.accounts import roles, settings, users
from analytics.errors import DashboardError
from ui import auth, tables, texts
from ui.db import connection, cursor
from ui.safe import md

t = texts.ACCOUNTS_PAGE
who = auth.admin_page("accounts")
st.caption(t["intro"])
done = st.session_state.pop("accounts_done", None)
if done:
    st.success(md(done), icon=":material/check_circle:")


def attempt(action, message: str) -> None:
    """Run one change; on success say so after the rerun, else show the core's Chinese reason."""
    try:
        action()
    except DashboardError as exc:
        st.error(md(exc.message), icon=":material/error:")
    else:
        st.session_state["accounts_done"] = message
        st.rerun()


cur = cursor()
try:
    frame = users.list_accounts(cur)
    section_names = users.section_names(cur)
    values = settings.all_values(cur)
finally:
    cur.close()

st.subheader(t["list"], anchor=False)
shown = frame.assign(
    role=frame["role"].map(roles.ROLES),
    locked_until=frame["locked_until"].map(lambda v: "—" if v is None or v != v else f"{v:%Y-%m-%d %H:%M}"),
    sections=frame["sections"].map(lambda s: "、".join(s) if s is not None and len(s) else "—"),
)
st.dataframe(
    # An account that never signed in reads 从未登录, not "None"; 最近活动 is shown as text for that word.
    tables.readable(
        shown[list(t["columns"])].rename(columns=t["columns"]), {t["columns"]["last_seen"]: t["never_seen"]}
    ),
    hide_index=True,
    width="stretch",
    key="accounts_table",
    column_config={
        t["columns"][k]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm") for k in ("created_at",)
    },
)

st.subheader(t["add"], anchor=False)
with st.form("account_add", clear_on_submit=True):
    left, middle = st.columns(2)
    name = left.text_input(t["add_name"], key="account_add_name", max_chars=32)
    role = middle.selectbox(t["add_role"], list(roles.ROLES), format_func=roles.ROLES.get, key="account_add_role")
    chosen = st.multiselect(t["add_sections"], section_names, key="account_add_sections", placeholder=t["all_sections"])
    password = st.text_input(
        t["add_password"], type="password", key="account_add_password", help=texts.ACCOUNT["password_help"]
    )
    add = st.form_submit_button(t["add_button"], type="primary", icon=":material/person_add:", key="account_add_submit")
if add:
    attempt(
        lambda: users.add(connection(), name, role, password, chosen, actor=who),
        t["added"].format(name=name.strip()),
    )

if not frame.empty:
    st.subheader(t["edit"], anchor=False)
    names = frame["name"].tolist()
    picked = st.selectbox(t["pick"], names, key="account_pick")
    row = frame.set_index("name").loc[picked]
    with st.container(border=True):
        left, middle = st.columns(2)
        new_role = left.selectbox(
            t["add_role"],
            list(roles.ROLES),
            index=list(roles.ROLES).index(row["role"]),
            format_func=roles.ROLES.get,
            key=f"account_role_{picked}",
        )
        current_sections = [s for s in (row["sections"] if row["sections"] is not None else []) if s in section_names]
        new_sections = middle.multiselect(
            t["add_sections"],
            section_names,
            default=current_sections,
            key=f"account_sections_{picked}",
            placeholder=t["all_sections"],
        )
        if st.button(t["save_role"], key="account_save_role", icon=":material/save:"):
            attempt(
                lambda: users.set_role(connection(), picked, new_role, new_sections, who),
                t["role_saved"].format(name=picked),
            )
    with st.container(border=True):
        new_password = st.text_input(
            t["reset_password"], type="password", key=f"account_reset_{picked}", help=texts.ACCOUNT["password_help"]
        )
        if st.button(t["reset_button"], key="account_reset_button", icon=":material/key:"):
            attempt(
                lambda: users.set_password(connection(), picked, new_password, who),
                t["password_reset"].format(name=picked),
            )
    if bool(row["disabled"]):
        if st.button(t["enable"], key="account_enable", icon=":material/person_check:"):
            attempt(lambda: users.set_disabled(connection(), picked, False, who), t["enabled"].format(name=picked))
    elif st.button(t["disable"], key="account_disable", icon=":material/person_off:"):
        attempt(lambda: users.set_disabled(connection(), picked, True, who), t["disabled"].format(name=picked))

st.subheader(t["settings"], anchor=False)
with st.form("account_settings"):
    chosen_values = {}
    for setting in settings.SETTINGS:
        if isinstance(setting.default, bool):
            chosen_values[setting.key] = st.toggle(
                setting.label, value=bool(values[setting.key]), help=setting.help, key=f"setting_{setting.key}"
            )
        else:
            chosen_values[setting.key] = st.number_input(
                setting.label,
                min_value=1,
                max_value=setting.maximum,
                value=int(values[setting.key]),
                step=1,
                help=setting.help,
                key=f"setting_{setting.key}",
            )
    save = st.form_submit_button(t["save_settings"], icon=":material/save:", key="settings_submit")
if save:

    def save_all() -> None:
        for key, value in chosen_values.items():
            if value != values[key]:
                users.change_setting(connection(), key, value, who)

    attempt(save_all, t["settings_saved"])
