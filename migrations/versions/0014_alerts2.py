"""Alerts read faster: a partial covering index of the outflow movements by day (recent consumption is an
index-only scan) and stock documents by facility and day (a facility's first posting is one index step).

Revision ID: 0014_alerts2
Revises: 0013_coldchain
Create Date: 2026-12-03 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_alerts2"
down_revision: str | None = "0013_coldchain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTFLOW = "doses < 0 AND kind IN ('issue', 'usage', 'adjustment', 'return')"


def upgrade() -> None:
    op.create_index(
        "ix_movement_outflow_by_day",
        "movement",
        ["occurred_on"],
        postgresql_include=["location_id", "lot_id", "doses"],
        postgresql_where=sa.text(OUTFLOW),
        sqlite_where=sa.text(OUTFLOW),
    )
    op.create_index("ix_stock_document_facility_day", "stock_document", ["facility_id", "occurred_on"])


def downgrade() -> None:
    op.drop_index("ix_stock_document_facility_day", table_name="stock_document")
    op.drop_index("ix_movement_outflow_by_day", table_name="movement")
