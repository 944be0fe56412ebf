"""The canonical data model (SPEC section 2): tables, fields, kinds and header synonyms."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | timestamp | bool | number | count | csat | handler | author | status | direction | sentiment | date
    required: bool = False
    synonyms: tuple[str, ...] = ()
    meaning: str = ""


def _f(name: str, kind: str, required: bool = False, synonyms: str = "", meaning: str = "") -> Field:
    syn = tuple(s.strip() for s in synonyms.split(",") if s.strip())
    return Field(name, kind, required, (name, *syn), meaning)


CONVERSATION_FIELDS: tuple[Field, ...] = (
    _f(
        "conversation_id",
        "text",
        True,
        "id, ticket_id, case_id, chat_id, conversation, ticket, ticket_number, case_number, session_id",
        "unique id of the conversation or ticket",
    ),
    _f(
        "customer_id",
        "text",
        True,
        "customer, user_id, requester_id, requester, requester_email, customer_email, email, contact_id, "
        "end_user_id, user_email, visitor_id, user",
        "the end user (email or user id)",
    ),
    _f(
        "created_at",
        "timestamp",
        True,
        "created, creation_date, created_date, start_time, started_at, conversation_started_at, "
        "ticket_created, opened_at, date_created, start",
        "when the conversation started",
    ),
    _f(
        "ended_at",
        "timestamp",
        False,
        "closed_at, solved_at, resolved_at, end_time, conversation_ended_at, ended, closed, solved, end",
        "when it closed",
    ),
    _f(
        "handled_by",
        "handler",
        True,
        "handler, handled, first_handler, owner_type, assignee_type, agent_type",
        "ai or human: who owned the conversation first",
    ),
    _f(
        "escalated",
        "bool",
        False,
        "is_escalated, handed_over, handover, transferred, escalated_to_human",
        "a human got involved during an AI conversation",
    ),
    _f("escalated_at", "timestamp", False, "handover_at, handed_over_at, transferred_at, escalation_time"),
    _f("escalation_reason", "text", False, "handover_reason, transfer_reason"),
    _f("escalation_appropriate", "bool", False, "appropriate_escalation, qa_escalation_appropriate"),
    _f(
        "issue_category",
        "text",
        False,
        "category, topic, intent, issue_type, ticket_category, contact_reason, reason, issue",
        "topic or intent",
    ),
    _f(
        "subject",
        "text",
        False,
        "title, ticket_subject, conversation_subject, source_subject, email_subject, subject_line",
        "the ticket's subject line (topics are found in it and the first customer message)",
    ),
    _f(
        "vendor_resolved",
        "bool",
        False,
        "ai_resolved, resolved_by_ai, bot_resolved, automated_resolution, automatically_resolved, fin_resolved, "
        "vendor_resolution, ai_resolution",
        "the AI vendor's own verdict that its AI resolved the conversation",
    ),
    _f("channel", "text", False, "via, source, medium"),
    _f("account_id", "text", False, "account, organization_id, org_id, company_id, organization, company"),
    _f("first_response_at", "timestamp", False, "first_reply_at, first_responded_at, first_response"),
    _f("status", "status", False, "state, resolution_status, outcome, ticket_status"),
    _f(
        "csat",
        "csat",
        False,
        "csat_score, satisfaction, satisfaction_score, rating, conversation_rating, survey_score, csat_rating",
    ),
    _f(
        "handle_minutes",
        "number",
        False,
        "handle_time_minutes, handle_time, agent_minutes, time_spent_minutes, handling_minutes",
    ),
    _f("sentiment_start", "sentiment", False, "start_sentiment, initial_sentiment, first_sentiment"),
    _f("sentiment_end", "sentiment", False, "end_sentiment, final_sentiment, last_sentiment"),
    # SPEC section 8: what real ticket exports carry.
    _f(
        "reopened",
        "count",
        False,
        "reopens, reopen_count, reopened_count, times_reopened, was_reopened, is_reopened",
        "times the ticket was reopened (or yes/no): the customer came back in the same ticket",
    ),
    _f(
        "direction",
        "direction",
        False,
        "ticket_direction, conversation_direction, inbound_outbound",
        "inbound (a customer contact) or outbound (started by the company)",
    ),
    _f(
        "csat_offered",
        "bool",
        False,
        "survey_offered, rating_requested, survey_sent, csat_survey_sent, satisfaction_offered",
        "whether a satisfaction survey was offered",
    ),
    _f("replies", "number", False, "agent_replies, public_replies, reply_count", "public agent replies"),
    _f(
        "first_reply_minutes",
        "number",
        False,
        "first_reply_time_in_minutes, first_reply_time_minutes, first_response_minutes",
        "calendar minutes from creation to the first reply (vendor-computed)",
    ),
    _f(
        "first_reply_business_minutes",
        "number",
        False,
        "first_reply_time_in_minutes_within_business_hours, first_reply_business_minutes",
        "business-hours minutes from creation to the first reply (vendor-computed)",
    ),
    _f(
        "resolution_minutes",
        "number",
        False,
        "full_resolution_time_in_minutes, full_resolution_minutes, resolution_time_minutes",
        "calendar minutes from creation to the final solve (vendor-computed)",
    ),
    _f(
        "resolution_business_minutes",
        "number",
        False,
        "full_resolution_time_in_minutes_within_business_hours, resolution_business_minutes",
        "business-hours minutes from creation to the final solve (vendor-computed)",
    ),
)

MESSAGE_FIELDS: tuple[Field, ...] = (
    _f("conversation_id", "text", True, "ticket_id, chat_id, case_id, session_id, conversation, ticket"),
    _f("sent_at", "timestamp", True, "created_at, timestamp, time, sent, date, message_time, posted_at"),
    _f("author_type", "author", True, "author, sender, sender_type, role, from, speaker, author_role"),
    _f("text", "text", False, "body, message, content, message_text, message_body"),
    _f("sentiment", "sentiment", False, "sentiment_score, message_sentiment"),
)

ACCOUNT_FIELDS: tuple[Field, ...] = (
    _f("account_id", "text", True, "account, organization_id, org_id, company_id, id"),
    _f("segment", "text", False, "tier, plan, customer_segment, account_segment"),
    _f("arr", "number", False, "annual_revenue, annual_recurring_revenue, contract_value, acv"),
    _f("renewal_date", "date", False, "renewal, contract_end, renews_on, contract_end_date, renewal_at"),
    _f("renewed", "bool", False, "did_renew, is_renewed"),
    _f("churned", "bool", False, "is_churned, has_churned"),
    _f("expansion_arr", "number", False, "expansion, expansion_revenue"),
    _f("health_score", "number", False, "health, account_health"),
)

TABLES: dict[str, tuple[Field, ...]] = {
    "conversations": CONVERSATION_FIELDS,
    "messages": MESSAGE_FIELDS,
    "accounts": ACCOUNT_FIELDS,
}

# Fields whose presence identifies a table even before every required field is there.
SIGNATURE: dict[str, tuple[str, ...]] = {
    "messages": ("author_type", "sent_at"),
    "accounts": ("renewal_date", "arr", "renewed", "churned", "health_score", "segment"),
    "conversations": ("created_at", "customer_id", "handled_by", "issue_category", "csat", "status"),
}

SQL_TYPES = {
    "text": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "date": "TIMESTAMPTZ",
    "bool": "BOOLEAN",
    "number": "DOUBLE",
    "csat": "DOUBLE",
    "sentiment": "DOUBLE",
    "handler": "VARCHAR",
    "author": "VARCHAR",
    "status": "VARCHAR",
    "count": "DOUBLE",
    "direction": "VARCHAR",
}

NULL_TOKENS = ("", "null", "none", "n/a", "na", "nan", "-", "--", "nil", "(blank)", "#n/a")

HANDLER_VALUES = {
    "ai": "ai",
    "bot": "ai",
    "fin": "ai",
    "ai agent": "ai",
    "ai_agent": "ai",
    "virtual agent": "ai",
    "chatbot": "ai",
    "assistant": "ai",
    "automation": "ai",
    "answerbot": "ai",
    "answer bot": "ai",
    "human": "human",
    "agent": "human",
    "admin": "human",
    "person": "human",
    "teammate": "human",
    "staff": "human",
    "human agent": "human",
    "helpdesk": "human",
}
AUTHOR_VALUES = {
    "customer": "customer",
    "user": "customer",
    "end-user": "customer",
    "end_user": "customer",
    "enduser": "customer",
    "contact": "customer",
    "requester": "customer",
    "visitor": "customer",
    "lead": "customer",
    "client": "customer",
    **{k: v for k, v in HANDLER_VALUES.items()},
}
# SPEC section 8: matched on whole words of the lower-cased value, lists checked in this order, first match wins;
# anything else non-empty is `other` (never a resolution) and reported per value.
STATUS_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "abandoned",
        ("abandoned", "timed out", "timeout", "expired", "no response", "unresponsive", "dropped", "missed"),
    ),
    (
        "open",
        (
            "open",
            "new",
            "pending",
            "on hold",
            "hold",
            "waiting",
            "in progress",
            "assigned",
            "escalated",
            "snoozed",
            "reopened",
            "active",
            "awaiting",
        ),
    ),
    (
        "resolved",
        ("resolved", "solved", "closed", "done", "complete", "completed", "fixed", "answered", "auto closed"),
    ),
)
DIRECTION_VALUES = {
    "inbound": "inbound",
    "in": "inbound",
    "incoming": "inbound",
    "outbound": "outbound",
    "out": "outbound",
    "outgoing": "outbound",
}
BOOL_VALUES = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "1.0": True,
    "escalated": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
    "0.0": False,
}
CSAT_WORDS = {  # value as a fraction of the scale: 1.0 = top, 0.0 = bottom
    "good": 1.0,
    "great": 1.0,
    "satisfied": 1.0,
    "thumbs up": 1.0,
    "thumbs_up": 1.0,
    "positive": 1.0,
    "\U0001f44d": 1.0,
    "happy": 1.0,
    "okay": 0.5,
    "ok": 0.5,
    "neutral": 0.5,
    "bad": 0.0,
    "not good": 0.0,
    "unsatisfied": 0.0,
    "dissatisfied": 0.0,
    "thumbs down": 0.0,
    "thumbs_down": 0.0,
    "negative": 0.0,
    "\U0001f44e": 0.0,
    "unhappy": 0.0,
}
CSAT_NOT_A_RESPONSE = ("offered", "not offered", "unoffered", "not_offered", "sent", "no response")

_TZ_IN_HEADER = re.compile(r"\s*\(([A-Za-z]+(?:/[A-Za-z0-9_+\-]+)+|UTC)\)\s*$")


def normalise_header(header: str) -> tuple[str, str | None]:
    """A header's comparable form and a time zone named in it (`Created at (America/New_York)`)."""
    h = str(header).replace("\ufeff", "").strip()
    tz = None
    m = _TZ_IN_HEADER.search(h)
    if m:
        tz = m.group(1)
        h = h[: m.start()]
    h = re.sub(r"\[list\]$", "", h, flags=re.I).strip()
    norm = re.sub(r"[^0-9a-z]+", "_", h.lower()).strip("_")
    return norm, tz


