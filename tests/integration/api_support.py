"""Integration tests' parts for a real `unitboard serve`: the server process, its people
and tokens, a bearer token's JSON client, a refusal read back, and a server per backend."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from postgres_support import fresh_postgres_database
from unitboard.bootstrap import open_credentials
from unitboard.service.accounts import Accounts, new_password_hash


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class People:
    """Users and tokens, made as `unitboard users add` and `tokens create` make them (one
    password hash for all: argon2 is slow on purpose)."""

    def __init__(self, database_url: str) -> None:
        self.credentials = open_credentials(database_url)
        self.accounts = Accounts(self.credentials.store, self.credentials.sessions)
        self.password_hash = new_password_hash("a long password")

    def token(self, name: str, role: str, unit_id: str | None = None) -> str:
        return self.accounts.create_token(name, role, unit_id, by="test")

    def person(self, username: str, role: str, name: str, units: tuple[str, ...] = ()) -> str:
        """A new person; their personal token."""
        self.accounts.add_user(username, self.password_hash, role, name, units, by="test")
        return self.accounts.create_personal_token(f"{username}-tablet", username, by="test")

    def close(self) -> None:
        self.credentials.close()


@dataclass
class Server:
    """A `unitboard serve` process on a port of its own, its output in a file."""

    database_url: str
    layout: Path | None
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [sys.executable, "-m", "unitboard.cli", "serve"]
        args += ["--database-url", self.database_url, "--port", str(self.port)]
        if self.layout is not None:
            args += ["--layout", str(self.layout)]
        with self.log_path.open("ab") as log:
            env = {**os.environ, "PYTHONWARNINGS": "ignore"}
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_path.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.05)
        raise AssertionError(f"the server did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def assert_no_errors(self) -> None:
        text = self.log_path.read_text(errors="replace")
        assert '" 500 ' not in text and "Traceback" not in text, text[-4000:]


class Api:
    """A bearer token's JSON client on one server."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http = http
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, command: str, data: dict[str, Any]) -> httpx.Response:
        body = {"command": command, "data": data}
        return self.http.post("/api/commands", json=body, headers=self.headers)

    def ok(self, command: str, data: dict[str, Any]) -> dict[str, Any]:
        response = self.post(command, data)
        assert response.status_code == 200, (command, response.status_code, response.text)
        answer: dict[str, Any] = response.json()
        return answer

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.http.get(path, params=params, headers=self.headers)

    def read(self, path: str, **params: str) -> dict[str, Any]:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def refused(response: httpx.Response, status: int, code: str, *words: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    for word in words:
        assert word in error["message"], error
    message: str = error["message"]
    assert message.endswith("."), message  # a sentence
    return message


@contextlib.contextmanager
def running_server(
    backend: str, tmp: Path, layout: str, database_prefix: str = "unitboard_it"
) -> Iterator[tuple[Server, httpx.Client, People]]:
    """A server loading `layout` on a fresh SQLite file or PostgreSQL database (`backend`),
    with its people and a client; stopped, and its log checked for errors, afterwards."""
    layout_file = tmp / "layout.toml"
    layout_file.write_text(layout)
    drop = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp}/board.db"
    else:
        url, drop = fresh_postgres_database(database_prefix)
    server = Server(url, layout_file, tmp / f"server-{uuid.uuid4().hex[:6]}.log")
    people = None
    try:
        server.start()
        people = People(url)
        with httpx.Client(base_url=server.base_url, timeout=20) as http:
            yield server, http, people
    finally:
        server.stop()
        if people is not None:
            people.close()
        if drop is not None:
            drop()
    server.assert_no_errors()
