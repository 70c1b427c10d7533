"""The session cookie and the forms' CSRF tokens. A logged-in form's token is the server
key's HMAC of the session id; the login form, before any session, pairs a random cookie
with its HMAC (double submit). Neither needs a row; both are checked with the Origin."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from unitboard.web.auth import SESSION_COOKIE, session_id

LOGIN_COOKIE = "unitboard_login"
_NEW_LOGIN_NONCE = "unitboard.login_nonce"


def key_of(connection: HTTPConnection) -> bytes:
    key: bytes = connection.app.state.secret
    return key


def _sign(connection: HTTPConnection, purpose: str, value: str) -> str:
    message = f"{purpose}:{value}".encode()
    return hmac.new(key_of(connection), message, hashlib.sha256).hexdigest()


def csrf_token(connection: HTTPConnection) -> str:
    """The token this person's forms carry: tied to their session, or, before they log in,
    to a nonce cookie that `remember_login_nonce` sets on the page's response."""
    sid = session_id(connection)
    if sid is not None:
        return _sign(connection, "session", sid)
    nonce = connection.cookies.get(LOGIN_COOKIE) or connection.scope.get(_NEW_LOGIN_NONCE)
    if not nonce or len(nonce) > 100:
        nonce = secrets.token_urlsafe(24)
        connection.scope[_NEW_LOGIN_NONCE] = nonce
    return _sign(connection, "login", nonce)


ENTRY_FORMS = frozenset({"/login", "/display/session"})
"""The only forms posted before there is a session: they take the login nonce's token."""


def csrf_valid(connection: HTTPConnection, given: str | None) -> bool:
    """A session's forms carry its token. Before any session, only the entry forms (logging
    in, starting a display) take the nonce cookie's: a nonce planted by another page could
    otherwise stand in for a session's token."""
    if not given or not given.isascii():
        return False
    if (sid := session_id(connection)) is not None:
        expected = _sign(connection, "session", sid)
    elif connection.url.path in ENTRY_FORMS and (nonce := connection.cookies.get(LOGIN_COOKIE)):
        expected = _sign(connection, "login", nonce)
    else:
        return False
    return secrets.compare_digest(expected.encode(), given.encode())


def is_secure(connection: HTTPConnection) -> bool:
    """Served over TLS (directly, or behind a proxy trusted with --forwarded-allow-ips)."""
    return connection.url.scheme in ("https", "wss")


def remember_login_nonce(request: Request, response: Response) -> None:
    if nonce := request.scope.get(_NEW_LOGIN_NONCE):
        response.set_cookie(
            LOGIN_COOKIE,
            nonce,
            httponly=True,
            samesite="strict",
            secure=is_secure(request),
            max_age=12 * 3600,
        )


def set_session_cookie(
    request: Request, response: Response, sid: str, max_age: int | None = None
) -> None:
    """A person's cookie has no max-age: it goes when the browser closes, and the server
    ends the session before that. A display's lasts as long as its session, so a kiosk's
    browser restarting does not need its token again."""
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=is_secure(request)
    )
