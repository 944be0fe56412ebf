"""Audit of the resolution signal (issue 21): agreement with people's labels and the corrected rate, worked by
hand; the sample drawn; the labels file read and written."""

from __future__ import annotations

import json
import math

import pytest

from metrics.compute import audit
from metrics.core.errors import IngestError

Z = 1.959963984540054


@pytest.fixture
def population(db):
    """1,000 matured AI conversations, the signal says 600 (c0-c599) were truly resolved; categories A (c0-c299
    and c600-c799) and B (the rest)."""
    db.con.execute(
        """CREATE TABLE signals AS SELECT 'c' || i AS conversation_id, true AS is_ai, true AS matured,
           i < 600 AS truly_resolved, CASE WHEN i < 300 OR i BETWEEN 600 AND 799 THEN 'A' ELSE 'B' END AS category
           FROM range(1000) t(i)"""
    )
    return db


def worked_labels() -> dict[str, str]:
    """20 the signal calls resolved: people agree on 18; 20 it calls not resolved: people say 5 were resolved;
    plus two can't-tells and a label for a conversation outside the population."""
    labels = {f"c{i}": ("resolved" if i < 18 else "not_resolved") for i in range(20)}
    labels |= {f"c{600 + i}": ("resolved" if i < 5 else "not_resolved") for i in range(20)}
    labels |= {"c50": "cant_tell", "c650": "cant_tell", "elsewhere": "resolved"}
    return labels


def test_agreement_and_the_corrected_rate_worked_by_hand(population):
    """pi = 0.6 (the signal's rate). PPV = 18/20 = 0.9, FOR = 5/20 = 0.25.
    Corrected rate = 0.6 * 0.9 + 0.4 * 0.25 = 0.64; variance 0.36 * 0.09 / 20 + 0.16 * 0.1875 / 20 = 0.00312.
    Sensitivity = 0.54 / 0.64 = 0.84375; specificity = 0.4 * 0.75 / 0.36 = 0.8333; Rogan-Gladen
    (pi + Sp - 1) / (Se + Sp - 1) gives the same 0.64. Kappa over the 40: observed agreement 33/40 = 0.825,
    chance 0.5 * 0.575 + 0.5 * 0.425 = 0.5, kappa = 0.65, SE sqrt(0.825 * 0.175 / (40 * 0.25))."""
    a = audit.evaluate(population, worked_labels())
    assert (a.n_labelled, a.n_cant_tell, a.n_outside) == (42, 2, 1)
    assert a.confusion == {"resolved_resolved": 18, "resolved_not": 2, "not_resolved": 5, "not_not": 15}
    assert a.signal_rate == pytest.approx(0.6)
    assert a.corrected_true_resolution_rate == pytest.approx(0.64)
    half = Z * math.sqrt(0.00312)
    assert (a.ci_low, a.ci_high) == pytest.approx((0.64 - half, 0.64 + half))
    assert a.sensitivity == pytest.approx(0.84375)
    assert a.specificity == pytest.approx(0.3 / 0.36)
    rg = (0.6 + a.specificity - 1) / (a.sensitivity + a.specificity - 1)
    assert rg == pytest.approx(a.corrected_true_resolution_rate)
    assert a.kappa == pytest.approx(0.65)
    se = math.sqrt(0.825 * 0.175 / (40 * 0.25))
    assert (a.kappa_low, a.kappa_high) == pytest.approx((0.65 - Z * se, 0.65 + Z * se))
    json.dumps(a.to_json())  # the JSON audit block


def test_perfect_agreement_gives_the_signal_rate_and_kappa_one(population):
    labels = {f"c{i}": "resolved" for i in range(30)} | {f"c{700 + i}": "not_resolved" for i in range(30)}
    a = audit.evaluate(population, labels)
    assert a.kappa == pytest.approx(1.0)
    assert a.corrected_true_resolution_rate == pytest.approx(0.6)
    assert (a.ci_low, a.ci_high) == pytest.approx((0.6, 0.6))
    assert (a.sensitivity, a.specificity) == pytest.approx((1.0, 1.0))


def test_no_usable_label_gives_no_numbers(population):
    a = audit.evaluate(population, {"c1": "cant_tell", "x": "resolved"})
    assert a.kappa is None and a.corrected_true_resolution_rate is None and a.n_labelled == 1


def test_the_sample_is_stratified_in_proportion_and_repeatable(population):
    """100 of 1,000: 60 the signal calls resolved (30 A + 30 B) and 40 not (20 A + 20 B), as in the population."""
    picked = audit.draw(population, 100, seed=3)
    assert len(picked) == len(set(picked)) == 100
    nums = [int(c[1:]) for c in picked]
    assert sum(n < 600 for n in nums) == 60
    assert sum(n < 300 for n in nums) == 30 and sum(600 <= n < 800 for n in nums) == 20
    assert audit.draw(population, 100, seed=3) == picked
    assert audit.draw(population, 100, seed=4) != picked


def test_labels_file_round_trip_and_one_sentence_errors():
    labels = {"c1": "resolved", "=cmd()": "not_resolved", "c3": "cant_tell"}
    data = audit.write_labels(labels)
    assert b"'=cmd()" in data  # a spreadsheet shows it as text
    assert audit.read_labels("l.csv", data) == labels
    spelled = b"Conversation_ID,Label\nc1,Resolved\nc2,not resolved\nc3,can't tell\n"
    assert audit.read_labels("l.csv", spelled) == {"c1": "resolved", "c2": "not_resolved", "c3": "cant_tell"}
    with pytest.raises(IngestError, match=r"^l\.csv, row 3, column label: 'maybe' is not resolved"):
        audit.read_labels("l.csv", b"conversation_id,label\nc1,resolved\nc2,maybe\n")
    with pytest.raises(IngestError, match=r"^l\.csv needs the columns conversation_id and label"):
        audit.read_labels("l.csv", b"id,verdict\nc1,resolved\n")


def test_the_cli_writes_the_audit_block(tmp_path, capsys):
    """a and b: truly resolved by the signal, c: handed over; people say a resolved, b not, c not."""
    from metrics.cli import main

    conv = tmp_path / "c.csv"
    conv.write_text(
        "conversation_id,customer_id,created_at,ended_at,handled_by,escalated,status\n"
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,false,solved\n"
        "b,u2,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,false,solved\n"
        "c,u3,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,true,solved\n"
        "z,u4,2024-03-01T10:00:00Z,2024-03-01T10:10:00Z,human,false,solved\n"
    )
    labels = tmp_path / "labels.csv"
    labels.write_text("conversation_id,label\na,resolved\nb,not_resolved\nc,not_resolved\n")
    out = tmp_path / "r.json"
    assert main(["report", str(conv), "--labels", str(labels), "--json", str(out)]) == 0
    block = json.loads(out.read_text())["audit"]
    assert block["n_labelled"] == 3
    assert block["confusion"] == {"resolved_resolved": 1, "resolved_not": 1, "not_resolved": 0, "not_not": 1}
    # pi = 2/3, PPV = 1/2, FOR = 0: corrected = 1/3
    assert block["corrected_true_resolution_rate"] == pytest.approx(1 / 3)
    labels.write_text("conversation_id,label\na,perhaps\n")
    assert main(["report", str(conv), "--labels", str(labels)]) == 2
    assert "labels.csv, row 2, column label: 'perhaps' is not resolved" in capsys.readouterr().err
