"""The import workflow for the 数据导入 page: previews kept per uploaded file, commit, undo, templates and the demo."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from analytics.errors import DashboardError
from analytics.results.impact import Impact, import_impact
from analytics.sheets import ingest, worker
from analytics.sheets.checks.tasks import CONFIRM_DROP, DROP_TOPIC
from analytics.sheets.errorbook import error_workbook_name
from analytics.sheets.kinds import KIND_LABELS, KINDS
from analytics.sheets.problems import Problem
from analytics.sheets.templates import build_template, template_name
from analytics.store.db import follow_up_once
from demo import year as demo
from ui import auth, data, tables, texts, workbench
from ui.db import connection, cursor
from ui.safe import md

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Upload:
    name: str
    content: bytes


def ready_readers() -> None:
    """Have the parsing children started before the clerk chooses a file (analytics.sheets.worker.warm)."""
    worker.warm()


def options(kind: str | None, mark_missing_left: bool, effective: date | None) -> ingest.Options:
    return ingest.Options(
        kind=kind, uploader=auth.current_user(), mark_missing_left=mark_missing_left, rules_effective=effective
    )


def decisions_for(sha: str) -> dict[tuple[str, int], str]:
    """The clerk's 移动 / 新增同名人员 choices for the ambiguous roster rows of one upload."""
    return st.session_state.setdefault("import_decisions", {}).setdefault(sha, {})


def preview_for(upload: Upload, opts: ingest.Options, progress, version: str) -> ingest.Preview:
    """The dry run of an upload, kept in the session until the data, the options or the clerk's decisions change."""
    sha = ingest.sha256_of(upload.content)
    decided = decisions_for(sha)
    chosen = workbench.choices_for(sha)
    corrected = workbench.corrections_for(sha)
    opts = replace(opts, decisions=dict(decided), columns=dict(chosen), corrections=dict(corrected))
    key = (
        sha,
        opts.kind,
        opts.mark_missing_left,
        opts.rules_effective,
        version,
        tuple(sorted(decided.items())),
        tuple(sorted(chosen.items(), key=lambda kv: kv[0])),
        tuple(sorted(corrected.items())),
    )
    store = st.session_state.setdefault("import_previews", {})
    if key not in store:
        if len(store) > 20:
            store.clear()
        store[key] = ingest.prepare(cursor(), upload.content, upload.name, opts, progress)
    return store[key]


def impact_for(preview: ingest.Preview) -> Impact | None:
    """What committing would change in stars, flags and task lights; computed once per preview."""
    store = st.session_state.setdefault("import_impacts", {})
    key = (
        preview.sha256,
        preview.data_version,
        preview.kind,
        tuple(preview.options.columns.items()),
        len(preview.corrected),
    )
    if key not in store:
        store[key] = import_impact(connection(), preview)
    return store[key]


def committed_here() -> dict[str, int]:
    """sha256 → batch id of files committed in this session, so their preview says 已导入 instead of a refusal."""
    return st.session_state.setdefault("import_committed", {})


def commit(preview: ingest.Preview) -> int | None:
    outcome = _try_commit(preview)
    if isinstance(outcome, str):
        st.error(outcome, icon=":material/error:")
        return None
    return outcome


def _try_commit(preview: ingest.Preview) -> int | str:
    """The batch id, or why the file was refused."""
    try:
        with st.spinner(f"正在导入 {md(preview.file_name)} …"):
            batch = ingest.commit(connection(), preview, auth.acting())
    except DashboardError as exc:
        return f"{md(exc.title)}：{md(exc.message)}"
    committed_here()[preview.sha256] = batch
    return batch


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    frame = pd.DataFrame([{k: getattr(p, k) for k in texts.PROBLEM_COLUMNS} for p in problems])
    if frame.empty:
        return frame
    frame["row"] = frame["row"].astype("Int64")
    return tables.readable(frame.rename(columns=texts.PROBLEM_COLUMNS))


