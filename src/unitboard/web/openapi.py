"""The JSON API described in OpenAPI 3.1, served at /api/openapi.json.

The request body of POST /api/commands is built from the command registry: each command's
pydantic model gives the schema of its `data`, so a command added to an aggregate appears
here by itself, with the roles that may send it. The document names fields and shapes only,
never a patient, a unit or a token, so it is served without a login (like /healthz)."""

from __future__ import annotations

import functools
from typing import Any, get_args

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import unitboard
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.calls.values import CALL_KINDS, CALL_PRIORITIES
from unitboard.domain.layout.file import Label
from unitboard.domain.orders.values import CATEGORIES as ORDER_CATEGORIES
from unitboard.domain.orders.values import MODES as ORDER_MODES
from unitboard.domain.orders.values import PRIORITIES as ORDER_PRIORITIES
from unitboard.domain.orders.values import STATE_LABELS as ORDER_STATES
from unitboard.domain.pages.values import PAGE_PRIORITIES
from unitboard.domain.registry import SYSTEM, Registry
from unitboard.domain.roles import role_label
from unitboard.domain.transport.values import (
    MODES,
    NEEDS,
    PRIORITIES,
    TRANSPORTER_STATUSES,
    TransportEnd,
    TransportStatus,
)
from unitboard.domain.values import BED_STATUSES
from unitboard.web.api import MAX_BEARER_BODY, MAX_BODY, MAX_EVENTS

PATH = "/api/openapi.json"
SCHEMAS = "#/components/schemas/"
Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": SCHEMAS + name}


