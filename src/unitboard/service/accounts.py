"""Managing people and tokens: what the admin screen and `unitboard users|tokens` do. The
rules that keep a hospital able to log in live here (an admin does not disable themselves,
nor the last active admin), and so does the rule that a withdrawn credential takes its
sessions with it: disabling a person, resetting their password or revoking a token ends
their sessions at once. The store records every change with who made it (`by`).

Passwords are hashed by the caller (`new_password_hash`), so a server can hash on its
hashing pool and write on its writer thread."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from unitboard.service.auth import (
    CredentialError,
    check_password_length,
    check_role,
    hash_password,
    token_hash,
)
from unitboard.service.sessions import Sessions
from unitboard.store.credentials import CredentialStore, Token, User, unit_list

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
UNIT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,99}")
MAX_NAME = 200


def new_password_hash(password: str) -> str:
    """The argon2 hash of a new password (slow on purpose: call it off the event loop)."""
    return hash_password(check_password_length(password))


def check_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise CredentialError(
            f"{username!r} cannot be a username: use letters, digits and . _ @ - "
            "(up to 100, starting with a letter or digit)"
        )
    return username


def check_units(units: Sequence[str]) -> tuple[str, ...]:
    wanted = unit_list(units)
    for unit in wanted:
        if not UNIT_ID.fullmatch(unit):
            raise CredentialError(f"{unit!r} is not a unit id (such as 4W or ICU)")
    return wanted


def check_token_name(name: str) -> str:
    if not TOKEN_NAME.fullmatch(name):
        raise CredentialError(
            f"{name!r} cannot name a token: use letters, digits, spaces and . _ @ : - "
            "(up to 100, starting with a letter or digit)"
        )
    return name


@dataclass(frozen=True)
class Accounts:
    store: CredentialStore
    sessions: Sessions

    def add_user(
        self,
        username: str,
        password_hash: str,
        role: str,
        name: str | None,
        units: Sequence[str],
        *,
        by: str,
    ) -> User:
        check_username(username)
        check_role(role)
        shown = (name or "").strip() or username
        if len(shown) > MAX_NAME:
            raise CredentialError(f"a name has at most {MAX_NAME} characters")
        try:
            return self.store.add_user(
                username, shown, role, password_hash, check_units(units), by=by
            )
        except ValueError as exc:
            raise CredentialError(str(exc)) from None

    def disable(self, username: str, *, by: str) -> int:
        """Disable a person and end their open sessions; how many ended."""
        if username == by:
            raise CredentialError(
                "You cannot disable your own account; another admin can, if it must be."
            )
        user = self._user(username)
        if user.role == "admin" and not user.disabled and not self._other_admins(username):
            raise CredentialError(
                f"{username} is the last active admin: nobody could manage accounts. "
                "Add or enable another admin first."
            )
        self.store.set_disabled(username, True, by=by)
        return self.sessions.end_for_user(username, "user disabled")

    def enable(self, username: str, *, by: str) -> bool:
        """False when they were not disabled."""
        return self.store.set_disabled(username, False, by=by)

    def reset_password(self, username: str, password_hash: str, *, by: str) -> int:
        """A new password; their open sessions end (whoever held the old one is out)."""
        self.store.set_password(username, password_hash, by=by)
        return self.sessions.end_for_user(username, "password reset")

    def set_units(self, username: str, units: Sequence[str], *, by: str) -> bool:
        return self.store.set_units(username, check_units(units), by=by)

    def create_token(self, name: str, role: str, unit_id: str | None, *, by: str) -> str:
        """A new token of 256 random bits, returned once; only its hash is kept."""
        check_token_name(name)
        check_role(role)
        unit = check_units([unit_id])[0] if unit_id and unit_id.strip() else None
        token = secrets.token_urlsafe(32)
        self.store.add_token(name, role, unit, token_hash(token), by=by)
        return token

    def create_personal_token(self, name: str, username: str, *, by: str) -> str:
        """A token that acts as `username`: their role, their units, their pages, as they
        are at each request (disabling them disables it). Returned once; only its hash is
        kept."""
        check_token_name(name)
        user = self._user(username)
        if user.disabled:
            raise CredentialError(f"{username} is disabled: enable them before giving a token.")
        token = secrets.token_urlsafe(32)
        self.store.add_token(name, user.role, None, token_hash(token), by=by, username=username)
        return token

    def revoke_token(self, token_id: int, *, by: str) -> tuple[Token, int]:
        """Revoke a token and end the display sessions it opened: (the token, how many)."""
        token = self.store.revoke_token(token_id, by=by)
        return token, self.sessions.end_for_token(token_id, "token revoked")

    def revoke_tokens_named(self, name: str, *, by: str) -> tuple[list[int], int]:
        revoked = self.store.revoke_tokens_named(name, by=by)
        ended = sum(self.sessions.end_for_token(token, "token revoked") for token in revoked)
        return revoked, ended

    def _user(self, username: str) -> User:
        user = self.store.get_user(username)
        if user is None:
            raise LookupError(f"there is no user {username!r}")
        return user

    def _other_admins(self, username: str) -> bool:
        return any(
            user.role == "admin" and not user.disabled and user.username != username
            for user in self.store.list_users()
        )