def show_preview(upload: Upload, preview: ingest.Preview, index: int, version: str) -> None:
    t = texts.IMPORT
    done = committed_here().get(preview.sha256)
    with st.container(border=True):
        # The name shown is the one recorded (analytics.sheets.guard.safe_file_name), not the browser's raw name. A
        # file committed here is checked again as one already imported, which reads no sheet: its kind and rows are
        # the batch's.
        batch = _batch(done, version) if done else None
        kind = _kind_label(str(batch["kind"])) if batch is not None else preview.kind_label
        st.markdown(f"**{t['preview'].format(name=md(preview.file_name))}** · {md(kind)}")
        if done:
            rows = int(batch["rows_imported"]) if batch is not None else 0
            st.success(
                t["committed"].format(name=md(preview.file_name), batch=done, rows=rows), icon=":material/check_circle:"
            )
            return
        errors, warnings = preview.errors, preview.warnings
        # The commit's own permission check, asked now: a limited clerk learns before the button that a row is
        # another section's, and no button is offered.
        refused = auth.import_refusal(preview) if preview.ok else None
        if errors:
            st.error(t["has_errors"].format(n=len(errors)), icon=":material/error:")
        elif refused:
            st.error(f"{t['refused']}：{md(refused)}", icon=":material/block:")
        else:
            st.success(t["ok"], icon=":material/check_circle:")
        if warnings:
            st.warning(t["warnings"].format(n=len(warnings)), icon=":material/warning:")
        lines = preview.summary_lines()
        if lines:
            st.markdown(f"**{t['summary']}**")
            st.markdown("\n".join(f"- {md(line)}" for line in lines))
        if preview.published_months:
            st.warning(
                texts.WORKBENCH["published"].format(months=md("、".join(preview.published_months))),
                icon=":material/lock:",
            )
        if preview.questions:
            decide(preview, index)
        workbench.matching(preview, index)
        understood(preview)
        workbench.ignored(preview)
        if preview.ok and preview.points_total is not None:
            left, right = st.columns(2)
            left.caption(t["by_content"])
            left.dataframe(preview.totals_by_content(), hide_index=True, width="stretch")
            right.caption(t["by_section"])
            right.dataframe(preview.totals_by_section(), hide_index=True, width="stretch")
        if preview.ok and any(s.kind in ("points", "tasks", "roster") for s in preview.sheets):
            with st.spinner("正在计算导入后的变化…"):
                impact = impact_for(preview)
            st.markdown(f"**{t['impact']}**")
            if impact is None or not impact.changes:
                st.caption(t["no_impact"])
            else:
                st.markdown("\n".join(f"- {md(line)}" for line in impact.lines))
        if errors:
            st.markdown(f"**{t['errors_table']}**")
            st.dataframe(problems_frame(errors[:2000]), hide_index=True, width="stretch")
        if errors or preview.corrected:
            workbench.fix_rows(preview, index, version)
        if warnings:
            with st.expander(t["warnings_table"]):
                st.dataframe(problems_frame(warnings[:2000]), hide_index=True, width="stretch")
        if preview.raw and (errors or warnings):
            st.download_button(
                t["download_errors"],
                preview.error_workbook,  # built once per preview, only when the clerk asks for it
                error_workbook_name(preview.file_name),
                XLSX,
                key=f"errors_{index}",
                icon=":material/download:",
                on_click="ignore",
            )
        if (
            preview.ok
            and not refused
            and st.button(t["commit"], key=f"commit_{index}", type="primary", icon=":material/save:")
        ):
            batch = commit(preview)
            if batch is not None:
                st.rerun()


def _key(preview: ingest.Preview, index: int, n: int) -> str:
    """The widget key of question n of the preview."""
    return f"decide_{index}_{n}_{preview.sha256[:8]}"


def decide(preview: ingest.Preview, index: int) -> None:
    """One choice per question of the preview: a roster row whose name exists in another section (移动 / 新增同名人员),
    the hidden rows of a sheet (导入 / 不导入), a drop in a task's progress (进度确实下降). Refused until the clerk
    says which. More than one drop: one button confirms them all, as choosing 进度确实下降 on each would."""
    t = texts.IMPORT
    decided = decisions_for(preview.sha256)
    roster = [(n, q) for n, q in enumerate(preview.questions) if "text" not in q]
    others = [(n, q) for n, q in enumerate(preview.questions) if "text" in q]
    drops = [(n, q) for n, q in others if q.get("topic") == DROP_TOPIC]
    for heading, help_text, asked in ((t["decide"], t["decide_help"], roster), (t["confirm"], None, others)):
        if not asked:
            continue
        st.markdown(f"**{heading}**")
        if help_text:
            st.caption(help_text)
        if asked is others and len(drops) > 1:
            # Written as one decision per drop shown, keyed like the radios' (this upload, sheet, row): the same
            # stored rows and words as confirming each, and nothing for a row or a file the clerk was not shown.
            places = {(q["sheet"], q["row"]): _key(preview, index, n) for n, q in drops}
            st.button(
                t["confirm_drops"].format(n=len(drops)),
                key=f"confirm_drops_{index}",
                help=t["confirm_drops_help"],
                icon=":material/done_all:",
                disabled=all(decided.get(place) == CONFIRM_DROP for place in places),
                on_click=_confirm_drops,
                args=(decided, places),
            )
        for n, q in asked:
            # Each question its own labels: a name in another section (move) or under another 工号 (the same
            # person), or the hidden rows of a sheet (its text says which).
            labels = {None: t["decide_refuse"], **{c["value"]: c["label"] for c in q["choices"]}}
            place = (q["sheet"], q["row"])
            label = q.get("text") or t["decide_row"].format(
                sheet=q["sheet"], row=q["row"], name=q["name"], now=q["now"], to=q["to"]
            )
            choice = st.radio(
                md(label),
                list(labels),
                index=list(labels).index(decided.get(place)) if decided.get(place) in labels else 0,
                format_func=labels.get,
                horizontal=True,
                key=_key(preview, index, n),
            )
            if choice != decided.get(place):
                if choice is None:
                    decided.pop(place, None)
                else:
                    decided[place] = choice
                st.rerun()