def json_content(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """An object with these keys; further keys may be added later without breaking clients."""
    return {
        "type": "object",
        "required": list(required),
        "properties": required | (optional or {}),
    }


STRING = {"type": "string"}
COUNT = {"type": "integer", "minimum": 0}
OBJECT = {"type": "object"}
NULLABLE_STRING = {"type": ["string", "null"]}

ERRORS: dict[str, str] = {
    "401": "No credentials, or a token or session that is not (or no longer) valid.",
    "403": "The caller's role may not do this (or the page is not theirs to acknowledge).",
    "404": "No such unit, bed, stay, transport job, call light or page.",
    "409": "A rule of the board refused it, or a concurrent change did, or the idempotency "
    "key was used before for another command. Nothing was recorded.",
    "413": f"The body is larger than {MAX_BEARER_BODY // 1024} KiB "
    f"({MAX_BODY // 1024} KiB from a browser's session).",
    "422": "Malformed input: not JSON, an unknown command or field, a wrong type, an "
    "impossible date, a time without its offset.",
    "503": "The event log cannot be reached just now (code `unavailable`: nothing was "
    "recorded), or stopped answering while a command was being recorded (code "
    "`outcome_unknown`). Send it again with the same idempotency key.",
    "507": "The database's disk is full: nothing was recorded.",
}


def error_responses(*statuses: str) -> dict[str, Schema]:
    responses: dict[str, Schema] = {}
    for status in statuses:
        response: Schema = {"description": ERRORS[status], "content": json_content(ref("Error"))}
        if status == "401":
            response["headers"] = {"WWW-Authenticate": {"schema": STRING}}
        responses[status] = response
    return responses


def command_schemas(registry: Registry) -> tuple[Schema, dict[str, Schema]]:
    """The request body (one of the registry's commands) and the schemas it refers to. The
    commands only the scheduler sends (the system role) are no part of the API."""
    specs = sorted(
        (spec for spec in registry.commands.values() if spec.roles != {SYSTEM}),
        key=lambda spec: spec.name,
    )
    refs, definitions = models_json_schema(
        [(spec.model, "validation") for spec in specs], ref_template=SCHEMAS + "{model}"
    )
    components: dict[str, Schema] = dict(definitions.get("$defs", {}))
    mapping: dict[str, str] = {}
    for spec in specs:
        who = ", ".join(role_label(role) for role in sorted(spec.roles))
        envelope = f"{spec.name}Request"
        components[envelope] = {
            "type": "object",
            "title": envelope,
            "description": f"{spec.name}. Who may send it: {who}.",
            "required": ["command", "data"],
            "additionalProperties": False,
            "properties": {
                "command": {"type": "string", "const": spec.name},
                "data": refs[(spec.model, "validation")],
                "idempotency_key": ref("IdempotencyKey"),
            },
        }
        mapping[spec.name] = SCHEMAS + envelope
    body = {
        "oneOf": [{"$ref": target} for target in mapping.values()],
        "discriminator": {"propertyName": "command", "mapping": mapping},
    }
    return body, components


def read_schemas() -> dict[str, Schema]:
    """What the API answers: the shapes the contract promises. Objects list the keys a client
    may rely on and allow more, so a view that grows does not break the description."""
    return {
        "Error": obj({"error": obj({"code": STRING, "message": STRING})}),
        "IdempotencyKey": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "A retry with the same key returns the first answer and records "
            "nothing; the same key with another command is refused (409).",
        },
        "Event": obj(
            {
                "position": {**COUNT, "description": "Its place in the log, from 1."},
                "stream_id": STRING,
                "version": COUNT,
                "type": STRING,
                "data": OBJECT,
                "metadata": OBJECT,
                "recorded_at": {**STRING, "format": "date-time"},
            }
        ),
        "Appended": obj({"position": COUNT, "events": {"type": "array", "items": ref("Event")}}),
        "EventPage": obj(
            {"events": {"type": "array", "items": ref("Event")}, "last_position": COUNT}
        ),
        "Census": {"type": "object", "additionalProperties": COUNT},
        "Units": obj(
            {
                "hospital": STRING,
                "position": COUNT,
                "units": {
                    "type": "array",
                    "items": obj({"unit_id": STRING, "name": STRING, "census": ref("Census")}),
                },
            }
        ),
        "Bed": obj(
            {
                "bed_id": STRING,
                "room_id": STRING,
                "status": {"type": "string", "enum": list(BED_STATUSES)},
                "occupancy": STRING,
                "cleanliness": STRING,
                "blocked": {
                    "oneOf": [
                        {"type": "null"},
                        obj(
                            {"kind": STRING, "reason": STRING},
                            {"until": {**NULLABLE_STRING, "format": "date-time"}},
                        ),
                    ]
                },
            },
            {
                "encounter_id": NULLABLE_STRING,
                "patient": {"type": ["object", "null"]},
            },
        ),
        "Board": obj(
            {
                "unit_id": STRING,
                "position": COUNT,
                "beds": {"type": "array", "items": ref("Bed")},
            },
            {
                "name": STRING,
                "hospital": STRING,
                "census": ref("Census"),
                "pending_admissions": {"type": "array", "items": OBJECT},
            },
        ),
        "Health": obj({"status": STRING}),
        **call_schemas(),
        **transport_schemas(),
        **order_schemas(),
    }


def call_schemas() -> dict[str, Schema]:
    """A unit's call lights and the pages a caller may see."""
    time = {**STRING, "format": "date-time"}
    nullable_time = {**NULLABLE_STRING, "format": "date-time"}
    escalation = obj(
        {"step": {"type": ["integer", "null"]}, "to": STRING, "page_id": STRING, "at": time}
    )
    return {
        "Call": obj(
            {
                "call_id": STRING,
                "bed_id": STRING,
                "unit_id": STRING,
                "kind": {"type": "string", "enum": list(CALL_KINDS)},
                "priority": {"type": "string", "enum": list(CALL_PRIORITIES)},
                "status": {"type": "string", "enum": ["raised", "answered", "cleared"]},
                "raised_at": time,
                "answered_at": nullable_time,
            },
            {
                "note": {
                    **NULLABLE_STRING,
                    "description": "What the patient needs, as noted when answered; null "
                    "on privacy screens.",
                },
                "escalations": {"type": "array", "items": escalation},
                "answer_due_at": nullable_time,
                "cleared_at": time,
                "to_answer_seconds": {"type": ["number", "null"]},
                "to_clear_seconds": {"type": "number"},
            },
        ),
        "Calls": obj(
            {
                "unit_id": STRING,
                "position": COUNT,
                "calls": {"type": "array", "items": ref("Call")},
            },
            {"status": STRING, "since": time, "summary": OBJECT},
        ),
        "Page": obj(
            {
                "page_id": STRING,
                "to": STRING,
                "message": STRING,
                "callback": NULLABLE_STRING,
                "priority": {"type": "string", "enum": list(PAGE_PRIORITIES)},
                "regarding": NULLABLE_STRING,
                "status": {"type": "string", "enum": ["sent", "acknowledged"]},
                "sent_at": time,
                "sent_by": {**STRING, "description": '"system" for the escalation ladder\'s.'},
                "resent": COUNT,
                "acknowledged_by": NULLABLE_STRING,
                "acknowledged_at": nullable_time,
            },
            {"to_kind": {"type": "string", "enum": ["person", "role", "everyone"]}},
        ),
        "Pages": obj({"position": COUNT, "pages": {"type": "array", "items": ref("Page")}}),
    }


