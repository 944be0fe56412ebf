"""Vendor exports recognised from their headers alone, with hand-checked loaded values.

Headers are the real ones listed in ../shared/EXPORTS.md; the Fivetran tables are the
connector's seed files as they are (tests/fixtures/vendor, Apache-2.0, fivetran/dbt_*).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from metrics.core.settings import Settings
from metrics.load import vendors

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vendor"
UTC = dt.UTC


def _conv(
    db,
    cols="conversation_id, customer_id, created_at, ended_at, first_response_at, handled_by, escalated, "
    "status, csat, channel, issue_category, account_id, handle_minutes",
):
    return {r[0]: r for r in db.con.execute(f"SELECT {cols} FROM conversations ORDER BY 1").fetchall()}


def _files(res):
    return {f.name: f for f in res.files}


def t(*a):
    return dt.datetime(*a, tzinfo=UTC)


ZENDESK = (
    "Summation column,Id,Requester,Requester id,Requester email,Group,Subject,Tags,Status,Priority,Via,Ticket type,"
    "Created at,Updated at,Organization,Solved at,Resolution time,Satisfaction Score,Group stations,Reopens,Replies,"
    "First reply time in minutes,First reply time in minutes within business hours,Full resolution time in minutes,"
    "Ticket Category [list]\n"
    ",101,Ana,9001,ana@x.com,Support,Cannot log in,login,Solved,Normal,Mail,Question,2023-04-08 20:52:00,"
    "2023-04-09 10:00:00,Acme,2023-04-09 08:52:00,12,Good,1,0,1,30,15,720,Password reset\n"
    ",102,Ben,9002,ben@x.com,Support,Refund please,refund,Open,Low,Web Form,Incident,2023-04-13 21:10:00,"
    "2023-04-14 10:00:00,Globex,1900-01-01 00:00:00,,Offered,2,0,0,,,,Refund request\n"
    ",103,Cy,9003,cy@x.com,Support,Broken,bug,Closed,Urgent,Chat,Problem,2023-04-14 09:00:00,2023-04-15 10:00:00,,"
    "2023-04-14 10:00:00,1,4,1,0,2,5,5,60,\n"
)


def test_zendesk_ticket_csv(load, db):
    res = load(("tickets.csv", ZENDESK), settings=Settings(source_timezone="Europe/Berlin"))
    f = _files(res)["tickets.csv"]
    assert f.mapping.vendor == "zendesk_csv" and f.table == "conversations"
    assert (f.read, f.loaded, f.rejected) == (3, 3, 0)
    c = _conv(db)
    # Berlin is UTC+2 in April: 20:52 local = 18:52 UTC. The first reply is a duration (30 minutes), kept as
    # first_reply_minutes and turned into the first response by the signals (below), not a made-up timestamp.
    assert c["101"][1:6] == ("9001", t(2023, 4, 8, 18, 52), t(2023, 4, 9, 6, 52), None, "human")
    assert c["101"][7:11] == ("resolved", 5.0, "Mail", "Password reset")  # Good = top of the scale
    assert c["101"][11] == "Acme"
    # 1900-01-01 is Zendesk's empty date; Offered is not a response
    assert c["102"][7] == "open" and c["102"][8] is None and c["102"][4] is None
    assert c["102"][3] == c["102"][2]  # no solve time and no messages: ended_at falls back to created_at
    assert c["103"][8] == 4.0 and c["103"][10] == "Problem"  # no [list] value: the ticket type
    assert any("no AI-handling column" in n for n in f.notes)
    issues = db.con.execute("SELECT reason FROM load_issues WHERE NOT rejected").fetchall()
    assert any("placeholder" in r[0] for r in issues)


INTERCOM = (
    "Conversation ID,Conversation started at (America/New_York),Started by,Conversation source,"
    "Current conversation state,Team currently assigned,Teammate currently assigned,Conversation tag,"
    "Fin AI Agent involved,Fin AI Agent deflected,Fin AI Agent resolution state,Topics,AI Topic,Channel,User name,"
    "Company name,First response time (seconds)\n"
    "215,2024-03-10 01:30:00,User,conversation,Closed,,,,true,true,Assumed Resolution,Billing,Refunds,Chat,u-1,"
    "Acme,5\n"
    "216,2024-03-11 09:00:00,User,conversation,Open,Support,Dana,,true,false,Routed to team,Billing,Refunds,Chat,u-2,"
    "Acme,12\n"
    "217,2024-03-11 10:00:00,User,email,Closed,Support,Dana,,false,false,,Shipping,,Email,u-3,,600\n"
)
INTERCOM_CSAT = (
    "Conversation ID,Updated at (America/New_York),Conversation rating,Conversation rating remark,User name,"
    "Company name,Agent rated type,Last survey sent\n"
    "215,2024-03-10 02:00:00,5,great,u-1,Acme,Fin AI Agent,\n"
    "217,2024-03-11 12:00:00,2,slow,u-3,,Teammate,\n"
    "999,2024-03-11 12:00:00,4,,u-9,,Teammate,\n"
)


def test_intercom_conversations_and_satisfaction_split_across_files_are_joined(load, db):
    res = load(("conversations.csv", INTERCOM), ("satisfaction.csv", INTERCOM_CSAT))
    f = _files(res)
    assert f["conversations.csv"].mapping.vendor == "intercom_csv"
    assert f["satisfaction.csv"].mapping.vendor == "intercom_satisfaction_csv"
    assert (f["satisfaction.csv"].read, f["satisfaction.csv"].loaded, f["satisfaction.csv"].rejected) == (3, 2, 1)
    c = _conv(db)
    # New York: EST (-5) on 10 March before 02:00, EDT (-4) from then on; the zone comes from the header.
    assert c["215"][2] == t(2024, 3, 10, 6, 30) and c["215"][4] == t(2024, 3, 10, 6, 30, 5)
    assert c["216"][2] == t(2024, 3, 11, 13, 0)
    assert [c[k][5] for k in ("215", "216", "217")] == ["ai", "ai", "human"]  # Fin AI Agent involved
    assert [c[k][6] for k in ("215", "216", "217")] == [False, True, False]  # Routed to team = escalated
    assert [c[k][8] for k in ("215", "216", "217")] == [5.0, None, 2.0]  # ratings from the second file
    assert c["215"][10] == "Refunds"  # AI Topic first
    # Issue 21: Fin's own verdict: Assumed Resolution = resolved, Routed to team = not, no state = unknown
    verdict = dict(db.con.execute("SELECT conversation_id, vendor_resolved FROM conversations").fetchall())
    assert [verdict[k] for k in ("215", "216", "217")] == [True, False, None]
    assert not any("no AI-handling column" in n for n in f["conversations.csv"].notes)
    why = db.con.execute("SELECT reason FROM load_issues WHERE rejected").fetchall()
    assert why == [("no conversation 999 in the other conversation files to add this to",)]


FRESHDESK = (
    "Ticket ID,Subject,Description,Status,Priority,Source,Type,Agent,Group,Created time,Due by Time,Resolved time,"
    "Closed time,Last update time,Initial response time,Time tracked,First response time (in hrs),"
    "Resolution time (in hrs),Agent interactions,Customer interactions,Resolution status,First response status,Tags,"
    "Survey results,Product,Full name,Email,Contact ID,Company Name\n"
    "3001,Where is my order,x,Closed,Low,Email,Question,Ana,Tier 1,2024-05-01 09:00:00,2024-05-02 09:00:00,"
    "2024-05-01 11:30:00,2024-05-01 12:00:00,2024-05-01 12:00:00,2024-05-01 09:20:00,00:45,00:20:00,02:30:00,2,1,"
    "Within SLA,Within SLA,,Extremely Happy,Shop,Ann Lee,ann@x.com,77,Acme\n"
    "3002,Broken,y,Open,High,Phone,Incident,Ben,Tier 2,2024-05-02 10:00:00,,,,2024-05-02 10:00:00,,01:30:15,,,0,1,"
    ",,vip,Very Unhappy,Shop,Bo,bo@x.com,78,\n"
)


def test_freshdesk_ticket_export(load, db):
    res = load(("freshdesk.csv", FRESHDESK))
    assert _files(res)["freshdesk.csv"].mapping.vendor == "freshdesk_csv"
    c = _conv(db)
    assert c["3001"][1:5] == ("77", t(2024, 5, 1, 9), t(2024, 5, 1, 11, 30), t(2024, 5, 1, 9, 20))
    assert c["3001"][7:11] == ("resolved", 5.0, "Email", "Question")
    assert c["3001"][11:] == ("Acme", 45.0)
    assert c["3002"][7:9] == ("open", 1.0)  # Very Unhappy = bottom of the scale
    assert c["3002"][12] == pytest.approx(90.25)  # 01:30:15 tracked


FRESHDESK_SPEC8 = FRESHDESK + (
    "3003,Any news,z,Waiting on Third Party,Low,Email,Question,Ana,Tier 1,2024-05-03 09:00:00,,,,"
    "2024-05-03 10:00:00,2024-05-03 09:30:00,,00:30:00,,1,1,,,,,Shop,Cy,cy@x.com,79,\n"
    "3004,Renewal offer,w,Closed,Low,Outbound Email,Question,Ana,Tier 1,2024-05-03 09:00:00,,"
    "2024-05-03 09:05:00,,2024-05-03 09:05:00,,,,,1,0,,,,,Shop,Di,di@x.com,80,\n"
    "3005,Refund,v,Pending Customer Response,Low,Email,Refund,Ana,Tier 1,2024-05-04 09:00:00,,,,"
    "2024-05-04 09:00:00,,,1.5,,0,1,,,,,Shop,Ed,ed@x.com,81,\n"
)


def test_freshdesk_spec8_statuses_outbound_and_business_hours(load, db):
    from metrics.compute import aggregate, signals

    load(("freshdesk.csv", FRESHDESK_SPEC8))
    rows_ = db.con.execute(
        "SELECT conversation_id, status, direction, replies, first_reply_business_minutes, "
        "resolution_business_minutes FROM conversations ORDER BY 1"
    ).fetchall()
    assert rows_ == [
        ("3001", "resolved", "inbound", 2.0, 20.0, 150.0),  # 00:20:00 and 02:30:00 in hours:minutes:seconds
        ("3002", "open", "inbound", 0.0, None, None),
        ("3003", "open", "inbound", 1.0, 30.0, None),  # Waiting on Third Party is open, not resolved
        ("3004", "resolved", "outbound", 1.0, None, None),  # Source Outbound Email
        ("3005", "open", "inbound", 0.0, 90.0, None),  # Pending Customer Response; 1.5 (in hrs) = 90 minutes
    ]
    s = Settings()
    signals.compute(db, s)
    m = aggregate.compute(db, s)[aggregate.ALL]
    # business first reply of the human rows that count (3004 is outbound): 20, 30, 90 minutes
    assert m["ttfr_business_median_s_human"].value == pytest.approx(30 * 60)
    assert m["ttfr_business_median_s_human"].denominator == 3
    # only 3001 has a resolved end among the rows that count: TTR 2.5 h, one-touch no (2 replies)
    assert (m["ttr_median_s_human"].value, m["ttr_median_s_human"].denominator) == (9000.0, 1)
    assert (m["one_touch_rate_human"].numerator, m["one_touch_rate_human"].denominator) == (0, 1)


HELPSCOUT = (
    "id,number,mailboxId,type,status,state,subject,createdAt,closedAt,primaryCustomer.email,tags,rating\n"
    "5001,12,77,email,closed,published,Hi,2024-06-01T10:00:00Z,2024-06-01T12:00:00Z,a@x.com,billing,Great\n"
    "5002,13,77,chat,active,published,Hey,2024-06-02T10:00:00Z,,b@x.com,,Okay\n"
    "5003,14,77,email,closed,published,Yo,2024-06-03T10:00:00Z,2024-06-03T11:00:00Z,c@x.com,refund,Bad\n"
)


def test_help_scout_conversations(load, db):
    res = load(("helpscout.csv", HELPSCOUT))
    assert _files(res)["helpscout.csv"].mapping.vendor == "helpscout"
    c = _conv(db)
    assert c["5001"][1:4] == ("a@x.com", t(2024, 6, 1, 10), t(2024, 6, 1, 12))
    assert [c[k][7] for k in ("5001", "5002", "5003")] == ["resolved", "open", "resolved"]
    assert [c[k][8] for k in ("5001", "5002", "5003")] == [5.0, 3.0, 1.0]  # Great / Okay / Bad
    assert c["5001"][9:11] == ("email", "billing")


CHATWOOT = (
    "Agent Name,Rating,Feedback Comment,Contact Name,Contact Email Address,Contact Phone Number,"
    "Link to the conversation,Recorded date\n"
    "Ana (ana@x.com),5,Great,Bo,bo@x.com,,https://app.chatwoot.com/app/accounts/1/conversations/41,"
    "2024-07-01 10:00:00\n"
    "Ana (ana@x.com),2,,Cy,cy@x.com,,https://app.chatwoot.com/app/accounts/1/conversations/42,2024-07-01 11:00:00\n"
    "Reporting period 2024-07-01 to 2024-07-31\n"
)


def test_chatwoot_csat_download_joins_on_the_id_in_the_link_and_skips_the_trailer(load, db):
    conv = (
        "conversation_id,customer_id,created_at,handled_by\n"
        "41,bo,2024-07-01T09:00:00Z,ai\n42,cy,2024-07-01T09:30:00Z,human\n43,di,2024-07-01T09:40:00Z,ai\n"
    )
    res = load(("conversations.csv", conv), ("csat.csv", CHATWOOT))
    f = _files(res)["csat.csv"]
    assert f.mapping.vendor == "chatwoot_csat"
    assert (f.read, f.loaded, f.rejected) == (3, 2, 1)
    c = _conv(db)
    assert [c[k][8] for k in ("41", "42", "43")] == [5.0, 2.0, None]
    assert [c[k][5] for k in ("41", "42")] == ["ai", "human"]  # the CSAT file does not change who handled it


SALESFORCE_LABELS = (
    "Case ID,Case Number,Subject,Status,Priority,Case Origin,Case Reason,Type,Date/Time Opened,Date/Time Closed,"
    "Escalated,Contact Name,Contact ID,Account Name,Account ID,Closed\n"
    "5003000000D8cuI,00001001,Login issue,Closed,High,Web,Login,Problem,2024-02-01 08:00:00,2024-02-01 09:00:00,"
    "false,Ann,0033000000abc,Acme,0013000000xyz,true\n"
)
SALESFORCE_API = (
    "Id,CaseNumber,Subject,Status,Origin,Reason,CreatedDate,ClosedDate,IsEscalated,ContactId,AccountId,IsDeleted\n"
    "5003000000D8cuJ,00001002,Refund,Working,Email,Billing,2024-02-02T08:00:00.000+0000,,true,0033000000abd,"
    "0013000000xyz,false\n"
    "5003000000D8cuK,00001003,Old,Closed,Email,Billing,2024-02-03T08:00:00.000+0000,,false,0033000000abe,,true\n"
)


@pytest.mark.parametrize("text, cid", [(SALESFORCE_LABELS, "5003000000D8cuI"), (SALESFORCE_API, "5003000000D8cuJ")])
def test_salesforce_case_exports_by_label_or_api_name(load, db, text, cid):
    res = load(("cases.csv", text))
    f = _files(res)["cases.csv"]
    assert f.mapping.vendor == "salesforce_case"
    c = _conv(db)
    assert list(c) == [cid]  # the deleted case is skipped with a reason
    row = c[cid]
    assert row[1] in ("0033000000abc", "0033000000abd") and row[11] == "0013000000xyz"
    assert row[2] in (t(2024, 2, 1, 8), t(2024, 2, 2, 8)) and row[5] == "human"
    assert row[10] in ("Login", "Billing") and row[9] in ("Web", "Email")


GORGIAS = (
    "id,status,channel,via,subject,customer_email,created_datetime,closed_datetime,tags,satisfaction_survey_score\n"
    '9001,closed,chat,helpdesk,Where is my order,a@x.com,2024-08-01T10:00:00Z,2024-08-01T10:05:00Z,"ai_answered, '
    'ai_close, order-status",5\n'
    '9002,closed,email,helpdesk,Refund,b@x.com,2024-08-01T11:00:00Z,2024-08-01T13:00:00Z,"ai_answered, ai_handover, '
    'refund",3\n'
    '9003,open,email,helpdesk,Refund again,c@x.com,2024-08-01T12:00:00Z,,"refund",\n'
)


def test_gorgias_ai_agent_tags(load, db):
    res = load(("gorgias.csv", GORGIAS))
    assert _files(res)["gorgias.csv"].mapping.vendor == "gorgias"
    c = _conv(db)
    assert [c[k][5] for k in ("9001", "9002", "9003")] == ["ai", "ai", "human"]
    assert [c[k][6] for k in ("9001", "9002", "9003")] == [False, True, False]
    assert [c[k][10] for k in ("9001", "9002", "9003")] == ["order-status", "refund", "refund"]
    assert c["9001"][1:4] == ("a@x.com", t(2024, 8, 1, 10), t(2024, 8, 1, 10, 5))
    # Issue 21: ai_close without ai_handover = the vendor says resolved; ai_handover = not; no AI tag = unknown.
    # Issue 20: the subject column is the subject line.
    got = dict(
        (r[0], r[1:])
        for r in db.con.execute("SELECT conversation_id, vendor_resolved, subject FROM conversations").fetchall()
    )
    assert [got[k] for k in ("9001", "9002", "9003")] == [
        (True, "Where is my order"),
        (False, "Refund"),
        (None, "Refund again"),
    ]


def _fixture(*names):
    return [(n, (FIXTURES / n).read_bytes()) for n in names]


def test_fivetran_zendesk_tables_as_they_are(load, db):
    res = load(*_fixture("ticket_data.csv", "ticket_comment_data.csv", "user_data.csv"))
    f = _files(res)
    assert f["ticket_data.csv"].mapping.vendor == "zendesk_fivetran_ticket"
    assert f["ticket_comment_data.csv"].mapping.vendor == "zendesk_fivetran_comment"
    assert f["user_data.csv"].table == "lookup"
    t_ = f["ticket_data.csv"]
    assert (t_.read, t_.loaded, t_.rejected) == (10, 8, 2)  # two deleted tickets
    c = _conv(db)
    assert c["16988"][1:3] == ("1500656884401", t(2020, 12, 22, 0, 19, 23))
    assert c["16988"][7] == "resolved" and c["16988"][9] == "email"
    assert c["11071"][1] == "2222"
    # the seed's comments point at tickets and users that are not in the seed: every row says why
    cm = f["ticket_comment_data.csv"]
    assert (cm.read, cm.loaded, cm.rejected) == (20, 0, 20)
    assert res.read == res.loaded + res.rejected


def test_fivetran_zendesk_comment_authors_from_the_user_table(load, db):
    tickets = (FIXTURES / "ticket_data.csv").read_text()
    users = (FIXTURES / "user_data.csv").read_text()
    comments = (
        "id,_fivetran_synced,body,created,facebook_comment,public,ticket_id,tweet,user_id,voice_comment\n"
        "1,2020-09-01 00:00:00.000,I cannot log in,2020-08-28 18:07:00,FALSE,TRUE,11071,FALSE,2222,FALSE\n"
        "2,2020-09-01 00:00:00.000,Try this link,2020-08-28 18:20:00,FALSE,TRUE,11071,FALSE,1111,FALSE\n"
        "3,2020-09-01 00:00:00.000,internal: vip,2020-08-28 18:21:00,FALSE,FALSE,11071,FALSE,1111,FALSE\n"
    )
    res = load(("ticket_data.csv", tickets), ("ticket_comment_data.csv", comments), ("user_data.csv", users))
    m = db.con.execute("SELECT conversation_id, author_type, text FROM messages ORDER BY seq").fetchall()
    assert m == [("11071", "customer", "I cannot log in"), ("11071", "human", "Try this link")]
    why = db.con.execute("SELECT reason FROM load_issues WHERE file = 'ticket_comment_data.csv'").fetchall()
    assert why == [("internal note (not public), not a message to the customer",)]
    c = _conv(db)
    assert c["11071"][3] == t(2020, 8, 28, 18, 20)  # no solved time in the ticket table: the last comment
    assert res.read == res.loaded + res.rejected


def test_fivetran_intercom_history_collapses_to_the_latest_state(load, db):
    res = load(*_fixture("conversation_history_data.csv", "conversation_part_history_data.csv"))
    f = _files(res)
    h = f["conversation_history_data.csv"]
    assert h.mapping.vendor == "intercom_fivetran_conversation"
    assert (h.read, h.loaded, h.rejected) == (9, 2, 7)
    c = _conv(db)
    assert sorted(c) == ["156643300001311", "156643300001372"]
    assert c["156643300001311"][1:3] == ("5f7295ca37f0d717d37dfddb", t(2020, 10, 28, 23, 59, 37))
    assert c["156643300001311"][7] == "resolved"  # the active version says closed
    p = f["conversation_part_history_data.csv"]
    assert p.mapping.vendor == "intercom_fivetran_part" and p.rejected == 9  # 8 close events, 1 internal note
    reasons = {r[0] for r in db.con.execute("SELECT reason FROM load_issues WHERE rejected").fetchall()}
    assert "internal note, not a message to the customer" in reasons
    assert "an event without text (close), not a message" in reasons


def test_fivetran_salesforce_accounts(load, db):
    res = load(*_fixture("sf_account_data.csv"))
    f = _files(res)["sf_account_data.csv"]
    assert f.mapping.vendor == "salesforce_account" and f.table == "accounts"
    assert (f.read, f.loaded, f.rejected) == (10, 1, 9)  # nine are deleted
    assert db.con.execute("SELECT account_id FROM accounts").fetchall() == [("0015500000Xyy06AAB",)]


def test_generic_files_are_not_taken_for_a_vendor():
    assert vendors.recognise(["conversation_id", "customer_id", "created_at", "handled_by", "csat"]) is None
    assert vendors.recognise(["conversation_id", "sent_at", "author_type", "text"]) is None


def test_a_saved_vendor_mapping_is_reapplied(load, db):
    from metrics.load.mapping import dump_mappings, load_mappings

    res = load(("gorgias.csv", GORGIAS))
    saved = dump_mappings({"gorgias.csv": _files(res)["gorgias.csv"].mapping})
    again = load_mappings(saved)["gorgias.csv"]
    assert again.vendor == "gorgias"
    db.con.execute("DROP TABLE conversations")
    load(("gorgias.csv", GORGIAS), mappings={"gorgias.csv": again})
    assert [r[5] for r in _conv(db).values()] == ["ai", "ai", "human"]


def test_fivetran_zendesk_chat_events_type_answer_bot_messages_as_ai(load, db):
    res = load(*_fixture("ticket_data.csv", "ticket_chat_data.csv", "ticket_chat_event_data.csv"))
    f = _files(res)
    ev = f["ticket_chat_event_data.csv"]
    assert ev.mapping.vendor == "zendesk_fivetran_chat_event" and f["ticket_chat_data.csv"].table == "lookup"
    assert (ev.read, ev.loaded, ev.rejected) == (12, 1, 11)
    m = db.con.execute("SELECT conversation_id, author_type, sent_at FROM messages").fetchall()
    assert m == [("6605", "ai", dt.datetime(2023, 12, 8, 5, 7, 28, 408000, tzinfo=UTC))]  # via ticket_chat
    reasons = [
        r[0]
        for r in db.con.execute("SELECT reason FROM load_issues WHERE file = 'ticket_chat_event_data.csv'").fetchall()
    ]
    assert "chat event (ChatJoin), not a message" in reasons
    assert "system or trigger event, not a message" in reasons


def test_answer_bot_messages_make_a_zendesk_ticket_an_ai_conversation(load, db):
    header = (FIXTURES / "ticket_data.csv").read_text().splitlines()[0]
    n = header.count(",")
    ticket = header.split(",")

    def row(tid, requester, created):
        v = [""] * (n + 1)
        for k, x in {
            "id": tid,
            "requester_id": requester,
            "created_at": created,
            "status": "solved",
            "via_channel": "web",
        }.items():
            v[ticket.index(k)] = x
        return ",".join(v)

    tickets = "\n".join([header, row("1", "u1", "2024-01-01 10:00:00"), row("2", "u2", "2024-01-01 11:00:00")])
    chats = "chat_id,_fivetran_synced,authenticated,backend,channel,conversation_id,initiator,integration_id,tags,ticket_id,user_id,visitor_id,webpath\nA,,false,chat,chat,,1,,[],1,,v1,[]\nB,,false,chat,chat,,1,,[],2,,v2,[]\n"
    bot = '"{""source"":{""type"":""zd:answerBot""},""author"":{""type"":""BUSINESS""}}"'
    user = '"{""author"":{""type"":""USER""}}"'
    events = (
        "chat_id,created_at,_Company_synced,actor_id,chat_index,external_message_id,filename,is_history_context,"
        "message,message_id,message_source,mime_type,original_message,original_message_type,parent_message_id,"
        "reason,size,status,status_updated_at,type,url\n"
        f"A,2024-01-01 10:00:05,,v1,1,,,,Hi,,,,{user},,,,,,,ChatMessage,\n"
        f"A,2024-01-01 10:00:10,,agent:7,2,,,,I can help,,,,{bot},,,,,,,ChatMessage,\n"
        f"A,2024-01-01 10:01:00,,v1,3,,,,Talk to a human,,,,{user},,,,,,,ChatMessage,\n"
        "A,2024-01-01 10:03:00,,agent:9,4,,,,Dana here,,,,,,,,,,,ChatMessage,\n"
        f"B,2024-01-01 11:00:05,,v2,1,,,,Hello,,,,{user},,,,,,,ChatMessage,\n"
        "B,2024-01-01 11:02:00,,agent:9,2,,,,Dana here,,,,,,,,,,,ChatMessage,\n"
    )
    res = load(("ticket_data.csv", tickets), ("ticket_chat_data.csv", chats), ("ticket_chat_event_data.csv", events))
    c = _conv(db, "conversation_id, handled_by, escalated, escalated_at")
    assert c["1"] == ("1", "ai", True, t(2024, 1, 1, 10, 3))  # the bot answered first, Dana took over
    assert c["2"] == ("2", "human", False, None)
    notes = _files(res)["ticket_data.csv"].notes
    assert any(n.startswith("1 of its conversations have the AI answering first") for n in notes)


# SPEC 8 on a Zendesk legacy CSV with every column of the real export (../shared/EXPORTS.md 1.1), in its order,
# values spelled as in the real file: Status New/Open/Pending/Hold/Solved/Closed, Via Mail/OutBound/Web Form,
# Satisfaction Score blank/Offered/1-5/Bad, 1900-01-01 for empty dates, only the business-hours first reply.
ZENDESK_FULL_HEADER = (
    "Summation column,Id,Requester,Requester id,Requester external id,Requester email,Requester domain,Submitter,"
    "Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Assigned at,Organization,"
    "Due date,Initially assigned at,Solved at,Resolution time,Satisfaction Score,Group stations,Assignee stations,"
    "Reopens,Replies,First reply time in minutes,First reply time in minutes within business hours,"
    "First resolution time in minutes,First resolution time in minutes within business hours,"
    "Full resolution time in minutes,Full resolution time in minutes within business hours,"
    "Agent wait time in minutes,Agent wait time in minutes within business hours,Requester wait time in minutes,"
    "Requester wait time in minutes within business hours,On hold time in minutes,"
    "On hold time in minutes within business hours,Ticket Category [list]"
).split(",")


def _zendesk_row(**v: str) -> str:
    base = {"Summation column": "", "Group": "Support", "Priority": "Normal", "Ticket type": "Question"}
    base.update({"Requester email": f"{v.get('Requester id', 'x')}@example.com", "Updated at": v["Created at"]})
    base.update(v)
    return ",".join(base.get(h, "") for h in ZENDESK_FULL_HEADER)


ZENDESK_SPEC8 = (
    "\n".join(
        [
            ",".join(ZENDESK_FULL_HEADER),
            _zendesk_row(
                **{
                    "Id": "201",
                    "Requester id": "7001",
                    "Status": "Solved",
                    "Via": "Mail",
                    "Created at": "2023-05-01 09:00:00",
                    "Solved at": "2023-05-01 13:00:00",
                    "Satisfaction Score": "5",
                    "Reopens": "0",
                    "Replies": "1",
                    "First reply time in minutes within business hours": "20",
                    "Full resolution time in minutes": "240",
                    "Full resolution time in minutes within business hours": "240",
                    "Ticket Category [list]": "Billing",
                }
            ),
            _zendesk_row(
                **{
                    "Id": "202",
                    "Requester id": "7001",
                    "Status": "Solved",
                    "Via": "Mail",
                    "Created at": "2023-05-02 09:00:00",
                    "Solved at": "2023-05-03 09:00:00",
                    "Satisfaction Score": "Offered",
                    "Reopens": "1",
                    "Replies": "3",
                    "First reply time in minutes within business hours": "60",
                    "Full resolution time in minutes": "1440",
                    "Full resolution time in minutes within business hours": "480",
                    "Ticket Category [list]": "Billing",
                }
            ),
            _zendesk_row(
                **{
                    "Id": "203",
                    "Requester id": "7002",
                    "Status": "Hold",
                    "Via": "Mail",
                    "Created at": "2023-05-01 10:00:00",
                    "Solved at": "1900-01-01 00:00:00",
                    "Reopens": "0",
                    "Replies": "1",
                    "First reply time in minutes within business hours": "30",
                    "Ticket Category [list]": "Login",
                }
            ),
            _zendesk_row(
                **{
                    "Id": "204",
                    "Requester id": "7001",
                    "Status": "Solved",
                    "Via": "OutBound",
                    "Created at": "2023-05-01 11:00:00",
                    "Solved at": "2023-05-01 11:30:00",
                    "Reopens": "0",
                    "Replies": "1",
                    "Ticket Category [list]": "Billing",
                }
            ),
            _zendesk_row(
                **{
                    "Id": "205",
                    "Requester id": "7002",
                    "Status": "Pending",
                    "Via": "Mail",
                    "Created at": "2023-05-02 12:00:00",
                    "Solved at": "1900-01-01 00:00:00",
                    "Reopens": "0",
                    "Replies": "0",
                    "Ticket Category [list]": "Login",
                }
            ),
            _zendesk_row(
                **{
                    "Id": "206",
                    "Requester id": "7004",
                    "Status": "Closed",
                    "Via": "Web Form",
                    "Created at": "2023-05-20 09:00:00",
                    "Solved at": "2023-05-20 09:45:00",
                    "Satisfaction Score": "Bad",
                    "Reopens": "0",
                    "Replies": "1",
                    "First reply time in minutes within business hours": "10",
                    "Full resolution time in minutes": "45",
                    "Full resolution time in minutes within business hours": "45",
                    "Ticket Category [list]": "Shipping",
                }
            ),
        ]
    )
    + "\n"
)


def test_zendesk_full_export_spec8_numbers_by_hand(load, db):
    from metrics.compute import aggregate, checks, signals
    from metrics.present import report

    res = load(("export.csv", ZENDESK_SPEC8))
    f = _files(res)["export.csv"]
    assert f.mapping.vendor == "zendesk_csv" and (f.read, f.loaded, f.rejected) == (6, 6, 0)
    s = Settings()
    signals.compute(db, s)
    d = report.data_block(db, s)
    assert (d["conversations"], d["outbound_conversations"], d["unknown_end_conversations"]) == (6, 1, 2)
    sig = {
        r[0]: r[1:]
        for r in db.con.execute(
            "SELECT conversation_id, status_class, returned, matured, survey_offered FROM signals ORDER BY 1"
        ).fetchall()
    }
    # 204 (Via OutBound) is in no metric; 201 returned (202, same requester and category, within 72 h),
    # 202 was reopened, 203 returned (205, same requester and category; 203's end is unknown, so its window
    # starts at its creation); 206 is pending (created at the end of the data).
    assert sig == {
        "201": ("resolved", True, True, True),
        "202": ("resolved", True, True, True),
        "203": ("open", True, True, False),
        "205": ("open", False, True, False),
        "206": ("resolved", False, False, True),
    }
    m = aggregate.compute(db, s)[aggregate.ALL]

    def nd(mid):
        return (m[mid].numerator, m[mid].denominator)

    assert nd("fcr_rate_human") == (0, 4)  # 205 did not return but is still pending: not a resolution
    assert nd("return_rate_human") == (3, 4)
    # resolved ends: 201 4 h, 202 24 h, 206 45 min -> median 4 h; p90 = 4 h + 0.8 x 20 h = 20 h
    assert (m["ttr_median_s_human"].value, m["ttr_median_s_human"].denominator) == (14400.0, 3)
    assert m["ttr_p90_s_human"].value == pytest.approx(72000.0)
    # only the business-hours first reply exists: calendar TTFR is unknown, business TTFR median of 10/20/30/60 min
    assert m["ttfr_median_s_human"].value is None
    assert (m["ttfr_business_median_s_human"].value, m["ttfr_business_median_s_human"].denominator) == (1500.0, 4)
    assert m["ttr_business_median_s_human"].value == 14400.0  # 240, 480, 45 minutes
    # surveys offered: 201 (answered 5), 202 (Offered), 206 (answered Bad = 1) -> 2 of 3 answered, mean 3
    assert nd("csat_response_rate_human") == (2, 3) and m["csat_mean_human"].value == 3.0
    assert nd("one_touch_rate_human") == (2, 3)  # 201 and 206 took one reply, 202 three
    warnings = checks.data_warnings(db, s)
    assert any(w.startswith("1 outbound conversation ") for w in warnings)
    assert any(w.startswith("2 of 5 conversations have no known end") for w in warnings)
    assert not any("issue_category" in w or "heavy" in w for w in warnings)


def _folder(name: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted((FIXTURES / name).glob("*.csv"))]


def test_whole_fivetran_zendesk_folder_at_once(db):
    """Every seed file given at once: tickets, comments, chats load; the 20 side tables are named and skipped."""
    from metrics.compute import aggregate, checks, signals
    from metrics.load import ingest

    files = _folder("fivetran_zendesk")
    assert len(files) == 26
    res = ingest.load(db, files, Settings())
    used = {f.name: (f.table, f.loaded) for f in res.files}
    assert used == {
        "ticket_data.csv": ("conversations", 8),  # 10 rows, 2 deleted
        "ticket_comment_data.csv": ("messages", 0),  # authors are not in the user seed (placeholder ids)
        "ticket_chat_event_data.csv": ("messages", 1),
        "ticket_chat_data.csv": ("lookup", 10),
        "user_data.csv": ("lookup", 10),
        "user_data_snowflake.csv": ("lookup", 10),
    }
    assert len(res.skipped) == 20 and res.errors == []
    assert "group_data.csv looks like the Zendesk group table" in res.skipped["group_data.csv"]
    assert "organization_data.csv looks like the Zendesk organization table" in res.skipped["organization_data.csv"]
    assert db.con.execute("SELECT count(*) FROM accounts").fetchone() == (0,)  # never 45 'accounts' again
    s = Settings()
    signals.compute(db, s)
    m = aggregate.compute(db, s)[aggregate.ALL]
    # The ticket table has no solved time: the 7 human tickets have no known end, so no resolution time (not 0 s).
    assert m["ttr_median_s_human"].value is None
    assert any(w.startswith("ttr_median_s_human: needs a known end") for w in aggregate.warnings_for(db))
    assert checks.population(db, s).unknown_end == 7
    # Ticket 6605 was answered by Answer Bot in a 2023 chat, 3.5 years after it was created (2020-05-26):
    # implausible first response and resolution times, reported and left out.
    implausible = db.con.execute(
        'SELECT file, "row", "column" FROM load_issues WHERE reason LIKE \'implausible%\' ORDER BY 3'
    ).fetchall()
    assert implausible == [("ticket_data.csv", 11, "first response"), ("ticket_data.csv", 11, "resolution")]
    assert m["ttr_median_s_ai"].value is None


def test_whole_fivetran_intercom_folder_at_once(db):
    from metrics.compute import aggregate, signals
    from metrics.load import ingest

    res = ingest.load(db, _folder("fivetran_intercom"), Settings())
    used = {f.name: (f.table, f.read, f.loaded, f.rejected) for f in res.files}
    assert used == {
        "company_history_data.csv": ("accounts", 9, 9, 0),  # Intercom's company table is an accounts table
        "conversation_history_data.csv": ("conversations", 9, 2, 7),  # 7 earlier Fivetran versions
        "conversation_part_history_data.csv": ("messages", 9, 0, 9),  # close events and a note, no text
    }
    assert len(res.skipped) == 14
    assert "contact_history_data.csv" in res.skipped  # no longer 9 extra 'conversations'
    assert db.con.execute("SELECT count(*) FROM conversations").fetchone() == (2,)
    # both conversations are closed (latest version) but the table has no close time: TTR unknown, not 0 s
    s = Settings()
    signals.compute(db, s)
    assert db.con.execute("SELECT status, end_known FROM conversations").fetchall() == [
        ("resolved", False),
        ("resolved", False),
    ]
    m = aggregate.compute(db, s)[aggregate.ALL]
    assert m["ttr_median_s_human"].value is None


def test_whole_fivetran_salesforce_folder_at_once(db):
    from metrics.load import ingest

    res = ingest.load(db, _folder("fivetran_salesforce"), Settings())
    assert [(f.name, f.table) for f in res.files] == [("sf_account_data.csv", "accounts")]
    assert sorted(res.skipped) == ["sf_contact_data.csv", "sf_opportunity_data.csv", "sf_user_data.csv"]
    assert "Salesforce user table" in res.skipped["sf_user_data.csv"]
    assert res.errors == ["No conversations file was loaded; upload a conversations or tickets export."]


def test_remapping_after_a_vendor_profile_equals_a_fresh_load(db):
    """Issue 16: the profile used to delete skipped rows from the kept raw file, so a second load differed."""
    from metrics.load import ingest

    files = [(p.name, p.read_bytes()) for p in (FIXTURES / "fivetran_zendesk").glob("ticket_data.csv")]
    raws: dict = {}
    first = ingest.load(db, files, Settings(), raws=raws)
    again = ingest.load(db, files, Settings(), {f.name: f.mapping for f in first.files}, raws=raws)
    counts = [(f.read, f.loaded, f.rejected) for f in first.files]
    assert counts == [(f.read, f.loaded, f.rejected) for f in again.files] == [(10, 8, 2)]
    # switched to a generic mapping (no profile: deleted tickets are not skipped), it equals a fresh generic load
    from metrics.core import db as dbmod
    from metrics.load.mapping import FileMapping

    cols = {"conversation_id": "id", "customer_id": "requester_id", "created_at": "created_at", "status": "status"}
    generic = {"ticket_data.csv": FileMapping("conversations", cols, handled_by="human")}
    remapped = ingest.load(db, files, Settings(), generic, raws=raws)
    fresh_db = dbmod.connect(memory_limit="1GB", threads=1)
    try:
        fresh = ingest.load(fresh_db, files, Settings(), generic)
    finally:
        fresh_db.close()
    assert [(f.read, f.loaded, f.rejected) for f in remapped.files] == [(10, 10, 0)]
    assert [(f.read, f.loaded, f.rejected) for f in fresh.files] == [(10, 10, 0)]