def _confirm_drops(decided: dict[tuple[str, int], str], places: dict[tuple[str, int], str]) -> None:
    """Choose 进度确实下降 for each drop shown: its decision, and its radio shown again from it (a widget's own
    state would otherwise keep 暂不导入 and take the decision back)."""
    for place, key in places.items():
        decided[place] = CONFIRM_DROP
        st.session_state.pop(key, None)


def understood(preview: ingest.Preview) -> None:
    """How the file was read: every column, every row left out, every roster change."""
    t = texts.IMPORT
    with st.expander(t["understood"]):
        if preview.why_kind:
            st.markdown(
                "\n".join(f"- {t['why_kind'].format(sheet=md(k), why=md(v))}" for k, v in preview.why_kind.items())
            )
        if preview.columns:
            st.dataframe(
                tables.readable(
                    pd.DataFrame(preview.columns).rename(columns=texts.IMPORT_COLUMN_COLUMNS), texts.IMPORT_COLUMN_WORDS
                ),
                hide_index=True,
                width="stretch",
            )
        if preview.roster_changes:
            st.caption(t["roster_changes"])
            frame = pd.DataFrame(preview.roster_changes).reindex(columns=list(texts.ROSTER_CHANGE_COLUMNS))
            st.dataframe(
                tables.readable(frame.rename(columns=texts.ROSTER_CHANGE_COLUMNS)), hide_index=True, width="stretch"
            )
        if preview.skipped:
            st.caption(t["skipped"].format(n=len(preview.skipped)))
            frame = tables.readable(pd.DataFrame(preview.skipped[:2000]).rename(columns=texts.SKIPPED_COLUMNS))
            st.dataframe(frame, hide_index=True, width="stretch")


def _batch(batch_id: int, version: str) -> pd.Series | None:
    """The row of the history for one batch, or None."""
    frame = data.batches(version)
    hit = frame.loc[frame["batch_id"] == batch_id]
    return hit.iloc[0] if len(hit) else None


def _kind_label(kind: str) -> str:
    """A batch's kinds ("points,tasks") as the page names them."""
    return "、".join(KIND_LABELS.get(k, k) for k in kind.split(",") if k) or "未识别"