# Column and alias names the queries of this package use next to the columns of an uploaded file (build
# step, signals, business hours, aggregation, insights). An uploaded extra column with one of these names is
# renamed on loading; tests/unit/test_hostile_names.py loads a file with every identifier of the package
# source as a column and fails when a name is missing here.
INTERNAL_NAMES = frozenset(
    """
    last_msg typed last_sent first_ai first_human ai_from_messages given_end vendor_end file_has_offers
    dups dup_id first_file first_row exact rn everything conv bounds msg events load base flags timed resolved
    t d cid open_now s_first s_last t_first t_last ttfr_raw ttr_raw ttfr_bh_raw ttr_bh_raw ts1 ts2 score text
    pts cum k c x i p ttfr_bh ttr_bh _all _seg decile min_load max_load conversations matured_ai
    """.split()
)

# The signals relation (metrics.compute.signals) adds these columns to each conversation; a test checks the
# relation's columns against this list. An uploaded column with one of these names is renamed at ingest.
SIGNAL_COLUMNS = (
    "n_messages",
    "ai_messages",
    "customer_messages",
    "last_author",
    "sentiment_start_value",
    "sentiment_end_value",
    "sentiment_source",
    "first_reply_at",
    "first_agent_at",
    "ai_before_agent_at",
    "handoff_wait_raw",
    "handoff_wait_s",
    "next_same_topic_at",
    "next_human_at",
    "concurrency",
    "data_end",
    "matured",
    "pending",
    "returned",
    "follow_up_ticket",
    "negative_end",
    "start_class",
    "end_class",
    "trajectory",
    "low_csat",
    "satisfied",
    "silent_exit",
    "exit_turn",
    "abandoned",
    "truly_resolved",
    "resolved",
    "escalation_is_appropriate",
    "ttfr_s",
    "ttr_s",
    "ttfr_bh_s",
    "ttr_bh_s",
    "ttfr_raw",
    "ttr_raw",
    "ttfr_bh_raw",
    "ttr_bh_raw",
    "ttfr_implausible",
    "ttr_implausible",
    "status_class",
    "resolved_end",
    "survey_offered",
    "outcome",
    "peak",
    "load",
    "category",
    "topic",
    "week",
    "day",
    "month",
    "account_segment",
    "csat_stream",
    "is_ai",
    "is_human",
)

# The key of missing values in a breakdown ("(none)": no category, no channel).
NONE_KEY = "(none)"
