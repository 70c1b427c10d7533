"""The API's OpenAPI description: a valid OpenAPI 3.1 document whose command bodies come from
the registry, so a command added to an aggregate is described by itself, with its fields
and the roles that may send it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.commands import Command, Id, Reason
from unitboard.domain.registry import SYSTEM, Aggregate, Registry, command
from unitboard.domain.roles import role_label
from unitboard.web.openapi import document

Schema = dict[str, Any]


def command_body(described: Schema) -> Schema:
    body: Schema = described["paths"]["/api/commands"]["post"]["requestBody"]
    schema: Schema = body["content"]["application/json"]["schema"]
    return schema


def test_the_description_is_valid_openapi_3_1() -> None:
    described = document()
    assert described["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(described).validate()


def test_a_broken_description_would_be_caught() -> None:
    broken = {**document(), "paths": {"/api/units": {"get": {"responses": 200}}}}
    with pytest.raises(Exception, match="200"):
        schemathesis.openapi.from_dict(broken).validate()


SENT_BY_PEOPLE = {name: spec for name, spec in HOUSE.commands.items() if spec.roles != {SYSTEM}}
"""Every command but those only the scheduler sends (in the system role, never over the API)."""


def test_every_command_is_described_with_its_fields_and_who_may_send_it() -> None:
    described = document()
    schemas = described["components"]["schemas"]
    assert set(command_body(described)["discriminator"]["mapping"]) == set(SENT_BY_PEOPLE)
    for name, spec in SENT_BY_PEOPLE.items():
        envelope = schemas[f"{name}Request"]
        assert envelope["properties"]["command"]["const"] == name
        assert envelope["properties"]["data"] == {"$ref": f"#/components/schemas/{name}"}
        data = schemas[name]
        assert set(data["properties"]) == set(spec.model.model_fields), name
        assert data["additionalProperties"] is False, name
        assert all(role_label(role) in envelope["description"] for role in spec.roles), name


def test_the_schedulers_commands_are_no_part_of_the_api() -> None:
    described = document()
    system_only = set(HOUSE.commands) - set(SENT_BY_PEOPLE)
    assert system_only == {
        "EscalateCallLight",
        "RepageCallLight",
        "ResendPage",
        "OfferTransport",
        "ExpireTransportOffer",
        "QueueTransport",
        "MarkTransportLate",
        "MarkOrderOverdue",
    }
    assert not system_only & set(described["components"]["schemas"])


def test_the_call_and_page_reads_are_described() -> None:
    described = document()
    assert "get" in described["paths"]["/api/units/{unit_id}/calls"]
    assert "get" in described["paths"]["/api/pages"]
    schemas = described["components"]["schemas"]
    assert {"call_id", "kind", "priority", "status", "raised_at"} <= set(
        schemas["Call"]["required"]
    )
    assert {"page_id", "to", "message", "sent_by", "resent"} <= set(schemas["Page"]["required"])


class PageNurse(Command):
    nurse: Id
    message: Reason


@dataclass
class Pages:
    sent: int = 0


def refuse(*_: Any) -> list[Any]:
    return []


def test_a_command_added_to_an_aggregate_is_described_by_itself() -> None:
    paging = Aggregate(
        name="paging",
        part=Pages,
        commands=[command(PageNurse, refuse, {"charge_nurse"}, {"page"})],
    )
    described = document(Registry([*HOUSE.aggregates, paging]))
    mapping = command_body(described)["discriminator"]["mapping"]
    assert mapping["PageNurse"] == "#/components/schemas/PageNurseRequest"
    data = described["components"]["schemas"]["PageNurse"]
    assert data["required"] == ["nurse", "message"]
    assert data["properties"]["message"]["maxLength"] == 500
    schemathesis.openapi.from_dict(described).validate()


def test_a_command_named_like_an_answer_is_refused() -> None:
    class Event(Command):
        bed_id: Id

    clash = Aggregate(
        name="clash", part=Pages, commands=[command(Event, refuse, {"admin"}, {"bed"})]
    )
    with pytest.raises(ValueError, match="Event"):
        document(Registry([*HOUSE.aggregates, clash]))
