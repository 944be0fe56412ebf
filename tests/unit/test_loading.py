"""Loading rules of SPEC sections 2 and 7 and the loading cases of HOSTILE.md section 1."""

from __future__ import annotations

import datetime as dt

import pytest

from metrics.core.db import rows, scalar
from metrics.core.settings import Settings
from metrics.load.issues import listing as issues
from tests.conftest import CONV_HEADER, conv_csv

UTC = dt.UTC


def ts(*a):
    return dt.datetime(*a, tzinfo=UTC)


def created(db):
    return {r[0]: r[1] for r in rows(db.con, "SELECT conversation_id, created_at FROM conversations")}


def assert_conserved(result):
    for f in result.files:
        assert f.read == f.loaded + f.rejected, f


def test_empty_file_is_refused_with_one_sentence(load):
    r = load(("tickets.csv", b""))
    assert r.errors == ["tickets.csv is empty (0 bytes)."]
    assert r.files == []


def test_header_only_file(load):
    r = load(("tickets.csv", "conversation_id,customer_id,created_at,handled_by\n"))
    assert r.errors == ["tickets.csv has a header but no data rows."]


def test_utf8_bom_does_not_reach_the_first_header(load, db):
    r = load(("t.csv", "\ufeff" + conv_csv("c1,u1,2024-01-01T10:00:00Z,,ai,Billing,,")))
    assert r.files[0].mapping.columns["conversation_id"] == "conversation_id"
    assert scalar(db.con, "SELECT conversation_id FROM conversations") == "c1"


def test_windows_1252_is_decoded_and_said(load, db):
    data = conv_csv("c1,jos\u00e9,2024-01-01T10:00:00Z,,human,\u20ac5 \u201cquote\u201d,,").encode("cp1252")
    r = load(("t.csv", data))
    assert any("Windows-1252" in n for n in r.files[0].notes)
    assert rows(db.con, "SELECT customer_id, issue_category FROM conversations") == [
        ("jos\u00e9", "\u20ac5 \u201cquote\u201d")
    ]


def test_invalid_bytes_in_neither_encoding_name_the_line(load):
    data = conv_csv("c1,u1,2024-01-01T10:00:00Z,,ai,x,,").encode() + b"c2,\x81\x8d,2024-01-01,,ai,x,,\n"
    r = load(("t.csv", data))
    assert r.errors == ["t.csv line 3 is not valid UTF-8 (nor Windows-1252); save the file as UTF-8 and upload again."]


def test_european_csv(load, db):
    text = (
        "conversation_id;customer_id;created_at;handled_by;handle_minutes\n"
        "c1;u1;01.02.2024 13:00;human;12,50\n"
        "c2;u2;15.02.2024 09:30;human;1.234,5\n"
    )
    r = load(("eu.csv", text))
    assert "delimiter ';', decimal ','" in r.files[0].notes
    assert rows(db.con, "SELECT created_at, handle_minutes FROM conversations ORDER BY 1") == [
        (ts(2024, 2, 1, 13), 12.5),
        (ts(2024, 2, 15, 9, 30), 1234.5),
    ]


def test_ambiguous_day_month_column_is_refused_until_the_order_is_set(load, db):
    text = conv_csv("c1,u1,01/02/2024,,human,x,,", "c2,u2,03/04/2024,,human,x,,")
    r = load(("amb.csv", text))
    assert r.errors == [
        "amb.csv: column 'created_at' is ambiguous (DD/MM vs MM/DD: no day above 12); set the date order for this file."
    ]
    from metrics.load.mapping import recognise

    m = recognise(["conversation_id", "customer_id", "created_at", "ended_at", "handled_by"])
    m.date_order = "MDY"
    r = load(("amb.csv", text), mappings={"amb.csv": m})
    assert r.errors == []
    assert created(db) == {"c1": ts(2024, 1, 2), "c2": ts(2024, 3, 4)}


def test_day_month_order_is_decided_by_the_column_and_reported(load, db):
    r = load(("d.csv", conv_csv("c1,u1,01/02/2024 09:00,,human,x,,", "c2,u2,13/02/2024 9:00 PM,,human,x,,")))
    assert any("read as DD/MM/YYYY (row 3 has a day above 12)" in n for n in r.files[0].notes)
    assert created(db) == {"c1": ts(2024, 2, 1, 9), "c2": ts(2024, 2, 13, 21)}