def transport_schemas() -> dict[str, Schema]:
    """The transport jobs (JOB), each ended job's times, and the transporters."""
    time = {**STRING, "format": "date-time"}
    nullable_time = {**NULLABLE_STRING, "format": "date-time"}
    priority = {"type": "string", "enum": list(PRIORITIES)}
    seconds = {"type": ["number", "null"]}
    return {
        "Transport": obj(
            {
                "transport_id": STRING,
                "encounter_id": STRING,
                "origin": {**STRING, "description": "A bed id, a unit id or a place id."},
                "destination": {**STRING, "description": "A bed id, a unit id or a place id."},
                "priority": priority,
                "mode": {"type": "string", "enum": list(MODES)},
                "needs": {"type": "array", "items": {"type": "string", "enum": list(NEEDS)}},
                "status": {
                    "type": "string",
                    "enum": [*get_args(TransportStatus), *get_args(TransportEnd)],
                },
                "transporter": {
                    **NULLABLE_STRING,
                    "description": "The username of who holds it (assigned, picked up, "
                    "completed); null while it waits or is offered.",
                },
                "requested_at": time,
                "scheduled_for": nullable_time,
                "due_at": {
                    **time,
                    "description": "When it turns late if nobody has picked the patient up "
                    "(transport_target_minutes of the policy in force).",
                },
                "late": {"type": "boolean"},
                "picked_up_at": nullable_time,
                "completed_at": nullable_time,
            },
            {
                "unit_id": STRING,
                "origin_name": STRING,
                "destination_name": STRING,
                "transporter_name": NULLABLE_STRING,
                "offered_to": NULLABLE_STRING,
                "requested_by": STRING,
                "queued_at": nullable_time,
                "assigned_at": nullable_time,
                "cancelled_at": nullable_time,
                "cancel_reason": NULLABLE_STRING,
                "arrived": {"type": "boolean"},
            },
        ),
        "TransportTimes": obj(
            {
                "transport_id": STRING,
                "unit_id": STRING,
                "priority": priority,
                "status": {"type": "string", "enum": ["completed", "cancelled"]},
                "requested_at": time,
                "picked_up_at": nullable_time,
                "ended_at": time,
                "late": {"type": "boolean"},
                "to_pick_up_seconds": seconds,
                "to_complete_seconds": seconds,
            },
            {
                "first_offered_at": nullable_time,
                "offers": COUNT,
                "accepted_at": nullable_time,
                "to_accept_seconds": seconds,
            },
        ),
        "Transports": obj(
            {
                "position": COUNT,
                "transports": {
                    "type": "array",
                    "items": {"anyOf": [ref("Transport"), ref("TransportTimes")]},
                    "description": "Transports; with status=ended, TransportTimes.",
                },
            },
            {"since": time, "summary": OBJECT},
        ),
        "Transporter": obj(
            {
                "username": STRING,
                "name": STRING,
                "status": {"type": "string", "enum": list(TRANSPORTER_STATUSES)},
                "job": {
                    "oneOf": [{"type": "null"}, ref("Transport")],
                    "description": "The job they hold (null for a unit's token when the "
                    "job is another unit's).",
                },
            },
            {
                "status_label": STRING,
                "status_since": time,
                "idle_since": nullable_time,
                "offered": {**NULLABLE_STRING, "description": "The job offered to them."},
            },
        ),
        "Transporters": obj(
            {"position": COUNT, "transporters": {"type": "array", "items": ref("Transporter")}}
        ),
    }


