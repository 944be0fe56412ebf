"""SPEC section 8 (revision 2) on small hand-built tickets: every expected value is worked out in the test."""

from __future__ import annotations

import json

import pytest

from metrics.cli import main
from metrics.compute import aggregate, checks, signals
from metrics.core.db import rows, scalar
from metrics.core.settings import Settings
from metrics.load import ingest
from metrics.load import issues as load_issues
from metrics.load.cells import status as status_sql
from metrics.present import report

LATE = "2024-06-01T00:00:00Z"  # a later conversation of another customer: everything before it is matured


def _load(db, text, settings=None, name="t.csv", more=()):
    s = settings or Settings()
    r = ingest.load(db, [(name, text.encode()), *[(n, d.encode()) for n, d in more]], s)
    info = signals.compute(db, s)
    return r, info


def _sig(db, cols):
    return {r[0]: r[1:] for r in rows(db.con, f"SELECT conversation_id, {cols} FROM signals ORDER BY 1")}


def _m(db, s=None, ids=None):
    return aggregate.compute(db, s or Settings(), ids)[aggregate.ALL]


# ---------------------------------------------------------------- status vocabulary


@pytest.mark.parametrize(
    "value, expected",
    [
        ("Solved", "resolved"),
        ("closed", "resolved"),
        ("Auto-closed", "resolved"),
        ("Completed", "resolved"),
        ("Answered", "resolved"),
        ("Waiting on Third Party", "open"),
        ("Waiting on Customer", "open"),
        ("Pending Customer Response", "open"),
        ("On hold", "open"),
        ("Hold", "open"),
        ("In Progress", "open"),
        ("Escalated", "open"),
        ("Snoozed", "open"),
        ("Reopened", "open"),
        ("Timed out", "abandoned"),
        ("No response", "abandoned"),
        ("Expired", "abandoned"),
        # abandoned is checked before open, open before resolved: first match wins
        ("Closed - no response", "abandoned"),
        ("Pending close", "open"),
        # whole words only: these are not in the vocabulary
        ("OpenPending", "other"),
        ("Unresolved", "other"),
        ("Spam", "other"),
    ],
)
def test_status_vocabulary_whole_words_in_order(db, value, expected):
    val = status_sql("v", "t").value
    assert scalar(db.con, f"SELECT {val} FROM (SELECT $x AS v)", {"x": value}) == expected


def test_the_status_lookup_agrees_with_the_word_search_for_every_vocabulary_phrase(db):
    """Exact phrases take a map lookup; the same phrase with a trailing '.' goes through the word search: both
    must give the same class, in any case."""
    from metrics.core.schema import STATUS_WORDS

    val = status_sql("v", "t").value
    for _, words in STATUS_WORDS:
        for w in words:
            for cell in (w, w.upper()):
                exact = scalar(db.con, f"SELECT {val} FROM (SELECT $x AS v)", {"x": cell})
                searched = scalar(db.con, f"SELECT {val} FROM (SELECT $x AS v)", {"x": cell + "."})
                assert exact == searched, cell


def test_null_tokens_in_any_case_and_with_blanks_are_empty_and_other_cells_are_kept(db):
    """The cleaning passes most cells through untouched; every null token, however written, still becomes empty."""
    from metrics.core.schema import NULL_TOKENS
    from metrics.load.cells import clean

    tokens = [t for tok in NULL_TOKENS for t in (tok, tok.upper(), tok.title(), f"  {tok}\t", f"\n{tok.upper()} ")]
    got = [scalar(db.con, f"SELECT {clean('v')} FROM (SELECT $x AS v)", {"x": t}) for t in tokens]
    assert got == [None] * len(tokens)
    kept = {"-0.5": "-0.5", "Nancy": "Nancy", "#12": "#12", " padded ": "padded", "(x)": "(x)", "ok": "ok"}
    assert {k: scalar(db.con, f"SELECT {clean('v')} FROM (SELECT $x AS v)", {"x": k}) for k in kept} == kept