def test_mixed_formats_offsets_epochs_and_serials(load, db):
    r = load(
        (
            "mix.csv",
            conv_csv(
                "a,u,2024-03-10T02:30:00+05:00,,human,x,,",
                "b,u,2024-03-10T02:30:00-08:00,,human,x,,",
                "c,u,2024-03-10T02:30:00Z,,human,x,,",
                "d,u,1710037800,,human,x,,",
                "e,u,1710037800000,,human,x,,",
                "f,u,45361.5,,human,x,,",
                "g,u,2024-03-10 02:30,,human,x,,",
                "h,u,yesterday,,human,x,,",
            ),
        )
    )
    assert created(db) == {
        "a": ts(2024, 3, 9, 21, 30),
        "b": ts(2024, 3, 10, 10, 30),
        "c": ts(2024, 3, 10, 2, 30),
        "d": ts(2024, 3, 10, 2, 30),
        "e": ts(2024, 3, 10, 2, 30),
        "f": ts(2024, 3, 10, 12),
        "g": ts(2024, 3, 10, 2, 30),
    }
    bad = [i for i in issues(db) if i["row"] == 9]
    assert {i["reason"] for i in bad} == {"not a date/time: yesterday", "created_at is missing or unreadable"}
    assert_conserved(r)


def test_naive_values_use_the_source_zone_and_dst_is_reported(load, db):
    s = Settings(source_timezone="America/New_York")
    r = load(
        (
            "ny.csv",
            conv_csv(
                "a,u,2024-03-10 01:30,,human,x,,",  # EST
                "b,u,2024-03-10 02:30,,human,x,,",  # does not exist (spring forward)
                "c,u,2024-11-03 01:30,,human,x,,",  # exists twice (fall back)
                "d,u,2024-07-01T12:00:00Z,,human,x,,",  # offset wins over the zone
            ),
        ),
        settings=s,
    )
    assert created(db) == {"a": ts(2024, 3, 10, 6, 30), "c": ts(2024, 11, 3, 6, 30), "d": ts(2024, 7, 1, 12)}
    reasons = {i["row"]: i["reason"] for i in issues(db) if not i["rejected"]}
    assert reasons[3] == "does not exist in America/New_York (clocks moved forward)"
    assert reasons[4].startswith("occurs twice in the source time zone")
    assert_conserved(r)


def test_time_zone_in_header_is_honoured(load, db):
    text = "conversation_id,customer_id,Conversation started at (Europe/Berlin),handled_by\nc1,u1,2024-07-01 12:00,ai\n"
    load(("intercom.csv", text), tables={"intercom.csv": "conversations"})
    # 'Conversation started at' is a synonym of created_at once the zone is stripped
    assert created(db) == {"c1": ts(2024, 7, 1, 10)}


def test_placeholder_dates_before_1971_are_missing(load, db):
    r = load(("z.csv", conv_csv("c1,u1,2024-01-01T10:00:00Z,1900-01-01 00:00:00,human,x,,")))
    assert rows(db.con, "SELECT ended_at_derived FROM conversations") == [(True,)]
    assert [i["reason"] for i in issues(db)] == ["placeholder or pre-1971 date treated as missing: 1900-01-01 00:00:00"]
    assert r.files[0].loaded == 1


def test_ended_before_created_is_treated_as_missing(load, db):
    load(("e.csv", conv_csv("c1,u1,2024-01-02T10:00:00Z,2024-01-01T10:00:00Z,human,x,,")))
    assert rows(db.con, "SELECT ended_at, ended_at_derived FROM conversations") == [(ts(2024, 1, 2, 10), True)]
    assert issues(db)[0]["reason"].startswith("ended_at is before created_at")


def test_duplicates_first_kept_exact_and_conflicting_reported(load, db):
    r = load(
        (
            "d.csv",
            conv_csv(
                "c1,u1,2024-01-01T10:00:00Z,,ai,Billing,5,",
                "c1,u1,2024-01-01T10:00:00Z,,ai,Billing,5,",
                "c1,u1,2024-01-01T10:00:00Z,,ai,Login,1,",
            ),
        )
    )
    assert rows(db.con, "SELECT issue_category, csat FROM conversations") == [("Billing", 5.0)]
    assert [(i["row"], i["reason"]) for i in issues(db)] == [
        (3, "exact duplicate of d.csv row 2 (first one kept)"),
        (4, "conversation_id c1: same id as, but different from, d.csv row 2 (first one kept)"),
    ]
    # SPEC 8: conflicting ids are named in the warnings too, not only by row.
    assert any("c1" in w and "different content" in w for w in r.warnings)
    f = r.files[0]
    assert (f.read, f.loaded, f.rejected, f.duplicates) == (3, 1, 2, 2)


