"""The clerk's workbench on 数据导入: the column matching step, fixing rows in place, one line per file with
commit-all, what was ignored, and the remembered layouts (admins)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.errors import DashboardError
from analytics.sheets import fixes, mapping
from analytics.sheets.ingest import Preview
from ui import auth, data, tables, texts
from ui.db import connection, cursor
from ui.safe import md

W = texts.WORKBENCH
UNUSED_PICKERS = 12  # up to this many unrecognised columns of a sheet get their own select box


def choices_for(sha: str) -> dict[str, mapping.Choice]:
    """The clerk's column choices for one upload (header → field), kept in the session."""
    return st.session_state.setdefault("import_choices", {}).setdefault(sha, {})


def corrections_for(sha: str) -> dict[tuple[str, int, str], str]:
    """The cells the clerk corrected for one upload, kept in the session."""
    return st.session_state.setdefault("import_corrections", {}).setdefault(sha, {})


def _options(fields: list[str], signed: set[str]) -> list[str]:
    out = []
    for label in fields:
        if label in signed:
            out += [f"{label}:负", f"{label}:正"]
        else:
            out.append(label)
    return [*out, mapping.IGNORE]


def _label(value: str) -> str:
    if value == mapping.IGNORE:
        return W["ignore"]
    field, _, rule = value.partition(":")
    return field + (W["negate"] if rule == "负" else W["as_written"] if rule == "正" else "")


def _current(column: dict, signed: set[str]) -> str:
    if column["field"] is None:
        return mapping.IGNORE
    if column["field"] in signed:
        return f"{column['field']}:{'负' if column['rule'] == '取负' else '正'}"
    return column["field"]


def _signed(kind: str) -> set[str]:
    from analytics.sheets.kinds import KINDS

    return {KINDS[kind].column(k).label for k in mapping.SIGNED if any(c.key == k for c in KINDS[kind].columns)}


def matching(preview: Preview, index: int) -> None:
    """Each sheet's columns with their field, how they were matched, samples, and a select box to change or ignore;
    required fields still missing in red with what they mean and a picker among the unused columns."""
    chosen = choices_for(preview.sha256)
    tag = preview.sha256[:8]
    for n, step in enumerate(preview.matching):
        signed = _signed(step["kind"])
        spare = {c["header"]: c["samples"] for c in step["columns"] if c["field"] is None}
        matched = [c for c in step["columns"] if c["field"] is not None or c["how"] == mapping.IGNORE]
        unused = [c for c in step["columns"] if c["field"] is None and c["how"] != mapping.IGNORE]
        if len(unused) <= UNUSED_PICKERS:
            # A few unrecognised columns get a select box each (to be read as a field); many are only listed.
            matched, unused = sorted(matched + unused, key=lambda c: c["index"]), []
        asks = bool(step["missing"]) or any(c["how"] in (mapping.HOW_NEAR, mapping.HOW_CHOSEN) for c in matched)
        title = W["matching"].format(sheet=step["sheet"], kind=step["kind_label"])
        with st.expander(md(title), expanded=asks, icon=":material/view_column:"):
            st.caption(W["matching_help"])
            if step["remembered"]:
                st.info(W["remembered"], icon=":material/history:")
            for m in step["missing"]:
                st.error(md(W["missing"].format(field=m["field"], meaning=m["meaning"])), icon=":material/error:")
                field = m["field"].split(" 或 ")[0]
                pick = st.selectbox(
                    md(W["missing_pick"].format(field=m["field"])),
                    [None, *spare],
                    format_func=lambda h, s=spare: W["missing_none"] if h is None else f"{h}（{s[h] or '空'}）",
                    key=f"missing_{index}_{n}_{field}_{tag}",
                )
                if pick is not None and chosen.get(mapping.header_key(pick)) != mapping.Choice(field):
                    chosen[mapping.header_key(pick)] = mapping.Choice(field)
                    st.rerun()
            head = st.columns([2, 3, 2, 3])
            for cell, word in zip(head, (W["col_header"], W["col_samples"], W["col_how"], W["col_field"])):
                cell.caption(word)
            options = _options(step["fields"], signed)
            for column in matched:
                row = st.columns([2, 3, 2, 3], vertical_alignment="center")
                row[0].markdown(md(column["header"]))
                row[1].caption(md(column["samples"] or "—"))
                how = column["how"] + (f"，{column['rule']}" if column["rule"] else "")
                row[2].caption(md(how))
                current = _current(column, signed)
                picked = row[3].selectbox(
                    md(column["header"]),
                    options,
                    index=options.index(current) if current in options else len(options) - 1,
                    format_func=_label,
                    # The current reading is part of the key: when another choice changes it, the box starts afresh.
                    key=f"match_{index}_{n}_{column['index']}_{current}_{tag}",
                    label_visibility="collapsed",
                )
                if picked != current:
                    header, choice = mapping.parse_choice(f"{mapping.header_key(column['header'])}={picked}")
                    if chosen.get(header) != choice:
                        chosen[header] = choice
                        st.rerun()
            if unused:
                shown = "、".join(c["header"] for c in unused[:40]) + (" 等" if len(unused) > 40 else "")
                st.caption(md(W["unused"].format(n=len(unused)) + "：" + shown))
            if chosen and st.button(W["reset"], key=f"match_reset_{index}_{n}_{tag}", icon=":material/restart_alt:"):
                chosen.clear()
                st.rerun()


