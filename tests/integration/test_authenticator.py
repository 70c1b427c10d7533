"""Who is calling, remembered for a few seconds: a token or a session's user is looked up in
the credential store once per few seconds, not once per request; a revoked token or a
disabled user is refused once that time is up (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.requests import HTTPConnection

from unitboard.service.auth import add_user, create_token, token_hash
from unitboard.store import CredentialStore
from unitboard.web.auth import Authenticator


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def connection(token: str | None = None, user: str | None = None) -> HTTPConnection:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    scope = {"type": "http", "headers": headers, "session": {"user": user} if user else {}}
    return HTTPConnection(scope)


@pytest.fixture
def credentials(engine: Engine) -> CredentialStore:
    return CredentialStore(engine)


def counting_reader(reads: list[str]) -> Callable[..., Any]:
    async def read(function: Callable[..., Any], *args: Any) -> Any:
        reads.append(function.__name__)
        return function(*args)

    return read


def test_a_token_is_looked_up_once_then_refused_when_revoked_and_the_time_is_up(
    credentials: CredentialStore,
) -> None:
    token = create_token(credentials, "desk", "secretary", None)
    reads: list[str] = []
    clock = Clock()
    authenticator = Authenticator(credentials, counting_reader(reads), seconds=5, clock=clock)

    first = asyncio.run(authenticator.actor(connection(token)))
    again = asyncio.run(authenticator.actor(connection(token)))
    assert first is not None and first.role == "secretary" and again == first
    assert len(reads) == 1

    found = credentials.find_token(token_hash(token))
    assert found is not None
    credentials.revoke_token(found.id)
    assert asyncio.run(authenticator.actor(connection(token))) == first  # within 5 s
    clock.now += 5.01
    assert asyncio.run(authenticator.actor(connection(token))) is None
    assert len(reads) == 2


def test_a_disabled_user_is_out_when_the_time_is_up_and_strangers_are_remembered_too(
    credentials: CredentialStore,
) -> None:
    add_user(credentials, "kim", "a long password", "secretary", "Kim Lee")
    reads: list[str] = []
    clock = Clock()
    authenticator = Authenticator(credentials, counting_reader(reads), seconds=5, clock=clock)

    assert asyncio.run(authenticator.actor(connection(user="kim"))) is not None
    credentials.set_disabled("kim", True)
    clock.now += 6
    assert asyncio.run(authenticator.actor(connection(user="kim"))) is None

    for _ in range(3):  # a wrong token costs one lookup, not one per try
        assert asyncio.run(authenticator.actor(connection("not-a-token"))) is None
    assert len(reads) == 3
    assert asyncio.run(authenticator.actor(connection())) is None  # nobody: nothing to read
    assert len(reads) == 3
