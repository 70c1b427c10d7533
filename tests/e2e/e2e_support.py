"""Helpers for the end-to-end tests: real `unitboard serve` processes, the CLI, a small
JSON client, and fresh PostgreSQL databases."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

import hospital
import postgres_support

BIN = Path(sys.executable).parent
UNITBOARD = str(BIN / "unitboard")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, stdin: str | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UNITBOARD, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def create_token(database_url: str, role: str, name: str | None = None) -> str:
    """`unitboard tokens create NAME --role ROLE`, run in this process (the CLI's own `main`;
    a subprocess costs a second of start-up per token). test_cli.py runs the real binary."""
    from unitboard.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "tokens",
                "create",
                name or f"e2e-{role}",
                "--role",
                role,
                "--database-url",
                database_url,
            ]
        )
    assert code == 0, out.getvalue()
    return out.getvalue().strip().splitlines()[-1].strip()


@dataclass
class Server:
    database_url: str
    layout: Path | None
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _http: httpx.Client | None = None
    serve_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    _log_reader: str | None = None

    def log_reader_token(self) -> str:
        """An admin token the tests read the event log with."""
        if self._log_reader is None:
            self._log_reader = create_token(self.database_url, "admin", "e2e-log-reader")
        return self._log_reader

    @property
    def http(self) -> httpx.Client:
        """One keep-alive client per server (a new httpx client per call is slow)."""
        if self._http is None:
            self._http = httpx.Client(base_url=self.base_url, timeout=10)
        return self._http

    def close_http(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20, port: int | None = None) -> None:
        """Start and wait until healthy; on `port` for once, else on its own."""
        port = port or self.port
        args = [UNITBOARD, "serve", *self.serve_args]
        args += ["--database-url", self.database_url, "--port", str(port)]
        if self.layout is not None:
            args += ["--layout", str(self.layout)]
        log = self.log_path.open("ab")
        environment = {**os.environ, **self.env}
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=environment)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"server did not become healthy:\n{self.log_path.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing."""
        self.close_http()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        self.close_http()
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

    def assert_no_server_errors(self) -> None:
        text = self.log_text()
        assert '" 500 ' not in text and "Traceback" not in text, text[-4000:]


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
        return self.server.http.post(
            "/api/commands", json=body, headers=self.headers(kw.pop("headers", None))
        )

    def ok(self, command: str, data: dict[str, Any], **kw: Any) -> dict[str, Any]:
        response = self.post(command, data, **kw)
        assert response.status_code == 200, (command, response.status_code, response.text)
        body: dict[str, Any] = response.json()
        return body

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.server.http.get(path, headers=self.headers(), **kw)

    def board(self, unit: str) -> dict[str, Any]:
        response = self.get(f"/api/units/{unit}/board")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def bed(self, unit: str, bed_id: str) -> dict[str, Any]:
        beds: dict[str, dict[str, Any]] = {b["bed_id"]: b for b in self.board(unit)["beds"]}
        return beds[bed_id]

    def events(self, after: int = 0, limit: int = 1000) -> dict[str, Any]:
        """The log, read as the tests' auditor: only the admin and integration roles may."""
        params = {"after": after, "limit": limit}
        auditor = {"Authorization": f"Bearer {self.server.log_reader_token()}"}
        response = self.server.http.get("/api/events", params=params, headers=auditor)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def all_events(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.events(after=after, limit=1000)
            if not page["events"]:
                return out
            out += page["events"]
            after = page["last_position"]

    def last_position(self) -> int:
        """The log's head as GET /api/events tells it."""
        events = self.all_events()
        return int(events[-1]["position"]) if events else 0


def fresh_postgres_database() -> tuple[str, Callable[[], None]]:
    return postgres_support.fresh_postgres_database("unitboard_e2e")


def admission(encounter_id: str, **overrides: Any) -> dict[str, Any]:
    """The shared test admission, with a family name of its own for each encounter."""
    return hospital.admission(encounter_id, **{"family_name": f"Family{encounter_id}", **overrides})


class SharedServer:
    """One SQLite server for a whole module, with a token per role made on demand."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._tokens: dict[str, str] = {}

    def api(self, role: str) -> Api:
        if role not in self._tokens:
            self._tokens[role] = create_token(self.server.database_url, role)
        return Api(self.server, self._tokens[role])
