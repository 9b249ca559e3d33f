"""Time: stored in UTC, shown and counted in days in Vietnam's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def vietnam_day(instant: datetime) -> date:
    """The Vietnamese calendar day an instant falls on."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM).date()


def today_vn() -> date:
    """Today's date in Vietnam."""
    return vietnam_day(utcnow())


def to_vietnam(instant: datetime) -> datetime:
    """An instant shown in Vietnam's time zone."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VIETNAM)