def order_schemas() -> dict[str, Schema]:
    """The orders (ORDER), a stay's and those awaiting co-signature."""
    time = {**STRING, "format": "date-time"}
    nullable_time = {**NULLABLE_STRING, "format": "date-time"}
    return {
        "Order": obj(
            {
                "order_id": STRING,
                "encounter_id": STRING,
                "category": {"type": "string", "enum": list(ORDER_CATEGORIES)},
                "detail": STRING,
                "priority": {"type": "string", "enum": list(ORDER_PRIORITIES)},
                "mode": {"type": "string", "enum": list(ORDER_MODES)},
                "directing_provider": {**STRING, "description": "The provider's username."},
                "read_back": {"type": "boolean"},
                "status": {"type": "string", "enum": ["active", "discontinued"]},
                "entered_by": STRING,
                "entered_at": time,
                "acknowledged_by": NULLABLE_STRING,
                "acknowledged_at": nullable_time,
                "cosigned_at": nullable_time,
                "cosign_due_at": {
                    **time,
                    "description": "Entered + cosign_deadline_hours of the policy in force.",
                },
                "overdue": {
                    "type": "boolean",
                    "description": "Past cosign_due_at and not co-signed.",
                },
            },
            {
                "unit_id": STRING,
                "received_by": {**STRING, "description": "Who heard it from the provider."},
                "state": {"type": "string", "enum": list(ORDER_STATES)},
                "cosigned_by": NULLABLE_STRING,
                "discontinued_by": NULLABLE_STRING,
                "discontinued_at": nullable_time,
                "discontinue_reason": NULLABLE_STRING,
            },
        ),
        "Orders": obj({"position": COUNT, "orders": {"type": "array", "items": ref("Order")}}),
    }


