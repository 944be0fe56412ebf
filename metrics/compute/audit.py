"""Audit of the resolution signal (issue 21): people read a sample of AI conversations and say whether each was
resolved; the numbers say how far the signal agrees with them and what the true-resolution rate is once the
signal's mistakes are corrected.

The sample is drawn from matured AI conversations, stratified by the signal (truly resolved or not) and the
category, in proportion to their sizes, with a fixed seed. Labels are resolved / not_resolved / cant_tell;
"can't tell" is counted but not used. With labels:
- the confusion matrix and Cohen's kappa (signal vs people) with its 95% interval;
- PPV = P(people say resolved | signal resolved) and FOR = P(people say resolved | signal not resolved), each
  estimated within its signal stratum, so the labelled set need not mirror the population;
- the corrected rate p = pi PPV + (1 - pi) FOR, where pi is the signal's rate over every matured AI
  conversation, with variance pi^2 PPV(1-PPV)/n1 + (1-pi)^2 FOR(1-FOR)/n0 (a stratified estimate; it equals
  the Rogan-Gladen estimate (pi + Sp - 1) / (Se + Sp - 1) with the sensitivity and specificity below);
- sensitivity Se = pi PPV / p and specificity Sp = (1 - pi)(1 - FOR) / (1 - p), as population shares.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from metrics.compute.signals import TABLE as SIGNALS
from metrics.core.db import Database, rows
from metrics.core.errors import IngestError

Z = 1.959963984540054
LABELS = ("resolved", "not_resolved", "cant_tell")
_SPELLINGS = {
    "resolved": "resolved",
    "yes": "resolved",
    "not_resolved": "not_resolved",
    "not resolved": "not_resolved",
    "unresolved": "not_resolved",
    "no": "not_resolved",
    "cant_tell": "cant_tell",
    "can't tell": "cant_tell",
    "cant tell": "cant_tell",
    "unsure": "cant_tell",
}
POPULATION = "is_ai AND matured"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def draw(db: Database, n: int, seed: int = 0) -> list[str]:
    """A stratified random sample of n matured AI conversations (signal x category, proportional, at least one
    from each stratum while n allows), in a random order so that no stratum comes first."""
    found = rows(
        db.con,
        f"SELECT conversation_id, truly_resolved, category FROM {SIGNALS} WHERE {POPULATION} ORDER BY 1",
    )
    if not found:
        return []
    rng = np.random.default_rng(seed)
    strata: dict[tuple, list[str]] = {}
    for cid, resolved, category in found:
        strata.setdefault((bool(resolved), category), []).append(cid)
    total, n = len(found), min(n, len(found))
    keys = sorted(strata, key=lambda k: (-len(strata[k]), str(k)))
    quota = {k: int(n * len(strata[k]) / total) for k in keys}
    for k in keys:  # the remainder, and at least one from each stratum, biggest strata first
        if sum(quota.values()) >= n:
            break
        if quota[k] < len(strata[k]):
            quota[k] += 1
    picked = [cid for k in keys for cid in rng.choice(strata[k], size=quota[k], replace=False)]
    rng.shuffle(picked)
    return [str(c) for c in picked]


@dataclass(frozen=True)
class Audit:
    n_labelled: int  # labelled and in the population, can't tell included
    n_cant_tell: int
    n_outside: int  # labels for conversations that are not matured AI conversations (ignored)
    confusion: dict[str, int]  # signal_people: resolved_resolved, resolved_not, not_resolved, not_not
    kappa: float | None
    kappa_low: float | None
    kappa_high: float | None
    signal_rate: float | None  # the signal's true-resolution rate over the population (pi)
    sensitivity: float | None
    specificity: float | None
    corrected_true_resolution_rate: float | None
    ci_low: float | None
    ci_high: float | None

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _kappa(c: dict[str, int]) -> tuple[float | None, float | None, float | None]:
    n = sum(c.values())
    if not n:
        return None, None, None
    po = (c["resolved_resolved"] + c["not_not"]) / n
    s1 = (c["resolved_resolved"] + c["resolved_not"]) / n
    t1 = (c["resolved_resolved"] + c["not_resolved"]) / n
    pe = s1 * t1 + (1 - s1) * (1 - t1)
    if pe >= 1:
        return None, None, None
    k = (po - pe) / (1 - pe)
    se = math.sqrt(po * (1 - po) / (n * (1 - pe) ** 2))
    return k, max(-1.0, k - Z * se), min(1.0, k + Z * se)


def evaluate(db: Database, labels: dict[str, str]) -> Audit:
    """The agreement between the signal and the people's labels (conversation_id -> label)."""
    population = dict(rows(db.con, f"SELECT conversation_id, truly_resolved FROM {SIGNALS} WHERE {POPULATION}"))
    pi = (sum(1 for v in population.values() if v) / len(population)) if population else None
    inside = {c: lab for c, lab in labels.items() if c in population}
    c = {"resolved_resolved": 0, "resolved_not": 0, "not_resolved": 0, "not_not": 0}
    for cid, lab in inside.items():
        if lab == "cant_tell":
            continue
        signal = "resolved" if population[cid] else "not"
        people = "resolved" if lab == "resolved" else "not"
        c[f"{signal}_{people}"] += 1
    kappa, k_low, k_high = _kappa(c)
    n1, n0 = c["resolved_resolved"] + c["resolved_not"], c["not_resolved"] + c["not_not"]
    se_ = sp = p = low = high = None
    if pi is not None and (n1 or pi == 0) and (n0 or pi == 1):
        ppv = c["resolved_resolved"] / n1 if n1 else 0.0
        fo_r = c["not_resolved"] / n0 if n0 else 0.0
        p = pi * ppv + (1 - pi) * fo_r
        var = (pi**2 * ppv * (1 - ppv) / n1 if n1 else 0.0) + ((1 - pi) ** 2 * fo_r * (1 - fo_r) / n0 if n0 else 0.0)
        low, high = max(0.0, p - Z * math.sqrt(var)), min(1.0, p + Z * math.sqrt(var))
        se_ = pi * ppv / p if p > 0 else None
        sp = (1 - pi) * (1 - fo_r) / (1 - p) if p < 1 else None
    return Audit(
        len(inside),
        sum(1 for v in inside.values() if v == "cant_tell"),
        len(labels) - len(inside),
        c,
        kappa,
        k_low,
        k_high,
        pi,
        se_,
        sp,
        p,
        low,
        high,
    )