HEAD = "conversation_id,customer_id,created_at,ended_at,handled_by,status,issue_category"


def test_unrecognised_status_is_reported_and_not_resolved(db):
    r, _ = _load(
        db,
        HEAD + "\n"
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,OpenPending,Billing\n"
        "b,u2,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,OpenPending,Billing\n"
        "c,u3,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,Waiting on Customer,Billing\n"
        "d,u4,2024-01-01T10:00:00Z,2024-01-01T12:00:00Z,human,Solved,Billing\n"
        f"z,zz,{LATE},,human,solved,Billing\n",
    )
    notes = r.files[0].notes
    # 'Waiting on Customer' is in the vocabulary (open): only OpenPending is listed, with its row count
    assert [n for n in notes if "not recognised" in n] == [
        "status 'OpenPending' (2 rows) in column 'status' not recognised: counted as not resolved; map it"
    ]
    assert any("OpenPending" in w for w in r.warnings)
    sig = _sig(db, "status, resolved_end, resolved, ttr_s")
    # ttr_s is the row's duration; the TTR metrics take it only over resolved ends
    assert sig["a"] == ("other", False, False, 3600.0)
    assert sig["c"] == ("open", False, False, 3600.0)
    assert sig["d"] == ("resolved", True, True, 7200.0)
    m = _m(db)
    # TTR over resolved ends only: d (7200 s) and z (no end given, no messages: unknown end, so no TTR at all)
    assert (m["ttr_median_s_human"].value, m["ttr_median_s_human"].denominator) == (7200.0, 1)
    # FCR: matured a, b, c, d; only d has a resolved end
    assert (m["fcr_rate_human"].numerator, m["fcr_rate_human"].denominator) == (1, 4)


# ---------------------------------------------------------------- unknown ends


def test_unknown_end_gives_no_resolution_time_and_null_status_counts_as_open(db):
    r, _ = _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,status,channel\n"
        "solved_no_time,u1,2024-01-01T10:00:00Z,human,solved,email\n"
        "no_status,u2,2024-01-01T10:00:00Z,human,,email\n"
        f"z,zz,{LATE},human,,email\n",
    )
    sig = _sig(db, "end_known, status_class, resolved_end, ttr_s")
    # no ended_at, no duration, no messages: the end is unknown, TTR is NULL (never 0)
    assert sig["solved_no_time"] == (False, "resolved", True, None)
    assert sig["no_status"] == (False, "open", False, None)
    m = _m(db)
    assert m["ttr_median_s_human"].value is None and m["ttr_p90_s_human"].value is None
    assert any("needs a known end" in w for w in aggregate.warnings_for(db))
    pop = checks.population(db, Settings())
    assert pop.unknown_end == 3
    assert any("3 of 3 conversations have no known end" in w for w in checks.data_warnings(db, Settings()))
    # the resolved one is a first-contact resolution; the open one is not
    assert (m["fcr_rate_human"].numerator, m["fcr_rate_human"].denominator) == (1, 2)


def test_null_status_with_a_known_end_is_resolved_and_messages_give_the_end(db):
    msgs = "conversation_id,sent_at,author_type\nm,2024-01-01T10:00:00Z,customer\nm,2024-01-01T10:30:00Z,ai\n"
    _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,channel\n"
        "m,u1,2024-01-01T10:00:00Z,ai,chat\n"
        f"z,zz,{LATE},human,chat\n",
        more=[("m.csv", msgs)],
    )
    sig = _sig(db, "end_known, resolved_end, ttr_s, truly_resolved")
    assert sig["m"] == (True, True, 1800.0, True)


# ---------------------------------------------------------------- TTR populations and FCR


