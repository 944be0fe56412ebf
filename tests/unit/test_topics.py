"""Topics without tagging, knowledge gaps and unanswered questions (issue 20), on hand-built text."""

from __future__ import annotations

import pytest

from metrics.compute import aggregate, questions, signals, topics
from metrics.core.db import rows
from metrics.core.errors import SettingsError
from metrics.core.settings import Settings
from metrics.load import ingest
from tests.unit.test_signals import build, conv


def _planted_topics(n_per: int = 40, seed: int = 3) -> tuple[list[str], list[int]]:
    """Three topics with their own words (refunds, passwords, deliveries), each message with filler words and
    a word of another topic now and then."""
    import random

    rnd = random.Random(seed)
    vocab = [
        ["refund", "money back", "charged", "card", "payment"],
        ["password", "reset", "login", "locked", "sign in"],
        ["delivery", "parcel", "courier", "tracking", "shipped"],
    ]
    filler = ["please", "hello", "today", "still", "again", "really", "urgent", "thanks"]
    texts, truth = [], []
    for t, words in enumerate(vocab):
        for _ in range(n_per):
            w = rnd.sample(words, 3) + rnd.sample(filler, 2)
            if rnd.random() < 0.2:
                w.append(rnd.choice(vocab[(t + 1) % 3]))  # noise
            rnd.shuffle(w)
            texts.append(" ".join(w))
            truth.append(t)
    return texts, truth


def test_topics_recover_planted_topics_and_are_named_by_their_words():
    """Adjusted Rand index above 0.8 (1 = the planted grouping exactly, 0 = chance): with 20% of messages
    carrying a word of another topic, a few may land elsewhere; below 0.8 the topics would mix visibly."""
    from sklearn.metrics import adjusted_rand_score

    from metrics.compute import topics

    texts, truth = _planted_topics()
    labels, found = topics.discover(texts, k=3)
    assert adjusted_rand_score(truth, labels) > 0.8
    names = " ".join(t.name for t in found)
    assert all(
        any(w in names for w in group)
        for group in (["refund", "charged", "money"], ["password", "reset", "login"], ["delivery", "parcel", "courier"])
    )
    assert sum(t.conversations for t in found) == 120 and all(len(t.examples) == 2 for t in found)
    again, found2 = topics.discover(texts, k=3)
    assert (again == labels).all() and [t.name for t in found2] == [t.name for t in found]  # deterministic


def test_topics_choose_their_number_and_become_a_segment(db):
    from metrics.compute import aggregate, topics

    texts, truth = _planted_topics()
    _, found = topics.discover(texts)
    assert len(found) == 3  # the silhouette picks the planted number
    head = "conversation_id,customer_id,created_at,handled_by"
    conv = [head] + [f"c{i},u{i},2024-01-01T10:{i % 60:02d}:00Z,ai" for i in range(len(texts))]
    msgs = ["conversation_id,sent_at,author_type,text"] + [
        f"c{i},2024-01-01T10:{i % 60:02d}:30Z,customer,{t}" for i, t in enumerate(texts)
    ]
    ingest.load(db, [("c.csv", "\n".join(conv).encode()), ("m.csv", "\n".join(msgs).encode())], Settings())
    assert len(topics.ensure(db)) == 3
    signals.compute(db, Settings())
    assert "topic" in aggregate.segment_columns(db)
    by = aggregate.compute(db, Settings(), ["deflection_rate"], segment="topic")
    assert sorted(r["deflection_rate"].denominator for k, r in by.items() if k != aggregate.ALL) == [40, 40, 40]
    signals.compute(db, Settings(topics=False))  # off: no topic segment
    assert "topic" not in aggregate.segment_columns(db)


def test_texts_without_common_words_give_no_topics_and_no_error():
    from metrics.compute import topics

    labels, found = topics.discover([f"unique{i} word{i}" for i in range(40)])
    assert found == [] and len(labels) == 40


