"""A person's browser session may post commands to the API only with its CSRF token."""

from __future__ import annotations

import re

import httpx
from e2e_support import SharedServer, run_cli


def login(base_url: str, username: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base_url)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf": csrf.group(1)}
    )
    assert answer.status_code in (200, 303), answer.text
    token = client.cookies.get("unitboard_session")
    assert token, "the login must set the session cookie"
    page = client.get("/evs").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    return client, csrf.group(1)


def test_a_session_needs_its_csrf_token_to_post_a_command(shared: SharedServer) -> None:
    url = shared.server.database_url
    added = run_cli(
        "users",
        "add",
        "sam",
        "--role",
        "secretary",
        "--database-url",
        url,
        stdin="a-long-password\n",
    )
    assert added.returncode == 0, added.stderr
    client, csrf = login(shared.server.base_url, "sam", "a-long-password")
    api = shared.api("secretary")
    before = api.last_position()
    command = {"command": "MarkBedDirty", "data": {"bed_id": "4W-401-A"}}
    try:
        refused = client.post("/api/commands", json=command)
        assert refused.status_code == 403
        assert "reload" in refused.json()["error"]["message"]
        assert api.last_position() == before
        accepted = client.post("/api/commands", json=command, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["events"][0]["metadata"]["actor"] == "sam"
    finally:
        client.close()
