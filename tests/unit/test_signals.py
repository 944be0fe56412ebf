"""Every signal of SPEC section 3 on hand-built conversations, edges included."""

from __future__ import annotations

import pytest

from metrics.compute import signals
from metrics.core.db import rows, scalar
from metrics.core.settings import Settings
from metrics.load import ingest

HEAD = "conversation_id,customer_id,created_at,ended_at,handled_by,escalated,issue_category,status,csat,sentiment_start,sentiment_end,first_response_at,escalation_reason,escalation_appropriate,handle_minutes,account_id"


def build(db, conv_rows, msg_rows=(), settings=None):
    """conv_rows: dicts with any of the HEAD fields; returns {id: signal row dict}."""
    fields = HEAD.split(",")
    lines = [HEAD] + [",".join(str(r.get(f, "")) for f in fields) for r in conv_rows]
    files = [("c.csv", ("\n".join(lines) + "\n").encode())]
    if msg_rows:
        mh = "conversation_id,sent_at,author_type,text,sentiment"
        files.append(("m.csv", ("\n".join([mh, *msg_rows]) + "\n").encode()))
    s = settings or Settings()
    r = ingest.load(db, files, s)
    assert r.errors == [], r.errors
    info = signals.compute(db, s)
    cur = db.con.execute("SELECT * FROM signals")
    names = [d[0] for d in cur.description]
    out = {d["conversation_id"]: d for d in (dict(zip(names, row)) for row in cur.fetchall())}
    return out | {"_info": info}


def conv(cid, created, ended=None, handled_by="ai", customer="u1", **kw):
    return {
        "conversation_id": cid,
        "customer_id": customer,
        "created_at": created,
        "ended_at": ended or created,
        "handled_by": handled_by,
        **kw,
    }


T0 = "2024-01-01T10:00:00Z"
LATE = "2024-03-01T00:00:00Z"  # makes data_end far away, so everything earlier is matured


def test_return_window_boundary_is_inclusive(db):
    sig = build(
        db,
        [
            conv("a", T0, "2024-01-01T10:00:00Z", issue_category="Billing"),
            conv("a2", "2024-01-04T10:00:00Z", handled_by="human", issue_category="Billing"),  # exactly +72h
            conv("b", T0, customer="u2", issue_category="Billing"),
            conv("b2", "2024-01-04T10:00:01Z", customer="u2", handled_by="human", issue_category="Billing"),  # +72h 1s
            conv("z", LATE, customer="zz"),
        ],
    )
    assert sig["a"]["returned"] is True
    assert sig["b"]["returned"] is False


def test_returns_need_same_customer_and_same_category_with_null_matching_null(db):
    sig = build(
        db,
        [
            conv("n1", T0),  # NULL category
            conv("n2", "2024-01-01T12:00:00Z"),  # NULL again: a return
            conv("x1", T0, customer="u2", issue_category="Billing"),
            conv("x2", "2024-01-01T12:00:00Z", customer="u2", issue_category="Login"),  # other topic
            conv("y1", T0, customer="u3", issue_category="Billing"),
            conv("y2", "2024-01-01T12:00:00Z", customer="u4", issue_category="Billing"),  # other customer
            conv("s1", T0, customer="u5", issue_category="Billing"),
            conv("s2", T0, customer="u5", issue_category="Billing"),  # same instant: not later
            conv("z", LATE, customer="zz"),
        ],
    )
    assert [sig[k]["returned"] for k in ("n1", "x1", "y1", "s1", "s2")] == [True, False, False, False, False]


def test_follow_up_ticket_is_any_human_conversation_within_T_and_only_for_ai_rows(db):
    sig = build(
        db,
        [
            conv("a", T0, issue_category="Billing"),
            conv("h", "2024-01-02T10:00:00Z", handled_by="human", issue_category="Login"),  # exactly +24h
            conv("b", T0, customer="u2"),
            conv("b2", "2024-01-01T11:00:00Z", customer="u2"),  # a later AI conversation is no ticket
            conv("c", T0, customer="u3"),
            conv("c2", "2024-01-02T10:00:01Z", customer="u3", handled_by="human"),  # +24h 1s
            conv("z", LATE, customer="zz"),
        ],
    )
    assert [sig[k]["follow_up_ticket"] for k in ("a", "b", "c")] == [True, False, False]
    assert sig["h"]["follow_up_ticket"] is None