def test_ttr_populations_ignore_maturity_and_returns(db):
    rows_ = [
        # AI not escalated, returned later (r2): still counts for TTR with its 600 s
        "r1,u1,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,,resolved,Billing",
        "r2,u1,2024-01-02T10:00:00Z,2024-01-02T10:20:00Z,ai,,resolved,Billing",
        # AI escalated, solved: 1 h
        "e1,u2,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,true,solved,Login",
        # AI escalated, still open: no TTR
        "e2,u3,2024-01-01T10:00:00Z,2024-01-01T12:00:00Z,ai,true,open,Login",
        # human, pending (created at the very end) but solved: 2 h
        f"h1,u4,{LATE},2024-06-01T02:00:00Z,human,,solved,Login",
    ]
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,escalated,status,issue_category\n"
        + "\n".join(rows_)
        + "\n",
    )
    m = _m(db)
    assert (m["ttr_median_s_ai"].value, m["ttr_median_s_ai"].denominator) == (900.0, 2)  # 600 s and 1200 s
    assert (m["ttr_median_s_ai_escalated"].value, m["ttr_median_s_ai_escalated"].denominator) == (3600.0, 1)
    assert (m["ttr_median_s_human"].value, m["ttr_median_s_human"].denominator) == (7200.0, 1)
    # true resolution (matured AI: r1, r2, e1, e2): r1 returned (r2 within 72 h, same category) -> only r2
    assert (m["true_resolution_rate"].numerator, m["true_resolution_rate"].denominator) == (1, 4)
    # FCR AI: not returned and a resolved end: r2, e1 (e2 is open, r1 returned)
    assert (m["fcr_rate_ai"].numerator, m["fcr_rate_ai"].denominator) == (2, 4)
    # return rate unchanged: r1 only; fcr + return need not add to 1 (e2 is open)
    assert (m["return_rate_ai"].numerator, m["return_rate_ai"].denominator) == (1, 4)


def test_open_ai_conversation_is_not_truly_resolved_and_has_its_own_leak(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,status\n"
        "o,u1,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,open\n"
        "ok,u2,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,closed\n"
        f"z,zz,{LATE},{LATE},human,closed\n",
    )
    assert _sig(db, "outcome") == {"o": ("not_closed",), "ok": ("truly_resolved",), "z": (None,)}
    from metrics.compute.resolution import leak_waterfall

    w = leak_waterfall(db)
    assert dict((k, n) for k, _, n in w.leaks)["not_closed"] == 1 and w.truly_resolved == 1


def test_reopened_ticket_is_a_return_whatever_the_window(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,status,reopens\n"
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,2\n"
        "b,u2,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,0\n"
        "c,u3,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,yes\n"
        f"z,zz,{LATE},{LATE},human,solved,\n",
    )
    assert _sig(db, "reopened, returned") == {
        "a": (2.0, True),
        "b": (0.0, False),
        "c": (1.0, True),
        "z": (None, False),
    }
    m = _m(db, Settings(return_window_hours=1))
    assert (m["return_rate_human"].numerator, m["return_rate_human"].denominator) == (2, 3)


# ---------------------------------------------------------------- plausibility


def test_implausible_durations_are_reported_and_left_out(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,first_response_at,handled_by,status\n"
        "long,u1,2022-01-01T00:00:00Z,2023-06-01T00:00:00Z,,human,solved\n"
        "neg,u2,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,2024-01-01T09:00:00Z,human,solved\n"
        "ok,u3,2024-01-01T10:00:00Z,2024-01-01T12:00:00Z,2024-01-01T10:30:00Z,human,solved\n",
    )
    sig = _sig(db, "ttr_s, ttr_implausible, ttfr_s, ttfr_implausible")
    assert sig["long"][:2] == (None, True)  # 516 days > 365
    assert sig["neg"][2:] == (None, True)  # first response an hour before the start
    assert sig["ok"] == (7200.0, False, 1800.0, False)
    reasons = rows(db.con, "SELECT file, \"row\", reason FROM load_issues WHERE reason LIKE 'implausible%' ORDER BY 2")
    assert [(f, r) for f, r, _ in reasons] == [("t.csv", 2), ("t.csv", 3)]
    assert "resolution of 516.0 days" in reasons[0][2] and "first response of -0.0 days" in reasons[1][2]
    # a longer limit brings the long one back, and the report follows the setting in force
    s = Settings(max_plausible_days=600)
    signals.compute(db, s)
    assert _m(db, s)["ttr_p90_s_human"].denominator == 3
    assert scalar(db.con, "SELECT count(*) FROM load_issues WHERE reason LIKE 'implausible%'") == 1