def test_a_planted_knowledge_gap_is_found_with_the_agents_words(db):
    """Refund questions: the AI answers generically and 30 of 40 are handed over, where agents say they issued
    the refund to the card; password questions: the AI resolves 35 of 40. The gap is the refund topic, its
    phrases come from the agents' fix, not from greetings every agent writes."""
    from metrics.compute import gaps
    from metrics.compute.findings import months_live

    _refund_gap(db)
    got = gaps.find(db, Settings(), months_live(db))
    assert len(got) == 1 and "refund" in got[0].topic
    assert (got[0].failures, got[0].ai_conversations) == (30, 40)
    assert any("refund" in p or "issued" in p or "card" in p for p in got[0].human_phrases[:3])
    assert not any(p in ("hello", "thanks", "waiting") for p in got[0].human_phrases)


def test_knowledge_gap_answers_are_kept_across_a_window_change_and_follow_a_rename(db, monkeypatch):
    """The answers a gap is read from, and the phrases found in them, depend on the conversations and their topics,
    not on the window: a window change reads them from memory and finds the same gap with the same phrases; a
    renamed topic reads them afresh under its new name."""
    from metrics.compute import gaps
    from metrics.compute.findings import months_live

    found = _refund_gap(db)
    reads, phrased = [], []
    real, real_distinctive = gaps._read_answers, gaps.distinctive
    monkeypatch.setattr(gaps, "_read_answers", lambda d: reads.append(1) or real(d))
    monkeypatch.setattr(gaps, "distinctive", lambda *a: phrased.append(1) or real_distinctive(*a))
    first = gaps.find(db, Settings(), months_live(db))
    assert phrased == [1]
    day = Settings(return_window_hours=24)
    signals.compute(db, day)
    again = gaps.find(db, day, months_live(db))
    assert [(g.topic, g.human_phrases, g.ai_phrases) for g in again] == [
        (g.topic, g.human_phrases, g.ai_phrases) for g in first
    ]
    assert reads == [1] and phrased == [1]  # answers and phrases from memory
    refund = next(t.name for t in found if "refund" in t.name)
    renamed = Settings(topic_names=(f"{refund}=Refunds",))
    signals.compute(db, renamed)
    assert [g.topic for g in gaps.find(db, renamed, months_live(db))] == ["Refunds"] and reads == [1, 1]


def test_a_gap_mostly_inside_a_weak_category_joins_that_finding(db):
    """The refund topic's 30 failures all lie in the empty category: a weak-category finding for it takes the
    gap's phrases into its action and the gap's own card goes; a weak finding for another category takes nothing."""
    from metrics.compute import gaps
    from metrics.compute.evidence import Insight

    refund = next(t.name for t in _refund_gap(db) if "refund" in t.name)

    def weak(cat):
        return Insight("weak_category", f"category={cat}", "", 9.0, 40, None, None, "", "Read them.")

    gap = Insight(
        "knowledge_gap", f"topic={refund}", "", 7.0, 40, None, None, "", "Write the article.",
        f"{gaps.FAILED} AND topic = $topic", {"topic": refund}, "", ("refund issued", "card today"),
    )  # fmt: skip
    merged = gaps.merge_gaps(db, [weak("(none)"), gap])
    assert [i.kind for i in merged] == ["weak_category"]
    assert (
        merged[0].action
        == "Read them. The agents' answers on this say 'refund issued', 'card today'; the AI's answers do not."
    )
    assert [i.kind for i in gaps.merge_gaps(db, [weak("Billing"), gap])] == ["weak_category", "knowledge_gap"]
    assert gaps.merge_gaps(db, [gap]) == [gap]


