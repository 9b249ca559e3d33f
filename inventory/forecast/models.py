"""Forecast parameter overrides (WHO defaults live in forecasting.needs.Settings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from inventory.db import Base
from inventory.types import BigId, UTCDateTime


class ForecastSetting(Base):
    """One override of one forecast setting, for a product, a facility, or a facility × product."""

    __tablename__ = "forecast_setting"
    __table_args__ = (UniqueConstraint("facility_code", "product_code", "name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    facility_code: Mapped[str] = mapped_column(String(32), default="")
    """'' for every facility."""
    product_code: Mapped[str] = mapped_column(String(32), default="")
    """'' for every product."""
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    """JSON."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
