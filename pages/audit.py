"""Check the resolution: people read a sample of AI conversations, say whether each was resolved, and see how
far the true-resolution signal agrees with them (issue 21)."""

from __future__ import annotations

import streamlit as st

from metrics.compute import aggregate, audit, vendor
from metrics.compute.evidence import OUTCOME_WORDS
from metrics.core.errors import IngestError
from metrics.present import formatting
from metrics.present.formatting import NO_DATA
from ui.frame import inside_frame
from ui.state import session, signals_or_stop
from ui.text import md_escape
from ui.widgets import has_ai, pct, show_table, transcript_panel

inside_frame()

s = session()
st.title("Check the resolution")
signals_or_stop(s)
if not has_ai(s):
    st.info("The check reads AI conversations: it fills in once AI conversations are loaded.")
    st.stop()
st.caption(
    "Is 'truly resolved' right? Read a sample of AI conversations whose windows have closed, without seeing what "
    "the app decided, and say whether each was resolved. The app then says how often it agrees with you and "
    "what the true-resolution rate is once its mistakes are corrected. Save the labels to share the work; load "
    "them again in a later session. The labels also go into the Excel summary."
)

vendor_rows = vendor.compare(s.db)
if vendor_rows:
    st.subheader("What your AI vendor says vs the evidence")
    overall = vendor_rows[0]
    st.markdown(
        f"Your export carries the vendor's own verdict: it calls **{overall.vendor_rate:.1%}** of these "
        f"{overall.conversations:,} AI conversations resolved; the evidence (no handover, no return, no ticket "
        f"after, no unhappy end, closed) says **{overall.true_rate:.1%}**. "
        f"{overall.vendor_only:,} it calls resolved were not; {overall.evidence_only:,} it did not call resolved were."
    )
    show_table(
        [
            {
                "Category": "All" if r.segment == aggregate.ALL else r.segment,
                "AI conversations": r.conversations,
                "The vendor says resolved": pct(r.vendor_rate),
                "Truly resolved": pct(r.true_rate),
                "Vendor says resolved, evidence says not": r.vendor_only,
                "Evidence says resolved, vendor says not": r.evidence_only,
            }
            for r in vendor_rows
        ],
        hide_index=True,
        column_config={
            "AI conversations": st.column_config.NumberColumn(format="localized"),
            "The vendor says resolved": st.column_config.NumberColumn(format="%.1f%%"),
            "Truly resolved": st.column_config.NumberColumn(format="%.1f%%"),
        },
    )
    with st.expander("Conversations where they disagree (the newest 20)"):
        show_table(
            [
                {
                    "Conversation": cid,
                    "Category": cat,
                    "The vendor says": "resolved" if said else "not resolved",
                    "What happened": OUTCOME_WORDS.get(outcome, outcome or "").capitalize(),
                }
                for cid, cat, said, outcome in vendor.disagreements(s.db)
            ],
            hide_index=True,
        )
    st.subheader("Read conversations yourself")


def _draw() -> None:
    s.audit_queue = audit.draw(s.db, int(st.session_state.get("audit-n") or 50), seed=len(s.labels))


def _label(cid: str, label: str) -> None:
    s.labels[cid] = label


def _forget() -> None:
    s.labels.clear()
    s.audit_queue = []


up = st.file_uploader("Load labels saved earlier (CSV)", type=["csv"], key="labels-file")
if up is not None and st.session_state.get("labels-loaded") != up.file_id:
    try:
        s.labels.update(audit.read_labels(up.name, up.getvalue()))
        st.session_state["labels-loaded"] = up.file_id
    except IngestError as e:
        st.error(md_escape(str(e)))

left, right = st.columns([1, 3], vertical_alignment="bottom")
left.number_input("Conversations to read", 10, 500, 50, step=10, key="audit-n")
right.button("Draw a sample to read", key="audit-draw", on_click=_draw, type="primary")

todo = [c for c in s.audit_queue if c not in s.labels]
if s.audit_queue:
    done = len(s.audit_queue) - len(todo)
    st.progress(done / len(s.audit_queue), text=f"{done} of {len(s.audit_queue)} read")
if todo:
    cid = todo[0]
    transcript_panel(s, cid)
    a, b, c, d = st.columns(4)
    a.button("Resolved", key="label-resolved", on_click=_label, args=(cid, "resolved"), width="stretch")
    b.button("Not resolved", key="label-not", on_click=_label, args=(cid, "not_resolved"), width="stretch")
    c.button("Can't tell", key="label-cant", on_click=_label, args=(cid, "cant_tell"), width="stretch")
elif s.audit_queue:
    st.success("Every conversation of the sample is labelled. Draw another sample to read more.")

if not s.labels:
    st.stop()
st.subheader("How far the signal agrees with you")
result = audit.evaluate(s.db, s.labels)


def _pct(v: float | None) -> str:
    return formatting.value("rate", v)


def _range(low: float | None, high: float | None, pct: bool = True) -> str:
    if low is None or high is None:
        return ""
    return f"95% range {low:.1%} to {high:.1%}" if pct else f"95% range {low:.2f} to {high:.2f}"


cols = st.columns(4)
cols[0].metric("Conversations labelled", f"{result.n_labelled:,}", help=f"{result.n_cant_tell:,} of them: can't tell")
cols[1].metric(
    "Agreement beyond chance",
    NO_DATA if result.kappa is None else f"{result.kappa:.2f}",
    help="Cohen's kappa: 1 = always agrees, 0 = no better than chance. "
    + _range(result.kappa_low, result.kappa_high, pct=False),
)
cols[2].metric(
    "Truly resolved, corrected",
    _pct(result.corrected_true_resolution_rate),
    help="The signal's rate corrected by how often people disagreed with it, by what it said. "
    + _range(result.ci_low, result.ci_high),
)
cols[3].metric("Truly resolved, as the signal says", _pct(result.signal_rate))
cols = st.columns(4)
cols[0].metric(
    "Resolved ones it recognises",
    _pct(result.sensitivity),
    help="Sensitivity: of the conversations people call resolved, the share the signal calls truly resolved.",
)
cols[1].metric(
    "Unresolved ones it recognises",
    _pct(result.specificity),
    help="Specificity: of the conversations people call not resolved, the share the signal calls not truly resolved.",
)
if result.ci_low is not None:
    st.caption(f"Corrected true resolution: {_range(result.ci_low, result.ci_high)}.")
if result.n_outside:
    st.caption(
        f"{result.n_outside:,} labels are for conversations that are not matured AI conversations here; left out."
    )
c = result.confusion
show_table(
    [
        {
            "The signal says": "truly resolved",
            "You said resolved": c["resolved_resolved"],
            "You said not": c["resolved_not"],
        },
        {"The signal says": "not truly resolved", "You said resolved": c["not_resolved"], "You said not": c["not_not"]},
    ],
    hide_index=True,
)
l1, l2 = st.columns([1, 3])
l1.download_button(
    "Save the labels (CSV)", audit.write_labels(s.labels), "resolution-labels.csv", mime="text/csv", key="labels-save"
)
l2.button("Forget the labels", key="labels-forget", on_click=_forget)