def test_maturity_boundary_and_pending_excluded(db):
    # data_end = latest created_at = 2024-01-04T10:00:00Z; max(W, T) = 72h
    sig = build(
        db,
        [
            conv("m", T0, "2024-01-01T10:00:00Z"),  # ended + 72h == data_end: matured
            conv("p", T0, "2024-01-01T10:00:01Z", customer="u2"),  # one second later: pending
            conv("end", "2024-01-04T10:00:00Z", customer="u3"),
        ],
    )
    assert (sig["m"]["matured"], sig["p"]["matured"]) == (True, False)
    assert (sig["m"]["truly_resolved"], sig["p"]["truly_resolved"]) == (True, None)
    assert sig["p"]["outcome"] == "pending"
    assert sig["_info"].pending == 2  # p and the last conversation itself


def test_as_of_cuts_the_data_and_sets_data_end(db):
    s = Settings(as_of="2024-01-04T10:00:00+00:00")
    sig = build(db, [conv("m", T0), conv("later", "2024-02-01T00:00:00Z", customer="u2")], settings=s)
    assert "later" not in sig
    assert sig["m"]["matured"] is True


def test_concurrency_counts_itself_once_and_peak_uses_quantile_disc(db):
    sig = build(
        db,
        [
            conv("A", "2024-01-01T10:00:00Z", "2024-01-01T10:30:00Z"),
            conv("B", "2024-01-01T10:10:00Z", "2024-01-01T10:20:00Z", customer="u2"),
            conv("C", "2024-01-01T10:15:00Z", "2024-01-01T10:15:00Z", customer="u3"),  # zero length
            conv("D", "2024-01-01T10:30:00Z", "2024-01-01T10:40:00Z", customer="u4"),  # A ends as D starts
            conv("H", "2024-01-01T10:12:00Z", "2024-01-01T10:50:00Z", customer="u5", handled_by="human"),
        ],
    )
    assert {k: sig[k]["concurrency"] for k in "ABCDH"} == {"A": 1, "B": 2, "C": 3, "D": 1, "H": 2}
    # AI concurrencies 1, 2, 3, 1: quantile_disc(0.9) = 3
    assert sig["_info"].peak_threshold == 3
    assert [k for k in "ABCD" if sig[k]["peak"]] == ["C"]


def test_escalation_wins_over_follow_up_in_the_outcome(db):
    sig = build(
        db,
        [
            conv("e", T0, escalated="true"),
            conv("h", "2024-01-01T11:00:00Z", handled_by="human"),
            conv("z", LATE, customer="zz"),
        ],
    )
    e = sig["e"]
    assert (e["outcome"], e["follow_up_ticket"], e["truly_resolved"]) == ("escalated", True, False)


def test_sentiment_boundaries_are_strict_and_unknown_is_not_negative(db):
    sig = build(
        db,
        [
            conv("n", T0, sentiment_start="0.05", sentiment_end="-0.05"),
            conv("neg", T0, customer="u2", sentiment_start="0.3", sentiment_end="-0.0501"),
            conv("unk", T0, customer="u3"),
            conv("z", LATE, customer="zz"),
        ],
    )
    assert (sig["n"]["start_class"], sig["n"]["end_class"], sig["n"]["negative_end"]) == (0, 0, False)
    assert (sig["neg"]["negative_end"], sig["neg"]["trajectory"], sig["neg"]["outcome"]) == (
        True,
        "worsened",
        "negative_end",
    )
    assert (sig["unk"]["negative_end"], sig["unk"]["trajectory"], sig["unk"]["truly_resolved"]) == (False, None, True)