def history(version: str) -> None:
    t = texts.IMPORT
    frame = data.batches(version)
    st.subheader(t["history"], anchor=False)
    if frame.empty:
        st.caption("还没有导入记录。")
        return
    # Years of weekly uploads from every section are thousands of batches: one searchable page of them (newest first),
    # and the batches offered for undo are the live ones on that page.
    page = tables.paged(frame, "batches", ("batch_id", "file_name", "uploader"), unit="批", hint=t["search_batches"])
    shown = page.assign(
        kind_label=page["kind"].map(lambda k: _kind_label(str(k))),
        points_total=page["points_total"].map(lambda v: "—" if pd.isna(v) else f"{v:+g}"),
        status_label=page["status"].map(texts.STATUS_LABELS) + page["is_demo"].map(lambda d: "（演示）" if d else ""),
    )
    st.dataframe(
        tables.readable(shown[list(texts.BATCH_COLUMNS)].rename(columns=texts.BATCH_COLUMNS)),
        hide_index=True,
        width="stretch",
        column_config={"导入时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
    live = page[page["status"] == "committed"]
    if live.empty or not auth.can(auth.IMPORT):
        return
    # Only the batches this account may undo are offered (a clerk's own; not a demo or rules batch without that
    # permission): the undo's own check, asked for each batch of the page.
    refusals = auth.undo_refusals([int(b) for b in live["batch_id"]])
    mine = [refusals[int(b)] is None for b in live["batch_id"]]
    if not all(mine):
        st.caption(t["undo_others"].format(n=mine.count(False)))
    live = live[mine]
    if live.empty:
        return
    # The file and the time, without the batch's number: the confirmation below puts that in front of them.
    named = {int(r.batch_id): f"{r.file_name}，{r.imported_at:%m-%d %H:%M}" for r in live.itertuples()}
    labels = {batch: f"#{batch} {name}" for batch, name in named.items()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        t["undo_pick"], list(labels), format_func=labels.get, key="undo_batch", help=t["undo_pick_help"]
    )
    if right.button(t["undo"], key="undo_button", icon=":material/undo:"):
        st.session_state["undo_pending"] = chosen
    pending = st.session_state.get("undo_pending")
    if pending in labels:
        st.warning(t["undo_confirm"].format(batch=pending, name=md(named[pending])), icon=":material/warning:")
        yes, no = st.columns(2)
        if yes.button("确认撤销", key="undo_confirm", type="primary"):
            try:
                with st.spinner(t["undoing"].format(batch=pending)):
                    ingest.undo(connection(), pending, actor=auth.acting())
                st.session_state.pop("undo_pending", None)
                st.toast(t["undone"].format(batch=pending), icon=":material/undo:")
                st.rerun()
            except DashboardError as exc:
                st.error(f"{md(exc.title)}：{md(exc.message)}", icon=":material/error:")
        if no.button("取消", key="undo_cancel"):
            st.session_state.pop("undo_pending", None)
            st.rerun()


def templates(version: str) -> None:
    t = texts.IMPORT
    st.subheader(t["templates"], anchor=False)
    st.caption(t["templates_help"])
    book = data.current_rules(version)
    columns = st.columns(3)
    for n, kind in enumerate(KINDS):
        columns[n % 3].download_button(
            KINDS[kind].label,
            _template(version, kind, book),
            template_name(kind),
            XLSX,
            key=f"template_{kind}",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )


@st.cache_data(show_spinner=False, max_entries=16)
def _template(version_: str, kind: str, _book) -> bytes:
    return build_template(kind, _book)


def demo_controls(is_demo: bool, empty: bool) -> None:
    t = texts.IMPORT
    if not auth.can(auth.CLEAR_DEMO):
        return
    st.subheader(t["demo"], anchor=False)
    if is_demo:
        st.caption(texts.DEMO_HELP)
        if st.button(t["demo_clear"], key="demo_clear", icon=":material/delete:"):
            st.session_state["demo_clear_pending"] = True
        if st.session_state.get("demo_clear_pending"):
            st.warning(t["demo_clear_confirm"], icon=":material/warning:")
            if st.button("确认清除", key="demo_clear_confirm", type="primary"):
                with st.spinner(t["demo_clearing"]):
                    demo.clear_demo(connection(), actor=auth.acting())
                st.session_state.pop("demo_clear_pending", None)
                st.toast(t["demo_cleared"])
                st.rerun()
    elif empty:
        if st.button(t["demo_load"], key="demo_load", icon=":material/science:"):
            with st.spinner(t["demo_load"] + " …"):
                demo.load_demo(connection(), actor=auth.acting())
            st.rerun()


def files_overview(previews: list[ingest.Preview]) -> None:
    """Several files at once: one line per file, and commit-all for the clean ones."""
    impacts = {}
    for p in previews:
        if p.ok and p.sha256 not in committed_here() and any(s.kind in ("points", "tasks", "roster") for s in p.sheets):
            impact = impact_for(p)
            impacts[p.sha256] = impact.lines if impact is not None and impact.changes else ["无变化"]
    clean = workbench.files_table(previews, impacts, committed_here())
    if clean and st.button(
        texts.WORKBENCH["commit_all"].format(n=len(clean)), key="commit_all", type="primary", icon=":material/save:"
    ):
        # Every clean file is tried: one found to hold nothing new once an earlier one is in (or refused for
        # another reason) does not keep the others out. The refusals are kept for the page after the rerun.
        done = 0
        refused = []
        with follow_up_once():  # the rollups brought up to date once, after the last file
            for p in clean:
                outcome = _try_commit(p)
                if isinstance(outcome, str):
                    refused.append(texts.WORKBENCH["commit_all_refused"].format(name=md(p.file_name), why=outcome))
                else:
                    done += 1
        st.session_state["commit_all_refused"] = (_files(previews), refused)
        if done:
            st.toast(texts.WORKBENCH["commit_all_done"].format(n=done))
        st.rerun()
    files, refused_lines = st.session_state.get("commit_all_refused", ((), []))
    if files == _files(previews):  # said while the same files are on the page
        for line in refused_lines:
            st.error(line, icon=":material/error:")


def _files(previews: list[ingest.Preview]) -> tuple[str, ...]:
    return tuple(sorted(p.sha256 for p in previews))