def test_a_repeated_message_is_rejected_and_a_different_one_at_the_same_time_kept(load, db):
    """Messages are duplicates only when conversation, time, author and text all repeat; two different messages
    at the same second both stay, in file order (the duplicate search hashes conversation and time first)."""
    load(
        ("c.csv", conv_csv("c1,u1,2024-01-01T10:00:00Z,,ai,Billing,,")),
        (
            "m.csv",
            "conversation_id,sent_at,author_type,text\n"
            "c1,2024-01-01T10:00:00Z,customer,hello\n"
            "c1,2024-01-01T10:00:00Z,ai,hi there\n"
            "c1,2024-01-01T10:00:00Z,customer,hello\n"
            "c1,2024-01-01T10:00:00Z,customer,hello again\n",
        ),
    )
    assert rows(db.con, "SELECT author_type, text FROM messages ORDER BY seq") == [
        ("customer", "hello"),
        ("ai", "hi there"),
        ("customer", "hello again"),
    ]
    assert [(i["file"], i["row"], i["reason"]) for i in issues(db)] == [
        ("m.csv", 4, "exact duplicate of m.csv row 2 (first one kept)")
    ]


def test_duplicate_and_case_colliding_headers_are_refused(load):
    r = load(("h.csv", "id,Status,status\n1,a,b\n"))
    assert r.errors == ["h.csv: duplicate column 'status' (columns 2 and 3); rename one of them and upload again."]


def test_empty_header_cell_is_named_and_not_used(load, db):
    r = load(("h.csv", "conversation_id,customer_id,created_at,handled_by,\nc1,u1,2024-01-01,ai,zzz\n"))
    assert (
        "Column 5 has no header; it is named '(no header, column 5)' and not used as a metric input."
        in r.files[0].notes
    )
    assert "(no header, column 5)" not in [d[0] for d in rows(db.con, "DESCRIBE conversations")]


def test_a_real_column_named_column2_is_kept(load, db):
    """Issue 16: it used to be dropped silently, as if its header had been blank."""
    load(("t.csv", "conversation_id,customer_id,created_at,handled_by,column2\nc1,u1,2024-01-01,ai,kept\n"))
    assert rows(db.con, "SELECT column2 FROM conversations") == [("kept",)]


def test_ragged_rows_are_rejected_with_their_lines(load, db):
    text = "conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,ai\nc2,u2\nc3,u3,2024-01-01,ai,extra\nc4,u4,2024-01-02,human\n"
    r = load(("r.csv", text))
    assert [(i["row"], i["reason"]) for i in issues(db)] == [
        (3, "expected 4 fields, found 2"),
        (4, "expected 4 fields, found 5"),
    ]
    assert rows(db.con, "SELECT conversation_id, source_row FROM conversations ORDER BY 1") == [("c1", 2), ("c4", 5)]
    assert_conserved(r)


def test_unterminated_quote_names_the_line_and_leaves_no_stray_quote(load, db):
    text = 'conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,ai\nc2,"u2,2024-01-01,ai\n'
    r = load(("q.csv", text))
    assert [(i["row"], i["reason"]) for i in issues(db)] == [(3, "a quote is opened and never closed")]
    assert scalar(db.con, "SELECT count(*) FROM conversations WHERE customer_id LIKE '%\"%'") == 0
    assert_conserved(r)


def test_quoted_multiline_text_survives_exactly(load, db):
    body = 'line one, with comma\nline "two"'
    msgs = 'conversation_id,sent_at,author_type,text\nc1,2024-01-01T10:00:00Z,customer,"line one, with comma\nline ""two"""\n'
    load(("c.csv", conv_csv("c1,u1,2024-01-01T10:00:00Z,,ai,x,,")), ("m.csv", msgs))
    assert scalar(db.con, "SELECT text FROM messages") == body


def test_mixed_line_endings_lose_no_row(load, db):
    text = "conversation_id,customer_id,created_at,handled_by\r\nc1,u1,2024-01-01,ai\nc2,u2,2024-01-02,ai\r\n"
    r = load(("le.csv", text))
    assert sorted(created(db)) == ["c1", "c2"]
    assert_conserved(r)


def test_null_tokens_nan_and_inf(load, db):
    r = load(
        (
            "n.csv",
            "conversation_id,customer_id,created_at,handled_by,handle_minutes,issue_category\n"
            "c1,u1,2024-01-01,human,N/A,NULL\nc2,u2,2024-01-01,human,inf,-\nc3,u3,2024-01-01,human,NaN,Billing\n",
        )
    )
    assert rows(db.con, "SELECT conversation_id, handle_minutes, issue_category FROM conversations ORDER BY 1") == [
        ("c1", None, None),
        ("c2", None, None),
        ("c3", None, "Billing"),
    ]
    assert [(i["row"], i["reason"]) for i in issues(db)] == [(3, "not a number: inf")]
    assert scalar(db.con, "SELECT avg(handle_minutes) FROM conversations") is None
    assert_conserved(r)


