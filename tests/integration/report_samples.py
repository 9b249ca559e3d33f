"""A commune's first quarter of 2026 whose every report figure is worked out by hand, and the helpers the
report tests read it with (post on a day, build a report, pick a usage row).

The `quarter` fixture that loads it lives in conftest.py.
"""

from __future__ import annotations

from datetime import date

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import adjustments, receiving, reversal, usage

COMMUNE = "TYT-03451"


async def post(settings: Settings, day: date, action) -> object:
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            stock = StockContext(session, settings, Principal.system("test"), today=day)
            return await action(stock)
    finally:
        await engine.dispose()


async def build_report(settings: Settings, kind: str, period: str, facility: str = COMMUNE, principal=None):
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            service = ReportsService(session, principal or Principal.system("test"), today=date(2026, 12, 3))
            return await service.report(kind, period, facility)
    finally:
        await engine.dispose()


def usage_row(report, product: str, scope: str = "facility") -> dict:
    rows = [r for r in report.tables["usage"].iter_rows(named=True) if r["product_code"] == product]
    rows = [r for r in rows if r["scope"] == scope]
    assert len(rows) == 1, rows
    return rows[0]


def usage_on(day: date, product: str, lot: str, vials: int, given: int) -> s.UsageCreate:
    return s.UsageCreate(
        facility=COMMUNE,
        session_on=day,
        lines=[
            s.UsageLine(
                product=product, lot_number=lot, location="TL", doses_administered=given, vials_opened=vials
            )
        ],
    )


def adjustment(day: date, product: str, lot: str, doses: int, reason: str) -> s.AdjustmentCreate:
    return s.AdjustmentCreate(
        facility=COMMUNE,
        occurred_on=day,
        lines=[s.AdjustmentLine(product=product, lot_number=lot, location="TL", doses=doses, reason=reason)],
    )


async def load_quarter(settings: Settings) -> Settings:
    """A commune's first quarter of 2026, bOPV (20 doses a vial, opened vials kept 28 days) and Penta.

    Jan: received 400 bOPV, opened 5 vials (100 doses) and gave 80; lost 20 in closed vials.
         received 100 Penta; 3 expired, 2 broken.
    Feb: opened 2 bOPV vials (40 doses) and gave 50 (from the vials kept since January); found 5.
         a session of 1 vial / 15 doses, reversed the same day (uses nothing).
         Penta: 10 vials opened, 10 given.
    """
    jan5, jan10, jan20 = date(2026, 1, 5), date(2026, 1, 10), date(2026, 1, 20)
    feb10, feb12, feb15, feb20 = date(2026, 2, 10), date(2026, 2, 12), date(2026, 2, 15), date(2026, 2, 20)
    receipt = s.DirectReceiptCreate(
        facility=COMMUNE,
        reason="opening stock of the quarter (a station receives directly only with a reason)",
        occurred_on=jan5,
        lines=[
            s.ReceiptLine(
                product="BOPV", lot_number="B1", expires_on=date(2027, 6, 30), doses=400, location="TL"
            ),
            s.ReceiptLine(
                product="PENTA", lot_number="P1", expires_on=date(2027, 6, 30), doses=100, location="TL"
            ),
        ],
    )
    await post(settings, jan5, lambda st: receiving.receive_direct(st, receipt, key="report-r1"))
    await post(
        settings,
        jan10,
        lambda st: usage.record_usage(st, usage_on(jan10, "BOPV", "B1", 5, 80), key="report-u1"),
    )
    for key, (product, lot, doses, reason) in enumerate(
        [("BOPV", "B1", -20, "lost"), ("PENTA", "P1", -3, "expired"), ("PENTA", "P1", -2, "broken")]
    ):
        await post(
            settings,
            jan20,
            lambda st, a=(product, lot, doses, reason), k=key: adjustments.adjust(
                st, adjustment(jan20, *a), key=f"report-a{k}"
            ),
        )
    await post(
        settings,
        feb10,
        lambda st: usage.record_usage(st, usage_on(feb10, "BOPV", "B1", 2, 50), key="report-u2"),
    )
    await post(
        settings,
        feb12,
        lambda st: usage.record_usage(st, usage_on(feb12, "PENTA", "P1", 10, 10), key="report-u3"),
    )
    await post(
        settings,
        feb15,
        lambda st: adjustments.adjust(st, adjustment(feb15, "BOPV", "B1", 5, "found"), key="report-a9"),
    )
    wrong = await post(
        settings,
        feb20,
        lambda st: usage.record_usage(st, usage_on(feb20, "BOPV", "B1", 1, 15), key="report-u4"),
    )
    await post(
        settings,
        feb20,
        lambda st: reversal.reverse(st, wrong.id, s.ReversalCreate(reason="entered twice"), key="report-x1"),
    )
    return settings