def download(media_type: str, description: str) -> dict[str, Schema]:
    return {
        "200": {
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


def print_path(operation_id: str, summary: str, media_type: str, *parameters: Schema) -> Schema:
    return {
        "get": bearer_only(
            {
                "operationId": operation_id,
                "summary": summary + " Recorded (who printed what for whom) before it is "
                "made; for the secretary, the charge nurse and the nurse, of an admitted "
                "patient.",
                "parameters": [ENCOUNTER_PARAMETER, *parameters],
                "responses": download(media_type, "The document, as a download.")
                | error_responses("401", "403", "404", "409", "422", "503"),
            }
        )
    }


ENCOUNTER_PARAMETER: Schema = {
    "name": "encounter_id",
    "in": "path",
    "required": True,
    "schema": STRING,
}


def bearer_only(operation: Schema) -> Schema:
    return {**operation, "security": [{"bearer": []}]}


def open_to_all(operation: Schema) -> Schema:
    return {**operation, "security": []}


def ok(description: str, schema: Schema) -> dict[str, Schema]:
    return {"200": {"description": description, "content": json_content(schema)}}


def paths(command_body: Schema) -> dict[str, Schema]:
    unit_id = TypeAdapter(Label).json_schema()
    return {
        "/api/commands": {
            "post": bearer_only(
                {
                    "operationId": "postCommand",
                    "summary": "Send a command; the events it recorded are the answer.",
                    "parameters": [
                        {
                            "name": "X-Correlation-Id",
                            "in": "header",
                            "required": False,
                            "description": "Kept (up to 100 characters) in the events' "
                            "metadata; one is made when left out.",
                            "schema": STRING,
                        }
                    ],
                    "requestBody": {"required": True, "content": json_content(command_body)},
                    "responses": ok("Recorded (or a retry answered).", ref("Appended"))
                    | error_responses("401", "403", "404", "409", "413", "422", "503", "507"),
                }
            )
        },
        "/api/units": {
            "get": bearer_only(
                {
                    "operationId": "listUnits",
                    "summary": "The hospital's units and their census.",
                    "responses": ok("The units.", ref("Units"))
                    | error_responses("401", "403", "503"),
                }
            )
        },
        "/api/units/{unit_id}/board": {
            "get": bearer_only(
                {
                    "operationId": "getBoard",
                    "summary": "A unit's beds, one status each, its census and its queue, as "
                    "the caller's role may see them.",
                    "parameters": [
                        {"name": "unit_id", "in": "path", "required": True, "schema": unit_id}
                    ],
                    "responses": ok("The board.", ref("Board"))
                    | error_responses("401", "403", "404", "503"),
                }
            )
        },
        "/api/units/{unit_id}/calls": {
            "get": bearer_only(
                {
                    "operationId": "getCalls",
                    "summary": "A unit's active call lights, highest priority first, then "
                    "oldest; with status=closed, the lights cleared since a time, with how "
                    "fast each was answered and cleared.",
                    "parameters": [
                        {"name": "unit_id", "in": "path", "required": True, "schema": unit_id},
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["active", "closed"]},
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "description": "With status=closed: from this time (ISO 8601 "
                            "with its offset); left out, the last 12 hours.",
                            "schema": {**STRING, "format": "date-time"},
                        },
                    ],
                    "responses": ok("The call lights.", ref("Calls"))
                    | error_responses("401", "403", "404", "422", "503"),
                }
            )
        },
        "/api/pages": {
            "get": bearer_only(
                {
                    "operationId": "getPages",
                    "summary": "The pages the caller may see: their own and their role's "
                    "(the desk sees its units'), open first, most urgent first, newest "
                    "first.",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["open", "all"]},
                        },
                        {"name": "regarding", "in": "query", "schema": STRING},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 1000,
                                "default": 200,
                            },
                        },
                    ],
                    "responses": ok("The pages.", ref("Pages"))
                    | error_responses("401", "403", "422", "503"),
                }
            )
        },
        "/api/transports": {
            "get": bearer_only(
                {
                    "operationId": "getTransports",
                    "summary": "The open transport jobs, stat before urgent before routine, "
                    "the longest waiting first; with status=all the jobs ended lately too "
                    "(newest first); with status=ended each job ended since a time, with "
                    "its times and a summary. A token for one unit reads that unit's jobs "
                    "(the patient's unit, or the unit of either end).",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["open", "all", "ended"]},
                        },
                        {
                            "name": "unit",
                            "in": "query",
                            "description": "One unit's jobs only.",
                            "schema": unit_id,
                        },
                        {
                            "name": "since",
                            "in": "query",
                            "description": "With status=ended: from this time (ISO 8601 "
                            "with its offset); left out, the last 12 hours.",
                            "schema": {**STRING, "format": "date-time"},
                        },
                    ],
                    "responses": ok("The transport jobs.", ref("Transports"))
                    | error_responses("401", "403", "404", "422", "503"),
                }
            )
        },
        "/api/stays/{encounter_id}/orders": {
            "get": bearer_only(
                {
                    "operationId": "getStayOrders",
                    "summary": "A stay's orders, newest first, with who directed, received, "
                    "entered, acknowledged and co-signed each, and when.",
                    "parameters": [ENCOUNTER_PARAMETER],
                    "responses": ok("The stay's orders.", ref("Orders"))
                    | error_responses("401", "403", "404", "503"),
                }
            )
        },
        "/api/orders": {
            "get": bearer_only(
                {
                    "operationId": "getUnsignedOrders",
                    "summary": "The orders awaiting co-signature, overdue first, then oldest: "
                    "for a provider, those entered on their behalf; for the desk, those of "
                    "their units; provider= narrows to one directing provider.",
                    "parameters": [
                        {
                            "name": "unsigned",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["true"]},
                        },
                        {"name": "provider", "in": "query", "schema": STRING},
                    ],
                    "responses": ok("The orders awaiting co-signature.", ref("Orders"))
                    | error_responses("401", "403", "422", "503"),
                }
            )
        },
        "/api/stays/{encounter_id}/armband.pdf": print_path(
            "getArmbandPdf",
            "The patient's wristband, 1 x 11 in, as PDF: family name in capitals, given "
            "name, birth date, MRN, encounter, attending, and a DataMatrix of MRN and "
            "encounter.",
            "application/pdf",
        ),
        "/api/stays/{encounter_id}/armband.zpl": print_path(
            "getArmbandZpl",
            "The same wristband as ZPL for Zebra printers (^BX DataMatrix, no image).",
            "application/vnd.zebra-zpl",
        ),
        "/api/stays/{encounter_id}/labels.pdf": print_path(
            "getLabelsPdf",
            "A sheet of 2 x 1 in specimen labels (count=, default 10): two identifiers, a "
            "DataMatrix, and a Code 128 of the MRN.",
            "application/pdf",
            {
                "name": "count",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 50},
            },
        ),
        "/api/transporters": {
            "get": bearer_only(
                {
                    "operationId": "getTransporters",
                    "summary": "The transporters who have set a status: available first "
                    "(idle longest first), then on break, then off; each with the job they "
                    "hold.",
                    "responses": ok("The transporters.", ref("Transporters"))
                    | error_responses("401", "403", "503"),
                }
            )
        },
        "/api/events": {
            "get": bearer_only(
                {
                    "operationId": "readEvents",
                    "summary": "The event log in position order, for the roles that may read it.",
                    "parameters": [
                        {
                            "name": "after",
                            "in": "query",
                            "description": "Events after this position.",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 2**62},
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_EVENTS,
                                "default": 100,
                            },
                        },
                    ],
                    "responses": ok("A page of events.", ref("EventPage"))
                    | error_responses("401", "403", "422", "503"),
                }
            )
        },
        "/healthz": {
            "get": open_to_all(
                {
                    "operationId": "health",
                    "summary": "Whether this process can read and write the event log.",
                    "responses": ok("Healthy.", ref("Health"))
                    | {
                        "503": {
                            "description": "The event log cannot be read (status "
                            "`unavailable`) or writes to it are failing (`degraded`).",
                            "content": json_content(ref("Health")),
                        }
                    },
                }
            )
        },
        "/metrics": {
            "get": open_to_all(
                {
                    "operationId": "metrics",
                    "summary": "Prometheus metrics: commands by type and outcome, command "
                    "latency, screens, pushes, loop lag, scheduler lateness, HL7 messages. "
                    "Counts and timings only.",
                    "responses": {
                        "200": {
                            "description": "The Prometheus text exposition format.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            )
        },
        "/metrics.json": {
            "get": open_to_all(
                {
                    "operationId": "metricsSummary",
                    "summary": "Event-loop lag, screens connected, renders and pushes, the "
                    "scheduler, transport and orders, as one JSON summary: counts only.",
                    "responses": ok("The counts.", OBJECT),
                }
            )
        },
        PATH: {
            "get": open_to_all(
                {
                    "operationId": "openapi",
                    "summary": "This description.",
                    "responses": ok("The OpenAPI document.", OBJECT),
                }
            )
        },
    }


@functools.cache
def document(registry: Registry = HOUSE) -> Schema:
    command_body, command_components = command_schemas(registry)
    shapes = read_schemas()
    clashes = sorted(shapes.keys() & command_components.keys())
    if clashes:
        raise ValueError(f"a command's schema has the name of an answer's: {', '.join(clashes)}")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "unitboard",
            "version": unitboard.__version__,
            "description": "The bed board's JSON API. Every call but /healthz, /metrics, "
            "/metrics.json and this document sends `Authorization: Bearer TOKEN` "
            "(`unitboard tokens create`). "
            'Refusals are `{"error": {"code", "message"}}`, the message written for a '
            "person. The screens use the same endpoints with their session cookie and an "
            "X-CSRF-Token header. `WS /ws/events?after=N` streams the events live.",
        },
        "paths": paths(command_body),
        "components": {
            "schemas": shapes | command_components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `unitboard tokens create NAME --role ROLE`.",
                }
            },
        },
    }


async def openapi_json(request: Request) -> Response:
    return JSONResponse(document())


routes = [Route(PATH, openapi_json)]