def test_message_sentiment_and_text_model_precedence(db):
    msgs = [
        "c,2024-01-01T10:00:00Z,customer,I am furious,0.2",
        "c,2024-01-01T10:01:00Z,ai,hello,",
        "c,2024-01-01T10:02:00Z,customer,thanks,-0.4",
        "t,2024-01-01T10:00:00Z,customer,This is useless and terrible,",
        "t,2024-01-01T10:02:00Z,customer,Thanks so much that worked great,",
    ]
    sig = build(db, [conv("c", T0), conv("t", T0, customer="u2"), conv("z", LATE, customer="zz")], msgs)
    assert (sig["c"]["sentiment_start_value"], sig["c"]["sentiment_end_value"]) == (0.2, -0.4)  # scores beat text
    assert sig["t"]["sentiment_start_value"] < -0.5 < 0.5 < sig["t"]["sentiment_end_value"]
    assert sig["t"]["sentiment_source"] == "text model"


def test_silent_exit_exit_turn_and_derived_abandonment(db):
    msgs = [
        "s,2024-01-01T10:00:00Z,customer,help,",
        "s,2024-01-01T10:01:00Z,ai,answer one,",
        "s,2024-01-01T10:02:00Z,customer,no,",
        "s,2024-01-01T10:03:00Z,ai,answer two,",
        "k,2024-01-01T10:00:00Z,customer,help,",
        "k,2024-01-01T10:01:00Z,ai,answer,",
        "k,2024-01-01T10:02:00Z,customer,ok,",
    ]
    sig = build(
        db,
        [
            conv("s", T0, "2024-01-01T10:03:00Z", issue_category="Billing"),
            conv("s2", "2024-01-02T10:00:00Z", handled_by="human", issue_category="Billing"),  # the customer returned
            conv("k", T0, customer="u2"),
            conv("z", LATE, customer="zz"),
        ],
        msgs,
    )
    assert (sig["s"]["silent_exit"], sig["s"]["exit_turn"], sig["s"]["abandoned"]) == (True, 2, True)
    assert (sig["k"]["silent_exit"], sig["k"]["exit_turn"], sig["k"]["abandoned"]) == (False, 1, False)
    assert sig["z"]["silent_exit"] is None  # no messages


def test_escalation_appropriateness_rules(db):
    s = Settings(human_required_categories=(" legal request ",))
    sig = build(
        db,
        [
            conv("tag", T0, escalated="true", escalation_reason="Possible FRAUD", escalation_appropriate="false"),
            conv("cat", T0, customer="u2", escalated="true", issue_category="Legal Request"),
            conv("kw", T0, customer="u3", escalated="true", escalation_reason="customer raised a Dispute"),
            conv("dis", T0, customer="u4", escalated="true", sentiment_start="-0.5"),
            conv("no", T0, customer="u5", escalated="true", sentiment_start="-0.49", escalation_reason="asked"),
            conv("notesc", T0, customer="u6"),
        ],
        settings=s,
    )
    got = {k: sig[k]["escalation_is_appropriate"] for k in ("tag", "cat", "kw", "dis", "no", "notesc")}
    assert got == {"tag": False, "cat": True, "kw": True, "dis": True, "no": False, "notesc": None}


def test_ttfr_given_value_wins_else_first_reply_at_or_after_start(db):
    msgs = [
        "g,2024-01-01T10:00:30Z,ai,hi,",
        "m,2024-01-01T09:59:00Z,human,early note,",  # before created_at: ignored
        "m,2024-01-01T10:00:00Z,customer,help,",
        "m,2024-01-01T10:00:00Z,ai,hi,",  # equality counts
        "n,2024-01-01T10:00:00Z,customer,hello?,",
    ]
    sig = build(
        db,
        [
            conv("g", T0, "2024-01-01T10:05:00Z", first_response_at="2024-01-01T10:02:00Z"),
            conv("m", T0, "2024-01-01T10:05:00Z", customer="u2"),
            conv("n", T0, "2024-01-01T10:05:00Z", customer="u3"),
        ],
        msgs,
    )
    assert (sig["g"]["ttfr_s"], sig["m"]["ttfr_s"], sig["n"]["ttfr_s"]) == (120.0, 0.0, None)
    assert sig["g"]["ttr_s"] == 300.0


