"""A password check as the login page makes it: throttled per account and per address
(service/throttle.py), on the bounded hashing pool, and refused in words a person can act
on, with the status and Retry-After a client can."""

from __future__ import annotations

import asyncio
import ipaddress

from starlette.requests import Request
from starlette.responses import Response

from unitboard.bounded_pool import PoolBusy
from unitboard.service.auth import Actor, password_actor
from unitboard.service.throttle import Throttled
from unitboard.web.common import page, runtime_of

BUSY = "Too many people are signing in at once; try again in a moment."
REFUSAL_DELAY_SECONDS = 1.0
"""A refused login is answered after this pause, which costs the server nothing (a sleeping
task): a client that waits for each answer tries once a second per connection, and one
address holds at most so many connections (web/server.py)."""


class LoginRefused(Exception):
    """A login not checked at all: too many failures, or too many checks at once."""

    def __init__(self, status: int, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


def client_address(request: Request) -> str:
    """The caller's address (the client's, behind a proxy trusted to say so); an IPv6
    address by its /64, which one client holds whole."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{host}/64", strict=False))
    return host


async def check_password(request: Request, username: str, password: str) -> Actor | None:
    """The actor these credentials sign in as, or None; LoginRefused before any check when
    the account or the address must wait, or the hashing pool is full."""
    runtime = runtime_of(request)
    try:
        attempt = runtime.logins.begin(username, client_address(request))
    except Throttled as throttled:
        await asyncio.sleep(REFUSAL_DELAY_SECONDS)
        raise LoginRefused(429, throttled.message, throttled.seconds) from None
    try:
        # The user is read on the checks' pool (it has a deadline); only argon2 runs on the
        # hashing pool, so a hung database cannot hold it.
        user = await runtime.check(runtime.credentials.get_user, username)
        actor = await runtime.hash_check(password_actor, user, password)
    except PoolBusy:
        attempt.abandoned()
        await asyncio.sleep(REFUSAL_DELAY_SECONDS)
        raise LoginRefused(503, BUSY, 1) from None
    except BaseException:
        attempt.abandoned()
        raise
    if actor is None:
        attempt.failed()
    else:
        attempt.succeeded()
    return actor


def refused_login(request: Request, username: str, refusal: LoginRefused) -> Response:
    """The login page again, saying why and for how long."""
    context = {"error": refusal.message, "username": username}
    response = page(request, "login.html", context, refusal.status)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response
