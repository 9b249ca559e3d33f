"""Time the evaluation of every alert for a synthetic province on PostgreSQL.

The province: 100 facilities (a provincial store, 9 district stores, 90 communes, each with a fridge and a
transit location), 5,000 lots of the catalogue's vaccines held across them (some expired, at VVM 3, on hold
or at zero), 10^6 movements over the last year (issues, vaccination days and receipts), 300 shipments in
transit and 200 confirmed (some short), counts at half the facilities; each fridge is cold-chain equipment read
twice a day (one in seven missing this morning's reading, one in ten needing repair, one in twenty with an open
excursion), and half the stations and districts have submitted their monthly reports. The data are written with SQL
(generate_series) and are not timed; balances are synthetic (this measures the alerts, not the ledger).

One timed run = `AlertService.evaluate()` in its own transaction on a pooled connection (as in a server
process; the engine's first run is not counted): every query, the polars rules, and the writes of the alert
rows. "First" runs start with no alert (every condition opens one: the heaviest);
"steady" runs find them open and only compare. Each run is rolled back, so runs are alike.

Run: ``uv run python bench/alerts.py [--admin-url postgresql://postgres@127.0.0.1:5432/test]``.
Prints ``figure alerts_province_seconds = S s`` (median of the first runs; target ≤ 1).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from datetime import date
from datetime import time as dt_time
from pathlib import Path

from ledger_setup import Scratch
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.alerts.service import AlertService
from inventory.auth import Principal
from inventory.catalog.seed import load_catalogue
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.settings import Settings

TODAY = date(2026, 12, 3)
NOW = dt_time(10, 30)
"""Local time of the evaluation: this morning's readings are due (from 10:00)."""
FACILITIES, LOTS, MOVEMENTS, RUNS = 100, 5_000, 1_000_000, 5

