"""People (and the units they work on), device and API tokens, and settings, kept beside
the log. Callers hash; this module only stores hashes. Every change to a person or a token
writes its audit row (who, when, what, to whom) in the same transaction: no change without
its record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from unitboard.store.batches import now_text
from unitboard.store.schema import admin_audit, settings, tokens, user_units, users
from unitboard.store.urls import for_reading

SYSTEM = "system"
"""Who a change is recorded as when the caller names nobody (the demo's seed, a test)."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    name: str
    role: str
    password_hash: str
    disabled: bool
    created_at: str
    units: tuple[str, ...] = ()
    """The units they work on, in order."""

    @property
    def unit_id(self) -> str | None:
        """Their home unit, where they land: the first of their units."""
        return self.units[0] if self.units else None


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    name: str
    role: str
    unit_id: str | None
    created_at: str
    revoked: bool = False
    username: str | None = None
    """A personal token: the person it acts as (their role and units, whatever `role` says:
    that is theirs when it was made)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str


_USER_COLUMNS = [
    users.c.username,
    users.c.name,
    users.c.role,
    users.c.password_hash,
    users.c.disabled,
    users.c.created_at,
]
_TOKEN_COLUMNS = [
    tokens.c.id,
    tokens.c.name,
    tokens.c.role,
    tokens.c.unit_id,
    tokens.c.created_at,
    tokens.c.revoked,
    tokens.c.username,
]
_AUDIT_COLUMNS = [
    admin_audit.c.id,
    admin_audit.c.at,
    admin_audit.c.actor,
    admin_audit.c.action,
    admin_audit.c.target,
    admin_audit.c.detail,
]
_WITH_UNITS = (
    select(*_USER_COLUMNS, user_units.c.unit_id)
    .select_from(users.outerjoin(user_units, user_units.c.username == users.c.username))
    .order_by(users.c.username, user_units.c.rank)
)
"""A row per (person, unit), a person with no unit once (unit_id None), in unit order."""


def unit_list(units: Iterable[str]) -> tuple[str, ...]:
    """Units as given, without blanks or repeats, in their first order."""
    seen: dict[str, None] = {}
    for unit in units:
        if unit.strip():
            seen.setdefault(unit.strip(), None)
    return tuple(seen)


class CredentialStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = for_reading(engine)

    # -- people ------------------------------------------------------------------------------

    def add_user(
        self,
        username: str,
        name: str,
        role: str,
        password_hash: str,
        units: Sequence[str] = (),
        *,
        by: str = SYSTEM,
    ) -> User:
        user = User(username, name, role, password_hash, False, now_text(), unit_list(units))
        values = {column.name: getattr(user, column.name) for column in _USER_COLUMNS}
        try:
            with self.engine.begin() as connection:
                connection.execute(users.insert(), values)
                _write_units(connection, username, user.units)
                detail = f"{name}; {role}; units: {', '.join(user.units) or 'none'}"
                _record(connection, by, "user added", username, detail)
        except IntegrityError:
            raise ValueError(f"there is already a user {username!r}") from None
        return user

    def get_user(self, username: str) -> User | None:
        with self._reader.connect() as connection:
            rows = connection.execute(_WITH_UNITS.where(users.c.username == username)).all()
        found = _users_of(rows)
        return found[0] if found else None

    def list_users(self) -> list[User]:
        with self._reader.connect() as connection:
            return _users_of(connection.execute(_WITH_UNITS).all())

    def set_disabled(self, username: str, disabled: bool, *, by: str = SYSTEM) -> bool:
        """Disable or enable; False when it already was (nothing changes, nothing recorded)."""
        change = (
            users.update()
            .where(users.c.username == username, users.c.disabled.is_not(disabled))
            .values(disabled=disabled)
        )
        with self.engine.begin() as connection:
            if connection.execute(change).rowcount == 0:
                _must_exist(connection, username)
                return False
            _record(connection, by, "user disabled" if disabled else "user enabled", username)
        return True

    def set_password(self, username: str, password_hash: str, *, by: str = SYSTEM) -> None:
        change = (
            users.update().where(users.c.username == username).values(password_hash=password_hash)
        )
        with self.engine.begin() as connection:
            if connection.execute(change).rowcount == 0:
                raise LookupError(f"there is no user {username!r}")
            _record(connection, by, "password reset", username)

    def set_units(self, username: str, units: Sequence[str], *, by: str = SYSTEM) -> bool:
        """The person's units, in order; False when they were these already."""
        wanted = unit_list(units)
        with self.engine.begin() as connection:
            _must_exist(connection, username)
            query = (
                select(user_units.c.unit_id)
                .where(user_units.c.username == username)
                .order_by(user_units.c.rank)
            )
            if tuple(connection.execute(query).scalars()) == wanted:
                return False
            connection.execute(user_units.delete().where(user_units.c.username == username))
            _write_units(connection, username, wanted)
            _record(connection, by, "units set", username, f"units: {', '.join(wanted) or 'none'}")
        return True

    # -- tokens ------------------------------------------------------------------------------

    def add_token(
        self,
        name: str,
        role: str,
        unit_id: str | None,
        token_hash: str,
        *,
        by: str = SYSTEM,
        username: str | None = None,
    ) -> Token:
        created_at = now_text()
        values = {
            "name": name,
            "role": role,
            "unit_id": unit_id,
            "token_hash": token_hash,
            "username": username,
        }
        try:
            with self.engine.begin() as connection:
                if username is not None:
                    _must_exist(connection, username)
                token_id: int = connection.execute(
                    tokens.insert().returning(tokens.c.id),
                    {**values, "created_at": created_at, "revoked": False},
                ).scalar_one()
                if username is not None:
                    detail = f"personal, acts as {username}; id {token_id}"
                else:
                    detail = f"{role}; unit: {unit_id or 'any'}; id {token_id}"
                _record(connection, by, "token created", name, detail)
        except IntegrityError:
            raise ValueError("a token with this hash already exists") from None
        return Token(token_id, name, role, unit_id, created_at, username=username)

    def find_token(self, token_hash: str) -> Token | None:
        query = select(*_TOKEN_COLUMNS).where(
            tokens.c.token_hash == token_hash, tokens.c.revoked.is_(False)
        )
        row = self._first(query)
        return None if row is None else Token(**row._asdict())

    def get_token(self, token_id: int) -> Token | None:
        """A token that is still valid, by its id."""
        query = select(*_TOKEN_COLUMNS).where(tokens.c.id == token_id, tokens.c.revoked.is_(False))
        row = self._first(query)
        return None if row is None else Token(**row._asdict())

    def list_tokens(self) -> list[Token]:
        """Every token ever made, the valid ones first, then by name."""
        query = select(*_TOKEN_COLUMNS).order_by(tokens.c.revoked, tokens.c.name, tokens.c.id)
        with self._reader.connect() as connection:
            return [Token(**row._asdict()) for row in connection.execute(query)]

    def revoke_tokens_named(self, name: str, *, by: str = SYSTEM) -> list[int]:
        """Revoke every valid token called `name`; the ids revoked (none: no such token)."""
        named = (tokens.c.name == name) & tokens.c.revoked.is_(False)
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(select(tokens.c.id).where(named))]
            if ids:
                connection.execute(tokens.update().where(tokens.c.id.in_(ids)).values(revoked=True))
                shown = ", ".join(str(i) for i in ids)
                _record(connection, by, "token revoked", name, f"id {shown}")
        return ids

    def revoke_token(self, token_id: int, *, by: str = SYSTEM) -> Token:
        """Revoke a valid token by its id; the token as it was."""
        valid = (tokens.c.id == token_id) & tokens.c.revoked.is_(False)
        with self.engine.begin() as connection:
            row = connection.execute(select(*_TOKEN_COLUMNS).where(valid)).first()
            change = tokens.update().where(valid).values(revoked=True)
            if row is None or connection.execute(change).rowcount == 0:
                raise LookupError(f"there is no valid token {token_id}")
            token = Token(**row._asdict())
            _record(connection, by, "token revoked", token.name, f"id {token_id}")
        return token

    # -- the record of changes ---------------------------------------------------------------

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        """The latest changes to people and tokens, newest first."""
        query = select(*_AUDIT_COLUMNS).order_by(admin_audit.c.id.desc()).limit(limit)
        with self._reader.connect() as connection:
            return [AuditEntry(**row._asdict()) for row in connection.execute(query)]

    # -- settings ----------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        row = self._first(select(settings.c.value).where(settings.c.key == key))
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(_upsert_setting(self.engine.dialect.name, key, value))

    def _first(self, query: Any) -> Row[Any] | None:
        with self._reader.connect() as connection:
            return connection.execute(query).first()


