"""规则设置's pieces: the version header, the book's tabs, the parameter form, the impact of an edit and the upload of a
rule-book workbook."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from analytics.accounts.roles import Actor
from analytics.errors import RuleBookError
from analytics.results import impact
from analytics.rules import rule_edit
from analytics.rules import rulebook as rb
from analytics.sheets import ingest
from ui import format as fmt
from ui import tables, texts
from ui.db import connection, cursor, version
from ui.safe import md

R = texts.RULES


def param_step(param: rb.Param) -> float:
    """The +/- step of a parameter's input: whole numbers for counts, tenths for weights, halves for points."""
    if param.integer:
        return 1
    if param.maximum <= 1:
        return 0.05
    return 0.5


def version_label(row: Any) -> str:
    newest = R["newest_mark"] if row["newest"] else ""
    return R["version_option"].format(
        id=row["version_id"], day=row["effective_from"], source=row["source_label"], newest=newest
    )


def rule_table(
    frame: pd.DataFrame, columns: dict[str, str], key: str, config: dict | None = None, height: int | str = "auto"
) -> None:
    shown = tables.readable(frame[[c for c in columns if c in frame]].rename(columns=columns))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config or {}, key=key, height=height)


def changes_view(changes: list[str]) -> None:
    """What differs from the book in force, in words."""
    st.markdown(f"**{R['changes_heading']}**")
    st.markdown("\n".join(f"- {md(line)}" for line in changes) if changes else R["no_changes"])


def impact_view(result: impact.Impact | None) -> None:
    """What a new rule book would do to published results: stars gained and lost, flag ranks and holders."""
    st.markdown(f"**{R['impact_heading']}**")
    if result is None or not result.changes:
        st.success(R["no_impact"], icon=":material/check_circle:")
        return
    total = (
        len(result.stars_gained)
        + len(result.stars_lost)
        + len(result.holder_changes)
        + len(result.flag_moves)
        + len(result.light_changes)
    )
    st.warning(R["impact_count"].format(n=total), icon=":material/published_with_changes:")
    st.markdown("\n".join(f"- {md(line)}" for line in result.lines))
    with st.expander(R["impact_details"], icon=":material/table_view:"):
        left, right = st.columns(2)
        star_cols = R["star_columns"]
        left.caption(R["stars_gained"])
        left.dataframe(result.stars_gained.rename(columns=star_cols), hide_index=True, width="stretch")
        right.caption(R["stars_lost"])
        right.dataframe(result.stars_lost.rename(columns=star_cols), hide_index=True, width="stretch")
        if len(result.flag_moves):
            st.caption(R["flag_moves"])
            st.dataframe(result.flag_moves.rename(columns=R["flag_columns"]), hide_index=True, width="stretch")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def version_header(head: dict[str, Any]) -> None:
    """The chosen version: number, effective date, source, who and when, note."""
    with st.container(border=True):
        badge = R["badge_newest"] if head["newest"] else R["badge_old"]
        st.markdown(R["header"].format(id=head["version_id"], day=fmt.cn_date(head["effective_from"]), badge=badge))
        by = md(head["created_by"]) if head["created_by"] else R["system"]
        st.caption(
            R["header_meta"].format(source=md(head["source_label"]), by=by, at=head["created_at"], items=head["items"])
        )
        if head["note"]:
            st.markdown(R["header_note"].format(note=md(head["note"])))
        if head["changes"] and head["changes"] != "初始规则":
            st.markdown(R["header_changes"].format(changes=md(head["changes"])))


def _param_value(row: Any) -> str:
    param = rb.PARAM_BY_KEY.get(row["key"])
    value = row["value"]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{int(round(value))}" if param is not None and param.integer else f"{value:g}"