def read_labels(name: str, data: bytes) -> dict[str, str]:
    """conversation_id -> label from a labels CSV (columns conversation_id, label); IngestError naming the file,
    row and column for anything else."""
    text = data.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    heads = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "conversation_id" not in heads or "label" not in heads:
        raise IngestError(f"{name} needs the columns conversation_id and label (resolved, not_resolved, cant_tell).")
    cid_col = reader.fieldnames[heads.index("conversation_id")]
    label_col = reader.fieldnames[heads.index("label")]
    out = {}
    for row_no, row in enumerate(reader, start=2):
        cid = (row.get(cid_col) or "").strip()
        if cid[:1] == "'" and cid[1:2] in _FORMULA:
            cid = cid[1:]
        raw = (row.get(label_col) or "").strip()
        label = _SPELLINGS.get(raw.lower())
        if not cid:
            raise IngestError(f"{name}, row {row_no}, column conversation_id: empty.")
        if label is None:
            raise IngestError(
                f"{name}, row {row_no}, column label: {raw[:40]!r} is not resolved, not_resolved or cant_tell."
            )
        out[cid] = label
    return out


def write_labels(labels: dict[str, str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["conversation_id", "label"])
    for cid, label in labels.items():  # an id a spreadsheet would run as a formula gets a quote (read back off)
        w.writerow(["'" + cid if cid[:1] in _FORMULA else cid, label])
    return buf.getvalue().encode("utf-8")
