"""Sign-in throttling by atomic counters (per username and address, per address, per username)

Revision ID: 0008_credentials
Revises: 0007_count_reasons
Create Date: 2026-12-03 07:00:00

The log of failed attempts (login_attempt), which was counted with a SELECT before each check and let
parallel attempts through, gives way to one counter row per counted thing, updated by a single
INSERT ... ON CONFLICT DO UPDATE ... RETURNING. Counts in progress are not carried over: a window lasts
15 minutes, and the old rows cannot say which of the new scopes they belonged to.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inventory.types

revision: str = "0008_credentials"
down_revision: str | None = "0007_count_reasons"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", inventory.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "scope IN ('user_address', 'address', 'user')", name=op.f("ck_sign_in_failure_scope_known")
        ),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_sign_in_failure_failures_not_negative")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_username_at")
        batch_op.drop_index(batch_op.f("ix_login_attempt_address"))
    op.drop_table("login_attempt")


def downgrade() -> None:
    op.create_table(
        "login_attempt",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", inventory.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempt_address"), ["address"], unique=False)
        batch_op.create_index("ix_login_attempt_username_at", ["username", "attempted_at"], unique=False)
    op.drop_table("sign_in_failure")