def test_human_resolution_status_null_is_other(db):
    sig = build(
        db,
        [
            conv("ok", T0, handled_by="human"),
            conv("open", T0, customer="u2", handled_by="human", status="open"),
            conv("ab", T0, customer="u3", handled_by="human", status="abandoned"),
            conv("esc", T0, customer="u4", escalated="true", status="solved"),
            conv("z", LATE, customer="zz"),
        ],
    )
    assert [sig[k]["resolved"] for k in ("ok", "open", "ab", "esc")] == [True, False, False, True]
    assert sig["z"]["resolved"] is None  # pending


@pytest.mark.parametrize("w, expected", [(24, 1), (72, 2), (200, 3)])
def test_return_rate_never_falls_as_the_window_grows(db, w, expected):
    rows_ = [
        conv("a", T0, issue_category="X"),
        conv("a2", "2024-01-01T20:00:00Z", issue_category="X"),
        conv("b", T0, customer="u2", issue_category="X"),
        conv("b2", "2024-01-03T10:00:00Z", customer="u2", issue_category="X"),
        conv("c", T0, customer="u3", issue_category="X"),
        conv("c2", "2024-01-08T10:00:00Z", customer="u3", issue_category="X"),
        conv("z", "2024-06-01T00:00:00Z", customer="zz"),
    ]
    build(db, rows_, settings=Settings(return_window_hours=w))
    assert (
        scalar(db.con, "SELECT count(*) FILTER (WHERE returned) FROM signals WHERE conversation_id IN ('a','b','c')")
        == expected
    )
    assert rows(db.con, "SELECT count(*) FROM signals") == [(7,)]


def test_business_hours_are_dst_correct_and_skip_holidays(db):
    # Berlin switches to summer time on Sunday 2025-03-30.
    s = Settings(business_hours="Mon-Fri 09:00-17:00 Europe/Berlin; holidays 2025-04-21")
    sig = build(
        db,
        [
            # Fri 16:00 CET (15:00Z) -> Mon 10:00 CEST (08:00Z): 1 h Friday + 1 h Monday
            conv(
                "dst",
                "2025-03-28T15:00:00Z",
                "2025-03-31T08:00:00Z",
                handled_by="human",
                first_response_at="2025-03-31T08:00:00Z",
            ),
            # Fri 18 Apr 16:00 CEST -> Tue 22 Apr 09:30 CEST; Monday 21 is a holiday: 1 h + 0.5 h
            conv("hol", "2025-04-18T14:00:00Z", "2025-04-22T07:30:00Z", customer="u2", handled_by="human"),
            # Saturday to Saturday night: no open time at all
            conv("wkend", "2025-04-05T10:00:00Z", "2025-04-05T20:00:00Z", customer="u3", handled_by="human"),
            conv("ai", "2025-03-28T15:00:00Z", customer="u4"),
        ],
        settings=s,
    )
    assert (sig["dst"]["ttfr_bh_s"], sig["dst"]["ttr_bh_s"]) == (7200.0, 7200.0)
    assert sig["dst"]["ttr_s"] == 3 * 86400 - 7 * 3600
    assert sig["hol"]["ttr_bh_s"] == 5400.0
    assert sig["wkend"]["ttr_bh_s"] == 0.0
    assert sig["ai"]["ttr_bh_s"] is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("Mon-Fri 09:00-17:00", "business_hours needs opening hours and a time zone"),
        ("Mon-Fri 09:00-17:00 Mars/Base", "business_hours: 'Mars/Base' is not a known time zone."),
        ("Mon-Fri 17:00-09:00 UTC", "business_hours: 'Mon-Fri 17:00-09:00' must open before it closes"),
        ("Mon-Fri 09:00-17:00 UTC; holidays 25/12/2025", "business_hours: holiday '25/12/2025' is not a date"),
    ],
)
def test_business_hours_setting_errors(text, message):
    from metrics.core.errors import SettingsError

    with pytest.raises(SettingsError) as e:
        Settings().replace(business_hours=text)
    assert str(e.value).startswith(message)


