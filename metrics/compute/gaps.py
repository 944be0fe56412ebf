"""Knowledge gaps (issue 20): per topic, where the AI fails and what the humans wrote that the AI's answers lack.

A topic's failures are its matured AI conversations that were not truly resolved. Its human answers are the
agents' messages in that topic (after a handover, or in human conversations); its AI answers are the AI's
messages in it. The phrases that set the human answers apart are the word runs (1-3 words) whose TF-IDF
weight is highest in the human answers against the AI answers of the same topic. Topics are listed when the
AI fails clearly more often there than in the other topics (Benjamini-Hochberg, as for categories), biggest
monthly loss first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from metrics.compute import aggregate
from metrics.compute.evidence import Insight
from metrics.compute.findings import Context, _priced, _q
from metrics.compute.signals import POPULATION_SETTINGS, SIGNAL_SETTINGS
from metrics.compute.signals import TABLE as SIGNALS
from metrics.compute.stats import worse_than_the_rest
from metrics.compute.topics import as_given
from metrics.core.db import Database, rows, table_exists
from metrics.core.settings import Settings

ALPHA = 0.05
MIN_N = 20
PHRASES = 5


@dataclass(frozen=True)
class Gap:
    topic: str
    failures: int
    ai_conversations: int
    failures_per_month: float
    human_phrases: list[str]
    ai_phrases: list[str]
    example_ids: list[str]
    q_value: float
    rest_rate: float  # the AI's failure rate in the other topics
    sentence: str

    @property
    def excess_per_month(self) -> float:
        """Failures a month beyond the other topics' rate: what fixing the gap could win back."""
        months = self.failures / self.failures_per_month if self.failures_per_month else 1.0
        return max(0.0, self.failures - self.rest_rate * self.ai_conversations) / months

    def to_json(self) -> dict:
        return {
            "topic": self.topic,
            "failures_per_month": self.failures_per_month,
            "failures": self.failures,
            "ai_conversations": self.ai_conversations,
            "human_phrases": self.human_phrases,
            "ai_phrases": self.ai_phrases,
            "example_ids": self.example_ids,
            "q_value": self.q_value,
            "sentence": self.sentence,
        }


FAILED = "is_ai AND matured AND NOT truly_resolved"  # the AI conversations a gap counts as failed
SAMPLE = 1000  # answers read per corpus (the newest): enough for the commonest phrases, quick at any size
WORDS = r"(?u)\b[a-zA-Z]{3,}\b"  # words of three letters or more (no "ve" from "I've"); linear, no backtracking


def _answers(db: Database, s: Settings) -> dict[tuple[str, str], list[list[str]]]:
    """(topic, author) -> the newest SAMPLE human or AI messages of that topic's conversations, each as its
    phrases (`words`), in one query; remembered across a change of window or threshold, which changes neither the
    conversations nor their topics (keyed by POPULATION_SETTINGS: 0.7 s of each window change at 1M
    conversations). Read-only."""
    key = ("gap_answers", tuple(getattr(s, k) for k in POPULATION_SETTINGS))
    if key not in db.memo:
        db.memo[key] = _read_answers(db)
    return db.memo[key]


