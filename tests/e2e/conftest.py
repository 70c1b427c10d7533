"""Real `unitboard serve` processes for the end-to-end tests, on SQLite and PostgreSQL.

Each PostgreSQL-backed server gets a fresh database of its own (created and dropped here,
through the admin connection of tests/conftest.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_ADMIN_URL, _admin_connection

BIN = Path(sys.executable).parent
UNITBOARD = str(BIN / "unitboard")

LAYOUT = """\
[hospital]
name = "E2E General"

[[unit]]
id = "4W"
name = "4 West Medical"
mixed_sex_rooms = false

[[unit.room]]
id = "401"
beds = ["A", "B"]
features = ["telemetry"]

[[unit.room]]
id = "402"
beds = ["A"]

[[unit]]
id = "ICU"
name = "Intensive Care"

[[unit.room]]
id = "1"
beds = ["A"]
features = ["negative_pressure", "private"]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(*args: str, stdin: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UNITBOARD, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def create_token(database_url: str, role: str, name: str | None = None) -> str:
    result = run_cli(
        "tokens", "create", name or f"e2e-{role}", "--role", role, "--database-url", database_url
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].strip()


@dataclass
class Server:
    database_url: str
    layout: Path | None
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20) -> None:
        args = [UNITBOARD, "serve", "--database-url", self.database_url, "--port", str(self.port)]
        if self.layout is not None:
            args += ["--layout", str(self.layout)]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not become healthy:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def restart_killed(self) -> None:
        self.kill()
        self.start()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


class Api:
    """A tiny client: bearer token, JSON in and out."""

    def __init__(self, server: Server, token: str | None) -> None:
        self.server = server
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        h.update(extra or {})
        return h

    def post(self, command: str, data: dict[str, Any], **kw: Any) -> httpx.Response:
        body: dict[str, Any] = {"command": command, "data": data}
        if "key" in kw:
            body["idempotency_key"] = kw.pop("key")
        return httpx.post(
            self.server.base_url + "/api/commands",
            json=body,
            headers=self.headers(kw.pop("headers", None)),
            timeout=10,
        )

    def ok(self, command: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        response = self.post(command, data, **kw)
        assert response.status_code == 200, (command, response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return httpx.get(self.server.base_url + path, headers=self.headers(), timeout=10, **kw)

    def board(self, unit: str) -> dict[str, Any]:
        response = self.get(f"/api/units/{unit}/board")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def bed(self, unit: str, bed_id: str) -> dict[str, Any]:
        beds = {b["bed_id"]: b for b in self.board(unit)["beds"]}
        return beds[bed_id]

    def events(self, after: int = 0, limit: int = 1000) -> dict[str, Any]:
        response = self.get("/api/events", params={"after": after, "limit": limit})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def last_position(self) -> int:
        return int(self.events(after=0, limit=1)["last_position"] and self._head())

    def _head(self) -> int:
        health = httpx.get(self.server.base_url + "/healthz", timeout=5).json()
        return int(health["log_head"])


def fresh_postgres_database() -> tuple[str, Callable[[], None]]:
    name = f"unitboard_e2e_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with _admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    url = make_url(POSTGRES_ADMIN_URL).set(database=name)
    return url.set(drivername="postgresql").render_as_string(False), drop


@pytest.fixture
def layout_file(tmp_path: Path) -> Path:
    path = tmp_path / "layout.toml"
    path.write_text(LAYOUT)
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def e2e_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test: SQLite file or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/e2e.db"
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/e2e.db"


def _server(database_url: str, layout: Path, tmp_path: Path) -> Iterator[Server]:
    server = Server(database_url, layout, tmp_path / f"server-{uuid.uuid4().hex[:6]}.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server(e2e_database_url: str, layout_file: Path, tmp_path: Path) -> Iterator[Server]:
    """A running server on both backends, with the test layout loaded."""
    yield from _server(e2e_database_url, layout_file, tmp_path)


@pytest.fixture
def sqlite_server(sqlite_url: str, layout_file: Path, tmp_path: Path) -> Iterator[Server]:
    """A running server on SQLite only (for the tests that do not touch storage semantics)."""
    yield from _server(sqlite_url, layout_file, tmp_path)


@pytest.fixture
def client_for(request: pytest.FixtureRequest) -> Callable[[Server, str], Api]:
    def make(server: Server, role: str) -> Api:
        return Api(server, create_token(server.database_url, role))

    return make
