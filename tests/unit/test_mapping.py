from __future__ import annotations

import pytest

from metrics.core.errors import IngestError
from metrics.core.schema import normalise_header
from metrics.load.mapping import FileMapping, dump_mappings, load_mappings, recognise


def test_canonical_headers_map_to_their_table():
    assert recognise(["conversation_id", "sent_at", "author_type", "text"]).table == "messages"
    assert recognise(["account_id", "segment", "arr", "renewal_date", "renewed"]).table == "accounts"
    m = recognise(["conversation_id", "customer_id", "created_at", "handled_by", "csat"])
    assert m.table == "conversations"
    assert m.columns == {c: c for c in ["conversation_id", "customer_id", "created_at", "handled_by", "csat"]}


def test_synonyms_of_a_helpdesk_export():
    m = recognise(["Id", "Requester email", "Created at", "Solved at", "Ticket Category [list]", "Satisfaction Score"])
    assert m.table == "conversations"
    assert m.columns == {
        "conversation_id": "Id",
        "customer_id": "Requester email",
        "created_at": "Created at",
        "ended_at": "Solved at",
        "issue_category": "Ticket Category [list]",
        "csat": "Satisfaction Score",
    }


def test_header_normalisation_strips_zone_and_list_suffix():
    assert normalise_header("Conversation started at (America/New_York)") == (
        "conversation_started_at",
        "America/New_York",
    )
    assert normalise_header("\ufeffTicket Category [list]") == ("ticket_category", None)


def test_unknown_headers_are_not_guessed():
    assert recognise(["foo", "bar"]) is None


def test_mapping_json_round_trip_and_validation():
    m = FileMapping(table="conversations", columns={"conversation_id": "Id"}, handled_by="ai", date_order="DMY")
    assert load_mappings(dump_mappings({"a.csv": m})) == {"a.csv": m}
    with pytest.raises(IngestError, match="not a field of messages"):
        FileMapping.from_dict({"table": "messages", "columns": {"csat": "x"}})
    with pytest.raises(IngestError, match="not valid JSON"):
        load_mappings("{")


def test_a_mapping_naming_a_missing_column_is_refused(load):
    m = FileMapping(
        table="conversations",
        columns={"conversation_id": "id", "customer_id": "nope", "created_at": "t", "handled_by": "h"},
    )
    r = load(("a.csv", "id,t,h\n1,2024-01-01,ai\n"), mappings={"a.csv": m})
    assert r.errors == ["a.csv: the mapping uses column 'nope', which this file does not have."]
