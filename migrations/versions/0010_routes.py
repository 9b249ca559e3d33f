"""Extra supply routes allowed by an administrator beyond the facility tree

Revision ID: 0010_routes
Revises: 0009_ledgerproof
Create Date: 2026-12-03 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inventory.types

revision: str = "0010_routes"
down_revision: str | None = "0009_ledgerproof"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supply_route",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("from_facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("to_facility_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("allowed_by", sa.String(length=100), nullable=False),
        sa.Column("allowed_at", inventory.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoked_at", inventory.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("from_facility_id <> to_facility_id", name=op.f("ck_supply_route_not_itself")),
        sa.ForeignKeyConstraint(
            ["from_facility_id"], ["facility.id"], name=op.f("fk_supply_route_from_facility_id_facility")
        ),
        sa.ForeignKeyConstraint(
            ["to_facility_id"], ["facility.id"], name=op.f("fk_supply_route_to_facility_id_facility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_route")),
    )
    with op.batch_alter_table("supply_route", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supply_route_to_facility_id"), ["to_facility_id"], unique=False)
        batch_op.create_index(
            "uq_supply_route_active",
            ["from_facility_id", "to_facility_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("supply_route", schema=None) as batch_op:
        batch_op.drop_index("uq_supply_route_active")
        batch_op.drop_index(batch_op.f("ix_supply_route_to_facility_id"))
    op.drop_table("supply_route")
