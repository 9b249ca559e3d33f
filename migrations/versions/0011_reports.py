"""submitted reports and report settings

Revision ID: 0011_reports
Revises: 0010_routes
Create Date: 2026-12-03 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inventory.types

revision: str = "0011_reports"
down_revision: str | None = "0010_routes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_submission",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("facility_code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", inventory.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
        sa.UniqueConstraint(
            "kind",
            "period",
            "facility_code",
            "version",
            name=op.f("uq_report_submission_kind_period_facility_code_version"),
        ),
    )
    op.create_table(
        "report_setting",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", inventory.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_report_setting")),
    )


def downgrade() -> None:
    op.drop_table("report_setting")
    op.drop_table("report_submission")
