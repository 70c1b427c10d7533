"""A token may act as a person (`tokens create NAME --user USERNAME`): tokens.username names
them, and such a token takes their role and units as they are at each request, so
disabling the person disables it. Tokens made before name nobody (NULL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENS = sa.table("tokens", sa.column("username", sa.String), sa.column("revoked", sa.Boolean))


def upgrade() -> None:
    with op.batch_alter_table("tokens") as tokens:
        tokens.add_column(sa.Column("username", sa.String(100), nullable=True))


def downgrade() -> None:
    # A personal token cannot outlive the column that says whose it is.
    op.execute(TOKENS.update().where(TOKENS.c.username.is_not(None)).values(revoked=True))
    with op.batch_alter_table("tokens") as tokens:
        tokens.drop_column("username")
