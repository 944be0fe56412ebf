"""Topics without tagging (issue 20): what customers ask, found in their first messages, offline and deterministic.

Each conversation's first customer message becomes a TF-IDF vector of words and word pairs (scikit-learn; no
model weights, nothing fetched). K-means groups them; the number of topics is the one with the best silhouette
on a fixed sample (between MIN_TOPICS and MAX_TOPICS), unless the caller sets it. Each topic is named by its
most distinctive terms (class-based TF-IDF: a term's weight in the topic against its weight over all topics)
and shown with the two messages nearest its centre. Computed once per dataset and kept in two tables:
`topics` (one row per topic) and `conversation_topics` (conversation_id -> topic name), which the signals join
as the segment `topic`. A ticket's subject line, where the export has one, is read with its first message (a
helpdesk export without messages gets its topics from the subjects alone). The user can rename topics and merge
them by giving two the same name (setting `topic_names`); the names apply everywhere the topic is shown.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from metrics.core.db import Database, arrow, q, rows, table_exists
from metrics.core.settings import Settings

TABLE = "conversation_topics"
TOPICS = "topics"
MIN_TOPICS, MAX_TOPICS = 3, 25
MIN_CONVERSATIONS = 30  # fewer first messages than this: no topics
SAMPLE = 1500  # messages the number of topics is chosen on
SEED = 0

# Each inbound conversation's subject line and first customer message, where it has either.
_FIRST = """
SELECT c.conversation_id, concat_ws(' ', nullif(trim(c.subject), ''), f.t_first) AS text
FROM conversations c LEFT JOIN message_facts f USING (conversation_id)
WHERE c.direction IS DISTINCT FROM 'outbound' AND (f.t_first IS NOT NULL OR length(trim(c.subject)) > 0)
ORDER BY 1
"""
_SUBJECTS_ONLY = """
SELECT conversation_id, trim(subject) FROM conversations
WHERE direction IS DISTINCT FROM 'outbound' AND length(trim(subject)) > 0 ORDER BY 1
"""


@dataclass(frozen=True)
class Topic:
    topic_id: int
    name: str
    terms: list[str]
    conversations: int
    examples: list[str]
    found_as: tuple[str, ...] = ()  # the names the topics were found under, when the user renamed or merged them

    def to_json(self) -> dict:
        return {
            "topic_id": self.topic_id,
            "name": self.name,
            "terms": self.terms,
            "conversations": self.conversations,
            "examples": self.examples,
            "found_as": list(self.found_as or (self.name,)),
        }


def renames(s: Settings) -> dict[str, str]:
    """The user's names: found name -> their name (topic_names = found name=your name)."""
    out = {}
    for item in s.topic_names:
        found, _, name = item.partition("=")
        if found.strip() and name.strip():
            out[found.strip()] = name.strip()
    return out


def named(found: list[Topic], s: Settings) -> list[Topic]:
    """The topics under the user's names: topics given one name become one (sizes add up), biggest first."""
    names = renames(s)
    groups: dict[str, list[Topic]] = {}
    for t in found:
        groups.setdefault(names.get(t.name, t.name), []).append(t)
    out = []
    for name, parts in groups.items():
        terms = list(dict.fromkeys(term for p in parts for term in p.terms))
        examples = [e for p in parts for e in p.examples][:2] if len(parts) == 1 else [p.examples[0] for p in parts]
        out.append(
            Topic(
                min(p.topic_id for p in parts),
                name,
                terms[:8],
                sum(p.conversations for p in parts),
                examples[:3],
                tuple(p.name for p in parts),
            )
        )
    return sorted(out, key=lambda t: (-t.conversations, t.topic_id))


def relation(db: Database, s: Settings) -> tuple[str, dict]:
    """SQL for (conversation_id, topic) under the user's names, and its parameters; empty without topics."""
    if not (s.topics and table_exists(db.con, TABLE)):
        return "(SELECT CAST(NULL AS VARCHAR) AS conversation_id, CAST(NULL AS VARCHAR) AS topic WHERE false)", {}
    names = renames(s)
    sql = f"""(SELECT t.conversation_id, coalesce(n.name, t.topic) AS topic FROM {TABLE} t
               LEFT JOIN (SELECT unnest($t_found) AS found, unnest($t_name) AS name) n ON n.found = t.topic)"""
    return sql, {"t_found": list(names) or [""], "t_name": list(names.values()) or [""]}


def _choose_k(x, n: int) -> int:
    """The number of topics with the best silhouette on a fixed sample (deterministic): every other number
    first, then the two next to the best."""
    from sklearn.cluster import KMeans  # scikit-learn loads in about a second: only when topics are found
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(SEED)
    idx = np.sort(rng.choice(n, size=min(n, SAMPLE), replace=False))
    sample = x[idx]
    # at most sqrt(n/2) topics (a common rule of thumb): a few dozen texts give a few topics, not a dozen pairs
    top = min(MAX_TOPICS, len(idx) - 1, max(MIN_TOPICS, int((len(idx) / 2) ** 0.5)))
    scores: dict[int, float] = {}

    def score(k: int) -> float:
        if k not in scores:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                labels = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(sample)
            ok = len(set(labels)) > 1
            scores[k] = silhouette_score(sample, labels, metric="cosine", random_state=SEED) if ok else -1.0
        return scores[k]

    best = max(range(MIN_TOPICS, top + 1, 2), key=lambda k: (score(k), -k))
    near = [k for k in (best - 1, best, best + 1) if MIN_TOPICS <= k <= top]
    peak = max(score(k) for k in near)
    # the fewest topics within 0.02 of the best silhouette: no extra topics for a hair's breadth of fit
    return min(k for k in sorted(scores) if scores[k] >= peak - 0.02)