# ---------------------------------------------------------------- who counts


def test_outbound_tickets_are_loaded_but_in_no_metric_and_never_a_return(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,status,channel\n"
        "in1,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,Mail\n"
        "out1,u1,2024-01-01T12:00:00Z,2024-01-01T12:05:00Z,human,solved,OutBound\n"
        "out2,u2,2024-01-01T12:00:00Z,2024-01-01T12:05:00Z,human,solved,Outbound Email\n"
        f"z,zz,{LATE},{LATE},human,solved,Mail\n",
    )
    assert rows(db.con, "SELECT conversation_id, direction FROM conversations ORDER BY 1") == [
        ("in1", "inbound"),
        ("out1", "outbound"),
        ("out2", "outbound"),
        ("z", "inbound"),
    ]
    assert sorted(_sig(db, "returned")) == ["in1", "z"]  # outbound rows are not in the signals at all
    assert _sig(db, "returned")["in1"] == (False,)  # out1 (same customer, 1 h later) is not a return
    d = report.data_block(db, Settings())
    assert (d["conversations"], d["outbound_conversations"]) == (4, 2)
    assert any(w.startswith("2 outbound conversations") for w in checks.data_warnings(db, Settings()))


def test_heavy_customer_is_named_and_can_be_excluded(db, monkeypatch):
    lines = [
        f"t{i},system@corp,2024-01-0{1 + i % 5}T10:00:00Z,2024-01-0{1 + i % 5}T11:00:00Z,human,solved"
        for i in range(100)
    ]
    lines += [f"c{i},u{i},2024-01-02T10:00:00Z,2024-01-02T11:00:00Z,human,solved" for i in range(50)]
    text = "conversation_id,customer_id,created_at,ended_at,handled_by,status\n" + "\n".join(lines) + "\n"
    _load(db, text)
    heavy = checks.heavy_customers(db, Settings())
    assert [(h.customer_id, h.conversations) for h in heavy] == [("system@corp", 100)]
    assert heavy[0].share == pytest.approx(100 / 150)
    assert any(
        "Customer system@corp has 100 conversations (66.7% of all)" in w for w in checks.data_warnings(db, Settings())
    )
    s = Settings(excluded_customers=("system@corp",))
    signals.compute(db, s)
    assert scalar(db.con, "SELECT count(*) FROM signals") == 50
    assert checks.heavy_customers(db, s) == []
    pop = checks.population(db, s)
    assert (pop.excluded, pop.excluded_customers, pop.counted) == (100, 1, 50)
    assert any("100 conversations of 1 excluded customer" in w for w in checks.data_warnings(db, s))
    # 99 conversations is below the 100 floor even at 66% of the data
    assert checks.HEAVY_MIN == 100
    # both are counted once per dataset: another window reads them from memory, new data counts afresh
    queries = []
    real = checks.rows
    monkeypatch.setattr(checks, "rows", lambda *a, **k: queries.append(1) or real(*a, **k))
    assert checks.population(db, s.replace(return_window_hours=24)) == pop
    assert checks.heavy_customers(db, Settings(return_window_hours=24))[0].customer_id == "system@corp"
    assert queries == []
    _load(db, "conversation_id,customer_id,created_at,ended_at,handled_by,status\n" + "\n".join(lines[100:]))
    assert checks.heavy_customers(db, Settings()) == [] and checks.population(db, s).counted == 50
    assert checks.population(db, s).excluded == 0 and len(queries) == 2


