"""Who is calling: a bearer token, or a person's (or a wall display's) session."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from unitboard.service.auth import Actor, actor_for_token, actor_for_user
from unitboard.store.credentials import CredentialStore


def bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticate(connection: HTTPConnection, credentials: CredentialStore) -> Actor | None:
    """The actor behind a request; reads the credential store (call it off the loop)."""
    token = bearer(connection)
    if token is not None:
        return actor_for_token(credentials, token)
    session = connection.scope.get("session") or {}
    if username := session.get("user"):
        return actor_for_user(credentials, username)
    if device := session.get("device"):
        return Actor(f"token:{device['name']}", "display", device.get("unit_id"), device["name"])
    return None
