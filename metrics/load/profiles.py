"""Vendor export profiles as data: header patterns -> canonical fields, for each export we know.

A profile is declarative: header patterns -> canonical fields, derived columns (value
translations, durations turned into timestamps, AI evidence turned into handled_by and
escalated), a row rule (history versions, internal notes, report trailer lines: each
skipped row is reported with its reason), the time-zone rule, and whether the file adds
fields to conversations from another file (joined on the conversation id).

Headers are compared in their normalised form (`schema.normalise_header`: lower case,
punctuation as `_`, a trailing `(Area/City)` time zone and `[list]` removed). In the SQL
of a profile `{a|b}` stands for the first of these headers the file has, and
`{@profile:header}` for a column of another uploaded file recognised as that profile
(a lookup, such as Zendesk's user table for comment authors). Sources: ../shared/EXPORTS.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOOKUP = "lookup"  # a profile's table when the file only serves other files' derivations


@dataclass(frozen=True)
class Profile:
    id: str
    label: str  # shown on the Data page: "Zendesk ticket export (CSV)"
    table: str  # conversations | messages | accounts | lookup
    signature: tuple[str, ...]  # every group ("a|b") must be present
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> "header|alternative"
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> SQL, coalesced in order
    skip: str = ""  # SQL: a reason to skip the row, or NULL to keep it
    timezone: str = ""  # "UTC" where the vendor writes UTC; "" = the settings' source time zone
    merge: bool = False  # adds fields to conversations loaded from another file, on conversation_id
    note: str = ""


_SCD = (
    "CASE WHEN row_number() OVER (PARTITION BY {id} ORDER BY lower(coalesce({fivetran_active}, '')) = 'true' DESC, "
    "{updated_at} DESC NULLS LAST) > 1 THEN 'an earlier version of this record (Fivetran history); the latest is kept' END"
)
_TS = "'%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M', '%Y-%m-%dT%H:%M:%S', '%d-%m-%Y %H:%M', '%d/%m/%Y %H:%M', '%m/%d/%Y %H:%M'"


def _plus(ts: str, amount: str, seconds_per_unit: int) -> str:
    """A timestamp text plus a duration column, as ISO text (the zone stays the file's)."""
    return (
        f"strftime(try_strptime({ts}, [{_TS}]) + to_seconds(TRY_CAST({amount} AS DOUBLE) * {seconds_per_unit}), "
        "'%Y-%m-%d %H:%M:%S')"
    )


def _hms_minutes(col: str, plain_per_minute: float = 1.0) -> str:
    """Freshdesk durations: `HH:MM[:SS]` (hours may exceed 24) as minutes; a plain number times
    `plain_per_minute` (60 for the `(in hrs)` columns)."""
    plain = col if plain_per_minute == 1.0 else f"CAST(TRY_CAST({col} AS DOUBLE) * {plain_per_minute:g} AS VARCHAR)"
    return (
        f"CASE WHEN regexp_full_match({col}, '\\d+:\\d\\d(:\\d\\d)?') THEN CAST("
        f"TRY_CAST(split_part({col}, ':', 1) AS DOUBLE) * 60 + "
        f"TRY_CAST(split_part({col}, ':', 2) AS DOUBLE) + "
        f"coalesce(TRY_CAST(nullif(split_part({col}, ':', 3), '') AS DOUBLE), 0) / 60 AS VARCHAR) "
        f"ELSE {plain} END"
    )


def _has_tag(tags: str, tag: str) -> str:
    return f"regexp_matches(lower(coalesce({tags}, '')), '(^|[^a-z0-9_]){tag}([^a-z0-9_]|$)')"


PROFILES: tuple[Profile, ...] = (
    # ------------------------------------------------------------------ Zendesk
    Profile(
        "zendesk_csv",
        "Zendesk ticket export (CSV / Explore)",
        "conversations",
        ("id", "created_at", "via", "requester_id|requester|requester_email"),
        {
            "conversation_id": "id",
            "subject": "subject",
            "customer_id": "requester_id|requester_email|requester",
            "account_id": "organization",
            "channel": "via",
            "created_at": "created_at",
            "ended_at": "solved_at",
            "status": "status",
            "csat": "satisfaction_score",
            "reopened": "reopens",
            "replies": "replies",
            "first_reply_minutes": "first_reply_time_in_minutes",
            "first_reply_business_minutes": "first_reply_time_in_minutes_within_business_hours",
            "resolution_minutes": "full_resolution_time_in_minutes",
            "resolution_business_minutes": "full_resolution_time_in_minutes_within_business_hours",
        },
        {
            "issue_category": ("nullif({list_field_category}, '')", "nullif({ticket_type}, '')"),
        },
        note="Zendesk CSV times are in the account's time zone: set it under Loading if it is not UTC. "
        "Business-hours durations feed only the business-hours times; Via OutBound tickets are outbound; "
        "Reopens above 0 count as the customer coming back.",
    ),
    Profile(
        "zendesk_fivetran_ticket",
        "Zendesk ticket table (Fivetran)",
        "conversations",
        ("id", "requester_id", "created_at", "via_channel", "ticket_form_id|submitter_id"),
        {
            "conversation_id": "id",
            "subject": "subject",
            "customer_id": "requester_id",
            "account_id": "organization_id",
            "channel": "via_channel",
            "issue_category": "type",
            "created_at": "created_at",
            "status": "status",
        },
        skip="CASE WHEN lower({status}) = 'deleted' THEN 'deleted ticket' END",
        timezone="UTC",
    ),
    Profile(
        "zendesk_fivetran_comment",
        "Zendesk ticket comments (Fivetran)",
        "messages",
        ("id", "body", "created", "public", "ticket_id", "user_id"),
        {"conversation_id": "ticket_id", "sent_at": "created", "text": "body"},
        {
            "author_type": (
                "(SELECT CASE WHEN lower(u.{@zendesk_fivetran_user:role}) IN ('end-user', 'not set') THEN 'customer' "
                "ELSE 'human' END FROM {@zendesk_fivetran_user} u WHERE u.{@zendesk_fivetran_user:id} = {user_id} "
                "LIMIT 1)",
                "(SELECT CASE WHEN t.{@zendesk_fivetran_ticket:requester_id} = {user_id} THEN 'customer' "
                "ELSE 'human' END FROM {@zendesk_fivetran_ticket} t WHERE t.{@zendesk_fivetran_ticket:id} = "
                "{ticket_id} LIMIT 1)",
                "'unknown author ' || {user_id}",
            )
        },
        skip="CASE WHEN lower({public}) = 'false' THEN 'internal note (not public), not a message to the customer' END",
        timezone="UTC",
        note="Comment authors come from the Zendesk user table (role) or else the ticket's requester: upload "
        "user and ticket tables with the comments.",
    ),
    Profile(
        "zendesk_fivetran_chat_event",
        "Zendesk chat events (Fivetran)",
        "messages",
        ("chat_id", "created_at", "actor_id", "chat_index", "original_message"),
        {"sent_at": "created_at", "text": "message"},
        {
            "conversation_id": (
                "(SELECT c.{@zendesk_fivetran_chat:ticket_id} FROM {@zendesk_fivetran_chat} c "
                "WHERE c.{@zendesk_fivetran_chat:chat_id} = {chat_id} LIMIT 1)",
            ),
            "author_type": (
                "CASE WHEN json_valid({original_message}) AND json_extract_string({original_message}, "
                "'$.source.type') = 'zd:answerBot' THEN 'ai' "
                "WHEN json_valid({original_message}) AND json_extract_string({original_message}, '$.author.type') "
                "= 'USER' THEN 'customer' "
                "WHEN starts_with({actor_id}, 'agent:') AND length({actor_id}) > 6 THEN 'human' ELSE 'customer' END",
            ),
        },
        skip="CASE WHEN {type} <> 'ChatMessage' THEN 'chat event (' || {type} || '), not a message' "
        "WHEN {actor_id} IN ('__system', '__trigger') THEN 'system or trigger event, not a message' "
        "WHEN nullif({message}, '') IS NULL THEN 'chat event without text' END",
        timezone="UTC",
        note="Answer Bot messages (source zd:answerBot) are the AI's; chats are tied to tickets through the "
        "ticket_chat table, so upload it too.",
    ),
    Profile(
        "zendesk_fivetran_chat",
        "Zendesk ticket_chat table (Fivetran), used to tie chats to tickets",
        LOOKUP,
        ("chat_id", "ticket_id", "visitor_id", "backend"),
    ),
    Profile(
        "zendesk_fivetran_user",
        "Zendesk user table (Fivetran), used to tell customers from agents",
        LOOKUP,
        ("id", "role", "email", "name", "time_zone"),
    ),
    # ------------------------------------------------------------------ Intercom
    Profile(
        "intercom_csv",
        "Intercom conversations report (CSV)",
        "conversations",
        ("conversation_id", "conversation_started_at|conversation_created_at|ticket_created"),
        {
            "conversation_id": "conversation_id",
            "customer_id": "user_participant_ids|user_id|user_email|user_name|started_by",
            "account_id": "company_name|company_id",
            "channel": "channel|conversation_source",
            "issue_category": "ai_topic|topics|ticket_category|ticket_type",
            "created_at": "conversation_started_at|conversation_created_at|ticket_created",
            "ended_at": "ticket_last_resolved|conversation_last_closed_at|last_closed_at",
            "status": "current_conversation_state",
            "csat": "conversation_rating|last_teammate_rating",
        },
        {
            "handled_by": (
                "CASE lower({fin_ai_agent_involved}) WHEN 'true' THEN 'ai' WHEN 'yes' THEN 'ai' ELSE 'human' END",
            ),
            "escalated": (
                "CASE WHEN lower({fin_ai_agent_resolution_state}) IN ('routed to team', 'escalated') THEN 'true' "
                "WHEN lower({fin_ai_agent_deflected}) = 'false' AND nullif({teammate_currently_assigned}, '') "
                "IS NOT NULL THEN 'true' ELSE 'false' END",
                "CASE WHEN lower({fin_ai_agent_resolution_state}) IN ('routed to team', 'escalated') THEN 'true' "
                "ELSE 'false' END",
            ),
            "first_response_at": (
                _plus("{conversation_started_at|conversation_created_at}", "{first_response_time_seconds}", 1),
            ),
            "vendor_resolved": (
                "CASE WHEN lower({fin_ai_agent_resolution_state}) IN ('assumed resolution', 'confirmed resolution') "
                "THEN 'true' WHEN nullif({fin_ai_agent_resolution_state}, '') IS NOT NULL THEN 'false' END",
            ),
        },
        note="Fin AI Agent involved marks AI conversations; a resolution state of Routed to team or Escalated "
        "marks them escalated. Times are in the zone named in the header.",
    ),
    Profile(
        "intercom_satisfaction_csv",
        "Intercom satisfaction report (CSV), joined to the conversations on Conversation ID",
        "conversations",
        ("conversation_id", "conversation_rating", "agent_rated_type|conversation_rating_remark"),
        {"conversation_id": "conversation_id", "csat": "conversation_rating"},
        merge=True,
    ),
    Profile(
        "intercom_fivetran_conversation",
        "Intercom conversation_history (Fivetran)",
        "conversations",
        ("id", "created_at", "source_author_id", "source_delivered_as", "fivetran_active|updated_at"),
        {
            "conversation_id": "id",
            "subject": "source_subject",
            "customer_id": "source_author_id",
            "account_id": "company_id",
            "channel": "source_type",
            "created_at": "created_at",
            "first_response_at": "statistics_first_admin_reply_at",
            "ended_at": "statistics_last_close_at",
            "status": "state",
            "csat": "conversation_rating_value",
        },
        {
            "handled_by": ("CASE lower({ai_agent_participated}) WHEN 'true' THEN 'ai' ELSE 'human' END",),
            "escalated": (
                "CASE WHEN lower({ai_agent_resolution_state}) IN ('routed_to_team', 'routed to team', 'escalated') "
                "THEN 'true' ELSE 'false' END",
            ),
            "vendor_resolved": (
                "CASE WHEN lower({ai_agent_resolution_state}) IN ('assumed_resolution', 'confirmed_resolution', "
                "'assumed resolution', 'confirmed resolution') THEN 'true' "
                "WHEN nullif({ai_agent_resolution_state}, '') IS NOT NULL THEN 'false' END",
            ),
        },
        skip=_SCD,
        timezone="UTC",
    ),
    Profile(
        "intercom_fivetran_part",
        "Intercom conversation_part_history (Fivetran)",
        "messages",
        ("id", "conversation_id", "part_type", "author_type", "fivetran_active|updated_at"),
        {"conversation_id": "conversation_id", "sent_at": "created_at", "author_type": "author_type", "text": "body"},
        skip="coalesce(" + _SCD + ", CASE WHEN lower({part_type}) = 'note' THEN 'internal note, not a message to "
        "the customer' WHEN nullif({body}, '') IS NULL THEN 'an event without text (' || coalesce({part_type}, "
        "'unknown') || '), not a message' END)",
        timezone="UTC",
    ),
    Profile(
        "intercom_fivetran_company",
        "Intercom company_history (Fivetran), as accounts",
        "accounts",
        ("id", "company_id", "monthly_spend", "plan_name|plan_id"),
        {"account_id": "id", "segment": "plan_name"},
        {"arr": ("CAST(TRY_CAST({monthly_spend} AS DOUBLE) * 12 AS VARCHAR)",)},
        skip=_SCD,
        timezone="UTC",
        note="Monthly spend x 12 is the ARR; the plan name is the segment; the latest version of each company is kept.",
    ),
    # ------------------------------------------------------------------ Freshdesk
    Profile(
        "freshdesk_csv",
        "Freshdesk / Freshservice ticket export",
        "conversations",
        ("ticket_id", "created_time", "status", "source|priority"),
        {
            "conversation_id": "ticket_id",
            "subject": "subject",
            "customer_id": "contact_id|email|full_name|requester_email|requester",
            "account_id": "company_name",
            "channel": "source",
            "issue_category": "type|category|product",
            "created_at": "created_time",
            "first_response_at": "initial_response_time",
            "ended_at": "resolved_time|closed_time",
            "status": "status",
        },
        {
            "csat": (
                "CASE WHEN {survey_results|survey_result} IS NULL THEN NULL "
                "WHEN lower({survey_results|survey_result}) LIKE '%unhappy%' THEN 'bad' "
                "WHEN lower({survey_results|survey_result}) LIKE '%happy%' THEN 'good' "
                "WHEN lower({survey_results|survey_result}) LIKE '%neutral%' THEN 'okay' "
                "ELSE {survey_results|survey_result} END",
            ),
            "handle_minutes": (_hms_minutes("{time_tracked}"),),
            "first_reply_business_minutes": (_hms_minutes("{first_response_time_in_hrs}", 60),),
            "resolution_business_minutes": (_hms_minutes("{resolution_time_in_hrs}", 60),),
            "replies": ("{agent_interactions}",),
        },
        note="Survey results are read by keyword (happy / neutral / unhappy); Time tracked is the agents' handle time; "
        "First response and Resolution time (in hrs) are business-hours durations; Source Outbound Email is outbound.",
    ),
    # ------------------------------------------------------------------ Help Scout
    Profile(
        "helpscout",
        "Help Scout conversations",
        "conversations",
        ("number", "createdat|created_at", "mailboxid|mailbox_id|mailbox"),
        {
            "conversation_id": "id|number",
            "subject": "subject",
            "customer_id": "primarycustomer_email|customer_email|primarycustomer_id|customer_id|customer",
            "channel": "type",
            "issue_category": "tags|tag",
            "created_at": "createdat|created_at",
            "ended_at": "closedat|closed_at",
            "status": "status",
            "csat": "rating",
        },
        timezone="UTC",
    ),
    # ------------------------------------------------------------------ Chatwoot
    Profile(
        "chatwoot_csat",
        "Chatwoot CSAT responses download, joined to the conversations on the id in the link",
        "conversations",
        ("rating", "link_to_the_conversation", "recorded_date"),
        {"csat": "rating"},
        {"conversation_id": ("regexp_extract({link_to_the_conversation}, '/conversations/(\\d+)', 1)",)},
        skip="CASE WHEN nullif({link_to_the_conversation}, '') IS NULL AND {rating} IS NULL "
        "THEN 'report line, not a survey response' END",
        timezone="UTC",
        merge=True,
    ),
    # ------------------------------------------------------------------ Salesforce
    Profile(
        "salesforce_case",
        "Salesforce Case export (report labels, API names or Fivetran)",
        "conversations",
        ("case_number|casenumber", "date_time_opened|createddate|created_date"),
        {
            "conversation_id": "id|case_id|case_number|casenumber",
            "subject": "subject",
            "customer_id": "contact_id|contactid|contact_name|contact_email|contactemail|suppliedemail|web_email",
            "account_id": "account_id|accountid|account_name",
            "channel": "case_origin|origin",
            "issue_category": "case_reason|reason|type",
            "created_at": "date_time_opened|createddate|created_date",
            "ended_at": "date_time_closed|closeddate|closed_date",
            "status": "status",
            "escalated": "escalated|isescalated|is_escalated",
        },
        skip="CASE WHEN lower({isdeleted|is_deleted|deleted}) = 'true' THEN 'deleted case' END",
    ),
    Profile(
        "salesforce_account",
        "Salesforce Account export",
        "accounts",
        ("id|account_id", "name|account_name", "annual_revenue|annualrevenue", "industry"),
        {
            "account_id": "id|account_id",
            "segment": "type|industry|account_type",
            "arr": "annual_revenue|annualrevenue",
        },
        skip="CASE WHEN lower({is_deleted|isdeleted}) = 'true' THEN 'deleted account' END",
    ),
    # ------------------------------------------------------------------ Gorgias
    Profile(
        "gorgias",
        "Gorgias tickets",
        "conversations",
        ("created_datetime", "channel", "tags"),
        {
            "conversation_id": "id|ticket_id",
            "subject": "subject",
            "customer_id": "customer_email|customer_id|customer",
            "channel": "channel",
            "created_at": "created_datetime",
            "ended_at": "closed_datetime",
            "status": "status",
            "csat": "satisfaction_survey_score|satisfaction_score|csat",
        },
        {
            "handled_by": (
                f"CASE WHEN {_has_tag('{tags}', 'ai_(close|handover|answered|snooze)')} THEN 'ai' ELSE 'human' END",
            ),
            "escalated": (f"CASE WHEN {_has_tag('{tags}', 'ai_handover')} THEN 'true' ELSE 'false' END",),
            "vendor_resolved": (
                f"CASE WHEN {_has_tag('{tags}', 'ai_close')} AND NOT {_has_tag('{tags}', 'ai_handover')} THEN 'true' "
                f"WHEN {_has_tag('{tags}', 'ai_answered')} OR {_has_tag('{tags}', 'ai_handover')} THEN 'false' END",
            ),
            "issue_category": (
                "list_filter(string_split(regexp_replace(coalesce({tags}, ''), '[\\[\\]\"'']', '', 'g'), ','), "
                "lambda t: trim(t) <> '' AND NOT starts_with(lower(trim(t)), 'ai_'))[1]",
            ),
        },
        timezone="UTC",
        note="AI Agent tags: ai_close, ai_answered, ai_snooze or ai_handover mark AI conversations; ai_handover "
        "marks them escalated.",
    ),
)

BY_ID = {p.id: p for p in PROFILES}