def _refund_gap(db):
    """Refund questions the AI fails (30 of 40 handed over, agents fix them) and password questions it resolves."""
    from metrics.compute import topics

    conv = ["conversation_id,customer_id,created_at,ended_at,handled_by,escalated,status"]
    msgs = ["conversation_id,sent_at,author_type,text"]
    asks = {"r": "I want a refund for my order, refund please", "p": "I forgot my password, reset my password"}
    for t, failing in (("r", 30), ("p", 5)):
        for i in range(40):
            cid, day = f"{t}{i}", f"2024-01-{1 + i % 28:02d}"
            esc = "true" if i < failing else "false"
            conv.append(f"{cid},u{t}{i},{day}T10:00:00Z,{day}T10:30:00Z,ai,{esc},solved")
            msgs.append(f'{cid},{day}T10:00:00Z,customer,"{asks[t]}"')
            msgs.append(f"{cid},{day}T10:01:00Z,ai,Please see our help center article for this question")
            if esc == "true":
                fix = "I issued the refund to your card today" if t == "r" else "I reset the password link for you"
                msgs.append(f"{cid},{day}T10:05:00Z,human,Hello there thanks for waiting. {fix}")
    conv.append("z,uz,2024-04-01T10:00:00Z,2024-04-01T10:10:00Z,human,false,solved")  # closes every window
    ingest.load(db, [("c.csv", "\n".join(conv).encode()), ("m.csv", "\n".join(msgs).encode())], Settings())
    found = topics.ensure(db, k=2)
    assert len(found) == 2
    signals.compute(db, Settings())
    return found


def _with_topics(db, assigned: dict[str, str]) -> None:
    """Topics as if found: conversation -> topic, and the topics table (one row per topic)."""
    db.con.execute("CREATE TABLE conversation_topics (conversation_id VARCHAR, topic VARCHAR)")
    db.con.executemany("INSERT INTO conversation_topics VALUES (?, ?)", list(assigned.items()))
    db.con.execute(
        """CREATE TABLE topics AS SELECT row_number() OVER (ORDER BY topic) - 1 AS topic_id, topic AS name,
           [topic] AS terms, count(*) AS conversations, list(conversation_id ORDER BY conversation_id) AS examples
           FROM conversation_topics GROUP BY topic"""
    )


SAME_ISSUE = [
    # u1: both uncategorised, different topics; u2: same category, different topics; u3: uncategorised, same topic
    conv("a", "2024-01-01T10:00:00Z"),
    conv("a2", "2024-01-01T12:00:00Z", handled_by="human"),
    conv("b", "2024-01-01T10:00:00Z", customer="u2", issue_category="Billing"),
    conv("b2", "2024-01-01T12:00:00Z", customer="u2", handled_by="human", issue_category="Billing"),
    conv("c", "2024-01-01T10:00:00Z", customer="u3"),
    conv("c2", "2024-01-01T12:00:00Z", customer="u3", handled_by="human"),
    conv("z", "2024-03-01T00:00:00Z", customer="zz"),
]
TOPIC_OF = {"a": "refund", "a2": "password", "b": "refund", "b2": "password", "c": "refund", "c2": "refund"}


@pytest.mark.parametrize(
    "same_issue, returned",
    [
        ("category", {"a": True, "b": True, "c": True}),  # SPEC: NULL category matches NULL category
        ("topic", {"a": False, "b": False, "c": True}),
        ("both", {"a": False, "b": True, "c": True}),  # the category where there is one, else the topic
    ],
)
def test_same_issue_for_returns_is_the_category_the_topic_or_both(db, same_issue, returned):
    """Each later conversation starts 2 h after the first ended, inside the 72 h window: only what counts as
    the same issue decides whether the first one came back."""
    build(db, SAME_ISSUE)
    _with_topics(db, TOPIC_OF)
    signals.compute(db, Settings(same_issue=same_issue))
    got = dict(rows(db.con, "SELECT conversation_id, returned FROM signals WHERE conversation_id IN ('a','b','c')"))
    assert got == returned


def test_same_issue_topic_without_topics_uses_the_category(db):
    build(db, SAME_ISSUE)  # no topics found: every uncategorised conversation would otherwise match
    signals.compute(db, Settings(same_issue="topic"))
    got = dict(rows(db.con, "SELECT conversation_id, returned FROM signals WHERE conversation_id IN ('a','b','c')"))
    assert got == {"a": True, "b": True, "c": True}