def _phrases(db: Database, s: Settings, topic: str) -> tuple[list[str], list[str]]:
    """`distinctive` for a topic's answers against the human answers of the other topics; like the answers,
    remembered across a change of window or threshold (0.7 s of each window change at 1M conversations)."""
    memo = db.memo.setdefault(("gap_phrases", tuple(getattr(s, k) for k in POPULATION_SETTINGS)), {})
    if topic not in memo:
        answers = _answers(db, s)
        others = [t for (other, who), texts in answers.items() if who == "human" and other != topic for t in texts]
        memo[topic] = distinctive(
            answers.get((topic, "human"), []), answers.get((topic, "ai"), []), others[:: max(1, len(others) // SAMPLE)]
        )
    return memo[topic]


def _vectoriser(**kw):
    from sklearn.feature_extraction.text import TfidfVectorizer  # loaded only when there are gaps to read

    return TfidfVectorizer(**kw)


def words(texts: list[str], known: dict[str, list[str]]) -> list[list[str]]:
    """Each text's phrases: lower-cased word runs of 1-3 words (WORDS), English stop words left out. Split once
    per distinct text (`known` holds those split already; agents' macros and the AI's stock answers repeat), where
    before each answer was split again for every topic it was the background of."""
    split = _vectoriser(ngram_range=(1, 3), stop_words="english", token_pattern=WORDS).build_analyzer()
    out = []
    for t in texts:
        if t not in known:
            known[t] = split(t)
        out.append(known[t])
    return out


def _read_answers(db: Database) -> dict[tuple[str, str], list[list[str]]]:
    out: dict[tuple[str, str], list[list[str]]] = {}
    known: dict[str, list[str]] = {}
    for topic, author, texts in rows(
        db.con,
        # max_by keeps the n newest per group without sorting every message (a window over them: 1.7 s -> 0.7 s
        # at 1M conversations); ties in time go to the earlier message, then the later conversation id. It runs
        # only on the days that hold a group's n newest (counted per day first): keeping the n best of every
        # message was most of the time (1.45 s -> 0.49 s on 3.5M answers at 1M conversations, the same texts).
        f"""WITH answers AS (
                SELECT s.topic, m.author_type, m.text, m.sent_at, m.seq, m.conversation_id,
                    epoch_us(m.sent_at) // 86400000000 AS day
                FROM messages m JOIN {SIGNALS} s USING (conversation_id)
                WHERE s.topic IS NOT NULL AND m.author_type IN ('human', 'ai') AND m.text IS NOT NULL),
            per_day AS (SELECT topic, author_type, day, count(*) AS n FROM answers GROUP BY ALL),
            first_day AS (  -- the oldest day with fewer than n answers after it holds the n-th newest
                SELECT topic, author_type, min(day) AS day FROM (
                    SELECT topic, author_type, day,
                        sum(n) OVER (PARTITION BY topic, author_type ORDER BY day DESC) - n AS newer
                    FROM per_day)
                WHERE newer < $n GROUP BY ALL)
            SELECT a.topic, a.author_type, max_by(a.text, (a.sent_at, -a.seq, a.conversation_id), $n)
            FROM answers a JOIN first_day f ON f.topic = a.topic AND f.author_type = a.author_type AND a.day >= f.day
            GROUP BY 1, 2 ORDER BY 1, 2""",
        {"n": SAMPLE},
    ):
        out[(topic, author)] = words(texts, known)
    return out


def distinctive(
    human: list[list[str]], ai: list[list[str]], background: list[list[str]] = (), n: int = PHRASES
) -> tuple[list[str], list[str]]:
    """(phrases the human answers in a topic use more than the AI's answers there and more than the humans'
    answers elsewhere (greetings and sign-offs cancel out), the AI's own most typical phrases). Each answer is
    given as its phrases (`words`)."""
    if not human or not ai:
        return [], []
    vec = _vectoriser(analyzer=as_given, sublinear_tf=True, min_df=2)
    background = list(background)
    try:
        x = vec.fit_transform(human + ai + background)
    except ValueError:
        return [], []
    terms = np.asarray(vec.get_feature_names_out())
    h = np.asarray(x[: len(human)].mean(axis=0)).ravel()
    a = np.asarray(x[len(human) : len(human) + len(ai)].mean(axis=0)).ravel()
    b = np.asarray(x[len(human) + len(ai) :].mean(axis=0)).ravel() if background else np.zeros_like(h)
    gap = h - np.maximum(a, b)
    human_top = [str(terms[j]) for j in np.argsort(-gap, kind="stable")[:n] if gap[j] > 0]
    ai_top = [str(terms[j]) for j in np.argsort(-a, kind="stable")[:n] if a[j] > 0]
    return human_top, ai_top


def find(db: Database, s: Settings, months: float | None) -> list[Gap]:
    """The knowledge gaps, biggest monthly loss first (none without topics, AI conversations or months);
    remembered per data and signal settings (the report and What to fix next share one computation)."""
    if not months or not table_exists(db.con, "messages"):
        return []
    key = ("knowledge_gaps", months, tuple(getattr(s, k) for k in SIGNAL_SETTINGS))
    if key not in db.memo:
        db.memo[key] = _find(db, s, months)
    return db.memo[key]


def _find(db: Database, s: Settings, months: float) -> list[Gap]:
    res = aggregate.compute(db, s, ["true_resolution_rate"], segment="topic")
    cells = []
    for topic, r in res.items():
        m = r["true_resolution_rate"]
        if topic in (aggregate.ALL, aggregate.NONE_KEY) or not m.denominator:
            continue
        cells.append([topic, m.denominator - m.numerator, m.denominator])
    fail_all = sum(c[1] for c in cells)
    n_all = sum(c[2] for c in cells)
    tested = [(t, k, n, fail_all - k, n_all - n) for t, k, n in cells]
    out = []
    clear = worse_than_the_rest(tested, "higher", MIN_N, ALPHA)
    for topic, _p, q in clear:
        k, n = next((c[1], c[2]) for c in cells if c[0] == topic)
        human, ai = _phrases(db, s, topic)
        examples = [
            r[0]
            for r in rows(
                db.con,
                f"""SELECT conversation_id FROM {SIGNALS} WHERE topic = $t AND is_ai AND matured
                    AND NOT truly_resolved ORDER BY created_at DESC LIMIT 3""",
                {"t": topic},
            )
        ]
        said = (
            f"agents answer with {', '.join(repr(p) for p in human[:3])}, which the AI's answers lack"
            if human
            else "no agent answers in this topic to learn from yet"
        )
        out.append(
            Gap(
                topic,
                k,
                n,
                k / months,
                human,
                ai,
                examples,
                q,
                (fail_all - k) / (n_all - n) if n_all > n else 0.0,
                f"{topic}: the AI fails {k:,} of {n:,} conversations ({k / n:.0%}), {k / months:,.0f} a month; {said}.",
            )
        )
    return sorted(out, key=lambda g: (-g.failures_per_month, g.topic))


def knowledge_gaps(ctx: Context) -> list[Insight]:
    """Topics where the AI fails clearly more often, with what the agents write that the AI does not."""
    out = []
    for g in find(ctx.db, ctx.s, ctx.months):
        where = f"{FAILED} AND topic = $topic"
        hours, cost = _priced(ctx, g.excess_per_month, ctx.s.human_minutes_per_conversation)
        phrases = ", ".join(repr(p) for p in g.human_phrases[:3])
        out.append(
            Insight(
                "knowledge_gap",
                f"topic={g.topic}",
                g.sentence,
                g.excess_per_month,
                g.ai_conversations,
                hours,
                cost,
                f"{g.failures:,} of {g.ai_conversations:,} AI conversations in this topic not truly resolved vs "
                f"{g.rest_rate:.0%} in the other topics; {_q(g.q_value)}. Phrases the AI's answers use most: "
                f"{', '.join(repr(p) for p in g.ai_phrases[:3]) or 'none'}. Examples: {', '.join(g.example_ids)}.",
                f"Write or fix the article for {g.topic}"
                + (f": cover what the agents tell customers ({phrases})." if phrases else "."),
                where,
                {"topic": g.topic},
                f"{g.topic}: the AI fails {g.failures / g.ai_conversations:.0%} vs {g.rest_rate:.0%} in other topics",
                tuple(g.human_phrases[:3]),
            )
        )
    return out


def merge_gaps(db: Database, found: list[Insight]) -> list[Insight]:
    """A knowledge gap whose failures lie mostly (over half) in a category already found weak is the same
    problem: its agents' phrases join that category's action instead of a second card."""
    weak = {i.segment.split("=", 1)[1]: n for n, i in enumerate(found) if i.kind == "weak_category"}
    gaps = {n: i.params["topic"] for n, i in enumerate(found) if i.kind == "knowledge_gap"}
    # each gap's commonest category among its failures and that category's share, for every gap in one query
    top = (
        {
            topic: (cat, share)
            for topic, cat, share in rows(
                db.con,
                f"""SELECT topic, category, share FROM (
                    SELECT topic, category, count(*) / sum(count(*)) OVER (PARTITION BY topic) AS share
                    FROM {SIGNALS} WHERE {FAILED} AND list_contains($topics, topic) GROUP BY 1, 2)
                QUALIFY row_number() OVER (PARTITION BY topic ORDER BY share DESC, category) = 1""",
                {"topics": list(gaps.values())},
            )
        }
        if weak and gaps
        else {}
    )
    phrases: dict[int, list[str]] = {}
    merged = set()
    for n, topic in gaps.items():
        cat, share = top.get(topic, (None, 0.0))
        if cat in weak and share > 0.5:
            said = phrases.setdefault(weak[cat], [])
            said += [p for p in found[n].phrases if p not in said]
            merged.add(n)
    out = []
    for n, i in enumerate(found):
        if n in merged:
            continue
        if phrases.get(n):
            quoted = ", ".join(repr(p) for p in phrases[n][:5])
            i = replace(i, action=f"{i.action} The agents' answers on this say {quoted}; the AI's answers do not.")
        out.append(i)
    return out
