"""A count line carries the reason for its difference (broken, lost, found, expired...)

Revision ID: 0007_count_reasons
Revises: 0006_register_people
Create Date: 2026-12-03 07:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_count_reasons"
down_revision: str | None = "0006_register_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stock_count_line") as batch:
        batch.add_column(sa.Column("difference_reason", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_count_line") as batch:
        batch.drop_column("difference_reason")
