"""Topics without tagging (issue 20): what customers ask, found in their first messages, offline and deterministic.

Each conversation's first customer message becomes a TF-IDF vector of words and word pairs (scikit-learn; no
model weights, nothing fetched). K-means groups them; the number of topics is the one with the best silhouette
on a fixed sample (between MIN_TOPICS and MAX_TOPICS), unless the caller sets it. Each topic is named by its
most distinctive terms (class-based TF-IDF: a term's weight in the topic against its weight over all topics)
and shown with the two messages nearest its centre. Computed once per dataset and kept in two tables:
`topics` (one row per topic) and `conversation_topics` (conversation_id -> topic name), which the signals join
as the segment `topic`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score

from metrics.core.db import Database, q, rows, table_exists

TABLE = "conversation_topics"
TOPICS = "topics"
MIN_TOPICS, MAX_TOPICS = 3, 25
MIN_CONVERSATIONS = 30  # fewer first messages than this: no topics
SAMPLE = 1500  # messages the number of topics is chosen on
SEED = 0

# The first customer message of each inbound conversation with text.
_FIRST = """
SELECT m.conversation_id, arg_min(m.text, m.seq) AS text
FROM messages m JOIN conversations c USING (conversation_id)
WHERE m.author_type = 'customer' AND m.text IS NOT NULL AND length(trim(m.text)) > 0 AND c.direction = 'inbound'
GROUP BY 1 ORDER BY 1
"""


@dataclass(frozen=True)
class Topic:
    topic_id: int
    name: str
    terms: list[str]
    conversations: int
    examples: list[str]

    def to_json(self) -> dict:
        return {
            "topic_id": self.topic_id,
            "name": self.name,
            "terms": self.terms,
            "conversations": self.conversations,
            "examples": self.examples,
        }


def _choose_k(x, n: int) -> int:
    """The number of topics with the best silhouette on a fixed sample (deterministic): every other number
    first, then the two next to the best."""
    rng = np.random.default_rng(SEED)
    idx = np.sort(rng.choice(n, size=min(n, SAMPLE), replace=False))
    sample = x[idx]
    top = min(MAX_TOPICS, len(idx) - 1)
    scores: dict[int, float] = {}

    def score(k: int) -> float:
        if k not in scores:
            labels = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(sample)
            ok = len(set(labels)) > 1
            scores[k] = silhouette_score(sample, labels, metric="cosine", random_state=SEED) if ok else -1.0
        return scores[k]

    best = max(range(MIN_TOPICS, top + 1, 2), key=lambda k: (score(k), -k))
    near = [k for k in (best - 1, best, best + 1) if MIN_TOPICS <= k <= top]
    peak = max(score(k) for k in near)
    # the fewest topics within 0.02 of the best silhouette: no extra topics for a hair's breadth of fit
    return min(k for k in sorted(scores) if scores[k] >= peak - 0.02)


def discover(texts: list[str], k: int | None = None) -> tuple[np.ndarray, list[Topic]]:
    """Labels (one per text) and the topics, named by their distinctive terms, biggest first."""
    vec = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_df=0.5, stop_words="english", sublinear_tf=True, max_features=20_000
    )
    try:
        x = vec.fit_transform(texts)
    except ValueError:  # no word left after dropping the rare and the ubiquitous ones: no topics to find
        return np.zeros(len(texts), dtype=int), []
    if x.shape[1] == 0:
        return np.zeros(len(texts), dtype=int), []
    k = k or _choose_k(x, len(texts))
    km = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(x)
    labels = km.labels_
    terms = np.asarray(vec.get_feature_names_out())
    overall = np.asarray(x.mean(axis=0)).ravel() + 1e-9
    sizes = np.bincount(labels, minlength=k)
    order = np.argsort(-sizes, kind="stable")  # biggest topic first; ids follow this order
    renumber = {int(old): new for new, old in enumerate(order)}
    topics = []
    for old in order:
        members = np.flatnonzero(labels == old)
        weight = np.asarray(x[members].mean(axis=0)).ravel()
        distinct = weight * np.log1p(weight / overall)  # class-based: frequent here, rarer elsewhere
        best = [j for j in np.argsort(-distinct, kind="stable")[:5] if weight[j] > 0]
        top = [str(terms[j]) for j in best]
        closeness = np.asarray(x[members] @ km.cluster_centers_[old]).ravel()  # nearest the centre first
        examples = [texts[i] for i in members[np.argsort(-closeness, kind="stable")[:2]]]
        topics.append(Topic(renumber[int(old)], " / ".join(top[:3]) or "(no words)", top, int(sizes[old]), examples))
    return np.asarray([renumber[int(v)] for v in labels]), topics


def ensure(db: Database, k: int | None = None) -> list[Topic]:
    """The dataset's topics, computed once (kept in `topics` and `conversation_topics`)."""
    if table_exists(db.con, TABLE):
        return load(db)
    first = rows(db.con, _FIRST) if table_exists(db.con, "messages") else []
    ids = [r[0] for r in first]
    texts = [r[1] for r in first]
    labels, found = (np.zeros(0, dtype=int), []) if len(texts) < MIN_CONVERSATIONS else discover(texts, k)
    names = {t.topic_id: t.name for t in found}
    per = pa.table(
        {
            "conversation_id": pa.array(ids if found else [], pa.string()),
            "topic": pa.array([names[int(v)] for v in labels] if found else [], pa.string()),
        }
    )
    meta = pa.table(
        {
            "topic_id": pa.array([t.topic_id for t in found], pa.int64()),
            "name": pa.array([t.name for t in found], pa.string()),
            "terms": pa.array([t.terms for t in found], pa.list_(pa.string())),
            "conversations": pa.array([t.conversations for t in found], pa.int64()),
            "examples": pa.array([t.examples for t in found], pa.list_(pa.string())),
        }
    )
    for table, tbl in ((TABLE, per), (TOPICS, meta)):  # our own two table names
        db.con.register("_topics_in", tbl)
        try:
            q(db.con, f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM _topics_in")
        finally:
            db.con.unregister("_topics_in")
    return found


def load(db: Database) -> list[Topic]:
    if not table_exists(db.con, TOPICS):
        return []
    return [
        Topic(int(i), n, list(t), int(c), list(e))
        for i, n, t, c, e in rows(
            db.con, f"SELECT topic_id, name, terms, conversations, examples FROM {TOPICS} ORDER BY 1"
        )
    ]
