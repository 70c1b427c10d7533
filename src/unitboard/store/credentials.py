"""People, device and API tokens, and settings, kept beside the log. Callers hash; this
module only stores hashes."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Engine, Insert, Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from unitboard.store.batches import now_text
from unitboard.store.schema import settings, tokens, users
from unitboard.store.urls import for_reading


@dataclass(frozen=True, slots=True)
class User:
    username: str
    name: str
    role: str
    password_hash: str
    disabled: bool
    unit_id: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Token:
    id: int
    name: str
    role: str
    unit_id: str | None
    created_at: str


_USER_FIELDS = [field.name for field in fields(User)]
_USER_COLUMNS = [users.c[name] for name in _USER_FIELDS]
_TOKEN_COLUMNS = [tokens.c[field.name] for field in fields(Token)]


class CredentialStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._reader = for_reading(engine)

    def add_user(
        self,
        username: str,
        name: str,
        role: str,
        password_hash: str,
        unit_id: str | None = None,
    ) -> User:
        user = User(username, name, role, password_hash, False, unit_id, now_text())
        try:
            with self.engine.begin() as connection:
                connection.execute(users.insert(), _values(user))
        except IntegrityError:
            raise ValueError(f"there is already a user {username!r}") from None
        return user

    def get_user(self, username: str) -> User | None:
        query = select(*_USER_COLUMNS).where(users.c.username == username)
        row = self._first(query)
        return None if row is None else User(**row._asdict())

    def list_users(self) -> list[User]:
        with self._reader.connect() as connection:
            rows = connection.execute(select(*_USER_COLUMNS).order_by(users.c.username)).all()
        return [User(**row._asdict()) for row in rows]

    def set_disabled(self, username: str, disabled: bool) -> None:
        change = users.update().where(users.c.username == username).values(disabled=disabled)
        with self.engine.begin() as connection:
            if connection.execute(change).rowcount == 0:
                raise LookupError(f"there is no user {username!r}")

    def add_token(self, name: str, role: str, unit_id: str | None, token_hash: str) -> Token:
        created_at = now_text()
        values = {"name": name, "role": role, "unit_id": unit_id, "token_hash": token_hash}
        try:
            with self.engine.begin() as connection:
                token_id: int = connection.execute(
                    tokens.insert().returning(tokens.c.id),
                    {**values, "created_at": created_at, "revoked": False},
                ).scalar_one()
        except IntegrityError:
            raise ValueError("a token with this hash already exists") from None
        return Token(token_id, name, role, unit_id, created_at)

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

    def revoke_tokens_named(self, name: str) -> list[int]:
        """Revoke every valid token called `name`; the ids revoked (none: no such token)."""
        named = (tokens.c.name == name) & tokens.c.revoked.is_(False)
        with self.engine.begin() as connection:
            ids = [row[0] for row in connection.execute(select(tokens.c.id).where(named))]
            if ids:
                connection.execute(tokens.update().where(tokens.c.id.in_(ids)).values(revoked=True))
        return ids

    def revoke_token(self, token_id: int) -> None:
        change = tokens.update().where(tokens.c.id == token_id).values(revoked=True)
        with self.engine.begin() as connection:
            if connection.execute(change).rowcount == 0:
                raise LookupError(f"there is no token {token_id}")

    def get_setting(self, key: str) -> str | None:
        row = self._first(select(settings.c.value).where(settings.c.key == key))
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(_upsert_setting(self.engine.dialect.name, key, value))

    def _first(self, query: Any) -> Row[Any] | None:
        with self._reader.connect() as connection:
            return connection.execute(query).first()


def _values(user: User) -> dict[str, Any]:
    return {name: getattr(user, name) for name in _USER_FIELDS}


def _upsert_setting(dialect: str, key: str, value: str) -> Insert:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(settings).values(key=key, value=value)
    return statement.on_conflict_do_update(index_elements=[settings.c.key], set_={"value": value})
