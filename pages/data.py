"""Data page: upload exports (or keep the sample), map columns, and see what was loaded and rejected."""

from __future__ import annotations

import streamlit as st

from metrics.core.errors import IngestError
from metrics.load.mapping import dump_mappings
from ui import quality
from ui.frame import inside_frame
from ui.state import apply_mapping_file, remove_file, session, start_over, use_uploads
from ui.widgets import data_notices

inside_frame()


def _ask() -> None:
    st.session_state["confirm_start_over"] = True


def _cancel() -> None:
    st.session_state["confirm_start_over"] = False


def _start_over() -> None:
    st.session_state["confirm_start_over"] = False
    start_over()


s = session()
st.title("Data")
st.write(
    "Upload the exports your tools already produce: conversations or tickets, messages, and CRM accounts. "
    "CSV, TSV, Excel (.xlsx), Parquet and JSON lines are accepted, also gzip-compressed. "
    "Files are recognised by their column names; anything else can be mapped below."
)
uploads = st.file_uploader(
    "Export files",
    type=["csv", "tsv", "txt", "xlsx", "parquet", "jsonl", "ndjson", "json", "gz"],
    accept_multiple_files=True,
    key="uploads",
)
left, right = st.columns(2)
with left:
    mapping_file = st.file_uploader("Saved column mapping (optional)", type=["json"], key="mapping_upload")
with right:
    st.write("")
    if not s.is_sample:
        if st.session_state.get("confirm_start_over"):
            st.warning("Drop every uploaded file and go back to the sample data?")
            yes, no = st.columns(2)
            yes.button("Yes, start over", key="start_over_yes", on_click=_start_over)
            no.button("No, keep my files", key="start_over_no", on_click=_cancel)
        else:
            st.button("Start over with the sample data", key="back_to_sample", on_click=_ask)
if not s.is_sample and s.files:
    with st.expander(f"Files in use ({len(s.files)}): uploads add to these; remove one here"):
        st.caption(
            "Files stay loaded when you open other pages and come back. Uploading a file adds it; a file with the "
            "same name replaces the older one."
        )
        for i, (name, data) in enumerate(s.files):
            a, b = st.columns([4, 1])
            a.text(f"{name} ({len(data) / 1e6:,.2f} MB)")
            b.button("Remove", key=f"remove-{i}", on_click=remove_file, args=(name,))

if uploads:
    fp = "|".join(f"{u.file_id}:{u.size}" for u in uploads)  # the uploader's ids: no bytes read or hashed per rerun
    if s.upload_fingerprint != fp:
        files = [(u.name, u.getvalue()) for u in uploads]
        with st.status(f"Loading {len(files)} file(s)...", expanded=True) as box:
            changed = use_uploads(files, report=box.text, fp=fp)  # text: file names are never Markdown
            box.update(label="Loaded", state="complete", expanded=False)
        if changed:
            st.rerun()  # the frame (banner, sidebar) shows the new data too
if mapping_file is not None:
    try:
        if apply_mapping_file(mapping_file.getvalue()):
            st.rerun()
    except IngestError as e:
        st.error(quality.escape(str(e)))

if err := st.session_state.pop("load_error", None):
    st.error(quality.escape(err))
result = s.result
if result is None:
    st.stop()
for err in [*result.errors, *(e for e in s.refused if e not in result.errors)]:
    st.error(quality.escape(err))

quality.summary(s)
if s.db is not None and s.result.files:
    data_notices(s, "data")
quality.capabilities(s)
quality.unmapped(s)
for report in result.files:
    quality.file_panel(s, report)
quality.rejections(s)
if result.files:
    st.download_button(
        "Download the column mapping (JSON)",
        dump_mappings({f.name: f.mapping for f in result.files}),
        file_name="column-mapping.json",
        mime="application/json",
    )