def test_single_letters_stay_text(load, db):
    load(("t.csv", conv_csv("c1,u1,2024-01-01,,human,t,,", "c2,u2,2024-01-01,,human,f,,")))
    assert rows(db.con, "SELECT issue_category FROM conversations ORDER BY 1") == [("f",), ("t",)]


def test_locale_numbers_and_csat_encodings(load, db):
    text = (
        "conversation_id,customer_id,created_at,handled_by,handle_minutes,csat\n"
        'c1,u1,2024-01-01,human,"1,234.50",4/5\n'
        "c2,u2,2024-01-01,human,7,Good\n"
        "c3,u3,2024-01-01,human,7,Offered\n"
        "c4,u4,2024-01-01,human,7,thumbs down\n"
        "c5,u5,2024-01-01,human,7,6\n"
    )
    load(("l.csv", text))
    assert rows(db.con, "SELECT handle_minutes, csat FROM conversations ORDER BY conversation_id") == [
        (1234.5, 4.0),
        (7.0, 5.0),
        (7.0, None),
        (7.0, 1.0),
        (7.0, None),
    ]
    assert [i["reason"] for i in issues(db)] == ["not a score on the 5-point scale: 6"]


def test_csat_on_a_ten_point_scale_is_normalised(load, db):
    from metrics.load.mapping import recognise

    m = recognise(["conversation_id", "customer_id", "created_at", "handled_by", "csat"])
    m.csat_scale_max = 10
    text = "conversation_id,customer_id,created_at,handled_by,csat\nc1,u1,2024-01-01,human,10\nc2,u2,2024-01-01,human,0\nc3,u3,2024-01-01,human,5\n"
    load(("ten.csv", text), mappings={"ten.csv": m})
    assert [r[0] for r in rows(db.con, "SELECT csat FROM conversations ORDER BY conversation_id")] == [5.0, 1.0, 3.0]


def test_sql_injection_header_is_just_a_column(load, db, tmp_path):
    evil = f"a\" FROM t; COPY (SELECT 'owned') TO '{tmp_path}/pwn.csv'; SELECT \"a"
    text = f'conversation_id,customer_id,created_at,handled_by,"{evil.replace(chr(34), chr(34) * 2)}"\nc1,u1,2024-01-01,ai,v\n'
    r = load(("i.csv", text))
    assert r.errors == []
    assert not (tmp_path / "pwn.csv").exists()
    assert evil in [d[0] for d in rows(db.con, "DESCRIBE conversations")]


def test_sql_ish_values_are_data(load, db):
    cat = "x'); DROP TABLE t; --"
    load(("v.csv", conv_csv(f'c1,u1,2024-01-01,,ai,"{cat}",,', "c2,u2,2024-01-01,,ai,$1 ?,,")))
    assert rows(db.con, "SELECT issue_category FROM conversations WHERE issue_category = $c", {"c": cat}) == [(cat,)]


def test_handled_by_rules(load, db):
    r = load(
        ("h.csv", conv_csv("c1,u1,2024-01-01,,bot,x,,", "c2,u2,2024-01-01,,Agent,x,,", "c3,u3,2024-01-01,,robot,x,,"))
    )
    assert rows(db.con, "SELECT conversation_id, handled_by FROM conversations ORDER BY 1") == [
        ("c1", "ai"),
        ("c2", "human"),
    ]
    assert {i["reason"] for i in issues(db) if i["rejected"]} == {"handled_by is not ai or human"}
    assert_conserved(r)


def test_no_handler_column_means_human_with_a_warning(load, db):
    r = load(("t.csv", "ticket_id,requester_email,created_at,status\n1,a@x,2024-01-01,solved\n"))
    assert scalar(db.con, "SELECT handled_by FROM conversations") == "human"
    assert any("all rows treated as human" in w for w in r.warnings)


def test_a_file_with_only_the_required_fields_is_not_taken_for_conversations(load, db):
    """SPEC 8: id, customer and start alone could be any table; one conversation field beyond them is needed."""
    r = load(("t.csv", "ticket_id,requester_email,created_at,priority\n1,a@x,2024-01-01,high\n"))
    assert r.files == []
    assert r.errors == [
        "t.csv: has an id, a customer and a start time but no other conversation field (status, channel, category, "
        "end time, first response, CSAT or handler), so it is not taken for a conversations file; map it on the "
        "Data page."
    ]
    r = load(("a.csv", "account_id,name\nA1,Acme\n"))
    assert r.files == [] and "not taken for an accounts file" in r.errors[0]


