"""Cold-chain benchmark on PostgreSQL: one year of 5-minute readings for 100 fridges (about 10.5 million rows).

    uv run python bench/coldchain.py                 # the real figures
    uv run python bench/coldchain.py --fridges 5     # a smoke run

The database is made fresh (``vaxstock_bench_coldchain`` on the server of VAXSTOCK_BENCH_DATABASE_URL, default
postgresql://postgres@127.0.0.1:5432/postgres), migrated to head with the catalogue loaded, and given 100
refrigerators at TTYT-MT. The readings (a 5 °C ± noise year per fridge, with heat runs, freeze runs and
logger gaps put in at random) are generated with numpy before the clock starts, as PostgreSQL binary COPY
buffers. Timed:

- the import: COPY of every row into ``temperature_reading`` (primary key location, instant) through
  asyncpg, committed: ``figure readings_import_rows_per_second``;
- the scan: the refrigerator rules (freeze at or below -0.5 °C for 60 continuous minutes; heat above +8 °C
  for 600 continuous minutes) over the whole year of every fridge, as one set-based SQL statement per rule
  with the same semantics as ``inventory.coldchain.evaluation.evaluate_series`` (a reading holds until the next;
  a step longer than 10 minutes is a gap that ends a run): ``figure excursion_scan_seconds``. Its result is
  checked against ``evaluate_series`` on two fridges before the figures are printed (the runs it measures;
  the domain's "across a gap" excursions, which need a person's look, are not part of this scan).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import numpy as np

from inventory.catalog.seed import load_catalogue
from inventory.coldchain.domain import AlarmRule
from inventory.coldchain.evaluation import Reading, evaluate_series
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.settings import Settings

SERVER = os.environ.get("VAXSTOCK_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = "vaxstock_bench_coldchain"
START = datetime(2026, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=5)
PER_FRIDGE = 365 * 288
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
MAX_GAP_SECONDS = 600
RULES = (
    AlarmRule("freeze", "freeze", "continuous", -0.5, 60, inclusive=True),
    AlarmRule("heat", "heat", "continuous", 8.0, 600, inclusive=False),
)


def database_url(name: str) -> str:
    return SERVER.rsplit("/", 1)[0] + "/" + name


def year_of(fridge: int) -> tuple[np.ndarray, np.ndarray]:
    """Instants (µs since 2000-01-01 UTC) and °C of one fridge's year: noise around 5 °C, 6 heat runs of
    11 h at about +9.5 °C, 6 freeze runs of 70 minutes at about -1 °C, and 20 one-hour logger gaps."""
    rng = np.random.default_rng(fridge)
    celsius = 5.0 + rng.normal(0, 0.6, PER_FRIDGE)
    for start in rng.integers(0, PER_FRIDGE - 200, 6):
        celsius[start : start + 132] = 9.5 + rng.normal(0, 0.2, 132)
    for start in rng.integers(0, PER_FRIDGE - 20, 6):
        celsius[start : start + 14] = -1.0 + rng.normal(0, 0.1, 14)
    keep = np.ones(PER_FRIDGE, dtype=bool)
    for start in rng.integers(0, PER_FRIDGE - 12, 20):
        keep[start : start + 12] = False
    offset = int((START - PG_EPOCH).total_seconds() * 1_000_000)
    instants = offset + np.arange(PER_FRIDGE, dtype=np.int64) * 300_000_000
    return instants[keep], np.round(celsius[keep], 1)


ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("len1", ">i4"),
        ("location", ">i8"),
        ("len2", ">i4"),
        ("at", ">i8"),
        ("len3", ">i4"),
        ("celsius", ">f8"),
    ]
)


def copy_buffer(location_id: int, instants: np.ndarray, celsius: np.ndarray) -> bytes:
    """The rows as a PostgreSQL binary COPY stream (header, tuples, trailer)."""
    rows = np.empty(len(instants), dtype=ROW)
    rows["fields"], rows["len1"], rows["len2"], rows["len3"] = 3, 8, 8, 8
    rows["location"], rows["at"], rows["celsius"] = location_id, instants, celsius
    return b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + rows.tobytes() + b"\xff\xff"


def scan_sql(rules: tuple[AlarmRule, ...]) -> str:
    """One statement for every rule: one pass over the table picks the readings beyond any rule's limit
    (each with its next reading, by an index step); the runs of each rule are then found among those few.
    A run goes on while each reading's next reading is the following one beyond the limit, within the gap."""

    def beyond(rule: AlarmRule, column: str) -> str:
        op = (">=" if rule.inclusive else ">") if rule.kind == "heat" else ("<=" if rule.inclusive else "<")
        return f"{column} {op} {rule.threshold_c!r}"

    per_rule = "\n    UNION ALL\n".join(
        f"    SELECT '{r.name}' AS rule, location_id, at, celsius, next_at FROM candidates WHERE {beyond(r, 'celsius')}"
        for r in rules
    )
    minutes = " ".join(f"WHEN '{r.name}' THEN {r.minutes}" for r in rules)
    extreme = " ".join(f"WHEN '{r.name}' THEN {'max' if r.kind == 'heat' else 'min'}(celsius)" for r in rules)
    return f"""
WITH candidates AS MATERIALIZED (
    SELECT t.location_id, t.at, t.celsius,
           (SELECT n.at FROM temperature_reading n
            WHERE n.location_id = t.location_id AND n.at > t.at ORDER BY n.at LIMIT 1) AS next_at
    FROM temperature_reading t
    WHERE {" OR ".join(beyond(r, "t.celsius") for r in rules)}
), beyond AS (
{per_rule}
), pieces AS (
    SELECT rule, location_id, at, celsius,
           CASE WHEN next_at - at <= make_interval(secs => $1) THEN next_at ELSE at END AS piece_end,
           lag(next_at) OVER w AS previous_next, lag(at) OVER w AS previous_at
    FROM beyond
    WINDOW w AS (PARTITION BY rule, location_id ORDER BY at)
), runs AS (
    SELECT rule, location_id, at, piece_end, celsius,
           count(*) FILTER (
               WHERE previous_next IS DISTINCT FROM at OR at - previous_at > make_interval(secs => $1)
           ) OVER (PARTITION BY rule, location_id ORDER BY at) AS run
    FROM pieces
)
SELECT rule, location_id, min(at) AS started_at, max(piece_end) AS ended_at,
       CASE rule {extreme} END AS extreme_c
FROM runs
GROUP BY rule, location_id, run
HAVING max(piece_end) - min(at) >= make_interval(mins => CASE rule {minutes} END)
ORDER BY rule, location_id, started_at
"""


