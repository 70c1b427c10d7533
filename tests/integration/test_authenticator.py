"""Sessions the server can end, and who is calling, on SQLite and PostgreSQL alike (with a
clock the test moves): a session ends at logout, when its user is disabled, when its desk
idles, when its lifetime is up, and a display's when its token is revoked; a copy of the
database opens none. A token or session is looked up once per few seconds, not once per
request, and a logout here forgets it at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from starlette.requests import HTTPConnection

from unitboard.service.auth import add_user, create_token, token_hash
from unitboard.service.sessions import SessionPolicy, Sessions, session_hash
from unitboard.store import CredentialStore
from unitboard.store.schema import sessions as sessions_table
from unitboard.store.sessions import SessionStore
from unitboard.web.auth import SESSION_COOKIE, Authenticator

POLICY = SessionPolicy(idle_seconds=900, lifetime_seconds=12 * 3600, touch_seconds=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def connection(token: str | None = None, session: str | None = None) -> HTTPConnection:
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    if session:
        headers.append((b"cookie", f"{SESSION_COOKIE}={session}".encode()))
    return HTTPConnection({"type": "http", "headers": headers})


@pytest.fixture
def credentials(engine: Engine) -> CredentialStore:
    return CredentialStore(engine)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sessions(engine: Engine, credentials: CredentialStore, clock: Clock) -> Sessions:
    add_user(credentials, "kim", "a long password", "secretary", "Kim Lee")
    return Sessions(SessionStore(engine), credentials, POLICY, clock)


def counting(reads: list[str]) -> Callable[..., Any]:
    async def check(function: Callable[..., Any], *args: Any) -> Any:
        reads.append(getattr(function, "__name__", "?"))
        return function(*args)

    return check


def test_the_database_keeps_only_the_hash_of_a_session_id(
    engine: Engine, sessions: Sessions
) -> None:
    sid = sessions.open_for_user("kim")
    with engine.connect() as db:
        stored = [row[0] for row in db.execute(select(sessions_table.c.id_hash))]
    assert stored == [session_hash(sid)] and sid not in stored
    assert sessions.actor(stored[0]) is None  # the stored value does not open the session
    actor = sessions.actor(sid)
    assert actor is not None and (actor.name, actor.role) == ("kim", "secretary")


def test_a_logged_out_session_stays_out(sessions: Sessions) -> None:
    sid = sessions.open_for_user("kim")
    sessions.end(sid, "logged out")
    assert sessions.actor(sid) is None
    assert sessions.actor(sid) is None  # the old cookie, replayed


def test_a_desk_left_alone_is_logged_off_but_one_in_use_is_not(
    sessions: Sessions, clock: Clock
) -> None:
    busy, idle = sessions.open_for_user("kim"), sessions.open_for_user("kim")
    for _ in range(4):  # an hour of work, a request every 10 minutes
        clock.now += 600
        assert sessions.actor(busy) is not None
    assert sessions.actor(idle) is None  # 40 minutes untouched
    clock.now += 600
    assert sessions.actor(busy) is not None


def test_an_open_screen_asking_is_not_activity(sessions: Sessions, clock: Clock) -> None:
    sid = sessions.open_for_user("kim")
    for _ in range(10):  # a socket re-checking every 2 minutes for 20 minutes
        clock.now += 120
        if sessions.actor(sid, active=False) is None:
            break
    assert sessions.actor(sid) is None


def test_a_session_ends_after_its_lifetime_however_busy(sessions: Sessions, clock: Clock) -> None:
    sid = sessions.open_for_user("kim")
    for _ in range(12 * 6 - 1):
        clock.now += 600
        assert sessions.actor(sid) is not None
    clock.now += 601
    assert sessions.actor(sid) is None


def test_disabling_a_user_ends_their_sessions(
    sessions: Sessions, credentials: CredentialStore
) -> None:
    first, second = sessions.open_for_user("kim"), sessions.open_for_user("kim")
    credentials.set_disabled("kim", True)
    assert sessions.end_for_user("kim", "user disabled") == 2
    assert sessions.actor(first) is None and sessions.actor(second) is None
    credentials.set_disabled("kim", False)
    assert sessions.actor(first) is None  # enabled again: the old sessions stay ended


def test_a_display_session_lasts_until_its_token_is_revoked(
    sessions: Sessions, credentials: CredentialStore, clock: Clock
) -> None:
    token = create_token(credentials, "wall-4W", "display", "4W")
    found = credentials.find_token(token_hash(token))
    assert found is not None
    sid = sessions.open_for_device(found.id)
    clock.now += 30 * 24 * 3600  # a month without a request: a wall display never idles out
    actor = sessions.actor(sid, active=False)
    assert actor is not None
    assert (actor.role, actor.unit_id, actor.scope) == ("display", "4W", frozenset({"4W"}))
    assert credentials.revoke_tokens_named("wall-4W") == [found.id]
    assert sessions.actor(sid) is None  # even before the sessions are ended by name
    assert sessions.end_for_token(found.id, "token revoked") == 0  # it ended when it asked


def test_the_idle_clock_is_written_at_most_every_touch_interval(
    engine: Engine, sessions: Sessions, clock: Clock
) -> None:
    sid = sessions.open_for_user("kim")

    def last_seen() -> float:
        with engine.connect() as db:
            return float(db.execute(select(sessions_table.c.last_seen_at)).scalar_one())

    opened = last_seen()
    clock.now += 10
    sessions.actor(sid)
    assert last_seen() == opened
    clock.now += 25
    sessions.actor(sid)
    assert last_seen() == clock.now


def test_a_token_is_looked_up_once_then_refused_when_revoked_and_the_time_is_up(
    credentials: CredentialStore, sessions: Sessions
) -> None:
    token = create_token(credentials, "desk", "integration", None)
    reads: list[str] = []
    clock = Clock()
    authenticator = Authenticator(credentials, sessions, counting(reads), seconds=2, clock=clock)

    first = asyncio.run(authenticator.actor(connection(token)))
    again = asyncio.run(authenticator.actor(connection(token)))
    assert first is not None and first.role == "integration" and again == first
    assert len(reads) == 1

    assert credentials.revoke_tokens_named("desk")
    assert asyncio.run(authenticator.actor(connection(token))) == first  # within 2 s
    clock.now += 2.01
    assert asyncio.run(authenticator.actor(connection(token))) is None
    assert len(reads) == 2

    for _ in range(3):  # a wrong token costs one lookup, not one per try
        assert asyncio.run(authenticator.actor(connection("not-a-token"))) is None
    assert len(reads) == 3
    assert asyncio.run(authenticator.actor(connection())) is None  # nobody: nothing to read
    assert len(reads) == 3


def test_a_logout_in_this_process_is_refused_at_once(sessions: Sessions) -> None:
    authenticator = Authenticator(sessions.credentials, sessions, counting([]), seconds=60)
    sid = sessions.open_for_user("kim")
    asked = connection(session=sid)
    assert asyncio.run(authenticator.actor(asked)) is not None
    sessions.end(sid)
    authenticator.forget(asked)
    assert asyncio.run(authenticator.actor(asked)) is None


def test_many_screens_asking_at_once_for_one_token_cost_one_lookup(
    credentials: CredentialStore, sessions: Sessions
) -> None:
    token = create_token(credentials, "wall", "display", None)
    reads: list[str] = []

    async def on_a_pool(function: Callable[..., Any], *args: Any) -> Any:
        reads.append(function.__name__)
        return await asyncio.to_thread(function, *args)  # the loop runs on meanwhile

    authenticator = Authenticator(credentials, sessions, on_a_pool, seconds=2)

    async def storm() -> list[Any]:
        return await asyncio.gather(*(authenticator.actor(connection(token)) for _ in range(200)))

    actors = asyncio.run(storm())
    assert len(reads) == 1
    assert {actor.role for actor in actors} == {"display"}
