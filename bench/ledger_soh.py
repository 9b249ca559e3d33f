"""Stock on hand against the size of the ledger, for bench/ledger.py.

Two ledgers hold the same stock at the district store (received through POST /api/v1/receipts); one is
grown to 10^4 movements and one to 10^6 by bulk history that changes no balance. `GET /api/v1/facilities/
TTYT-MT/stock` is sent to the real app in-process on both, alternating, as the store keeper.
"""

from __future__ import annotations

import statistics
import time
from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import Any

import msgspec
from ledger_asgi import InProcessApp, api_headers
from ledger_setup import ACTOR, SOURCE, BenchDb, Params
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.catalog.models import Facility, Location, Product
from inventory.db import create_engine, session_factory
from inventory.stock import schemas as s
from inventory.stock.models import Lot, Movement, StockDocument
from inventory.stock.repository import StockRepository
from inventory.timeutil import today_vn, utcnow

SOH_LOCATIONS = ("TL-01", "TL-02", "HL-01")
LOTS_PER_PRODUCT = 3
STOCK = f"/api/v1/facilities/{SOURCE}/stock"


class Rows(msgspec.Struct):
    """What the benchmark reads of a StockOnHand answer: its rows, counted."""

    rows: list[msgspec.Raw]


async def soh_opening_stock(api: InProcessApp, db: BenchDb) -> int:
    """Three lots of every product at the district store, received through the API (real balances)."""
    async with session_factory(api.engine)() as session:
        products = list((await session.scalars(select(Product).order_by(Product.code))).all())
    today = today_vn()
    lines = [
        s.ReceiptLine(
            product=p.code,
            lot_number=f"SOH-{p.code}-{j}",
            expires_on=today + timedelta(days=120 * (j + 1)),
            doses=p.doses_per_vial * 100 * (j + 1),
            location=SOH_LOCATIONS[j % len(SOH_LOCATIONS)],
        )
        for p in products
        for j in range(LOTS_PER_PRODUCT)
    ]
    receipt = s.ReceiptCreate(facility=SOURCE, supplier="CDC-LC", lines=lines)
    headers = api_headers(db.keeper_token, key="bench:soh:receipt", json=True)
    await api.expect(201, "POST", "/api/v1/receipts", headers, receipt)
    return len(lines)


def _history_sql(
    dialect: str,
    *,
    target: int,
    docs: int,
    base: int,
    first_day: date,
    days: int,
    n_target: int,
    n_pairs: int,
    recorded_at: str,
) -> tuple[str, str, str]:
    """Three statements: history documents, their +/- movement pairs, and zero balance rows for new pairs."""
    pairs = (
        f"pairs AS (SELECT row_number() OVER (ORDER BY (l.facility_id <> {target}), l.id, t.id) - 1 AS i, "
        "l.id AS location_id, l.facility_id, t.id AS lot_id "
        "FROM location l JOIN facility f ON f.id = l.facility_id CROSS JOIN lot t "
        "WHERE l.kind <> 'transit' AND f.valid_to IS NULL)"
    )
    pick = f"CASE WHEN g % 2 = 0 THEN (g * 7919) % {n_target} ELSE (g * 104729) % {n_pairs} END"
    if dialect == "postgresql":
        series = f"s AS (SELECT g, {pick} AS i FROM generate_series(CAST(1 AS bigint), {docs}) AS g)"
        day = f"(DATE '{first_day.isoformat()}' + CAST(s.g % {days} AS integer))"
        stamp = f"TIMESTAMPTZ '{recorded_at}+00:00'"
    else:
        series = (
            f"s0(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s0 WHERE g < {docs}), "
            f"s AS (SELECT g, {pick} AS i FROM s0)"
        )
        day = f"date('{first_day.isoformat()}', '+' || (s.g % {days}) || ' days')"
        stamp = f"'{recorded_at}'"
    head = f"WITH {'RECURSIVE ' if dialect != 'postgresql' else ''}{pairs}, {series} "
    documents = (
        head
        + "INSERT INTO stock_document (id, kind, facility_id, occurred_on, recorded_at, recorded_by, note) "
        f"SELECT {base} + s.g, 'adjustment', p.facility_id, {day}, {stamp}, '{ACTOR}', "
        "'bench: history' FROM s JOIN pairs p ON p.i = s.i"
    )
    movements = (
        head
        + "INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at, "
        "recorded_by, reason_code) "
        f"SELECT {base} + s.g, 'adjustment', p.location_id, p.lot_id, m.sign * 20 * (1 + s.g % 25), "
        f"{day}, {stamp}, '{ACTOR}', m.reason FROM s JOIN pairs p ON p.i = s.i "
        "CROSS JOIN (SELECT 1 AS sign, 'found' AS reason UNION ALL SELECT -1, 'count_correction') AS m"
    )
    balances = (
        f"WITH {pairs} INSERT INTO balance (location_id, lot_id, doses) "
        "SELECT location_id, lot_id, 0 FROM pairs WHERE true ON CONFLICT (location_id, lot_id) DO NOTHING"
    )
    return documents, movements, balances