def fix_rows(preview: Preview, index: int, version: str) -> None:
    """The rows with errors in an editable table, each with its errors beside it; an edit re-checks the file."""
    corrections = corrections_for(preview.sha256)
    if preview.corrected:
        cells = "、".join(
            f"「{c['sheet']}」第 {c['row']} 行 {c['header']} “{c['original'] or ''}”→“{c['value']}”"
            for c in preview.corrected[:10]
        )
        st.info(md(W["fixed"].format(n=len(preview.corrected), cells=cells)), icon=":material/edit:")
    book = data.current_rules(version)
    for n, sheet in enumerate(s for s in preview.sheets if s.errors):
        frame, titles = fixes.error_rows(preview, sheet.sheet)
        if frame.empty:
            continue
        st.markdown(f"**{md(W['fix'].format(n=len(frame)))}** · 「{md(sheet.sheet)}」")
        st.caption(W["fix_help"])
        if len(frame) >= fixes.MAX_ROWS:
            st.caption(W["fix_many"].format(n=fixes.MAX_ROWS))
        cur = cursor()
        try:
            offered = fixes.offered(cur, frame, titles, book)
        finally:
            cur.close()
        config: dict = {
            fixes.ROW: st.column_config.NumberColumn(W["fix_row"], disabled=True, format="%d"),
            fixes.ERRORS: st.column_config.TextColumn(W["fix_error"], disabled=True, width="large"),
        }
        for title in titles:
            if title in offered:
                config[title] = st.column_config.SelectboxColumn(title, options=offered[title])
            else:
                config[title] = st.column_config.TextColumn(title)
        # The key changes with the corrections, so a re-checked table starts from the new rows.
        state = abs(hash(tuple(sorted(corrections.items())))) % 10**8
        with st.container(key=f"fixbox_{index}_{n}"):
            edited = st.data_editor(
                frame,
                column_config=config,
                hide_index=True,
                num_rows="fixed",
                width="stretch",
                key=f"fix_{index}_{n}_{preview.sha256[:8]}_{state}",
            )
        changed = fixes.corrections_from(sheet.sheet, frame, edited, titles)
        fresh = {k: v for k, v in changed.items() if corrections.get(k) != v}
        if fresh:
            corrections.update(fresh)
            st.rerun()