def test_uncategorised_majority_is_warned(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,status,issue_category\n"
        "a,u1,2024-01-01,human,solved,\nb,u2,2024-01-01,human,solved,\nc,u3,2024-01-01,human,solved,Billing\n",
    )
    assert any("2 of 3 conversations (67%) have no issue_category" in w for w in checks.data_warnings(db, Settings()))


# ---------------------------------------------------------------- surveys and vendor durations


def test_offered_but_unanswered_surveys_are_the_response_denominator(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,status,satisfaction_score\n"
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,Offered\n"
        "b,u2,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,Offered\n"
        "c,u3,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,Good\n"
        "d,u4,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,\n"
        "e,u5,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,Not Offered\n",
    )
    # the generic csat column says which were offered: a, b (Offered) and c (answered); d and e were not
    assert _sig(db, "survey_offered") == {
        "a": (True,),
        "b": (True,),
        "c": (True,),
        "d": (False,),
        "e": (False,),
    }
    m = _m(db)
    assert (m["csat_response_rate_human"].numerator, m["csat_response_rate_human"].denominator) == (1, 3)
    assert not any("offered a survey" in w for w in checks.data_warnings(db, Settings()))


def test_without_offer_information_the_response_rate_is_over_all_and_says_so(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,status,csat\n"
        "a,u1,2024-01-01,human,solved,5\nb,u2,2024-01-01,human,solved,\n",
    )
    m = _m(db)
    assert (m["csat_response_rate_human"].numerator, m["csat_response_rate_human"].denominator) == (1, 2)
    assert any(
        "does not say which conversations were offered a survey" in w for w in checks.data_warnings(db, Settings())
    )


def test_vendor_durations_feed_their_own_metrics_and_business_hours_never_calendar(db):
    _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,status,first_reply_time_in_minutes,"
        "first_reply_time_in_minutes_within_business_hours,full_resolution_time_in_minutes,"
        "full_resolution_time_in_minutes_within_business_hours,replies\n"
        # only the business-hours first reply (as in a real Zendesk file): no calendar TTFR
        "bh,u1,2024-01-01T10:00:00Z,human,solved,,30,120,60,1\n"
        # calendar first reply 10 minutes; no solved time, so the full resolution minutes give the end
        "cal,u2,2024-01-01T10:00:00Z,human,solved,10,5,240,90,3\n"
        "open,u3,2024-01-01T10:00:00Z,human,open,,,,,0\n",
    )
    sig = _sig(db, "ttfr_s, ttfr_bh_s, ttr_s, ttr_bh_s, end_known")
    assert sig["bh"] == (None, 1800.0, 7200.0, 3600.0, True)
    assert sig["cal"] == (600.0, 300.0, 14400.0, 5400.0, True)
    assert sig["open"] == (None, None, None, None, False)
    m = _m(db)
    assert (m["ttfr_median_s_human"].value, m["ttfr_median_s_human"].denominator) == (600.0, 1)
    assert m["ttfr_business_median_s_human"].value == pytest.approx((1800 + 300) / 2)
    assert m["ttr_business_median_s_human"].value == pytest.approx((3600 + 5400) / 2)
    assert m["ttr_median_s_human"].value == pytest.approx((7200 + 14400) / 2)
    # one-touch: resolved ends with a known reply count: bh (1 reply), cal (3) -> 1 of 2; open is not resolved
    assert (m["one_touch_rate_human"].numerator, m["one_touch_rate_human"].denominator) == (1, 2)


# ---------------------------------------------------------------- recognition, CLI, money


GROUP = "id,_fivetran_deleted,_fivetran_synced,created_at,name,updated_at,url\n1,false,2024-01-01,2024-01-01,Support,2024-01-01,https://x\n"


