"""Topics: what customers ask (found in their words, no tagging), renamed and merged by the user; the knowledge
gaps and the questions the AI left unanswered."""

from __future__ import annotations

import streamlit as st

from metrics.compute import aggregate, gaps, questions, topics
from metrics.compute.findings import months_live
from ui.frame import inside_frame
from ui.state import change_settings, remembered, session, signals_or_stop
from ui.widgets import has_ai, pct, show_table

inside_frame()

s = session()
st.title("Topics")
signals_or_stop(s)
found = topics.load(s.db) if s.settings.topics else []
if not s.settings.topics:
    st.info("Topics are switched off (sidebar, Loading). Switch them on to group conversations by what was asked.")
    st.stop()
if not found:
    st.info(
        "No topics could be found: they need the customers' words (a message text or a subject line) in at least "
        f"{topics.MIN_CONVERSATIONS} conversations, with words that recur across them."
    )
    st.stop()
st.caption(
    "Conversations grouped by what the customer wrote first (and the subject line, where there is one), with no "
    "tagging: each topic is named by the words that set it apart. Rename a topic below, or merge several under one "
    "name. The names are used on every page and in the Excel summary, and saved "
    "with the settings."
)

ai = has_ai(s)
names = topics.renames(s.settings)
by = aggregate.compute(s.db, s.settings, ["true_resolution_rate", "deflection_rate"], segment="topic")
rows = []
for t in topics.named(found, s.settings):
    r = by.get(t.name, {})
    row = {"Topic": t.name, "Conversations": t.conversations}
    if ai:
        row["Truly resolved by the AI"] = pct(r["true_resolution_rate"].value) if r else None
        row["Deflected"] = pct(r["deflection_rate"].value) if r else None
    row["Words that set it apart"] = ", ".join(t.terms)
    row["Found as"] = " + ".join(t.found_as) if t.found_as != (t.name,) else ""
    row["Example"] = t.examples[0] if t.examples else ""
    rows.append(row)
show_table(
    rows,
    hide_index=True,
    width="stretch",
    column_config={
        "Conversations": st.column_config.NumberColumn("Conversations", format="localized"),
        "Truly resolved by the AI": st.column_config.NumberColumn(
            "Truly resolved by the AI", format="%.1f%%", help="Of the topic's matured AI conversations"
        ),
        "Deflected": st.column_config.NumberColumn("Deflected", format="%.1f%%"),
    },
)


def _apply(names: dict[str, str]) -> None:
    """Rename the picked topics (one) or merge them (several) under the name typed."""
    picked, name = st.session_state.get("topics-picked") or [], (st.session_state.get("topics-new-name") or "").strip()
    if not picked or not name:
        st.session_state["topics-warning"] = "Pick at least one topic and type a name."
        return
    names = names | {f: name for f in picked}
    change_settings(s.settings.replace(topic_names=[f"{f}={n}" for f, n in names.items() if n != f]))
    st.session_state["topics-picked"], st.session_state["topics-new-name"] = [], ""


def _reset() -> None:
    change_settings(s.settings.replace(topic_names=[]))


with st.container(border=True):
    st.markdown("**Rename or merge topics**: pick one topic to rename it, or several to merge them under one name.")
    current = {t.name: names.get(t.name, t.name) for t in found}
    st.multiselect(
        "Topics",
        [t.name for t in found],
        key="topics-picked",
        format_func=lambda f: current[f] if current[f] == f else f"{current[f]} (found as {f})",
    )
    st.text_input("Name", key="topics-new-name", max_chars=80, placeholder="for example Refunds")
    st.button("Apply", type="primary", key="topics-apply", on_click=_apply, args=(names,))
    if warning := st.session_state.pop("topics-warning", None):
        st.warning(warning)
if s.settings.topic_names:
    st.button("Back to the names found", key="topics-reset", on_click=_reset)

if ai:
    st.subheader("Knowledge gaps")
    gap_list = remembered(s, "knowledge_gaps", lambda: gaps.find(s.db, s.settings, months_live(s.db)))
    if not gap_list:
        st.info("No topic where the AI fails clearly more often than in the others.")
    else:
        st.caption(
            "Topics where the AI fails clearly more often than in the others, next to what the agents write when "
            "they answer the same topic and the AI's answers lack. Each is also on What to fix next."
        )
        show_table(
            [
                {
                    "Topic": g.topic,
                    "AI failures a month": round(g.failures_per_month),
                    "Of AI conversations": f"{g.failures:,} of {g.ai_conversations:,}",
                    "What the agents write": ", ".join(g.human_phrases),
                    "What the AI writes": ", ".join(g.ai_phrases),
                }
                for g in gap_list
            ],
            hide_index=True,
            width="stretch",
        )

    st.subheader("Questions the AI left unanswered")
    asked = remembered(s, "unanswered_questions", lambda: questions.unanswered(s.db, s.settings))
    if not asked:
        st.info(
            f"Fewer than {questions.MIN_QUESTIONS} questions in AI conversations that were not truly resolved: "
            "too few to group."
        )
    else:
        st.caption(
            "What customers asked in AI conversations that were not truly resolved (handed over, came back, a "
            "ticket followed, a negative end or a silent exit), grouped by their words, most asked first."
        )
        show_table(
            [
                {
                    "Question about": g.question,
                    "Conversations": g.conversations,
                    "Share of them": pct(g.share),
                    "For example": " / ".join(g.examples),
                }
                for g in asked
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "Conversations": st.column_config.NumberColumn("Conversations", format="localized"),
                "Share of them": st.column_config.NumberColumn("Share of them", format="%.1f%%"),
            },
        )