def ignored(preview: Preview) -> None:
    """Everything of the file that was not read, folded: sheets, columns, rows (grouped by why)."""
    columns = [c for c in preview.columns if c["field"] is None]
    rows: dict[tuple[str, str], list[int]] = {}
    for skipped in preview.skipped:
        rows.setdefault((skipped["sheet"], skipped["why"]), []).append(skipped["row"])
    total = len(preview.ignored) + len(columns) + len(rows)
    if not total:
        return
    with st.expander(W["ignored"].format(n=total), icon=":material/visibility_off:"):
        if preview.ignored:
            st.markdown(f"**{W['ignored_sheets']}**")
            st.markdown("\n".join(f"- 「{md(sheet)}」：{md(why)}" for sheet, why in preview.ignored))
        if columns:
            st.markdown(f"**{W['ignored_columns']}**")
            by_sheet: dict[str, list[str]] = {}
            for c in columns:
                by_sheet.setdefault(c["sheet"], []).append(f"{c['header']}（{c['rule']}）")
            st.markdown(
                "\n".join(
                    f"- 「{md(s)}」{len(h)} 列：{md('、'.join(h[:60]))}{' 等' if len(h) > 60 else ''}"
                    for s, h in by_sheet.items()
                )
            )
        if rows:
            st.markdown(f"**{W['ignored_rows']}**")
            lines = []
            for (sheet, why), numbers in rows.items():
                shown = "、".join(str(r) for r in numbers[:10]) + (" 等" if len(numbers) > 10 else "")
                lines.append(f"- 「{md(sheet)}」{md(why)}：{len(numbers)} 行（第 {shown} 行）")
            st.markdown("\n".join(lines))


def files_table(previews: list[Preview], impacts: dict[str, list[str]], committed: dict[str, int]) -> list[Preview]:
    """One line per uploaded file; returns the clean ones not yet committed (for commit-all)."""
    lines = []
    # The commit's own permission check: a file a limited clerk may not import is not counted as clean.
    refused = {p.sha256 for p in previews if p.ok and p.sha256 not in committed and auth.import_refusal(p)}
    for p in previews:
        published = "、".join(p.published_months)
        lines.append(
            {
                "file": p.file_name,
                "kind": p.kind_label,
                "rows": p.rows_imported,
                "points": "—" if p.points_total is None else f"{p.points_total:+g}",
                "errors": len(p.errors),
                "warnings": len(p.warnings),
                "impact": "已导入"
                if p.sha256 in committed
                else W["files_refused"]
                if p.sha256 in refused
                else "；".join(impacts.get(p.sha256, [])[:3]) or "—",
                "published": W["published"].format(months=published) if published else "",
            }
        )
    st.markdown(f"**{W['files'].format(n=len(previews))}**")
    frame = tables.readable(pd.DataFrame(lines).rename(columns=W["files_columns"]))
    st.dataframe(frame, hide_index=True, width="stretch")
    return [p for p in previews if p.ok and p.sha256 not in committed and p.sha256 not in refused]


def layouts_admin() -> None:
    """The remembered layouts: list and delete (admins)."""
    if not auth.can(auth.MANAGE_RULES):
        return
    st.subheader(W["layouts"], anchor=False)
    st.caption(W["layouts_help"])
    cur = cursor()
    try:
        frame = mapping.remembered_layouts(cur)
    finally:
        cur.close()
    if frame.empty:
        st.caption(W["layouts_none"])
        return
    st.dataframe(
        tables.readable(frame[list(W["layouts_columns"])].rename(columns=W["layouts_columns"])),
        hide_index=True,
        width="stretch",
        column_config={"确认时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
    labels = {int(r.layout_id): f"#{r.layout_id} {r.kind}：{r.choices}" for r in frame.itertuples()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    picked = left.selectbox(W["layouts_pick"], list(labels), format_func=labels.get, key="layout_pick")
    if right.button(W["layouts_delete"], key="layout_delete", icon=":material/delete:"):
        try:
            mapping.delete_remembered(connection(), picked, auth.acting())
        except DashboardError as exc:
            st.error(f"{md(exc.title)}：{md(exc.message)}", icon=":material/error:")
            return
        st.toast(W["layouts_deleted"].format(id=picked))
        st.rerun()