def book_tabs(tables: dict[str, pd.DataFrame], history: pd.DataFrame) -> None:
    """The book's parts, one tab each, and the version history."""
    tabs = st.tabs(R["tabs"])
    with tabs[0]:
        params = tables["params"].assign(value=lambda f: [_param_value(r) for r in f.to_dict("records")])
        rule_table(params, R["param_columns"], "rules_params", height=38 + 35 * len(params))
    with tabs[1]:
        rule_table(tables["contents"], R["content_columns"], "rules_contents")
    with tabs[2]:
        items = tables["items"]
        rule_table(
            items,
            R["item_columns"],
            "rules_items",
            height=min(38 + 35 * len(items), 560),
            config={
                R["item_columns"]["veto"]: st.column_config.CheckboxColumn(),
                R["item_columns"]["monthly_cap"]: st.column_config.NumberColumn(format="%g"),
            },
        )
        st.caption(R["items_note"])
    with tabs[3]:
        rule_table(
            tables["activities"],
            R["activity_columns"],
            "rules_activities",
            config={R["activity_columns"]["five_one"]: st.column_config.CheckboxColumn()},
        )
    with tabs[4]:
        rule_table(tables["ledgers"], R["ledger_columns"], "rules_ledgers")
    with tabs[5]:
        st.markdown(" → ".join(f"**{md(n)}**" for n in tables["stages"]["name"]))
        rule_table(tables["stages"], R["stage_columns"], "rules_stages")
        st.markdown(f"**{R['arenas_heading']}**")
        rule_table(tables["arenas"], R["arena_columns"], "rules_arenas")
    with tabs[6]:
        rule_table(
            history,
            R["history_columns"],
            "rules_history",
            config={
                R["history_columns"]["created_at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                R["history_columns"]["newest"]: st.column_config.CheckboxColumn(),
                R["history_columns"]["changes"]: st.column_config.TextColumn(width="large"),
            },
        )
        st.caption(R["history_note"])


def param_key(key: str) -> str:
    return f"param_{key}"


def _reset_params() -> None:
    for p in rb.PARAMS:
        st.session_state.pop(param_key(p.key), None)
    st.session_state.pop("rules_impact", None)


def param_form(book: rb.RuleBook) -> dict[str, float]:
    """Number inputs for every declared parameter (keyed param_<key>), grouped as the rules read; starts from the
    book's values. Returns the values as entered."""
    values: dict[str, float] = {}
    grouped = [(title, [k for k in keys if k in rb.PARAM_BY_KEY]) for title, keys in R["param_groups"]]
    listed = {k for _, keys in grouped for k in keys}
    rest = [p.key for p in rb.PARAMS if p.key not in listed]
    if rest:
        grouped.append((R["param_other"], rest))
    for title, keys in grouped:
        st.markdown(f"**{title}**")
        cols = st.columns(3)
        for n, key in enumerate(keys):
            p = rb.PARAM_BY_KEY[key]
            widget = param_key(key)
            if widget not in st.session_state:
                value = book.param(key)
                st.session_state[widget] = int(round(value)) if p.integer else float(value)
            with cols[n % 3]:
                if p.integer:
                    values[key] = st.number_input(
                        p.label, int(p.minimum), int(p.maximum), step=1, key=widget, help=p.help
                    )
                else:
                    values[key] = st.number_input(
                        p.label,
                        float(p.minimum),
                        float(p.maximum),
                        step=float(param_step(p)),
                        format="%.2f" if p.maximum <= 1 else "%.1f",
                        key=widget,
                        help=p.help,
                    )
    st.button(R["reset"], key="rules_reset", icon=":material/restart_alt:", on_click=_reset_params, type="tertiary")
    return values


def edit_signature(version: str, book: rb.RuleBook | None, effective: date) -> tuple | None:
    """What a preview was computed for: the data version, the edited parameters and the effective date."""
    if book is None:
        return None
    return version, tuple(sorted(book.params.items())), effective


def remember_impact(key: str, signature: tuple | None, book: rb.RuleBook, effective: date) -> None:
    """Compute what the book would change and keep it in the session beside what it was computed for."""
    st.session_state[key] = (signature, impact.rules_impact(connection(), book, effective))


def recalled_impact(key: str, signature: tuple | None):
    """The remembered impact, when it was computed for exactly these edits; else None."""
    stored = st.session_state.get(key)
    if signature is None or not stored or stored[0] != signature:
        return None
    return stored[1]


def rules_preview(name: str, content: bytes, effective: date, uploader: str) -> ingest.Preview:
    """The dry run of an uploaded 加减分事项 sheet, kept in the session until the data or the date changes."""
    key = (ingest.sha256_of(content), effective, version())
    store = st.session_state.setdefault("rules_previews", {})
    if key not in store:
        if len(store) > 8:
            store.clear()
        options = ingest.Options(kind="rules", rules_effective=effective, uploader=uploader)
        store[key] = ingest.prepare(cursor(), content, name, options)
    return store[key]


def upload_book(preview: ingest.Preview) -> rb.RuleBook | None:
    """The new book an upload brings, or None after showing why there is none (problems, an inconsistent book,
    a file committed in this session)."""
    done = st.session_state.get("rules_committed", {}).get(preview.sha256)
    if done:
        st.success(R["upload_done"].format(batch=done), icon=":material/check_circle:")
        return None
    if not preview.ok:
        st.error(R["upload_errors"].format(n=len(preview.errors)), icon=":material/error:")
        from ui.importer import problems_frame

        st.dataframe(problems_frame(preview.errors[:500]), hide_index=True, width="stretch", key="rules_problems")
        return None
    new_book = preview.sheets[0].new_book
    try:
        new_book.check()
    except RuleBookError as exc:
        st.error(md(exc.message), icon=":material/error:")
        return None
    return new_book


def upload_summary(preview: ingest.Preview, current: rb.RuleBook, new_book: rb.RuleBook) -> None:
    st.success(R["upload_ok"], icon=":material/check_circle:")
    st.markdown("\n".join(f"- {md(line)}" for line in preview.summary_lines()))
    if preview.warnings:
        from ui.importer import problems_frame

        with st.expander(R["upload_warnings"].format(n=len(preview.warnings))):
            st.dataframe(problems_frame(preview.warnings[:500]), hide_index=True, width="stretch")
    changes_view(rule_edit.book_changes(current, new_book))
    with st.expander(R["new_items"].format(n=len(new_book.items))):
        rule_table(
            rule_edit.book_tables(new_book)["items"],
            R["item_columns"],
            "rules_new_items",
            config={R["item_columns"]["veto"]: st.column_config.CheckboxColumn()},
        )


def upload_impact(preview: ingest.Preview, new_book: rb.RuleBook, effective: date):
    """What the uploaded items would change, computed once per preview."""
    key = ("rules_upload_impact", preview.sha256, preview.data_version, effective)
    store = st.session_state.setdefault("rules_upload_impacts", {})
    if key not in store:
        store.clear()
        store[key] = impact.rules_impact(connection(), new_book, effective)
    return store[key]


def commit_rules(preview: ingest.Preview, actor: Actor) -> int:
    """Store the uploaded items as an import batch (so 数据导入 can undo it) and remember it for this session.
    ``actor``: the signed-in user (ui.auth.acting()), checked and audited by the core."""
    batch = ingest.commit(connection(), preview, actor)
    st.session_state.setdefault("rules_committed", {})[preview.sha256] = batch
    return batch