def test_the_relation_adds_exactly_the_declared_signal_columns(db):
    """schema.SIGNAL_COLUMNS is what ingest keeps free; a column the relation adds but the list misses would let
    an upload of that name collide with it (issue 16: ttfr_bh_s and ttr_bh_s were missing)."""
    from metrics.core.db import columns
    from metrics.core.schema import SIGNAL_COLUMNS

    build(db, [conv("a", "2025-01-01 10:00")])
    added = [c for c in columns(db.con, "signals") if c not in columns(db.con, "conversations")]
    assert sorted(added) == sorted(SIGNAL_COLUMNS)


def test_an_upload_with_a_column_named_like_every_signal_column_still_computes(db):
    from metrics.compute import aggregate, registry
    from metrics.core.schema import SIGNAL_COLUMNS

    head = "conversation_id,customer_id,created_at,ended_at,handled_by," + ",".join(SIGNAL_COLUMNS)
    row = "a,u1,2025-01-01 10:00,2025-01-01 10:05,ai," + ",".join("x" for _ in SIGNAL_COLUMNS)
    r = ingest.load(db, [("c.csv", f"{head}\n{row}\n".encode())], Settings())
    assert r.errors == [] and r.loaded == 1
    signals.compute(db, Settings())
    res = aggregate.compute(db, Settings(), [sp.id for sp in registry.all_specs() if sp.kind != "business"])
    assert res[aggregate.ALL]["deflection_rate"].denominator == 1  # one AI conversation, counted once
    assert not any(
        c in aggregate.segment_columns(db)
        for c in SIGNAL_COLUMNS
        if c not in ("category", "week", "month", "load", "status", "account_segment")
    )


def _filtered(db, **filters):
    """a (AI, Billing, chat) came back the next day as b (human, after the date range); c is AI, Shipping,
    email; d only closes every window. Returns {id: row} of the signals left after the filters."""
    from metrics.core.settings import from_dict

    head = "conversation_id,customer_id,created_at,ended_at,handled_by,issue_category,channel,status"
    lines = [
        head,
        "a,u1,2024-01-01T10:00:00Z,2024-01-01T10:10:00Z,ai,Billing,chat,solved",
        "b,u1,2024-01-02T09:00:00Z,2024-01-02T09:30:00Z,human,Billing,chat,solved",
        "c,u2,2024-01-01T12:00:00Z,2024-01-01T12:05:00Z,ai,Shipping,email,solved",
        "d,u3,2024-03-01T00:00:00Z,2024-03-01T00:05:00Z,human,Other,chat,solved",
    ]
    s = from_dict(filters)
    ingest.load(db, [("c.csv", ("\n".join(lines) + "\n").encode())], s)
    info = signals.compute(db, s)
    got = {r[0]: r for r in rows(db.con, "SELECT conversation_id, returned, truly_resolved FROM signals")}
    return got, info


def test_filters_keep_only_their_conversations_and_signals_still_see_all_the_data(db):
    """Issue 17: a date range keeps a (1 January) only, and a still came back: b, outside the range, counts."""
    got, info = _filtered(db, date_from="2024-01-01", date_to="2024-01-01", channels=["chat"])
    assert sorted(got) == ["a"] and info.conversations == 1
    assert got["a"][1:] == (True, False)  # returned (b is after the range), so not truly resolved
    from metrics.compute import aggregate

    res = aggregate.compute(db, Settings(date_from="2024-01-01", date_to="2024-01-01"), ["true_resolution_rate"])
    assert (
        res[aggregate.ALL]["true_resolution_rate"].numerator,
        res[aggregate.ALL]["true_resolution_rate"].denominator,
    ) == (0, 1)


def test_filters_by_channel_and_by_a_segment_value(db):
    got, _ = _filtered(db, channels=["email"])
    assert sorted(got) == ["c"] and got["c"][1:] == (False, True)  # c: no return, truly resolved
    got, _ = _filtered(db, filter_segment="category", filter_values=["Billing", "Other"])
    assert sorted(got) == ["a", "b", "d"]
    got, _ = _filtered(db, filter_segment="category", filter_values=["(none)"])
    assert got == {}
    with pytest.raises(Exception, match="date_from must not be after date_to"):
        _filtered(db, date_from="2024-02-01", date_to="2024-01-01")