def test_escalated_fallback_and_ended_at_from_messages(load, db):
    conv = (
        "conversation_id,customer_id,created_at,handled_by,escalated,escalated_at\n"
        "c1,u1,2024-01-01T10:00:00Z,ai,,2024-01-01T10:05:00Z\n"
        "c2,u2,2024-01-01T10:00:00Z,ai,,\n"
        "c3,u3,2024-01-01T10:00:00Z,human,true,\n"
    )
    msgs = (
        "conversation_id,sent_at,author_type\n"
        "c1,2024-01-01T10:00:00Z,customer\nc1,2024-01-01T10:09:00Z,human\nc1,2024-01-01T10:09:00Z,customer\n"
        "c9,2024-01-01T10:00:00Z,customer\n"
    )
    r = load(("c.csv", conv), ("m.csv", msgs))
    assert rows(db.con, "SELECT conversation_id, escalated, ended_at FROM conversations ORDER BY 1") == [
        ("c1", True, ts(2024, 1, 1, 10, 9)),
        ("c2", False, ts(2024, 1, 1, 10)),
        ("c3", False, ts(2024, 1, 1, 10)),
    ]
    # ties in sent_at keep file order
    assert rows(db.con, "SELECT author_type, source_row FROM messages ORDER BY seq") == [
        ("customer", 2),
        ("human", 3),
        ("customer", 4),
    ]
    m = r.files[1]
    assert (m.read, m.loaded, m.rejected) == (4, 3, 1)
    assert issues(db)[0]["reason"] == "orphan message: no conversation c9 in the conversation files"


def test_orphan_messages_leave_the_facts_as_without_them(load, db):
    """The orphans are looked for only when the facts count fewer messages than were loaded: every orphan is
    still rejected (two in the middle of the file here), and the facts are those of the file without them."""
    conv = "conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01T10:00:00Z,ai\n"
    msgs = (
        "conversation_id,sent_at,author_type,text\n"
        "c1,2024-01-01T10:01:00Z,customer,hello\n"
        "c8,2024-01-01T10:02:00Z,customer,lost\n"
        "c9,2024-01-01T10:03:00Z,ai,lost too\n"
        "c1,2024-01-01T10:04:00Z,ai,answer\n"
    )
    r = load(("c.csv", conv), ("m.csv", msgs))
    assert (r.files[1].read, r.files[1].loaded, r.files[1].rejected) == (4, 2, 2)
    assert [(i["row"], i["reason"]) for i in issues(db)] == [
        (3, "orphan message: no conversation c8 in the conversation files"),
        (4, "orphan message: no conversation c9 in the conversation files"),
    ]
    assert rows(db.con, "SELECT conversation_id, n_messages, ai_messages, t_first, last_author FROM message_facts") == [
        ("c1", 2, 1, "hello", "ai")
    ]
    assert rows(db.con, "SELECT count(*) FROM messages") == [(2,)]


def test_messages_without_a_conversation_file_are_all_orphans(load, db):
    r = load(("m.csv", "conversation_id,sent_at,author_type\nc1,2024-01-01T10:01:00Z,customer\n"))
    assert (r.files[0].read, r.files[0].loaded, r.files[0].rejected) == (1, 0, 1)
    assert issues(db)[0]["reason"] == "orphan message: no conversation c1 in the conversation files"
    assert rows(db.con, "SELECT count(*) FROM messages") == [(0,)]
    assert rows(db.con, "SELECT count(*) FROM message_facts") == [(0,)]


def test_two_files_feed_one_table_and_extras_are_kept(load, db):
    ai = "conversation_id,customer_id,created_at,handled_by,fin_topic\nA1,u1,2024-01-01,ai,x\n"
    desk = "ticket_id,requester_email,created_at,status,priority\nT1,u1,2024-01-02,open,high\n"
    r = load(("fin.csv", ai), ("desk.csv", desk))
    assert [f.table for f in r.files] == ["conversations", "conversations"]
    assert rows(db.con, 'SELECT conversation_id, handled_by, fin_topic, "priority" FROM conversations ORDER BY 1') == [
        ("A1", "ai", "x", None),
        ("T1", "human", None, "high"),
    ]


def test_unrecognisable_file_asks_for_a_mapping(load):
    r = load(("x.csv", "foo,bar\n1,2\n"))
    assert r.errors == [
        "x.csv: its columns (foo, bar) do not look like conversations, messages or accounts; map them on the Data page."
    ]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "xlsx", "parquet", "jsonl"])