def test_renamed_and_merged_topics_are_one_segment_everywhere(db):
    """refund (3 conversations) and password (2) given one name become one topic of 5: in the signals, the
    segment table, the topic list, and as the same issue for returns (a now comes back: a2 is the same topic)."""
    from metrics.present import report

    build(db, SAME_ISSUE)
    _with_topics(db, TOPIC_OF)
    s = Settings(topic_names=("password=Account access",))
    signals.compute(db, s)
    assert dict(rows(db.con, "SELECT topic, count(*) FROM signals WHERE topic IS NOT NULL GROUP BY 1")) == {
        "refund": 4,
        "Account access": 2,
    }
    merged = Settings(topic_names=("password = Money and login", "refund=Money and login"), same_issue="topic")
    rep = report.build_report(db, merged)
    assert [(t["name"], t["conversations"], sorted(t["found_as"])) for t in rep["topics"]] == [
        ("Money and login", 6, ["password", "refund"])
    ]
    assert set(rep["by_topic"]) == {"Money and login", aggregate.NONE_KEY}  # z has no topic
    assert rep["by_topic"]["Money and login"]["deflection_rate"]["denominator"] == 3  # a, b, c are AI
    got = dict(rows(db.con, "SELECT conversation_id, returned FROM signals WHERE conversation_id IN ('a','b','c')"))
    assert got == {"a": True, "b": True, "c": True}
    by = aggregate.compute(db, merged, ["deflection_rate"], segment="topic")
    assert set(by) - {aggregate.ALL} == {"Money and login", aggregate.NONE_KEY}  # z has no topic


def test_topic_names_and_same_issue_are_checked():
    with pytest.raises(SettingsError, match="topic_names: 'no equals sign' is not 'found name=your name'"):
        Settings().replace(topic_names=["no equals sign"])
    with pytest.raises(SettingsError, match="same_issue .* must be one of category, topic, both"):
        Settings().replace(same_issue="customer")


def test_topics_are_learnt_on_a_sample_and_every_text_is_assigned(monkeypatch):
    """Learning on 60 of the 120 texts (as on a million, where it learns on FIT of them): the planted topics
    still come back (adjusted Rand index > 0.8) and every text gets one."""
    from sklearn.metrics import adjusted_rand_score

    texts, truth = _planted_topics()
    monkeypatch.setattr(topics, "FIT", 60)
    labels, found = topics.discover(texts, k=3)
    assert len(labels) == 120 and sum(t.conversations for t in found) == 120
    assert adjusted_rand_score(truth, labels) > 0.8


