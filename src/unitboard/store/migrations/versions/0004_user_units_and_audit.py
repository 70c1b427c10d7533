"""People belong to units, several of them, in order (the first is where they land): the
table user_units replaces users.unit_id, whose value becomes each person's first unit. And
every change to people and tokens is recorded, with who made it and when: admin_audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

USERS = sa.table("users", sa.column("username", sa.String), sa.column("unit_id", sa.String))
USER_UNITS = sa.table(
    "user_units",
    sa.column("username", sa.String),
    sa.column("unit_id", sa.String),
    sa.column("rank", sa.Integer),
)


def upgrade() -> None:
    op.create_table(
        "user_units",
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("unit_id", sa.String(100), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("username", "unit_id", name="user_units_pkey"),
    )
    home_units = sa.select(USERS.c.username, USERS.c.unit_id, sa.literal(0)).where(
        USERS.c.unit_id.is_not(None)
    )
    op.execute(USER_UNITS.insert().from_select(["username", "unit_id", "rank"], home_units))
    with op.batch_alter_table("users") as users:
        users.drop_column("unit_id")
    op.create_table(
        "admin_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_audit")
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("unit_id", sa.String(100), nullable=True))
    first_unit = (
        sa.select(USER_UNITS.c.unit_id)
        .where(USER_UNITS.c.username == USERS.c.username)
        .order_by(USER_UNITS.c.rank)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(USERS.update().values(unit_id=first_unit))
    op.drop_table("user_units")
