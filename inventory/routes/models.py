"""Extra supply routes an administrator allowed beyond the facility tree: who, when, why; revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class SupplyRoute(Base):
    """FROM may supply TO (issue to it; TO receives from and returns to FROM), though FROM is not TO's
    supplier in the facility tree. Never deleted: a revoked route keeps who revoked it, when and why."""

    __tablename__ = "supply_route"
    __table_args__ = (
        CheckConstraint("from_facility_id <> to_facility_id", name="not_itself"),
        Index(
            "uq_supply_route_active",
            "from_facility_id",
            "to_facility_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    from_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    to_facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    allowed_by: Mapped[str] = mapped_column(String(100))
    allowed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
