"""The schema as unitboard 0.1 made it: the event log, the idempotency answers, users,
tokens, settings and, on PostgreSQL, the function that guards the log's head.

A database made before Alembic owned the schema (settings.schema_version = "1") is this
revision: unitboard.store.migrate stamps it so, then upgrades it.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""On SQLite an INTEGER PRIMARY KEY is the rowid: the table is kept in position order."""

EXPECT_HEAD_FUNCTION = """
CREATE OR REPLACE FUNCTION unitboard_expect_head(expected bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    head bigint := (SELECT coalesce(max(position), 0) FROM events);
BEGIN
    IF head <> expected THEN
        RAISE EXCEPTION USING
            ERRCODE = 'UB409',
            MESSAGE = 'the log is at position ' || head || ', not at ' || expected,
            DETAIL = head::text;
    END IF;
END
$$
"""
"""Raises SQLSTATE UB409 (DETAIL: the head) unless the log's head is `expected`."""


def upgrade() -> None:
    create_events()
    create_idempotency()
    create_users()
    create_tokens()
    create_settings()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(EXPECT_HEAD_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS unitboard_expect_head(bigint)")
    for table in ("settings", "tokens", "users", "idempotency", "events"):
        op.drop_table(table)


def create_events() -> None:
    op.create_table(
        "events",
        sa.Column("position", POSITION, primary_key=True, autoincrement=False),
        sa.Column("stream_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),
    )


def create_idempotency() -> None:
    op.create_table(
        "idempotency",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("first_position", POSITION, nullable=True),
        sa.Column("last_position", POSITION, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("key", name="idempotency_pkey"),
    )


def create_users() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
    )


def create_tokens() -> None:
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )


def create_settings() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