PROVINCE = [
    # facilities: province, 9 districts under it, 10 communes under each district
    """INSERT INTO facility (code, name, level, supplier_id, valid_from)
       VALUES ('B-PROV', 'Bench province store', 'province', NULL, DATE '2020-01-01')""",
    """INSERT INTO facility (code, name, level, supplier_id, valid_from)
       SELECT 'B-D' || lpad(d::text, 2, '0'), 'Bench district ' || d, 'district',
              (SELECT id FROM facility WHERE code = 'B-PROV'), DATE '2020-01-01'
       FROM generate_series(1, 9) d""",
    """INSERT INTO facility (code, name, level, supplier_id, valid_from)
       SELECT 'B-C' || lpad(c::text, 3, '0'), 'Bench commune ' || c, 'commune',
              (SELECT id FROM facility WHERE code = 'B-D' || lpad((1 + (c - 1) / 10)::text, 2, '0')),
              DATE '2020-01-01'
       FROM generate_series(1, 90) c""",
    """CREATE TEMP TABLE bench_facility AS
       SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM facility WHERE code LIKE 'B-%'""",
    """INSERT INTO location (facility_id, code, name, kind, active)
       SELECT id, 'F1', 'Fridge', 'fridge', true FROM bench_facility
       UNION ALL SELECT id, 'TRANSIT', 'Transit', 'transit', true FROM bench_facility""",
    """CREATE TEMP TABLE bench_product AS
       SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id FROM product WHERE NOT is_diluent""",
    # lots: one place each; a few expired, at VVM 3, on hold, or at zero
    """INSERT INTO lot (product_id, lot_number, expires_on, vvm_stage, created_at)
       SELECT p.id, 'BL-' || i, DATE '{today}' + (-20 + (i * 37) % 720), 1, now()
       FROM generate_series(0, {lots} - 1) i
       JOIN bench_product p ON p.idx = i % (SELECT count(*) FROM bench_product)""",
    """CREATE TEMP TABLE bench_lot AS
       SELECT (substr(l.lot_number, 4))::int AS idx, l.id AS lot_id, loc.id AS location_id, f.id AS facility_id
       FROM lot l
       JOIN bench_facility f ON f.idx = (substr(l.lot_number, 4))::int % {facilities}
       JOIN location loc ON loc.facility_id = f.id AND loc.code = 'F1'
       WHERE l.lot_number LIKE 'BL-%'""",
    "CREATE INDEX ON bench_lot (idx)",
    """INSERT INTO balance (location_id, lot_id, doses)
       SELECT location_id, lot_id, CASE WHEN idx % 50 = 0 THEN 0 ELSE 20 + (idx * 53) % 2000 END
       FROM bench_lot""",
    # a lot's VVM stage and hold belong to the place (lot_place_state): VVM 3 at one lot in 97, a hold at one in 89
    """INSERT INTO lot_place_state (location_id, lot_id, vvm_stage, on_hold, hold_reason, updated_at, updated_by)
       SELECT location_id, lot_id, CASE WHEN idx % 97 = 0 THEN 3 ELSE 1 END, idx % 89 = 0,
              CASE WHEN idx % 89 = 0 THEN 'bench' END, now() - interval '5 days', 'bench'
       FROM bench_lot WHERE idx % 97 = 0 OR idx % 89 = 0""",
    # 100,000 documents of 10 movements each over the last year, appended in date order as a ledger is
    """INSERT INTO stock_document (kind, facility_id, occurred_on, recorded_at, recorded_by)
       SELECT CASE WHEN d % 10 = 0 THEN 'receipt' WHEN d % 2 = 0 THEN 'issue' ELSE 'usage' END,
              b.facility_id, DATE '{today}' - 364 + (d * 365 / ({movements} / 10))::int, now(), 'bench'
       FROM generate_series(0, {movements} / 10 - 1) d JOIN bench_lot b ON b.idx = (d * 10) % {lots}
       ORDER BY d""",
    """CREATE TEMP TABLE bench_doc AS
       SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, kind, occurred_on
       FROM stock_document WHERE recorded_by = 'bench'""",
    "CREATE INDEX ON bench_doc (idx)",
    """INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at,
                             recorded_by)
       SELECT d.id, d.kind, b.location_id, b.lot_id,
              CASE WHEN d.kind = 'receipt' THEN 50 + g % 200 ELSE -(1 + g % 12) END,
              d.occurred_on, now(), 'bench'
       FROM generate_series(0, {movements} - 1) g
       JOIN bench_doc d ON d.idx = g / 10
       JOIN bench_lot b ON b.idx = g % {lots}
       ORDER BY g""",
    # shipments: 300 in transit, 200 confirmed (one in four short), from each district to its communes
    """CREATE TEMP TABLE bench_ship AS
       SELECT s, c.id AS to_id, c.supplier_id AS from_id FROM generate_series(0, 499) s
       JOIN facility c ON c.code = 'B-C' || lpad((1 + s % 90)::text, 3, '0')""",
    """INSERT INTO stock_document (kind, facility_id, counterparty_id, occurred_on, recorded_at, recorded_by,
                                  reference)
       SELECT 'issue', from_id, to_id, DATE '{today}' - (s % 21), now(), 'bench-ship', 'S' || s FROM bench_ship
       UNION ALL
       SELECT 'shipment_receipt', to_id, from_id, DATE '{today}' - (s % 40), now(), 'bench-ship', 'R' || s
       FROM bench_ship WHERE s >= 300""",
    """INSERT INTO shipment (issue_document_id, from_facility_id, to_facility_id, status, dispatched_on,
                             receipt_document_id)
       SELECT i.id, b.from_id, b.to_id, CASE WHEN b.s >= 300 THEN 'received' ELSE 'in_transit' END,
              i.occurred_on, r.id
       FROM bench_ship b
       JOIN stock_document i ON i.reference = 'S' || b.s AND i.recorded_by = 'bench-ship'
       LEFT JOIN stock_document r ON r.reference = 'R' || b.s AND r.recorded_by = 'bench-ship'""",
    """INSERT INTO shipment_line (shipment_id, lot_id, doses_sent, doses_received, vvm_stage_on_arrival,
                                  freeze_indicator_alarm)
       SELECT sh.id, l.lot_id, 100,
              CASE WHEN sh.status = 'received' THEN (CASE WHEN sh.id % 4 = 0 THEN 90 ELSE 100 END) END,
              CASE WHEN sh.status = 'received' THEN 1 END, CASE WHEN sh.status = 'received' THEN false END
       FROM shipment sh JOIN bench_lot l ON l.idx IN (sh.id % {lots}, (sh.id + 1) % {lots})""",
    """INSERT INTO stock_count (facility_id, counted_on, status, created_at, created_by)
       SELECT id, DATE '{today}' - (idx * 3)::int, 'submitted', now(), 'bench'
       FROM bench_facility WHERE idx % 2 = 0""",
    # the cold chain: every fridge is equipment, read twice a day for the last week except one fridge in
    # seven this morning; one in ten needs repair; one open excursion in twenty, its lots undecided
    """INSERT INTO equipment (location_id, equipment_type, created_at, created_by)
       SELECT l.id, 'refrigerator', TIMESTAMPTZ '2026-01-01 08:00+07', 'bench'
       FROM location l JOIN bench_facility f ON f.id = l.facility_id WHERE l.code = 'F1'""",
    """INSERT INTO equipment_status (equipment_id, status, reason, recorded_at, recorded_by)
       SELECT e.id, 'needs_repair', 'bench', TIMESTAMPTZ '{today} 08:00+07' - interval '3 days', 'bench'
       FROM equipment e JOIN location l ON l.id = e.location_id JOIN bench_facility f ON f.id = l.facility_id
       WHERE f.idx % 10 = 0""",
    """INSERT INTO manual_reading (location_id, day, period, celsius, freeze_indicator, recorded_at, recorded_by)
       SELECT l.id, DATE '{today}' - d, p, 5.0, 'ok', now(), 'bench'
       FROM location l JOIN bench_facility f ON f.id = l.facility_id
       CROSS JOIN generate_series(0, 6) d CROSS JOIN (VALUES ('morning'), ('afternoon')) AS periods(p)
       WHERE l.code = 'F1' AND (d > 0 OR (p = 'morning' AND f.idx % 7 <> 0))""",
    """INSERT INTO excursion (location_id, kind, rule, source, started_at, alarm_at, across_gap, status,
                              opened_at, opened_by)
       SELECT l.id, 'heat', 'heat-600', 'manual', TIMESTAMPTZ '{today} 08:00+07' - interval '2 days',
              TIMESTAMPTZ '{today} 08:00+07' - interval '2 days', false, 'open', now(), 'bench'
       FROM location l JOIN bench_facility f ON f.id = l.facility_id WHERE l.code = 'F1' AND f.idx % 20 = 0""",
    """INSERT INTO exposed_lot (excursion_id, lot_id, doses)
       SELECT x.id, b.lot_id, 10 FROM excursion x JOIN bench_lot b ON b.location_id = x.location_id""",
    # the monthly reports: half the stations and districts submitted October's and November's
    """INSERT INTO report_submission (kind, period, facility_code, version, submitted_at, submitted_by, content)
       SELECT k, p, fac.code, 1, now(), 'bench', '{{}}'
       FROM facility fac JOIN bench_facility f ON f.id = fac.id
       CROSS JOIN (VALUES ('usage'), ('results')) AS kinds(k) CROSS JOIN (VALUES ('2026-10'), ('2026-11')) AS ps(p)
       WHERE f.idx % 2 = 1""",
]