def test_every_reader_gives_the_same_table(fmt, load, db, tmp_path):
    import json

    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    header = ["conversation_id", "customer_id", "created_at", "handled_by", "csat", "note"]
    data = [
        ["c1", "u1", "2024-01-01T10:00:00Z", "ai", "4", '=HYPERLINK("x")'],
        ["c2", "u2", "2024-01-02 09:30:00", "human", None, "plain"],
    ]
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        body = "\n".join(sep.join('"' + (v or "").replace('"', '""') + '"' if v else "" for v in row) for row in data)
        blob = (sep.join(header) + "\n" + body + "\n").encode()
    elif fmt == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(header)
        for row in data:
            ws.append(row)
        ws["F2"].data_type = "s"
        p = tmp_path / "f.xlsx"
        wb.save(p)
        blob = p.read_bytes()
    elif fmt == "parquet":
        p = tmp_path / "f.parquet"
        pq.write_table(pa.table({h: [r[i] for r in data] for i, h in enumerate(header)}), p)
        blob = p.read_bytes()
    else:
        blob = "\n".join(json.dumps(dict(zip(header, r))) for r in data).encode()
    r = load((f"f.{fmt}", blob))
    assert r.errors == []
    assert rows(db.con, "SELECT conversation_id, created_at, handled_by, csat, note FROM conversations ORDER BY 1") == [
        ("c1", ts(2024, 1, 1, 10), "ai", 4.0, '=HYPERLINK("x")'),
        ("c2", ts(2024, 1, 2, 9, 30), "human", None, "plain"),
    ]


def test_loading_reports_progress_with_sizes_and_rows(db):
    from metrics.core.settings import Settings
    from metrics.load import ingest

    said = []
    data = b"conversation_id,customer_id,created_at,handled_by\nc1,u1,2024-01-01,ai\nc2,u2,2024-01-02,human\n"
    ingest.load(db, [("t.csv", data)], Settings(), progress=said.append)
    assert said[:2] == ["Reading t.csv (0.0 MB)", "Read t.csv: 2 rows"]
    assert said[2] == "Checking and typing t.csv as conversations"
    assert said[-1].startswith("Combining the files")


