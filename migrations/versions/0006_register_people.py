"""The register knows who to call: the child's parent or carer, village and phone

Revision ID: 0006_register_people
Revises: 0005
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_register_people"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("carer", sa.String(200), nullable=True))
        batch.add_column(sa.Column("village", sa.String(200), nullable=True))
        batch.add_column(sa.Column("phone", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.drop_column("phone")
        batch.drop_column("village")
        batch.drop_column("carer")
