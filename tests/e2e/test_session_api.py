"""A person's browser session may post commands to the API only with its CSRF token."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from e2e_support import Server, SharedServer, run_cli


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
    page = client.get("/login").text
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


def test_an_idle_station_session_is_logged_off(
    monkeypatch: pytest.MonkeyPatch, layout_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("UNITBOARD_IDLE_LOGOFF_MINUTES", "0.05")  # three seconds
    server = Server(f"sqlite:///{tmp_path}/idle.db", layout_file, tmp_path / "server.log")
    server.start()
    try:
        added = run_cli(
            "users",
            "add",
            "sam",
            "--role",
            "secretary",
            "--database-url",
            server.database_url,
            stdin="a-long-password\n",
        )
        assert added.returncode == 0, added.stderr
        client, _ = login(server.base_url, "sam", "a-long-password")
        try:
            assert client.get("/station/4W").status_code == 200
            time.sleep(1.5)
            assert client.get("/station/4W").status_code == 200  # activity keeps it alive
            time.sleep(4)
            away = client.get("/station/4W")
            assert away.status_code == 303 and away.headers["location"].startswith("/login")
        finally:
            client.close()
    finally:
        server.stop()