async def prepare(fridges: int) -> list[int]:
    admin = await asyncpg.connect(SERVER)
    await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    await admin.close()
    settings = Settings(database_url=database_url(NAME))
    await asyncio.to_thread(upgrade, settings)
    engine = create_engine(settings)
    async with unit_of_work(session_factory(engine)) as session:
        await load_catalogue(session)
    await engine.dispose()
    connection = await asyncpg.connect(database_url(NAME))
    facility = await connection.fetchval("SELECT id FROM facility WHERE code = 'TTYT-MT'")
    ids = []
    for n in range(1, fridges + 1):
        ids.append(
            await connection.fetchval(
                "INSERT INTO location (facility_id, code, name, kind, active) VALUES ($1, $2, $3, 'refrigerator', true)"
                " RETURNING id",
                facility,
                f"BENCH-{n:03d}",
                f"Bench fridge {n}",
            )
        )
    await connection.close()
    return ids


async def main(fridges: int) -> None:
    ids = await prepare(fridges)
    years = {location_id: year_of(n) for n, location_id in enumerate(ids)}
    buffers = [copy_buffer(location_id, *years[location_id]) for location_id in ids]
    rows = sum(len(years[i][0]) for i in ids)
    connection = await asyncpg.connect(database_url(NAME))
    started = time.perf_counter()
    async with connection.transaction():
        for buffer in buffers:
            await connection.copy_to_table(
                "temperature_reading",
                source=io.BytesIO(buffer),
                columns=["location_id", "at", "celsius"],
                format="binary",
            )
    imported = time.perf_counter() - started
    await connection.execute("ANALYZE temperature_reading")

    started = time.perf_counter()
    rows_found = await connection.fetch(scan_sql(RULES), MAX_GAP_SECONDS)
    found = {rule.name: [r for r in rows_found if r["rule"] == rule.name] for rule in RULES}
    scanned = time.perf_counter() - started
    await connection.close()

    for location_id in ids[:2]:  # the SQL agrees with the domain's rules
        instants, celsius = years[location_id]
        series = [
            Reading(PG_EPOCH + timedelta(microseconds=int(t)), float(c))
            for t, c in zip(instants, celsius, strict=True)
        ]
        expected = evaluate_series(series, RULES, max_gap=timedelta(seconds=MAX_GAP_SECONDS)).excursions
        got = sorted(
            (r["started_at"], rule)
            for rule, rows_ in found.items()
            for r in rows_
            if r["location_id"] == location_id
        )
        measured = sorted((e.started_at, e.rule) for e in expected if not e.across_gap)
        assert got == measured, (location_id, got, measured)
    total = sum(len(v) for v in found.values())
    print(
        f"{fridges} fridges, {rows:,} readings; {total} excursions found ({', '.join(f'{k} {len(v)}' for k, v in found.items())})"
    )
    print(f"figure readings_import_rows_per_second {rows / imported:.0f}")
    print(f"figure excursion_scan_seconds {scanned:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--fridges", type=int, default=100)
    asyncio.run(main(parser.parse_args().fridges))