def test_a_mixed_csv_jsonl_and_xlsx_batch_loads(load, db):
    """Issue 16: a scalar query used to leave its result open, and the next Arrow-built file then failed."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["account_id", "segment", "arr"])
    wb.active.append(["A1", "smb", 1200])
    buf = io.BytesIO()
    wb.save(buf)
    r = load(
        (
            "c.csv",
            "conversation_id,customer_id,created_at,handled_by,status,account_id\nc1,u1,2024-01-01,ai,closed,A1\n",
        ),
        ("m.jsonl", '{"conversation_id":"c1","sent_at":"2024-01-01T00:01:00Z","author_type":"customer","text":"hi"}\n'),
        ("a.xlsx", buf.getvalue()),
    )
    assert r.errors == []
    assert [(f.name, f.table, f.loaded) for f in r.files] == [
        ("c.csv", "conversations", 1),
        ("m.jsonl", "messages", 1),
        ("a.xlsx", "accounts", 1),
    ]


def test_one_stray_windows_1252_byte_does_not_redecode_the_utf8_lines(load, db):
    """Issue 23: one cp1252 byte used to re-decode the whole UTF-8 file (50 'Café' became 'CafÃ©')."""
    utf8 = "".join(f"c{i},u{i},2024-01-01T10:00:00Z,,human,Caf\u00e9,,\n" for i in range(50)).encode("utf-8")
    stray = "z1,uz,2024-01-01T10:00:00Z,,human,\u20ac5,,\n".encode("cp1252")
    r = load(("t.csv", (CONV_HEADER + "\n").encode() + utf8 + stray))
    assert r.files[0].loaded == 51
    cats = dict(rows(db.con, "SELECT issue_category, count(*) FROM conversations GROUP BY 1"))
    assert cats == {"Caf\u00e9": 50, "\u20ac5": 1}
    assert any("line 52" in n and "Windows-1252" in n for n in r.files[0].notes)


def test_invisible_characters_inside_values_do_not_make_a_second_category(load, db):
    """Issue 23: a BOM or zero-width space inside a value made a second, identical-looking category."""
    r = load(
        (
            "t.csv",
            conv_csv(
                "c1,u1,2024-01-01T10:00:00Z,,ai,Billing,,",
                "c2,u2,2024-01-01T10:00:00Z,,ai,Bill\ufeffing,,",
                "c3,u3,2024-01-01T10:00:00Z,,ai,\u200bBilling,,",
                "c4,u\u200b4,2024-01-01T10:00:00Z,,ai,\u200b,,",
            ),
        )
    )
    assert rows(db.con, "SELECT issue_category, count(*) FROM conversations GROUP BY 1 ORDER BY 1") == [
        ("Billing", 3),
        (None, 1),
    ]
    notes = r.files[0].notes
    assert (
        "column 'issue_category': 3 values held invisible characters (byte-order mark or zero-width space), "
        "removed so that look-alike values are one value" in notes
    )
    assert any(n.startswith("column 'customer_id': 1 value held") for n in notes)


def test_a_csv_on_disk_is_parsed_from_its_path_with_the_same_result(tmp_path, monkeypatch):
    """The command line passes each file's path too: a CSV read as it is is parsed from there (no copy written);
    a file that needs changing first (a BOM, an Excel hint line) is still written. Same rows, same issues."""
    from metrics.core import db as dbmod
    from metrics.load import delimited, ingest

    copies = []
    made = delimited.as_file
    monkeypatch.setattr(delimited, "as_file", lambda db, data, suffix: copies.append(suffix) or made(db, data, suffix))
    text = (
        "conversation_id,customer_id,created_at,handled_by\n"
        "c1,u1,2025-03-01T10:00:00Z,ai\n"
        'c2,u2,"2025-03-01T11:00:00Z",human,extra\n'
        "c3,u3,not a date,ai\n"
    )
    for variant in (text.encode(), b"\xef\xbb\xbf" + text.encode(), b"sep=,\n" + text.encode()):
        path = tmp_path / "conversations.csv"
        path.write_bytes(variant)
        out = []
        for files in (
            [("conversations.csv", variant)],
            [("conversations.csv", variant, str(path))],
            [("conversations.csv", None, str(path))],  # the command line: read from the path
        ):
            d = dbmod.connect(memory_limit="256MB", threads=1)
            try:
                r = ingest.load(d, files, Settings())
                out.append(
                    (
                        (r.read, r.loaded, r.rejected),
                        dbmod.rows(d.con, "SELECT conversation_id, source_row FROM conversations ORDER BY 1"),
                        dbmod.rows(d.con, "SELECT row, reason FROM load_issues ORDER BY 1, 2"),
                    )
                )
            finally:
                d.close()
        assert out[0] == out[1] == out[2] and out[0][0] == (3, 1, 2), out
    # copies written: plain (bytes only), BOM (all three), hint line (all three); the plain file with its path:
    # none
    assert copies.count(".csv") == 7


def test_one_file_or_the_same_rows_in_two_give_the_same_tables(db):
    """A table fed by one file takes its staged copy as it is (renamed, not copied); by two, their union. Both give
    the same columns in the same order and the same values, extras and rejected rows included."""
    from metrics.core import db as dbmod
    from metrics.load import ingest

    conv = conv_csv(
        "c1,u1,2024-01-01T10:00:00Z,2024-01-01T10:30:00Z,ai,Billing,5,solved",
        "c2,u2,2024-01-02T10:00:00Z,2024-01-02T10:30:00Z,human,,3,open",
        "c3,u3,2024-01-03T10:00:00Z,,ai,Login,,solved",
    )
    head = "conversation_id,sent_at,author_type,text,lang"
    lines = [
        "c1,2024-01-01T10:00:00Z,customer,hello,en",
        "c1,2024-01-01T10:01:00Z,ai,hi,en",
        "c2,2024-01-02T10:00:00Z,customer,help,de",
        "c2,not a time,human,sure,de",  # rejected: no time
        "c9,2024-01-02T10:00:00Z,customer,orphan,en",  # rejected: no conversation c9
        "c3,2024-01-03T10:00:00Z,customer,login,fr",
    ]

    def tables(files):
        d = dbmod.connect(memory_limit="1GB", threads=1)
        try:
            ingest.load(d, [(n, t.encode()) for n, t in files], Settings())
            out = {}
            for t, where in (
                ("conversations", "source_file, source_row"),
                ("messages", "source_file, source_row, seq"),
            ):
                cur = d.con.execute(f"SELECT * EXCLUDE ({where}) FROM {t} ORDER BY ALL")
                out[t] = ([c[0] for c in cur.description], cur.fetchall())
            out["order"] = d.con.execute("SELECT text FROM messages ORDER BY conversation_id, seq").fetchall()
            out["rejected"] = scalar(d.con, "SELECT count(*) FROM load_issues WHERE rejected")
            return out
        finally:
            d.close()

    one = tables([("c.csv", conv), ("m.csv", "\n".join([head, *lines]) + "\n")])
    two = tables(
        [
            ("c.csv", conv),
            ("m1.csv", "\n".join([head, *lines[:3]]) + "\n"),
            ("m2.csv", "\n".join([head, *lines[3:]]) + "\n"),
        ]
    )
    assert one == two
    assert (
        one["messages"][0][:4] == ["conversation_id", "sent_at", "author_type", "text"] and "lang" in one["messages"][0]
    )
    assert len(one["messages"][1]) == 4 and one["rejected"] == 2


def test_an_upload_is_read_from_memory_and_leaves_no_file(db):
    """Uploaded bytes are handed to DuckDB as an in-memory file (Linux) or a file in the session's temp folder;
    either way nothing is left behind, and a failed read cleans up too."""
    import os

    from metrics.core.db import rows
    from metrics.load import raw

    with raw.as_file(db, b"a,b\n1,2\n", ".csv") as path:
        assert rows(db.con, "SELECT * FROM read_csv($p, all_varchar = true)", {"p": path}) == [("1", "2")]
        assert path.startswith("/proc/self/fd/") == hasattr(os, "memfd_create")
    assert path.startswith("/proc/self/fd/") or not os.path.exists(path)
    try:
        with raw.as_file(db, b"x", ".csv"):
            raise ValueError
    except ValueError:
        pass
    assert [f for f in os.listdir(db.temp_dir) if f.startswith("upload")] == []


def test_a_messages_order_is_time_then_file_then_row(load, db):
    """seq orders a conversation's messages (SPEC 7): by sent_at to the microsecond, ties by the file's place in
    the upload and then its row, a later file's earlier message first; the first human message, the last author
    and the first and last customer texts follow that order."""
    from metrics.compute import experience

    conv = conv_csv("c1,u1,2024-01-01T10:00:00Z,,ai,,,")
    first = (
        "conversation_id,sent_at,author_type,text\n"
        "c1,2024-01-01T10:05:00.000002Z,customer,second tie in time\n"  # row 2
        "c1,2024-01-01T10:05:00.000001Z,ai,a microsecond earlier\n"  # row 3
        "c1,2024-01-01T10:09:00Z,customer,last\n"  # row 4
    )
    second = (
        "conversation_id,sent_at,author_type,text\n"
        "c1,2024-01-01T10:01:00Z,customer,first of all\n"  # row 2 of the second file
        "c1,2024-01-01T10:05:00.000002Z,human,tie: after the first file's row\n"
    )
    load(("c.csv", conv), ("m1.csv", first), ("m2.csv", second))
    assert [r[0] for r in rows(db.con, "SELECT text FROM messages ORDER BY seq")] == [
        "first of all",
        "a microsecond earlier",
        "second tie in time",
        "tie: after the first file's row",
        "last",
    ]
    assert rows(db.con, "SELECT last_author, t_first, t_last, ai_before_agent_at FROM message_facts") == [
        ("customer", "first of all", "last", ts(2024, 1, 1, 10, 5).replace(microsecond=1))
    ]
    shown = experience.transcript(db, "c1")  # a drill-down's transcript numbers them 1, 2, 3 in that order
    assert shown["seq"].tolist() == [1, 2, 3, 4, 5] and shown["text"].tolist()[:2] == [
        "first of all",
        "a microsecond earlier",
    ]


@pytest.mark.parametrize(
    "content, plain",
    [
        (b"a,b\n1,2\n", True),
        (b"a,b\r\n1,2\r\n", True),  # Windows line ends
        (b"a,b\n1,caf\xc3\xa9\n", True),
        (b"\xef\xbb\xbfa,b\n1,2\n", False),  # byte-order mark
        (b"\xff\xfea\x00", False),  # UTF-16
        (b"sep=;\na;b\n1;2\n", False),  # Excel's hint line
        (b"a,b\n1,caf\xe9\n", False),  # Windows-1252
        (b'a,b\n1,"x\ry"\n', False),  # a carriage return inside a value
        (b"a,b\r1,2\r", False),  # classic Mac line ends
        (b"a,b\n1,2\r", False),  # ends with a carriage return
        (b"a,b\n1,caf\xc3", False),  # ends inside a character
        (b"a,b\n1,caf\xc3a\n", False),  # a character cut short, plain ASCII after it
    ],
)
def test_a_file_is_parsed_from_disk_as_it_is_only_when_nothing_needs_changing(tmp_path, content, plain):
    from metrics.load.delimited import plain_on_disk

    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert plain_on_disk(str(path)) is plain
    # the same across chunk ends: a CRLF or a character split between two chunks, a lone CR at a chunk's end
    assert plain_on_disk(str(path), chunk=3) is plain
    assert plain_on_disk(str(path), chunk=1) is plain
