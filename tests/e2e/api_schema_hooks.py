"""schemathesis hooks for test_api_schema.py (loaded by `st run` through SCHEMATHESIS_HOOKS).

Each call carries the token of a role that may make it (the tokens come in
UNITBOARD_SCHEMA_TOKENS, a JSON object of role -> token), and a generated id is swapped half
the time for one the test hospital has, so commands reach the rules of the board instead of
stopping at 403 or 404."""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis
from hypothesis import strategies as st

from hospital import BED_IDS
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.registry import SYSTEM

TOKENS_VARIABLE = "UNITBOARD_SCHEMA_TOKENS"
READER = "integration"
"""Reads the boards and the event log in full: the widest answers, so the most to check."""

ENCOUNTERS = ["E1", "E2", "E3"]
KNOWN: dict[str, list[str]] = {
    "encounter_id": ENCOUNTERS,
    "other_encounter_id": ENCOUNTERS,
    "bed_id": BED_IDS,
    "unit_id": ["4W", "ICU"],
    "to_unit_id": ["4W", "ICU"],
}


def sender_of(command: str) -> str:
    """A role that may send the command (the reader, for a command that does not exist)."""
    spec = HOUSE.spec(command)
    return sorted(spec.roles)[0] if spec is not None else READER


def roles_needed() -> list[str]:
    """A token per role that sends a command over the API (the scheduler's commands, sent
    in the system role, are not part of it)."""
    senders = {sender_of(name) for name, spec in HOUSE.commands.items() if spec.roles != {SYSTEM}}
    return sorted({READER} | senders)


def role_for(method: str, body: Any) -> str:
    if method.upper() == "POST" and isinstance(body, dict):
        command = body.get("command")
        return sender_of(command) if isinstance(command, str) else READER
    return READER


@schemathesis.hook
def flatmap_body(context: schemathesis.HookContext, body: Any) -> st.SearchStrategy[Any]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        return st.just(body)
    swaps = {
        key: st.one_of(st.just(value), st.sampled_from(KNOWN[key]))
        for key, value in data.items()
        if key in KNOWN
    }
    return st.fixed_dictionaries(swaps).map(lambda chosen: {**body, "data": {**data, **chosen}})


@schemathesis.auth(refresh_interval=None)
class TokenOfTheRole:
    """The bearer token of a role that may make the call (an auth provider, not a hook, so
    schemathesis can also send the call without it and expect a 401)."""

    def get(self, case: schemathesis.Case[Any], context: schemathesis.AuthContext) -> str:
        tokens: dict[str, str] = json.loads(os.environ[TOKENS_VARIABLE])
        return tokens[role_for(case.method, case.body)]

    def set(
        self, case: schemathesis.Case[Any], data: str, context: schemathesis.AuthContext
    ) -> None:
        case.headers["Authorization"] = f"Bearer {data}"
