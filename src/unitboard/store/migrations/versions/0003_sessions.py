"""Sessions live on the server: a row per login or display device, found by the hash of
the random id in the browser's cookie, so logging out, disabling a user, revoking a token
or idling off ends it everywhere. The old signing secret for client-side session cookies
(settings.session_secret) goes: nothing is signed with a secret kept in the database now.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
OLD_SECRET_KEY = "session_secret"


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_seen_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("ended_why", sa.String(40), nullable=True),
    )
    op.create_index("ix_sessions_username", "sessions", ["username"])
    op.create_index("ix_sessions_token_id", "sessions", ["token_id"])
    op.execute(SETTINGS.delete().where(SETTINGS.c.key == OLD_SECRET_KEY))


def downgrade() -> None:
    op.drop_index("ix_sessions_token_id", "sessions")
    op.drop_index("ix_sessions_username", "sessions")
    op.drop_table("sessions")
