"""数据导入: upload, preview with per-row problems, commit, history with undo, templates and the demo."""

from datetime import date

import streamlit as st

from ui import auth, importer, limits, shell, texts, workbench
from ui.db import location
from ui.safe import md

view = shell.begin("import", uses=())
t = texts.IMPORT
st.caption(t["intro"])

if not auth.can(auth.IMPORT):
    st.warning(t["no_permission"], icon=":material/lock:")
    st.stop()
importer.ready_readers()

left, middle, right = st.columns([2, 2, 2], vertical_alignment="bottom")
kind = left.selectbox(
    t["kind"], list(texts.KIND_LABELS_UI), format_func=texts.KIND_LABELS_UI.get, key="import_kind", help=t["kind_help"]
)
mark_left = middle.checkbox(
    t["mark_left"], key="import_mark_left", help=t["mark_left_help"], disabled=kind not in (None, "roster")
)
effective = right.date_input(
    t["effective"],
    value=date(view.catalog.campaign_year, 1, 1),
    key="import_effective",
    help=t["effective_help"],
    disabled=kind not in (None, "rules"),
    format="YYYY-MM-DD",
)

files = st.file_uploader(
    t["uploader"], type=["xlsx", "xls", "csv"], accept_multiple_files=True, key="import_files", help=t["uploader_help"]
)
opts = importer.options(kind, mark_left, effective)
checked = []
for index, file in enumerate(files or []):
    if limits.too_big(file):
        continue
    upload = importer.Upload(file.name, file.getvalue())
    bar = st.progress(0.0, text=t["checking"].format(name=md(file.name)))
    preview = importer.preview_for(
        upload, opts, lambda f, text, bar=bar: bar.progress(min(f, 1.0), text=text), view.version
    )
    bar.empty()
    checked.append((index, upload, preview))
if len(checked) > 1:
    importer.files_overview([p for _, _, p in checked])
for index, upload, preview in checked:
    importer.show_preview(upload, preview, index, view.version)

st.divider()
importer.history(view.version)
st.divider()
importer.templates(view.version)
st.divider()
workbench.layouts_admin()
st.divider()
importer.demo_controls(view.catalog.demo, view.catalog.empty)
if auth.is_admin():  # where the file lives is the server's business: admins only
    st.caption(t["db"].format(path=md(location())))