FIT = 20_000  # texts the words and the groups are learnt from (a fixed sample); every text is then assigned


def discover(
    texts: list[str] | pa.Array, k: int | None = None, progress: Callable[[float, str], None] | None = None
) -> tuple[np.ndarray, list[Topic]]:
    """Labels (one per text) and the topics, named by their distinctive terms, biggest first.

    Learnt on at most FIT texts (a fixed random sample), then every text goes to its nearest topic: the same
    answer at any size, and a million messages take seconds more, not minutes.
    """
    from sklearn.cluster import KMeans
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    # Every distinct text is split into words once (first messages repeat a lot: 'Hi', 'Where is my order?'):
    # the fit and the assignment below read the same splits. Arrow's dictionary encoding numbers the distinct
    # texts in order of first appearance, in C++.
    encoded = texts.dictionary_encode()
    inverse = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    distinct_texts = encoded.dictionary.to_pylist()
    split = TfidfVectorizer(ngram_range=(1, 2), stop_words="english").build_analyzer()
    words = [split(t) for t in distinct_texts]
    vec = TfidfVectorizer(analyzer=as_given, min_df=2, max_df=0.5, sublinear_tf=True, max_features=20_000)
    fit = np.arange(len(texts))
    if len(texts) > FIT:
        fit = np.sort(np.random.default_rng(SEED).choice(len(texts), size=FIT, replace=False))
    try:
        x_fit = vec.fit_transform([words[i] for i in inverse[fit]])
    except ValueError:  # no word left after dropping the rare and the ubiquitous ones: no topics to find
        return np.zeros(len(texts), dtype=int), []
    if x_fit.shape[1] == 0:
        return np.zeros(len(texts), dtype=int), []
    say = progress or (lambda done, what: None)
    if not k:
        say(0.1, "choosing the number of topics")
        k = _choose_k(x_fit, x_fit.shape[0])
    say(0.6, f"grouping into {k} topics")
    with warnings.catch_warnings():  # fewer distinct texts than topics: the empty topics are dropped below
        warnings.simplefilter("ignore", ConvergenceWarning)
        km = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit(x_fit)
    say(0.75, "assigning every conversation")
    # Every distinct text is vectorised and assigned once; each text then takes its distinct text's topic, and
    # sizes and means count every copy.
    copies = np.bincount(inverse, minlength=len(distinct_texts)).astype(float)
    x = vec.transform(words)
    if len(fit) == len(texts):  # every text was in the fit: keep its labels (identical texts share one)
        per_text = np.empty(len(distinct_texts), dtype=np.int64)
        per_text[inverse] = km.labels_
    else:
        per_text = km.predict(x)
    labels = per_text[inverse]
    terms = np.asarray(vec.get_feature_names_out())
    overall = np.asarray(x.T @ copies).ravel() / len(texts) + 1e-9
    sizes = np.bincount(labels, minlength=k)
    order = [c for c in np.argsort(-sizes, kind="stable") if sizes[c]]  # biggest topic first; ids follow it
    renumber = {int(old): new for new, old in enumerate(order)}
    topics = []
    say(0.9, "naming the topics")
    for old in order:
        members = np.flatnonzero(per_text == old)  # distinct texts of this topic
        weight = np.asarray(x[members].T @ copies[members]).ravel() / sizes[old]
        distinct = weight * np.log1p(weight / overall)  # class-based: frequent here, rarer elsewhere
        best = [j for j in np.argsort(-distinct, kind="stable")[:5] if weight[j] > 0]
        top = [str(terms[j]) for j in best]
        closeness = np.asarray(x[members] @ km.cluster_centers_[old]).ravel()  # nearest the centre first
        examples = [distinct_texts[i] for i in members[np.argsort(-closeness, kind="stable")[:2]]]
        topics.append(Topic(renumber[int(old)], " / ".join(top[:3]) or "(no words)", top, int(sizes[old]), examples))
    return np.asarray([renumber[int(v)] for v in labels]), topics


def as_given(words: list[str]) -> list[str]:
    """The analyser of a vectoriser given texts already split into words (each split once, reused)."""
    return words


def ensure(db: Database, k: int | None = None, progress: Callable[[float, str], None] | None = None) -> list[Topic]:
    """The dataset's topics, computed once (kept in `topics` and `conversation_topics`)."""
    if table_exists(db.con, TABLE):
        return load(db)
    first = arrow(db.con, _FIRST if table_exists(db.con, "messages") else _SUBJECTS_ONLY)
    ids, texts = (first.column(i).combine_chunks() for i in (0, 1))
    labels, found = (np.zeros(0, dtype=int), []) if len(texts) < MIN_CONVERSATIONS else discover(texts, k, progress)
    names = pa.array([t.name for t in sorted(found, key=lambda t: t.topic_id)], pa.string())
    per = pa.table(
        {
            "conversation_id": ids.cast(pa.string()) if found else pa.array([], pa.string()),
            "topic": names.take(pa.array(labels)) if found else pa.array([], pa.string()),
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


def computed(db: Database) -> bool:
    """Whether this dataset's topics were looked for already (found or not)."""
    return table_exists(db.con, TABLE)


def load(db: Database) -> list[Topic]:
    if not table_exists(db.con, TOPICS):
        return []
    return [
        Topic(int(i), n, list(t), int(c), list(e))
        for i, n, t, c, e in rows(
            db.con, f"SELECT topic_id, name, terms, conversations, examples FROM {TOPICS} ORDER BY 1"
        )
    ]
