"""People and credentials: password hashing (argon2), device and API tokens, actors."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from unitboard.domain.roles import ROLES
from unitboard.store.credentials import SYSTEM, CredentialStore, Token, User

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("unitboard-timing-equaliser")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a person logged in, or a token's holder (a system, or a display device
    in a session of its own). `session` is the server-side session acted in, if any;
    `token_id` the token behind a system's request or a device's session."""

    name: str
    role: str
    unit_id: str | None = None
    display_name: str | None = None
    session: str | None = None
    token_id: int | None = None
    units: tuple[str, ...] = ()
    """A person's units, in order (`unit_id` is the first, their home unit)."""

    @property
    def scope(self) -> frozenset[str] | None:
        """The units a token made for one unit may read; None for no limit. A person's unit
        is where they work, not a limit (a secretary covers the next unit at night)."""
        if self.token_id is not None and self.unit_id is not None:
            return frozenset({self.unit_id})
        return None


class CredentialError(ValueError):
    """A user or token cannot be created as asked."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise CredentialError(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
    return role


MIN_PASSWORD = 8


def check_password_length(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise CredentialError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def add_user(
    store: CredentialStore,
    username: str,
    password: str,
    role: str,
    name: str | None = None,
    units: Sequence[str] = (),
    *,
    by: str = SYSTEM,
) -> None:
    check_role(role)
    check_password_length(password)
    try:
        store.add_user(username, name or username, role, hash_password(password), units, by=by)
    except ValueError as exc:
        raise CredentialError(str(exc)) from None


def create_token(
    store: CredentialStore, name: str, role: str, unit_id: str | None, *, by: str = SYSTEM
) -> str:
    """A new bearer token of 256 random bits; only its hash is kept."""
    check_role(role)
    token = secrets.token_urlsafe(32)
    store.add_token(name, role, unit_id, token_hash(token), by=by)
    return token


def actor_for_token(store: CredentialStore, token: str) -> Actor | None:
    found = store.find_token(token_hash(token))
    if found is None:
        return None
    if found.username is not None:
        return actor_for_user(store, found.username)
    return token_actor(found)


def token_actor(token: Token, session: str | None = None) -> Actor:
    return Actor(f"token:{token.name}", token.role, token.unit_id, token.name, session, token.id)


def actor_for_password(store: CredentialStore, username: str, password: str) -> Actor | None:
    return password_actor(store.get_user(username), password)


def password_actor(user: User | None, password: str) -> Actor | None:
    """The actor a user's password signs in as, or None (no such user, a wrong password, a
    disabled user: all take the same time)."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return person_actor(user)


def actor_for_user(
    store: CredentialStore, username: str, session: str | None = None
) -> Actor | None:
    """The actor of a session, re-read each time so a disabled user is out at once."""
    user = store.get_user(username)
    if user is None or user.disabled:
        return None
    return person_actor(user, session)


def person_actor(user: User, session: str | None = None) -> Actor:
    return Actor(user.username, user.role, user.unit_id, user.name, session, None, user.units)