def _users_of(rows: Iterable[Any]) -> list[User]:
    """Users from rows of (user columns..., unit_id), a person's rows together, in order."""
    found: dict[str, tuple[Any, ...]] = {}
    units: dict[str, list[str]] = {}
    for row in rows:
        username = row.username
        found.setdefault(username, tuple(row)[:-1])
        units.setdefault(username, [])
        if row.unit_id is not None:
            units[username].append(row.unit_id)
    return [
        User(username, name, role, password_hash, disabled, created_at, tuple(units[username]))
        for username, name, role, password_hash, disabled, created_at in found.values()
    ]


def _write_units(connection: Connection, username: str, units: Sequence[str]) -> None:
    if units:
        rows = [{"username": username, "unit_id": u, "rank": r} for r, u in enumerate(units)]
        connection.execute(user_units.insert(), rows)


def _must_exist(connection: Connection, username: str) -> None:
    query = select(users.c.username).where(users.c.username == username)
    if connection.execute(query).first() is None:
        raise LookupError(f"there is no user {username!r}")


def _record(connection: Connection, by: str, action: str, target: str, detail: str = "") -> None:
    entry = {"at": now_text(), "actor": by, "action": action, "target": target, "detail": detail}
    connection.execute(admin_audit.insert(), entry)


def _upsert_setting(dialect: str, key: str, value: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(settings).values(key=key, value=value)
    return statement.on_conflict_do_update(index_elements=[settings.c.key], set_={"value": value})
