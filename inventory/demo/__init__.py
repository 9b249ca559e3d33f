"""Realistic demo data for Mường Tè: a year of receipts, issues, deliveries, usage and wastage.

Deterministic (seeded) and idempotent: a second load finds the demo already there and adds nothing.
Every posting goes through the same services as the API, each on its own simulated day; the stations and the
district submit their past months' reports by the deadline (inventory.demo.reports).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.alerts.service import AlertService
from inventory.auth import Principal
from inventory.catalog.models import Facility, Product
from inventory.demo.clock import COMMUNE_ACTOR, DEMO_ACTOR, _Clock
from inventory.demo.coldchain import _cold_chain
from inventory.demo.events import _events
from inventory.demo.people import DEMO_NAMES, DEMO_USERS, _demo_register, _demo_users
from inventory.demo.plan import (
    CRUDE_BIRTH_RATE,
    DILUENT_OF,
    DOSES_PER_CHILD,
    REMOTE,
    ROTA_FROM,
    SESSIONS_PER_MONTH,
    WASTAGE_ALLOWANCE,
)
from inventory.demo.reports import _reports
from inventory.demo.supply import _month
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn

__all__ = [
    "COMMUNE_ACTOR",
    "CRUDE_BIRTH_RATE",
    "DEMO_ACTOR",
    "DEMO_NAMES",
    "DEMO_USERS",
    "DILUENT_OF",
    "DOSES_PER_CHILD",
    "REMOTE",
    "ROTA_FROM",
    "SESSIONS_PER_MONTH",
    "WASTAGE_ALLOWANCE",
    "load_demo",
]


async def load_demo(
    session: AsyncSession, settings: Settings, *, today: date | None = None
) -> dict[str, int]:
    """Load a year of demo activity ending today; nothing is added if the demo is already there."""
    today = today or today_vn()
    already = await session.scalar(
        select(func.count()).select_from(StockDocument).where(StockDocument.recorded_by == DEMO_ACTOR)
    )
    await _demo_users(session)
    if already:
        return {"documents": 0, "already_loaded": int(already)}
    counts_register = await _demo_register(session, today)
    rng = random.Random(2026)
    clock = _Clock(session, settings)
    products = {p.code: p for p in (await session.scalars(select(Product))).all()}
    facilities = {f.code: f for f in (await session.scalars(select(Facility))).all()}
    district = facilities["TTYT-MT"]
    communes = [f for f in facilities.values() if f.supplier_id == district.id and f.valid_to is None]
    communes.sort(key=lambda f: f.code)
    counts = {"receipts": 0, "issues": 0, "confirmations": 0, "usage_days": 0, "adjustments": 0, "counts": 0}
    lots: dict[str, tuple[str, date]] = {}
    start = (today - timedelta(days=365)).replace(day=1)
    month = start
    last_month = today.replace(day=1)
    while month <= last_month:
        await _month(clock, rng, month, today, products, district, communes, lots, counts, last_month)
        month = (month + timedelta(days=32)).replace(day=1)
    await _events(clock, today, products, district, counts)
    commune = next((f for f in communes if f.code == "TYT-03451"), communes[0] if communes else None)
    cold = await _cold_chain(clock, today, district, commune)
    reports = await _reports(clock, start, today, district, communes)
    evaluated = await AlertService(session, Principal.system("demo"), today=today).evaluate()
    return {**counts, **counts_register, **cold, **reports, "alerts": evaluated.still_open}