def test_a_side_table_next_to_a_real_file_is_named_and_skipped(db):
    r, _ = _load(
        db,
        "conversation_id,customer_id,created_at,handled_by,status\na,u1,2024-01-01,human,solved\n",
        more=[("group_data.csv", GROUP)],
    )
    assert [f.name for f in r.files] == ["t.csv"]
    assert r.errors == []
    assert r.skipped == {
        "group_data.csv": "group_data.csv looks like the Zendesk group table, a side table: it holds no "
        "conversations, messages or accounts, so it is not used."
    }
    assert scalar(db.con, "SELECT count(*) FROM accounts") == 0
    assert scalar(db.con, "SELECT count(*) FROM conversations") == 1


def test_cli_exits_2_with_the_commonest_rejection_when_nothing_loaded(tmp_path, capsys):
    p = tmp_path / "t.csv"
    p.write_text("conversation_id,customer_id,created_at,handled_by\nc1,u1,yesterday,human\nc2,u2,,human\n")
    assert main(["report", str(p)]) == 2
    err = capsys.readouterr().err
    assert (
        "error: no conversation was loaded: all 2 rows were rejected; the commonest reason, for 2 of them, is "
        "'created_at is missing or unreadable', e.g. t.csv row 2 (column 'created_at': not a date/time: yesterday)."
    ) in err
    g = tmp_path / "group_data.csv"
    g.write_text(GROUP)
    assert main(["report", str(g)]) == 2
    assert "none of the files is a conversations or tickets export" in capsys.readouterr().err


def test_example_prices_warn_on_every_money_figure_and_currency_is_echoed(tmp_path, capsys):
    p = tmp_path / "t.csv"
    p.write_text("conversation_id,customer_id,created_at,handled_by,status\nc1,u1,2024-01-01,human,solved\n")
    out = tmp_path / "r.json"
    assert main(["report", str(p), "--json", str(out), "--set", "currency=eur"]) == 0
    rep = json.loads(out.read_text())
    assert rep["settings"]["currency"] == "EUR"
    money = [w for w in rep["warnings"] if "example prices" in w]
    assert len(money) == 1 and money[0].startswith(", ".join(checks.PRICED_IDS))
    assert main(["report", str(p), "--json", str(out)] + [f"--set={k}=1" for k in Settings().example_prices]) == 0
    assert not any("example prices" in w for w in json.loads(out.read_text())["warnings"])


def test_rfc_2822_timestamps_and_the_excel_sep_hint(db):
    r, _ = _load(
        db,
        "sep=;\nconversation_id;customer_id;created_at;handled_by;status\n"
        "c1;u1;Tue Oct 31 22:10:47 +0000 2017;human;solved\n"
        "c2;u1;Tue, 31 Oct 2017 22:10:47 GMT;human;solved\n"
        "c3;u1;Tue, 31 Oct 2017 22:10:47 +0200;human;solved\n"
        "c4;u2\n",
    )
    f = r.files[0]
    assert "first line 'sep=;' (Excel's delimiter hint) removed" in f.notes
    got = rows(db.con, "SELECT conversation_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') FROM conversations")
    assert got == [("c1", "2017-10-31 22:10:47"), ("c2", "2017-10-31 22:10:47"), ("c3", "2017-10-31 20:10:47")]
    # the rejected line keeps the number a person sees in the file (the hint is line 1, the header line 2)
    assert [(i["row"], i["reason"]) for i in load_issues.listing(db)] == [(6, "expected 5 fields, found 2")]


