"""API tokens expire, record their last use and can be revoked

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 04:55:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import inventory.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKENS_LAST = timedelta(days=90)
"""Tokens made before tokens expired get the default lifetime from the day they were made."""


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", inventory.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_used_at", inventory.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", inventory.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(length=100), nullable=True))
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.BigInteger()),
        sa.column("created_at", inventory.types.UTCDateTime(timezone=True)),
        sa.column("expires_at", inventory.types.UTCDateTime(timezone=True)),
    )
    connection = op.get_bind()
    for token_id, created_at in connection.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        connection.execute(
            tokens.update()
            .where(tokens.c.id == token_id)
            .values(expires_at=created_at + EXISTING_TOKENS_LAST)
        )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column(
            "expires_at", existing_type=inventory.types.UTCDateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