async def grow_history(engine: AsyncEngine, total_movements: int) -> tuple[int, float]:
    """Bulk-append history until the ledger holds `total_movements` movements; balances stay consistent.

    Every history document is an adjustment of +d then -d doses at one (location, lot), dated in the last year:
    half of them at the district store's pairs, half anywhere. It changes no balance, so verify() holds.
    """
    dialect = engine.dialect.name
    started = time.perf_counter()
    async with engine.begin() as conn:
        existing = int(await conn.scalar(select(func.count()).select_from(Movement)) or 0)
        docs = max(total_movements - existing, 0) // 2
        target = int(await conn.scalar(select(Facility.id).where(Facility.code == SOURCE)) or 0)
        storage = (
            select(func.count())
            .select_from(Location)
            .join(Facility, Facility.id == Location.facility_id)
            .where(Location.kind != "transit", Facility.valid_to.is_(None))
        )
        lots = int(await conn.scalar(select(func.count()).select_from(Lot)) or 0)
        statements = _history_sql(
            dialect,
            target=target,
            docs=docs,
            base=int(await conn.scalar(select(func.coalesce(func.max(StockDocument.id), 0))) or 0),
            first_day=today_vn() - timedelta(days=365),
            days=365,
            n_target=int(await conn.scalar(storage.where(Facility.id == target)) or 0) * lots,
            n_pairs=int(await conn.scalar(storage) or 0) * lots,
            recorded_at=utcnow().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
        )
        for statement in statements if docs else statements[2:]:
            await conn.exec_driver_sql(statement)
        if dialect == "postgresql":
            await conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('stock_document', 'id'), (SELECT max(id) FROM stock_document))"
            )
        total = int(await conn.scalar(select(func.count()).select_from(Movement)) or 0)
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.exec_driver_sql("VACUUM ANALYZE" if dialect == "postgresql" else "ANALYZE")
    return total, time.perf_counter() - started


async def soh_ledger(db: BenchDb, size: int) -> dict[str, Any]:
    """A ledger of `size` movements: opening stock through the API, then bulk history."""
    async with InProcessApp(db.settings) as api:
        lines = await soh_opening_stock(api, db)
    engine = create_engine(db.settings)
    try:
        total, built = await grow_history(engine, size)
    finally:
        await engine.dispose()
    return {"movements": total, "build": built, "receipt_lines": lines}


async def _read_soh(api: InProcessApp, token: str) -> tuple[float, int]:
    """One GET of the district store's stock on hand through the app, authentication included."""
    headers = api_headers(token)
    started = time.perf_counter()
    status, body = await api.call("GET", STOCK, headers)
    elapsed = time.perf_counter() - started
    if status != 200:
        raise RuntimeError(f"GET {STOCK} answered {status}: {body[:300]!r}")
    return elapsed, len(msgspec.json.decode(body, type=Rows).rows)


async def _read_sum(api: InProcessApp) -> float:
    """The contrast: balances summed over the movements (a repository read helper), no app around it."""
    async with session_factory(api.engine)() as session:
        facility_id = int(await session.scalar(select(Facility.id).where(Facility.code == SOURCE)) or 0)
        started = time.perf_counter()
        await StockRepository(session).facility_balances_as_of(facility_id, today_vn())
        return time.perf_counter() - started


async def soh_compare(ledgers: list[BenchDb], p: Params) -> dict[str, Any]:
    """Time the stock-on-hand request on each ledger, alternating between them so both see the same machine."""
    times: list[list[float]] = [[] for _ in ledgers]
    rows: list[set[int]] = [set() for _ in ledgers]
    contrast: list[list[float]] = [[] for _ in ledgers]
    checks = []
    async with AsyncExitStack() as stack:
        apps = [await stack.enter_async_context(InProcessApp(db.settings)) for db in ledgers]
        for i in range(p.soh_warmup_reads + p.soh_reads):
            for k in range(len(ledgers)) if i % 2 == 0 else reversed(range(len(ledgers))):
                elapsed, n = await _read_soh(apps[k], ledgers[k].keeper_token)
                rows[k].add(n)
                if i >= p.soh_warmup_reads:
                    times[k].append(elapsed)
        for i in range(4):
            for k, api in enumerate(apps):
                elapsed = await _read_sum(api)
                if i:
                    contrast[k].append(elapsed)
        for api, db in zip(apps, ledgers, strict=True):
            headers = api_headers(db.admin_token)
            report = await api.expect(200, "GET", "/api/v1/verify", headers, type=s.VerifyReport)
            checks.append((report.ok and not report.transit_mismatches, report.pairs_checked))
    return {"times": times, "rows": rows, "contrast": contrast, "verify": checks}


def print_soh(label: str, built: list[dict[str, Any]], cmp: dict[str, Any]) -> float:
    for k, b in enumerate(built):
        t = cmp["times"][k]
        print(
            f"  [{label}] ledger {b['movements']:>9,} movements (history built in {b['build']:5.1f} s; "
            f"verify ok={cmp['verify'][k][0]}, {cmp['verify'][k][1]} pairs): GET {STOCK} "
            f"median {1000 * statistics.median(t):.3f} ms (min {1000 * min(t):.3f}, max {1000 * max(t):.3f}; "
            f"{len(t)} reads, rows {sorted(cmp['rows'][k])}); contrast, SUM over movements "
            f"(facility_balances_as_of, no app): {1000 * statistics.median(cmp['contrast'][k]):.1f} ms",
            flush=True,
        )
    small, large = (statistics.median(t) for t in cmp["times"])
    return large / small