def test_a_ticket_export_without_messages_gets_topics_from_its_subjects(db):
    """The Zendesk-shaped export (800 tickets, no messages): the subject lines are grouped; the topics are
    named by the subjects' words, and every inbound ticket with a subject has one."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "fixtures" / "vendor" / "zendesk_export" / "tickets.csv"
    ingest.load(db, [("tickets.csv", path.read_bytes())], Settings())
    found = topics.ensure(db)
    assert 3 <= len(found) <= topics.MAX_TOPICS
    with_subject = rows(
        db.con, "SELECT count(*) FROM conversations WHERE direction = 'inbound' AND length(trim(subject)) > 0"
    )[0][0]
    assert sum(t.conversations for t in found) == with_subject > 700
    names = " ".join(t.name for t in found)
    assert "password" in names and "refund" in names


def test_unanswered_questions_are_grouped_from_failed_ai_conversations_only(db):
    """Failed AI conversations (handed over) ask about the delivery address (20), paying with PayPal (12) or
    cancelling an order (8), in words of their own, and also say something that is no question; 30 resolved
    AI conversations ask about invoices, which must not appear: their questions were answered."""
    import random

    rnd = random.Random(5)
    asks = {  # (failed conversations, question starts, the topic's words)
        "addr": (20, ["How do I change", "Can I update", "Where do I edit"], ["delivery", "address", "shipping"]),
        "pay": (12, ["Can I pay with", "Do you accept", "Is it possible to use"], ["paypal", "payment", "checkout"]),
        "cancel": (8, ["How can I cancel", "Why can't I cancel", "Can you cancel"], ["order", "cancel", "cancelled"]),
        "inv": (30, ["Where do I download", "Can I get", "How do I find"], ["invoice", "receipt", "billing"]),
    }
    filler = ["please", "today", "my", "the", "quickly", "again"]
    conv_rows = ["conversation_id,customer_id,created_at,ended_at,handled_by,escalated,status"]
    msgs = ["conversation_id,sent_at,author_type,text"]
    for kind, (n, starts, words) in asks.items():
        for i in range(n):
            cid, day = f"{kind}{i}", f"2024-01-{1 + i % 28:02d}"
            esc = "false" if kind == "inv" else "true"
            question = " ".join([rnd.choice(starts), *rnd.sample(words, 2), *rnd.sample(filler, 2)]) + "?"
            conv_rows.append(f"{cid},u{cid},{day}T10:00:00Z,{day}T10:30:00Z,ai,{esc},solved")
            msgs.append(f"{cid},{day}T10:00:00Z,customer,{question}")
            msgs.append(f"{cid},{day}T10:01:00Z,ai,Here is our help article")
            msgs.append(f"{cid},{day}T10:02:00Z,customer,Thanks for nothing")
    conv_rows.append("z,uz,2024-04-01T10:00:00Z,2024-04-01T10:10:00Z,human,false,solved")
    files = [("c.csv", "\n".join(conv_rows).encode()), ("m.csv", "\n".join(msgs).encode())]
    ingest.load(db, files, Settings())
    signals.compute(db, Settings())
    got = questions.unanswered(db, Settings())
    assert [g.conversations for g in got] == [20, 12, 8]
    assert {"delivery", "address", "shipping"} & set(got[0].terms)
    assert {"paypal", "payment", "checkout"} & set(got[1].terms)
    assert {"order", "cancel", "cancelled"} & set(got[2].terms)
    assert got[0].share == pytest.approx(20 / 40)
    assert not any({"invoice", "receipt", "billing"} & set(g.terms) for g in got)
    assert [g.example_ids[0][:3] for g in got] == ["add", "pay", "can"]


@pytest.mark.parametrize("n, human", [(3, ["c1", "c2", "b2"]), (2, ["c1", "c2"]), (9, ["c1", "c2", "b2", "b1", "a1"])])
def test_knowledge_gaps_read_each_topics_newest_answers_whatever_day_they_fall_on(db, monkeypatch, n, human):
    """The answers a gap reads are each topic's n newest per author (ties in time: the earlier message first),
    though only the days holding them are searched: with n = 3 the newest are day 3's two and day 2's later one;
    with n = 2 day 3 alone; with more than there are, all of them. A conversation without a topic and an empty
    text are not read."""
    from metrics.compute import gaps

    db.con.execute("CREATE TABLE signals (conversation_id VARCHAR, topic VARCHAR)")
    db.con.execute("INSERT INTO signals VALUES ('k1', 'T'), ('k2', 'T'), ('k3', NULL)")
    db.con.execute(
        "CREATE TABLE messages (conversation_id VARCHAR, author_type VARCHAR, text VARCHAR, sent_at TIMESTAMPTZ, "
        "seq HUGEINT)"
    )
    msgs = [  # (conversation, author, text, sent_at, seq)
        ("k1", "human", "a1", "2024-01-01 10:00:00+00", 1),
        ("k1", "ai", "x1", "2024-01-01 10:01:00+00", 2),
        ("k1", "human", "b1", "2024-01-02 09:00:00+00", 3),
        ("k2", "human", "b2", "2024-01-02 18:00:00+00", 4),
        ("k2", "human", "c2", "2024-01-03 08:00:00+00", 6),  # same time as c1, later in the file
        ("k2", "human", "c1", "2024-01-03 08:00:00+00", 5),
        ("k2", "human", None, "2024-01-04 08:00:00+00", 7),
        ("k3", "human", "no topic", "2024-01-05 08:00:00+00", 8),
    ]
    db.con.executemany("INSERT INTO messages VALUES (?, ?, ?, CAST(? AS TIMESTAMPTZ), ?)", msgs)
    monkeypatch.setattr(gaps, "SAMPLE", n)
    monkeypatch.setattr(gaps, "words", lambda texts, known: list(texts))  # the texts themselves, not phrases
    assert gaps._read_answers(db) == {("T", "ai"): ["x1"], ("T", "human"): human}
