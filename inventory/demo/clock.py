"""The demo's simulated working day: who records each posting, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.catalog.service import CatalogService
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from inventory.stock.context import StockContext
from inventory.timeutil import VIETNAM, utcnow

DEMO_ACTOR = "demo: thủ kho Lò Thị Mai"
COMMUNE_ACTOR = "demo: y tế xã"


@dataclass
class _Clock:
    """Builds services that believe `day` is today, so each posting is on time for its day, and is recorded
    during that day's working hours (from 07:30 in Vietnam, a few minutes apart; never after the real now)."""

    session: AsyncSession
    settings: Settings
    recorded: dict[date, int] = field(default_factory=dict)
    catalog: CatalogService = field(init=False)
    """Products, facilities and locations looked up once for the whole year, not once per simulated day."""

    def __post_init__(self) -> None:
        self.catalog = CatalogService(self.session)

    def stock(self, day: date, actor: str = DEMO_ACTOR) -> StockContext:
        return StockContext(
            self.session,
            self.settings,
            Principal.system(actor),
            today=day,
            now=lambda: self._during(day),
            catalog=self.catalog,
        )

    def reports(self, day: date, actor: str) -> ReportsService:
        return ReportsService(self.session, Principal.system(actor), today=day, now=lambda: self._during(day))

    def _during(self, day: date) -> datetime:
        n = self.recorded[day] = self.recorded.get(day, 0) + 1
        opening = datetime.combine(day, time(7, 30), tzinfo=VIETNAM)
        return min(opening + timedelta(minutes=7 * n), utcnow()).astimezone(UTC)


def _key(*parts: object) -> str:
    return "demo:" + ":".join(str(p) for p in parts)
