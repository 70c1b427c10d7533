"""schemathesis against a real server, from the description it publishes at
/api/openapi.json: `st run` makes calls to every operation (boundary and wrong-type cases of
every parameter and field, fuzzing, then chains of calls; each again without its token,
which must be refused). None may answer 5xx, and every answer must have a status, a content
type and a body the description declares.

The calls carry the token of a role that may make each one, and ids are often the test
hospital's (api_schema_hooks.py). Generation is deterministic (Hypothesis derandomized): the
same cases run every time, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import api_schema_hooks
import httpx
from api_schema_hooks import roles_needed, sender_of
from e2e_support import BIN, Api, Server, admission, create_token

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.registry import SYSTEM

HOOKS = Path(api_schema_hooks.__file__)
TESTS = HOOKS.parent.parent
EXAMPLES = 150
"""Fuzzed cases per operation (the boundary cases and the chains come on top)."""

CHECKS = [
    "not_a_server_error",
    "ignored_auth",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


def seed(server: Server, token: str) -> None:
    """E1 in 4W-401-A, E2 on its way to 4W-403-A, E3 (confidential) waiting; 4W-402-A dirty."""
    api = Api(server, token)
    api.ok("RequestAdmission", admission("E1", sex="F"))
    api.ok("AssignBed", {"encounter_id": "E1", "bed_id": "4W-401-A"})
    api.ok("MarkArrived", {"encounter_id": "E1"})
    api.ok("RequestAdmission", admission("E2", sex="M"))
    api.ok("AssignBed", {"encounter_id": "E2", "bed_id": "4W-403-A"})
    api.ok("RequestAdmission", admission("E3", confidential=True))
    api.ok("MarkBedDirty", {"bed_id": "4W-402-A"})


def schemathesis_run(
    server: Server, tokens: dict[str, str], workdir: Path
) -> subprocess.CompletedProcess[str]:
    """`st run` in a folder of its own (it keeps a cache of crashes in the working folder,
    which a later run would replay first)."""
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": str(HOOKS),
        api_schema_hooks.TOKENS_VARIABLE: json.dumps(tokens),
        "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        str(BIN / "st"),
        "run",
        f"{server.base_url}/api/openapi.json",
        f"--checks={','.join(CHECKS)}",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--max-examples={EXAMPLES}",
        "--generation-deterministic",
        "--workers=1",
        "--request-timeout=10",
        "--no-color",
    ]
    return subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, timeout=300
    )


def test_every_answer_is_as_described_and_none_is_a_server_error(
    server: Server, tmp_path: Path
) -> None:
    tokens = {role: create_token(server.database_url, role) for role in roles_needed()}
    seed(server, tokens[sender_of("RequestAdmission")])
    described = httpx.get(f"{server.base_url}/api/openapi.json", timeout=10).json()
    sent_over_the_api = [name for name, spec in HOUSE.commands.items() if spec.roles != {SYSTEM}]
    assert {f"{name}Request" for name in sent_over_the_api} <= set(
        described["components"]["schemas"]
    )

    result = schemathesis_run(server, tokens, tmp_path)

    assert result.returncode == 0, result.stdout[-12_000:] + result.stderr[-4000:]
    generated = re.search(r"(\d+) generated", result.stdout)
    assert generated is not None and int(generated[1]) >= 1000, result.stdout[-4000:]


def test_an_idempotency_key_the_log_cannot_store_is_refused_as_malformed(server: Server) -> None:
    """Found by fuzzing: a key with a NUL (PostgreSQL text cannot hold one) or a lone UTF-16
    surrogate (not encodable as UTF-8) reached the database and answered 500, for a command
    that would be recorded and for one that is refused alike."""
    token = create_token(server.database_url, sender_of("MarkBedDirty"))
    for key in ["a\u0000b", "\ud800"]:
        for bed_id in ["4W-401-B", "4W-999-Z"]:
            body = {"command": "MarkBedDirty", "idempotency_key": key, "data": {"bed_id": bed_id}}
            response = server.http.post(
                "/api/commands",
                content=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            assert response.status_code == 422, (key, bed_id, response.status_code, response.text)
            assert response.json()["error"]["code"] == "invalid_input", response.text
