"""Events carry the version of their type's shape: events.event_version, 1 for every event
stored so far. The schema's revision now lives in Alembic's alembic_version table, so the
old settings row `schema_version` goes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SETTINGS = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
SCHEMA_VERSION_KEY = "schema_version"


def upgrade() -> None:
    with op.batch_alter_table("events") as events:
        events.add_column(
            sa.Column("event_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.execute(SETTINGS.delete().where(SETTINGS.c.key == SCHEMA_VERSION_KEY))


def downgrade() -> None:
    op.execute(SETTINGS.insert().values(key=SCHEMA_VERSION_KEY, value="1"))
    with op.batch_alter_table("events") as events:
        events.drop_column("event_version")
