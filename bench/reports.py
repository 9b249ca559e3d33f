"""Time the province's year of reports on PostgreSQL.

A synthetic province (a provincial store, 9 district stores, 90 communes: 100 facilities), one year of
ledger (receipts, issues with their transit legs, deliveries, vaccination days with their usage records,
closed-vial wastage) and a register of 150,000 children with their doses, bulk-loaded into a scratch
database. One timed run builds, through ReportsService exactly as the API does, the usage and wastage report
and the immunization results report of the year 2026 for the whole province (facility rows, district and
province roll-ups, by month). Loading is not timed.

Run: ``uv run python bench/reports.py`` (needs a PostgreSQL superuser URL in VAXSTOCK_BENCH_ADMIN_URL,
default postgresql://postgres@127.0.0.1:5432/test; ``--reuse`` skips loading when an earlier run's scratch
database is there). Prints ``figure province_year_report_seconds``.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy import select

from inventory.auth import Principal
from inventory.catalog.models import Product
from inventory.catalog.seed import load_catalogue
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.reports.service import ReportsService
from inventory.settings import Settings

ADMIN_URL = os.environ.get("VAXSTOCK_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DATABASE = "vaxstock_bench_reports"
YEAR = 2026
TODAY = date(YEAR + 1, 1, 10)
DISTRICTS, COMMUNES_PER_DISTRICT = 9, 10
CHILDREN = 150_000
SESSIONS_PER_MONTH = 8
RUNS = 3
ROOT = "P-BENCH"
ACTOR = "bench: reports"
# the register's doses: antigen, dose, age in days when given
DOSES = [
    ("HEPB", 1, 0), ("BCG", 1, 10), ("DTP", 1, 60), ("BOPV", 1, 60), ("PCV", 1, 60), ("ROTA", 1, 60),
    ("DTP", 2, 90), ("BOPV", 2, 90), ("PCV", 2, 90), ("ROTA", 2, 90), ("DTP", 3, 120), ("BOPV", 3, 120),
    ("IPV", 1, 150), ("PCV", 3, 150), ("IPV", 2, 270), ("MEASLES", 1, 270), ("JE", 1, 365), ("JE", 2, 380),
]  # fmt: skip
REASONS = ("expired", "vvm_discard", "frozen", "broken", "lost")


def url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database


async def fresh_database() -> Settings:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    settings = Settings(database_url=url(DATABASE))
    await asyncio.to_thread(upgrade, settings)
    engine = create_engine(settings)
    async with unit_of_work(session_factory(engine)) as session:
        await load_catalogue(session)
    await engine.dispose()
    return settings


async def load(rng: random.Random) -> dict[str, int]:
    """Bulk-load the province: facilities, lots, a year of ledger, the register."""
    db = await asyncpg.connect(url(DATABASE))
    now = datetime(YEAR + 1, 1, 5, tzinfo=UTC)
    counts: dict[str, int] = {}
    try:
        products = await db.fetch(
            "SELECT id, code, doses_per_vial FROM product WHERE NOT is_diluent ORDER BY code"
        )
        province_unit = await db.fetchval(
            "INSERT INTO admin_unit (code, name, kind, valid_from) VALUES ('99', 'Tỉnh Bench', 'province', "
            "'2000-01-01') RETURNING id"
        )

        async def facility(
            code: str, name: str, level: str, supplier: int | None, unit: int, population: int | None
        ) -> tuple[int, int, int]:
            fid = await db.fetchval(
                "INSERT INTO facility (code, name, level, supplier_id, admin_unit_id, population, valid_from) "
                "VALUES ($1, $2, $3, $4, $5, $6, '2000-01-01') RETURNING id",
                code, name, level, supplier, unit, population,
            )  # fmt: skip
            fridge = await db.fetchval(
                "INSERT INTO location (facility_id, code, name, kind, active) VALUES ($1, 'TL', 'Tủ lạnh', 'fridge', true) RETURNING id",
                fid,
            )
            transit = await db.fetchval(
                "INSERT INTO location (facility_id, code, name, kind, active) VALUES ($1, 'TRANSIT', 'Đang vận chuyển', 'transit', true) RETURNING id",
                fid,
            )
            return fid, fridge, transit

        root = await facility(
            ROOT, "Trung tâm Kiểm soát bệnh tật tỉnh Bench", "province", None, province_unit, None
        )
        districts, communes = [], []
        for d in range(DISTRICTS):
            unit = await db.fetchval(
                "INSERT INTO admin_unit (code, name, kind, parent_id, valid_from) VALUES ($1, $2, 'district', $3, '2000-01-01') RETURNING id",
                f"9{d:02d}", f"Huyện {d}", province_unit,
            )  # fmt: skip
            district = await facility(
                f"TTYT-B{d}", f"Trung tâm Y tế huyện Bench {d}", "district", root[0], unit, None
            )
            districts.append(district)
            for c in range(COMMUNES_PER_DISTRICT):
                code = f"9{d}{c:03d}"
                cunit = await db.fetchval(
                    "INSERT INTO admin_unit (code, name, kind, parent_id, valid_from) VALUES ($1, $2, 'commune', $3, '2000-01-01') RETURNING id",
                    code, f"Xã {code}", unit,
                )  # fmt: skip
                population = rng.randint(3000, 12000)
                communes.append(
                    (
                        await facility(
                            f"TYT-{code}", f"Trạm Y tế xã {code}", "commune", district[0], cunit, population
                        ),
                        code,
                        population,
                        district,
                    )
                )
        lots = {}
        for p in products:
            lots[p["id"]] = await db.fetchval(
                "INSERT INTO lot (product_id, lot_number, expires_on, vvm_stage, created_at) "
                "VALUES ($1, $2, $3, 1, $4) RETURNING id",
                p["id"], f"{p['code']}-BENCH", date(YEAR + 2, 12, 31), now,
            )  # fmt: skip
        documents: list[tuple] = []
        movements: list[tuple] = []
        usage: list[tuple] = []

        def document(kind: str, fid: int, day: date, lines: list[tuple[int, int, int, str | None]]) -> int:
            doc_id = len(documents) + 1
            documents.append((doc_id, kind, fid, day, now, ACTOR))
            for location, lot, doses, reason in lines:
                movements.append((doc_id, kind, location, lot, doses, day, now, ACTOR, reason))
            return doc_id

        months = [date(YEAR, m, 1) for m in range(1, 13)]
        for p in products:
            pid, lot, per = p["id"], lots[p["id"]], p["doses_per_vial"]
            for month in months:
                document("receipt", root[0], month, [(root[1], lot, 400 * per * 9, None)])
                for fid, fridge, transit in districts:
                    document(
                        "issue",
                        root[0],
                        month + timedelta(days=1),
                        [(root[1], lot, -40 * per * 9, None), (transit, lot, 40 * per * 9, None)],
                    )
                    document(
                        "shipment_receipt",
                        fid,
                        month + timedelta(days=2),
                        [(transit, lot, -40 * per * 9, None), (fridge, lot, 40 * per * 9, None)],
                    )
                for (fid, fridge, transit), _code, population, district in communes:
                    monthly = max(1, population * 2 // 100 // 12)
                    vials = -(-monthly * 13 // 10 // per) + 1
                    document(
                        "issue",
                        district[0],
                        month + timedelta(days=3),
                        [(district[1], lot, -vials * per, None), (transit, lot, vials * per, None)],
                    )
                    document(
                        "shipment_receipt",
                        fid,
                        month + timedelta(days=4),
                        [(transit, lot, -vials * per, None), (fridge, lot, vials * per, None)],
                    )
                    opened_total = 0
                    for s in range(SESSIONS_PER_MONTH):
                        day = month + timedelta(days=5 + 3 * s)
                        opened = max(1, vials // SESSIONS_PER_MONTH - (s % 2))
                        if opened_total + opened > vials - 1:
                            break
                        opened_total += opened
                        given = max(0, min(opened * per, monthly // SESSIONS_PER_MONTH + rng.randint(-1, 2)))
                        doc = document("usage", fid, day, [(fridge, lot, -opened * per, None)])
                        usage.append((doc, fid, pid, lot, fridge, day, given, opened))
                    if rng.random() < 0.1 and vials - opened_total >= 1:
                        document(
                            "adjustment",
                            fid,
                            month + timedelta(days=27),
                            [(fridge, lot, -per, rng.choice(REASONS))],
                        )
        await db.copy_records_to_table(
            "stock_document",
            records=documents,
            columns=["id", "kind", "facility_id", "occurred_on", "recorded_at", "recorded_by"],
        )
        await db.execute(
            "SELECT setval(pg_get_serial_sequence('stock_document', 'id'), (SELECT max(id) FROM stock_document))"
        )
        await db.copy_records_to_table(
            "movement",
            records=movements,
            columns=[
                "document_id",
                "kind",
                "location_id",
                "lot_id",
                "doses",
                "occurred_on",
                "recorded_at",
                "recorded_by",
                "reason_code",
            ],
        )
        await db.copy_records_to_table(
            "usage_record",
            records=usage,
            columns=[
                "document_id",
                "facility_id",
                "product_id",
                "lot_id",
                "location_id",
                "session_on",
                "doses_administered",
                "vials_opened",
            ],
        )
        counts.update(documents=len(documents), movements=len(movements), usage_records=len(usage))
        # the register: 150,000 children born over three years, spread over the communes by population
        weights = [population for _f, _c, population, _d in communes]
        children, doses = [], []
        start = date(YEAR - 2, 1, 1)
        for i in range(1, CHILDREN + 1):
            _f, code, _p, _d = rng.choices(communes, weights)[0]
            born = start + timedelta(days=rng.randrange(3 * 365))
            children.append((i, f"B{i:07d}", "F" if i % 2 else "M", born, code, code, now))
            keep = rng.random()
            for antigen, dose, age in DOSES:
                given = born + timedelta(days=age + rng.randrange(0, 40))
                if given > date(YEAR, 12, 31) or rng.random() > 0.97 - (0.3 if keep < 0.05 else 0):
                    continue
                doses.append((i, antigen, dose, given))
        await db.copy_records_to_table(
            "child",
            records=children,
            columns=[
                "id",
                "child_code",
                "sex",
                "birth_date",
                "commune_code_given",
                "commune_code",
                "updated_at",
            ],
        )
        await db.execute("SELECT setval(pg_get_serial_sequence('child', 'id'), (SELECT max(id) FROM child))")
        await db.copy_records_to_table(
            "child_dose", records=doses, columns=["child_id", "antigen", "dose_number", "given_on"]
        )
        await db.execute("ANALYZE")
        counts.update(
            children=len(children), child_doses=len(doses), facilities=1 + len(districts) + len(communes)
        )
    finally:
        await db.close()
    return counts


async def timed(settings: Settings) -> tuple[float, dict[str, int]]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            assert await session.scalar(select(Product.id).limit(1))
            service = ReportsService(session, Principal.system(ACTOR), today=TODAY)
            started = time.perf_counter()
            usage = await service.usage(str(YEAR), ROOT)
            results = await service.results(str(YEAR), ROOT)
            seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    sizes = {name: frame.height for r in (usage, results) for name, frame in r.tables.items()}
    return seconds, sizes


async def main() -> None:
    rng = random.Random(2026)
    if "--reuse" in sys.argv:  # the scratch database of an earlier run (same seed, same data)
        settings = Settings(database_url=url(DATABASE))
        print("reusing the loaded scratch database")
    else:
        settings = await fresh_database()
        t = time.perf_counter()
        counts = await load(rng)
        print(
            f"loaded in {time.perf_counter() - t:.1f} s: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
    runs = []
    for n in range(RUNS + 1):
        seconds, sizes = await timed(settings)
        if n:  # the first run warms the caches
            runs.append(seconds)
        print(f"run {n}: {seconds:.3f} s ({'warm-up' if not n else 'timed'}); rows: {sizes}")
    print(
        f"figure province_year_report_seconds = {statistics.median(runs):.2f} s (median of {RUNS}; target <= 3)"
    )


if __name__ == "__main__":
    asyncio.run(main())