async def load(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await load_catalogue(session)
        async with unit_of_work(session_factory(engine)) as session:
            for statement in PROVINCE:
                sql = statement.format(
                    today=TODAY.isoformat(), lots=LOTS, facilities=FACILITIES, movements=MOVEMENTS
                )
                await session.execute(text(sql))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            # what autovacuum does on a live server: statistics, and the BRIN ranges of the day index summarised
            await conn.exec_driver_sql("VACUUM ANALYZE")
            counts = (
                await conn.exec_driver_sql(
                    "SELECT (SELECT count(*) FROM facility WHERE code LIKE 'B-%'), "
                    "(SELECT count(*) FROM lot WHERE lot_number LIKE 'BL-%'), (SELECT count(*) FROM movement)"
                )
            ).one()
        print(f"  province: {counts[0]} facilities, {counts[1]} lots, {counts[2]} movements")
    finally:
        await engine.dispose()


async def timed(engine: AsyncEngine, *, commit: bool) -> tuple[float, object]:
    """One evaluation in its own transaction, on a pooled connection (as a server process has one)."""
    async with session_factory(engine)() as session:
        await session.execute(text("SELECT 1"))  # the connection, not the evaluation
        began = time.perf_counter()
        result = await AlertService(session, Principal.system("bench"), today=TODAY, now=NOW).evaluate()
        elapsed = time.perf_counter() - began
        await (session.commit() if commit else session.rollback())
    return elapsed, result


async def run(admin_url: str, keep: bool) -> None:
    scratch = Scratch(admin_url, keep=keep)
    try:
        print(await scratch.server())
        name = await scratch.recreate("alerts")
        settings = Settings(database_url=scratch.url(name))
        logging.getLogger("alembic").setLevel(logging.WARNING)
        began = time.perf_counter()
        await asyncio.to_thread(upgrade, settings)
        await load(settings)
        print(f"  loaded in {time.perf_counter() - began:.1f} s (not timed)")
        engine = create_engine(settings)
        try:
            await timed(engine, commit=False)  # a server process's first request after start: not counted
            first = []
            for _ in range(RUNS):
                elapsed, result = await timed(engine, commit=False)
                first.append(elapsed)
            print(f"  first runs (no alert open yet): {', '.join(f'{s:.3f}' for s in first)} s; {result}")
            await timed(engine, commit=True)
            steady = []
            for _ in range(RUNS):
                elapsed, result = await timed(engine, commit=False)
                steady.append(elapsed)
            print(f"  steady runs (alerts open): {', '.join(f'{s:.3f}' for s in steady)} s; {result}")
        finally:
            await engine.dispose()
        print(f"  load average: {Path('/proc/loadavg').read_text().split()[:3]}")
        print(f"figure alerts_province_seconds = {statistics.median(first):.3f} s")
        print(f"figure alerts_province_steady_seconds = {statistics.median(steady):.3f} s")
    finally:
        await scratch.drop_all()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("VAXSTOCK_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a superuser connection used to create and drop the scratch database",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for inspection")
    args = parser.parse_args()
    asyncio.run(run(args.admin_url, args.keep))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