def test_row_numbers_of_a_csv_without_unreadable_lines_follow_the_file(db):
    """No unreadable line: rows are numbered from the table's own order (no column written), hint line counted."""
    r, _ = _load(
        db,
        "sep=;\nconversation_id;customer_id;created_at;handled_by;status\n"
        "c1;u1;2024-01-01T10:00:00Z;human;solved\n"
        "c2;u1;not a time;human;solved\n"
        "c3;u2;2024-01-02T10:00:00Z;robot;solved\n",
    )
    got = [(i["row"], i["column"], i["kind"]) for i in load_issues.listing(db)]
    # the hint is line 1, the header line 2: c2 is line 4, c3 line 5
    assert sorted(got, key=str) == sorted(
        [(4, "created_at", "value"), (4, None, "required"), (5, "handled_by", "value"), (5, None, "required")],
        key=str,
    )
    assert rows(db.con, "SELECT conversation_id, source_row FROM conversations") == [("c1", 3)]


def test_categories_spelled_like_our_keys_never_replace_the_overall_or_the_uncategorised(tmp_path):
    """Issue 23: a category literally '__all__' replaced the overall numbers; '(none)' merged with empty."""
    p = tmp_path / "t.csv"
    lines = ["conversation_id,customer_id,created_at,ended_at,handled_by,status,issue_category"]
    lines += [f"a{i},u{i},2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,closed,__all__" for i in range(3)]
    lines += [f"n{i},v{i},2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,closed,(none)" for i in range(2)]
    lines += [f"e{i},w{i},2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,closed," for i in range(4)]
    lines += ["z,zz,2024-06-01T00:00:00Z,2024-06-01T00:00:00Z,human,closed,Other"]
    p.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r.json"
    assert main(["report", str(p), "--json", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["metrics"]["true_resolution_rate"]["denominator"] == 9  # the overall: every AI conversation
    by = {k: v["true_resolution_rate"]["denominator"] for k, v in rep["by_category"].items()}
    assert by == {"__all__ (as written)": 3, "(none) (as written)": 2, "(none)": 4, "Other": 0}


def test_negative_minutes_and_far_future_times_are_reported_and_left_out(db):
    """Issue 23: -1,000,000 handle minutes gave a negative cost per resolution; a year-9999 start moved
    data_end so that "the last 30 days" were empty."""
    r, _ = _load(
        db,
        "conversation_id,customer_id,created_at,ended_at,handled_by,status,handle_minutes\n"
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,human,solved,-1000000\n"
        "b,u2,9999-01-01T10:00:00Z,,human,solved,12\n"
        "c,u3,2024-01-02T10:00:00Z,9999-12-31T00:00:00Z,human,solved,20\n",
    )
    got = {(i["row"], i["reason"].split(":")[0]) for i in load_issues.listing(db)}
    assert (2, "negative, left out") in got
    assert (3, "created_at is missing or unreadable") in got  # a start in the future rejects its row
    assert any(r_ == 4 and why.startswith("in the future (after ") for r_, why in got)
    assert rows(db.con, "SELECT conversation_id, handle_minutes FROM conversations ORDER BY 1") == [
        ("a", None),
        ("c", 20.0),
    ]
    assert scalar(db.con, "SELECT max(data_end) FROM signals").year == 2024


def test_filter_values_are_read_once_per_dataset(db, monkeypatch):
    """The sidebar's choices (distinct values, missing ones as '(none)') come from memory on every later script
    run, and from the new data after a new load."""
    head = "conversation_id,customer_id,created_at,ended_at,handled_by,issue_category,channel\n"
    _load(db, head + "a,u1,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,Billing,chat\nb,u2,2024-01-02T10:00:00Z,"
          "2024-01-02T11:00:00Z,human,,email\n")  # fmt: skip
    assert checks.values_of(db, "category") == ["Billing", "(none)"]
    assert checks.categories(db) == ["Billing"] and checks.values_of(db, "channel") == ["chat", "email"]
    queries = []
    real = checks.rows
    monkeypatch.setattr(checks, "rows", lambda *a, **k: queries.append(1) or real(*a, **k))
    assert checks.values_of(db, "category") == ["Billing", "(none)"] and queries == []
    _load(db, head + "c,u3,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,ai,Login,chat\n")
    assert checks.values_of(db, "category") == ["Login"] and checks.values_of(db, "nothing") == []
