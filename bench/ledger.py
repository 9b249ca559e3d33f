"""Ledger benchmarks: postings per second against pgbench, and stock-on-hand reads against ledger size.

    uv run python bench/ledger.py            # the real figures (about three minutes)
    uv run python bench/ledger.py --quick    # a smoke run of a few seconds (small sizes, not the figures)

Needs a PostgreSQL server reachable as a superuser (default postgresql://postgres@127.0.0.1:5432/test, or
VAXSTOCK_BENCH_ADMIN_URL) and `pgbench` on PATH. Scratch databases named vaxstock_bench_* are created and
dropped here. The run ends with the two figure lines:

    figure posting_vs_pgbench = R ratio
    figure soh_1e6_vs_1e4 = R ratio
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import greenlet
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from inventory.auth import Principal
from inventory.catalog.models import Facility, Location, Product
from inventory.catalog.seed import load_catalogue
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.settings import Settings, normalise_database_url
from inventory.stock import schemas as s
from inventory.stock.models import Lot, Movement, StockDocument
from inventory.stock.repository import StockRepository
from inventory.stock.service import StockService
from inventory.timeutil import today_vn, utcnow

ACTOR = "bench: ledger"
SOURCE = "TTYT-MT"
"""The district store: it issues to the communes in the posting benchmark and is read in the SOH one."""
SOH_LOCATIONS = ("TL-01", "TL-02", "HL-01")
LOTS_PER_PRODUCT = 3
INVENTORY_DIR = str(Path(__file__).resolve().parent.parent / "inventory") + os.sep
SCRATCH_NAME = re.compile(r"^vaxstock_bench_[a-z0-9_]+$")


@dataclass(frozen=True)
class Params:
    """Everything that sizes a run; printed before the results."""

    seconds: int = 10
    rounds: int = 3
    warmup_seconds: int = 3
    clients: int = 16
    processes: int = 2
    pgbench_scale: int = 16
    pgbench_threads: int = 2
    profile_postings: int = 150
    soh_small: int = 10_000
    soh_large: int = 1_000_000
    soh_reads: int = 31
    soh_warmup_reads: int = 5
    sqlite: bool = True

    @classmethod
    def quick(cls) -> Params:
        return cls(
            seconds=2,
            rounds=1,
            warmup_seconds=1,
            pgbench_scale=2,
            profile_postings=20,
            soh_small=1_000,
            soh_large=20_000,
            soh_reads=7,
            soh_warmup_reads=2,
        )


def make_service(session: AsyncSession, settings: Settings) -> StockService:
    """The service as the API builds it for a request (one posting per session), acting as a system user."""
    return StockService(session, settings, Principal.system(ACTOR), session_per_posting=True)


# ---- scratch databases -----------------------------------------------------------------------------------


class Scratch:
    """Creates and drops the vaxstock_bench_* databases through the admin (superuser) connection."""

    def __init__(self, admin_url: str, *, keep: bool = False) -> None:
        self.admin: URL = make_url(normalise_database_url(admin_url))
        self.keep = keep
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return self.admin.set(database=name).render_as_string(hide_password=False)

    async def sql(self, *statements: str) -> list[Any]:
        engine = create_async_engine(self.admin, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                out = []
                for stmt in statements:
                    result = await conn.exec_driver_sql(stmt)
                    out.append(result.all() if result.returns_rows else [])
                return out
        finally:
            await engine.dispose()

    async def recreate(self, short: str) -> str:
        """A fresh empty database vaxstock_bench_<short>_<pid> (the pid keeps concurrent runs apart)."""
        name = f"vaxstock_bench_{short}_{os.getpid()}"
        if not SCRATCH_NAME.match(name):
            raise ValueError(f"{name!r} is not a scratch database name")
        await self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return name

    async def drop_all(self) -> None:
        if self.keep:
            print(f"  kept scratch databases: {', '.join(self.created)}")
            return
        for name in self.created:
            await self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    async def checkpoint(self) -> None:
        await self.sql("CHECKPOINT")

    async def server(self) -> str:
        rows = await self.sql(
            "SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
            "current_setting('fsync'), current_setting('shared_buffers'), current_setting('max_connections')"
        )
        version, sync, fsync, buffers, conns = rows[0][0]
        return (
            f"PostgreSQL {version} (synchronous_commit={sync}, fsync={fsync}, shared_buffers={buffers}, "
            f"max_connections={conns})"
        )


async def migrated(url: str) -> Settings:
    """Migrate a fresh database to head and load the catalogue, as the CLI does."""
    settings = Settings(database_url=url)
    await asyncio.to_thread(upgrade, settings)  # alembic's env.py runs its own event loop
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await load_catalogue(session)
    finally:
        await engine.dispose()
    return settings


# ---- pgbench ---------------------------------------------------------------------------------------------


class PgBench:
    """`pgbench -i -s SCALE` into its own scratch database, then timed `pgbench -N` rounds against it."""

    def __init__(self, scratch: Scratch, database: str, p: Params) -> None:
        admin = scratch.admin
        self.scratch = scratch
        self.database = database
        self.p = p
        self.conn = [
            "-h",
            admin.host or "127.0.0.1",
            "-p",
            str(admin.port or 5432),
            "-U",
            admin.username or "postgres",
        ]
        self.env = dict(os.environ)
        if admin.password:
            self.env["PGPASSWORD"] = str(admin.password)
        self.init_command = ["pgbench", "-i", "-q", "-s", str(p.pgbench_scale), *self.conn, database]
        self.command = [
            "pgbench",
            "-N",
            "-c",
            str(p.clients),
            "-j",
            str(p.pgbench_threads),
            "-T",
            str(p.seconds),
            *self.conn,
            database,
        ]

    def initialise(self) -> None:
        subprocess.run(self.init_command, check=True, capture_output=True, text=True, env=self.env)

    def run(self) -> dict[str, Any]:
        asyncio.run(self.scratch.checkpoint())
        usage, machine = resource.getrusage(resource.RUSAGE_CHILDREN), cpu_snapshot()
        with PostgresCpuMeter() as meter:
            done = subprocess.run(self.command, check=True, capture_output=True, text=True, env=self.env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu_delta(machine, cpu_snapshot())
        server = meter.seconds()
        if cpu is not None and server is not None:
            cpu["postgres"] = server
        found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", done.stdout)
        if not found:
            raise RuntimeError(f"no tps in pgbench output:\n{done.stdout}\n{done.stderr}")
        return {
            "tps": float(found.group(1)),
            "client_cpu": after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime,
            "machine": cpu,
        }


# ---- posting throughput ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerPlan:
    """What one concurrent worker posts: issues of one vial of its own product to one commune."""

    worker: int
    product: str
    doses: int
    to_facility: str
    lot_id: int = 0
    location_id: int = 0
    facility_id: int = 0


async def setup_posting(settings: Settings, clients: int, vials_per_lot: int) -> list[WorkerPlan]:
    """Receive one lot of every product at the district store; give each worker a product and a commune."""
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            products = list((await session.scalars(select(Product).order_by(Product.code))).all())
            communes = list(
                (
                    await session.scalars(
                        select(Facility)
                        .where(Facility.level == "commune", Facility.valid_to.is_(None))
                        .order_by(Facility.code)
                    )
                ).all()
            )
        receipt = s.ReceiptCreate(
            facility=SOURCE,
            supplier="CDC-LC",
            reference="bench: opening stock",
            lines=[
                s.ReceiptLine(
                    product=p.code,
                    lot_number=f"BENCH-{p.code}",
                    expires_on=today_vn() + timedelta(days=730),
                    doses=p.doses_per_vial * vials_per_lot,
                    location="TL-01",
                )
                for p in products
            ],
        )
        async with unit_of_work(sessions) as session:
            await make_service(session, settings).receive(receipt, key="bench:setup:receipt")
    finally:
        await engine.dispose()
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            stocked = {
                code: (lot_id, location_id, facility_id)
                for code, lot_id, location_id, facility_id in (
                    await session.execute(
                        select(Product.code, Lot.id, Location.id, Location.facility_id)
                        .join(Lot, Lot.product_id == Product.id)
                        .join(Facility, Facility.code == SOURCE)
                        .join(Location, (Location.code == "TL-01") & (Location.facility_id == Facility.id))
                        .where(Lot.lot_number == func.concat("BENCH-", Product.code))
                    )
                ).all()
            }
    finally:
        await engine.dispose()
    return [
        WorkerPlan(
            w,
            products[w % len(products)].code,
            products[w % len(products)].doses_per_vial,
            communes[w % len(communes)].code,
            *stocked[products[w % len(products)].code],
        )
        for w in range(clients)
    ]


def issue_command(plan: WorkerPlan, n: int) -> s.IssueCreate:
    return s.IssueCreate(
        facility=SOURCE,
        to_facility=plan.to_facility,
        lines=[s.IssueLine(product=plan.product, doses=plan.doses)],
        reference=f"PXK-BENCH-{plan.worker}-{n}",
    )


_PLAIN_DOCUMENT = text(
    "INSERT INTO stock_document (kind, facility_id, occurred_on, recorded_at, recorded_by) "
    "VALUES ('adjustment', :facility_id, :day, :at, :actor) RETURNING id"
)
_PLAIN_MOVEMENT = text(
    "INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at, recorded_by, "
    "reason_code) VALUES (:document_id, 'adjustment', :location_id, :lot_id, -1, :day, :at, :actor, 'broken')"
)
_PLAIN_BALANCE = text(
    "UPDATE balance SET doses = doses - 1 WHERE location_id = :location_id AND lot_id = :lot_id"
)


async def plain_posting(session: AsyncSession, plan: WorkerPlan) -> int:
    """The baseline the issue names: a plain three-statement SQLAlchemy transaction moving one dose, no rules."""
    ids = {"location_id": plan.location_id, "lot_id": plan.lot_id}
    stamp = {"day": today_vn(), "at": utcnow(), "actor": ACTOR}
    document_id = (
        await session.execute(_PLAIN_DOCUMENT, {"facility_id": plan.facility_id, **stamp})
    ).scalar_one()
    await session.execute(_PLAIN_MOVEMENT, {"document_id": document_id, **ids, **stamp})
    await session.execute(_PLAIN_BALANCE, ids)
    return 1


async def _post_loop(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    plan: WorkerPlan,
    run_id: str,
    window: dict[str, float],
    ready: asyncio.Event,
    plain: bool = False,
) -> dict[str, Any]:
    """Post issues back to back, one transaction each, until the measuring window closes."""
    n = documents = movements = errors = 0
    latencies: list[float] = []
    first_error = ""
    while True:
        if ready.is_set() and time.time() >= window["until"]:
            break
        key = f"bench:{run_id}:{plan.worker}:{n}"
        cmd = issue_command(plan, n)
        n += 1
        started = time.perf_counter()
        try:
            async with unit_of_work(sessions) as session:
                if plain:
                    moved = await plain_posting(session, plan)
                else:
                    moved = len((await make_service(session, settings).issue(cmd, key=key)).movements)
        except Exception as exc:  # counted and shown: a failed posting is never counted as throughput
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            if not ready.is_set():
                raise
            continue
        elapsed = time.perf_counter() - started
        if not ready.is_set():
            return {}  # this task's connection is open and its statements prepared: join the barrier
        finished = time.time()
        if window["from"] <= finished < window["until"]:
            documents += 1
            movements += moved
            latencies.append(elapsed)
    return {
        "documents": documents,
        "movements": movements,
        "errors": errors,
        "first_error": first_error,
        "latencies": latencies,
    }


async def _sample_window(window: dict[str, float], out: dict[str, Any]) -> None:
    """CPU used by this process, the PostgreSQL server and the whole machine during the window."""
    await asyncio.sleep(max(window["from"] - time.time(), 0))
    mine, before = time.process_time(), cpu_snapshot()
    await asyncio.sleep(max(window["until"] - time.time(), 0))
    out["cpu"] = time.process_time() - mine
    out["machine"] = cpu_delta(before, cpu_snapshot())


async def _posting_process_main(
    url: str,
    plans: list[WorkerPlan],
    run_id: str,
    warmup: float,
    seconds: float,
    barrier: Any,
    plain: bool = False,
) -> dict[str, Any]:
    settings = Settings(database_url=url)
    engine = create_engine(settings)  # the app's engine and its pool settings
    window = {"from": float("inf"), "until": float("inf")}
    counted = {"statements": 0, "checkouts": 0}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(conn: Any, *_args: Any) -> None:
        conn.info["bench_statements"] = conn.info.get("bench_statements", 0) + 1

    @event.listens_for(engine.sync_engine, "connect")
    def _count_direct(dbapi_connection: Any, record: Any) -> None:
        # what goes to asyncpg without a SQLAlchemy cursor: BEGIN, COMMIT, the single-statement posting
        def logged(_query: Any) -> None:
            record.info["bench_statements"] = record.info.get("bench_statements", 0) + 1

        dbapi_connection.driver_connection.add_query_logger(logged)

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        # one checkout per posting: statements per posting, for the postings that end inside the window
        n = record.info.pop("bench_statements", 0)
        if window["from"] <= time.time() < window["until"]:
            counted["statements"] += n
            counted["checkouts"] += 1

    sessions = session_factory(engine)
    ready = asyncio.Event()
    # one posting per task first (connections open, statements prepared), then all processes start together
    await asyncio.gather(
        *(_post_loop(sessions, settings, p, run_id + "w", window, ready, plain) for p in plans)
    )
    await asyncio.to_thread(barrier.wait)
    window["from"] = time.time() + warmup
    window["until"] = window["from"] + seconds
    ready.set()
    sampled: dict[str, Any] = {}
    parts = await asyncio.gather(
        _sample_window(window, sampled),
        *(_post_loop(sessions, settings, p, run_id, window, ready, plain) for p in plans),
    )
    parts = parts[1:]
    await engine.dispose()
    return {
        "documents": sum(x["documents"] for x in parts),
        "movements": sum(x["movements"] for x in parts),
        "errors": sum(x["errors"] for x in parts),
        "first_error": next((x["first_error"] for x in parts if x["first_error"]), ""),
        "latencies": [v for x in parts for v in x["latencies"]],
        "statements": counted["statements"],
        "checkouts": counted["checkouts"],
        "window": window["until"] - window["from"],
        **sampled,
    }


def served_event_loop() -> tuple[str, Any]:
    """The event loop `vaxstock serve` gets: uvicorn's loop="auto" takes uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        return "asyncio", asyncio.new_event_loop
    return f"uvloop {uvloop.__version__}", uvloop.new_event_loop


def _posting_process(job: dict[str, Any], barrier: Any, results: Any) -> None:
    """Entry point of one worker process (spawned): its own event loop (as served), engine and pool."""
    try:
        with asyncio.Runner(loop_factory=served_event_loop()[1]) as runner:
            results.put(runner.run(_posting_process_main(barrier=barrier, **job)))
    except BaseException as exc:
        barrier.abort()
        results.put({"crash": f"{type(exc).__name__}: {exc}"})
        raise


def run_posting(
    url: str, plans: list[WorkerPlan], p: Params, run_id: str, *, plain: bool = False
) -> dict[str, Any]:
    """One measured round: the workers in `p.processes` spawned processes of asyncio tasks, summed."""
    ctx = multiprocessing.get_context("spawn")
    groups = [plans[i :: p.processes] for i in range(p.processes)]
    barrier = ctx.Barrier(len(groups))
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_posting_process,
            args=(
                {
                    "url": url,
                    "plans": g,
                    "run_id": f"{run_id}-{i}",
                    "warmup": p.warmup_seconds,
                    "seconds": p.seconds,
                    "plain": plain,
                },
                barrier,
                results,
            ),
        )
        for i, g in enumerate(groups)
    ]
    for proc in procs:
        proc.start()
    parts = [results.get(timeout=p.seconds + p.warmup_seconds + 300) for _ in procs]
    for proc in procs:
        proc.join()
    crashed = [x["crash"] for x in parts if "crash" in x]
    if crashed:
        raise RuntimeError(f"a posting process failed: {crashed[0]}")
    latencies = sorted(v for x in parts for v in x["latencies"])
    machines = [x["machine"] for x in parts if x.get("machine")]
    return {
        "documents": sum(x["documents"] for x in parts),
        "movements": sum(x["movements"] for x in parts),
        "errors": sum(x["errors"] for x in parts),
        "first_error": next((x["first_error"] for x in parts if x["first_error"]), ""),
        "statements": sum(x["statements"] for x in parts),
        "checkouts": sum(x["checkouts"] for x in parts),
        "window": statistics.fmean(x["window"] for x in parts),
        "latencies": latencies,
        "client_cpu": sum(x.get("cpu", 0.0) for x in parts),
        "machine": machines[0] if machines else None,
    }


# ---- CPU accounting (Linux /proc): who used the two cores during a measurement ----------------------------


def _postgres_ticks() -> dict[int, int]:
    """CPU clock ticks used so far by every PostgreSQL server process, by pid."""
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm, rest = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        if comm == "postgres":
            ticks[int(entry.name)] = int(rest[11]) + int(rest[12])  # utime + stime
    return ticks


def cpu_snapshot() -> dict[str, float] | None:
    """Busy and total CPU seconds of the machine, and CPU seconds of the PostgreSQL server processes."""
    try:
        hz = os.sysconf("SC_CLK_TCK")
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        postgres = sum(_postgres_ticks().values())
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]
    return {"busy": (sum(fields) - idle) / hz, "total": sum(fields) / hz, "postgres": postgres / hz}


class PostgresCpuMeter(threading.Thread):
    """Samples the server processes while pgbench runs: its backends exit before a closing snapshot could."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.halt = threading.Event()
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.ok = True

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        try:
            self.last.update(_postgres_ticks())
        except OSError:
            self.ok = False

    def __enter__(self) -> PostgresCpuMeter:
        try:
            self.first = _postgres_ticks()
        except OSError:
            self.ok = False
        self.last = dict(self.first)
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.halt.set()
        self.join()
        self._sample()

    def seconds(self) -> float | None:
        if not self.ok:
            return None
        return sum(v - self.first.get(pid, 0) for pid, v in self.last.items()) / os.sysconf("SC_CLK_TCK")


def cpu_delta(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, float] | None:
    if before is None or after is None:
        return None
    return {k: after[k] - before[k] for k in before}


def describe_cpu(machine: dict[str, float] | None, client: float, client_name: str, seconds: float) -> str:
    """Cores used by the client, the PostgreSQL server and everything else on the machine."""
    if machine is None:
        return f"{client_name} {client / seconds:.2f} cores"
    others = machine["busy"] - machine["postgres"] - client
    cores = machine["total"] / seconds
    return (
        f"CPU: {client_name} {client / seconds:.2f} cores, postgres {machine['postgres'] / seconds:.2f}, "
        f"everything else {max(others, 0) / seconds:.2f}, idle {max(machine['total'] - machine['busy'], 0) / seconds:.2f}"
        f" (of {cores:.1f})"
    )


async def ledger_check(settings: Settings) -> tuple[bool, int, int]:
    """verify() after the run, and how many movements the benchmark actor posted."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            report = await make_service(session, settings).verify()
            posted = await session.scalar(
                select(func.count()).select_from(Movement).where(Movement.recorded_by == ACTOR)
            )
    finally:
        await engine.dispose()
    return report.ok and not report.transit_mismatches, report.pairs_checked, int(posted or 0)


# ---- where a posting's time goes -------------------------------------------------------------------------


def sql_summary(statement: str) -> str:
    """A short name for a statement: verb, tables, and the clauses that matter for round trips."""
    q = " ".join(statement.split())
    upper = q.upper()
    verb = upper.split(" ", 1)[0]
    if verb == "INSERT":
        found = re.search(r"INSERT INTO (\w+)", q, re.IGNORECASE)
        name = f"INSERT {found.group(1) if found else '?'}"
        if "ON CONFLICT" in upper:
            name += " ON CONFLICT"
        if upper.count("), (") or re.search(r"VALUES \(.*\), \(", q):
            name += " (multi-row)"
    elif verb == "UPDATE":
        found = re.search(r"UPDATE (\w+)", q, re.IGNORECASE)
        name = f"UPDATE {found.group(1) if found else '?'}"
    elif verb == "SELECT":
        tables = list(dict.fromkeys(re.findall(r"\b(?:FROM|JOIN) (\w+)", q, re.IGNORECASE)))
        name = "SELECT " + "+".join(tables)
    elif verb == "WITH":
        # data-modifying CTEs: one statement writing several tables
        writes = re.findall(r"\b(INSERT INTO|UPDATE) (?!OF\b|SET\b)(\w+)", q, re.IGNORECASE)
        name = "WITH " + ", ".join(f"{w.split()[0].upper()} {t}" for w, t in writes)
    else:
        name = verb
    if "FOR UPDATE" in upper:
        name += " FOR UPDATE"
    return name


def call_site() -> str:
    """The innermost inventory/ frame that issued a statement, and the service method above it.

    SQLAlchemy's asyncio layer runs the ORM in a child greenlet; the awaiting coroutines are in its parent.
    """
    sites: list[str] = []
    frame = sys._getframe(1)
    current: Any = greenlet.getcurrent()
    while frame is not None or current is not None:
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(INVENTORY_DIR):
                site = f"{name[len(INVENTORY_DIR) :]}:{frame.f_code.co_name}"
                if not sites:
                    sites.append(site)
                elif name.endswith("service.py") and not frame.f_code.co_name.startswith("<"):
                    if site != sites[0]:
                        sites.append(site)
                    break
            frame = frame.f_back
        current = current.parent if current is not None else None
        frame = current.gr_frame if current is not None else None
        if len(sites) == 2:
            break
    return " <- ".join(sites) or "?"


async def profile_postings(settings: Settings, plans: list[WorkerPlan], n: int) -> dict[str, Any]:
    """One worker, postings in sequence: wall and CPU time, then statements, their origin and database time."""
    engine = create_engine(settings)
    stats: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    on = {"record": False}
    checkouts = {"n": 0}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if on["record"]:
            label, site = sql_summary(statement), call_site()
            conn.info["bench_t0"] = (label, site, time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_args: Any) -> None:
        started = conn.info.pop("bench_t0", None)
        if started is not None:
            label, site, t0 = started
            row = stats[(label, site)]
            row[0] += 1
            row[1] += time.perf_counter() - t0

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(*_args: Any) -> None:
        if on["record"]:
            checkouts["n"] += 1

    @event.listens_for(engine.sync_engine, "connect")
    def _log_direct(dbapi_connection: Any, _record: Any) -> None:
        # statements sent to asyncpg without a SQLAlchemy cursor: BEGIN, COMMIT, the single-statement posting
        def logged(query: Any) -> None:
            if on["record"]:
                row = stats[(sql_summary(query.query), "sent to asyncpg directly (no SQLAlchemy cursor)")]
                row[0] += 1
                row[1] += query.elapsed

        dbapi_connection.driver_connection.add_query_logger(logged)

    sessions = session_factory(engine)
    plan = replace(plans[0], worker=10_000)
    run_id = f"profile-{os.getpid()}-{int(time.time())}"

    async def post(i: int, tag: str) -> None:
        async with unit_of_work(sessions) as session:
            await make_service(session, settings).issue(issue_command(plan, i), key=f"{run_id}:{tag}:{i}")

    for i in range(20):  # warm the prepared-statement cache of the one connection
        await post(i, "warm")
    cpu, started = time.process_time(), time.perf_counter()
    for i in range(n):  # plain: wall and CPU time per posting
        await post(i, "plain")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    on["record"] = True
    for i in range(n):  # instrumented: what each statement is and how long it takes
        await post(i, "traced")
    on["record"] = False
    await engine.dispose()
    return {
        "postings": n,
        "wall": wall,
        "cpu": cpu,
        "statements": sum(int(c) for c, _ in stats.values()),
        "db_seconds": sum(t for _, t in stats.values()),
        "checkouts": checkouts["n"],
        "rows": sorted(((k, int(c), t) for k, (c, t) in stats.items()), key=lambda r: -r[1]),
    }


def print_profile(prof: dict[str, Any]) -> None:
    n = prof["postings"]
    per = prof["statements"] / n
    wall, cpu, db = (1000 * prof[k] / n for k in ("wall", "cpu", "db_seconds"))
    print(f"  sequential profile: {n} issues by one worker on one connection: {1000 / wall:.0f} documents/s")
    print(
        f"  per posting: {wall:.2f} ms wall, {cpu:.2f} ms client CPU; {per:.1f} statements = round trips (every "
        f"statement sent, BEGIN and COMMIT included) taking {db:.2f} ms inside the driver (round trip + server "
        f"+ asyncpg), {max(wall - db, 0):.2f} ms elsewhere (service, ORM, msgspec)"
    )
    print(f"  pool checkouts per posting: {prof['checkouts'] / n:.2f}")
    print(f"  {'per posting':>11}  {'ms each':>7}  statement  <- issued at (inventory/...)")
    for (label, site), count, seconds in prof["rows"]:
        print(f"  {count / n:11.2f}  {1000 * seconds / count:7.3f}  {label}  <- {site}")


# ---- stock on hand against ledger size -------------------------------------------------------------------


async def soh_opening_stock(settings: Settings) -> int:
    """Three lots of every product at the district store, received through the service (real balances)."""
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
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
        async with unit_of_work(sessions) as session:
            await make_service(session, settings).receive(
                s.ReceiptCreate(facility=SOURCE, supplier="CDC-LC", lines=lines), key="bench:soh:receipt"
            )
    finally:
        await engine.dispose()
    return len(lines)


def _history_sql(
    dialect: str,
    *,
    target: int,
    g0: int,
    g1: int,
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
        series = f"s AS (SELECT g, {pick} AS i FROM generate_series(CAST({g0} AS bigint), {g1}) AS g)"
        day = f"(DATE '{first_day.isoformat()}' + CAST(s.g % {days} AS integer))"
        stamp = f"TIMESTAMPTZ '{recorded_at}+00:00'"
    else:
        series = (
            f"s0(g) AS (SELECT {g0} UNION ALL SELECT g + 1 FROM s0 WHERE g < {g1}), "
            f"s AS (SELECT g, {pick} AS i FROM s0)"
        )
        day = f"date('{first_day.isoformat()}', '+' || (s.g % {days}) || ' days')"
        stamp = f"'{recorded_at}'"
    head = f"WITH {'RECURSIVE ' if dialect != 'postgresql' else ''}{pairs}, {series} "
    documents = (
        head
        + "INSERT INTO stock_document (id, kind, facility_id, occurred_on, recorded_at, recorded_by, note) "
        f"SELECT {base - g0 + 1} + s.g, 'adjustment', p.facility_id, {day}, {stamp}, '{ACTOR}', "
        "'bench: history' FROM s JOIN pairs p ON p.i = s.i"
    )
    movements = (
        head
        + "INSERT INTO movement (document_id, kind, location_id, lot_id, doses, occurred_on, recorded_at, "
        "recorded_by, reason_code) "
        f"SELECT {base - g0 + 1} + s.g, 'adjustment', p.location_id, p.lot_id, m.sign * 20 * (1 + s.g % 25), "
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
        n_pairs = int(await conn.scalar(storage) or 0) * lots
        n_target = int(await conn.scalar(storage.where(Facility.id == target)) or 0) * lots
        base = int(await conn.scalar(select(func.coalesce(func.max(StockDocument.id), 0))) or 0)
        stamp = utcnow().replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        statements = _history_sql(
            dialect,
            target=target,
            g0=1,
            g1=docs,
            base=base,
            first_day=today_vn() - timedelta(days=365),
            days=365,
            n_target=n_target,
            n_pairs=n_pairs,
            recorded_at=stamp,
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


async def soh_ledger(settings: Settings, size: int) -> dict[str, Any]:
    """A ledger of `size` movements: opening stock through the service, then bulk history."""
    lines = await soh_opening_stock(settings)
    engine = create_engine(settings)
    try:
        total, built = await grow_history(engine, size)
    finally:
        await engine.dispose()
    return {"movements": total, "build": built, "receipt_lines": lines}


async def _read_soh(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> tuple[float, int]:
    async with sessions() as session:
        await session.connection()  # pool checkout outside the timing
        svc = make_service(session, settings)
        started = time.perf_counter()
        result = await svc.stock_on_hand(SOURCE)
        return time.perf_counter() - started, len(result.rows)


async def _read_sum(sessions: async_sessionmaker[AsyncSession]) -> float:
    async with sessions() as session:
        facility_id = int(await session.scalar(select(Facility.id).where(Facility.code == SOURCE)) or 0)
        started = time.perf_counter()
        await StockRepository(session).facility_balances_as_of(facility_id, today_vn())
        return time.perf_counter() - started


async def soh_compare(ledgers: list[Settings], p: Params) -> dict[str, Any]:
    """Time stock_on_hand on each ledger, alternating between them so both see the same machine."""
    engines = [create_engine(x) for x in ledgers]
    try:
        sessions = [session_factory(e) for e in engines]
        times: list[list[float]] = [[] for _ in ledgers]
        rows: list[set[int]] = [set() for _ in ledgers]
        for i in range(p.soh_warmup_reads + p.soh_reads):
            order = range(len(ledgers)) if i % 2 == 0 else reversed(range(len(ledgers)))
            for k in order:
                elapsed, n = await _read_soh(sessions[k], ledgers[k])
                rows[k].add(n)
                if i >= p.soh_warmup_reads:
                    times[k].append(elapsed)
        contrast: list[list[float]] = [[] for _ in ledgers]
        for i in range(4):
            for k in range(len(ledgers)):
                elapsed = await _read_sum(sessions[k])
                if i:
                    contrast[k].append(elapsed)
        checks = []
        for k, settings in enumerate(ledgers):
            async with sessions[k]() as session:
                report = await make_service(session, settings).verify()
                checks.append((report.ok and not report.transit_mismatches, report.pairs_checked))
    finally:
        for e in engines:
            await e.dispose()
    return {"times": times, "rows": rows, "contrast": contrast, "verify": checks}


def print_soh(label: str, built: list[dict[str, Any]], cmp: dict[str, Any]) -> float:
    for k, b in enumerate(built):
        t = cmp["times"][k]
        print(
            f"  [{label}] ledger {b['movements']:>9,} movements (history built in {b['build']:5.1f} s; "
            f"verify() ok={cmp['verify'][k][0]}, {cmp['verify'][k][1]} pairs): stock_on_hand({SOURCE}) "
            f"median {1000 * statistics.median(t):.3f} ms (min {1000 * min(t):.3f}, max {1000 * max(t):.3f}; "
            f"{len(t)} reads, rows {sorted(cmp['rows'][k])}); contrast, SUM over movements "
            f"(facility_balances_as_of): {1000 * statistics.median(cmp['contrast'][k]):.1f} ms",
            flush=True,
        )
    small, large = (statistics.median(t) for t in cmp["times"])
    return large / small


# ---- the run ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, a few seconds")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("VAXSTOCK_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a superuser connection used to create and drop the scratch databases",
    )
    parser.add_argument("--seconds", type=int, help="seconds of each pgbench and each posting round")
    parser.add_argument("--rounds", type=int, help="alternating pgbench / posting rounds")
    parser.add_argument("--processes", type=int, help="posting processes (the clients are split across them)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the extra SQLite stock-on-hand line")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases for inspection")
    args = parser.parse_args(argv)
    p = Params.quick() if args.quick else Params()
    for name in ("seconds", "rounds", "processes"):
        if getattr(args, name):
            p = replace(p, **{name: getattr(args, name)})
    if args.no_sqlite:
        p = replace(p, sqlite=False)
    scratch = Scratch(args.admin_url, keep=args.keep)
    try:
        return _run(scratch, p, quick=args.quick)
    finally:
        asyncio.run(scratch.drop_all())


def _run(scratch: Scratch, p: Params, *, quick: bool) -> int:
    began = time.perf_counter()
    kind = "--quick smoke run: small sizes, NOT the real figures" if quick else "default sizes"
    print(f"VaxStock ledger benchmark ({kind})")
    print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    print(f"  server: {asyncio.run(scratch.server())}")
    print(f"  parameters: {p}")
    ratio_posting = posting_figure(scratch, p)
    ratio_soh = soh_figure(scratch, p)
    print(
        f"\n  total run time {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.2f} at the end"
    )
    print(f"figure posting_vs_pgbench = {ratio_posting:.3f} ratio")
    print(f"figure soh_1e6_vs_1e4 = {ratio_soh:.3f} ratio")
    return 0


def posting_figure(scratch: Scratch, p: Params) -> float:
    """Alternate pgbench and posting rounds (so both see the same machine), then profile one worker."""
    print("\n== posting through the service layer, against pgbench ==", flush=True)
    pg_db = asyncio.run(scratch.recreate("pgbench"))
    bench = PgBench(scratch, pg_db, p)
    bench.initialise()
    url = scratch.url(asyncio.run(scratch.recreate("posting")))
    settings = asyncio.run(migrated(url))
    plans = asyncio.run(setup_posting(settings, p.clients, vials_per_lot=100_000))
    low, high = p.clients // p.processes, -(-p.clients // p.processes)
    print(f"  pgbench: {' '.join(bench.init_command)}; then per round: {' '.join(bench.command)}")
    print(
        f"  posting deployment: {p.processes} process{'es' if p.processes > 1 else ''} x "
        f"{low if low == high else f'{low}-{high}'} asyncio tasks"
        f" = {p.clients} concurrent workers, as `uvicorn --workers {p.processes}` would serve the API on "
        f"{os.cpu_count()} cores (one Python process cannot use both cores); each process one engine from "
        "inventory.db.create_engine (its pool settings), each posting its own session via "
        "inventory.db.unit_of_work, the service built as the API builds it for a request (session_per_posting: "
        "an issue dated today goes to PostgreSQL as one statement in autocommit, no BEGIN or COMMIT), "
        f"on the event loop the server runs ({served_event_loop()[0]})"
    )
    print(
        f"  posting workload: StockService.issue of 1 vial, FEFO-picked, from {SOURCE} to a commune, a fresh "
        "Idempotency-Key each; worker w issues product w of the catalogue, so no two workers draw the same "
        "balance row (like pgbench -N's random accounts); 1 issue = 1 document = 2 movements (source -, "
        "destination transit +), counted from each returned document"
    )
    print(f"  workers: {', '.join(f'{x.product}->{x.to_facility}' for x in plans)}")
    print(
        f"  {p.rounds} rounds of {p.seconds} s each, pgbench and posting alternating; posting measured after "
        f"{p.warmup_seconds} s warm-up in every round",
        flush=True,
    )
    tps: list[float] = []
    posts: list[dict[str, Any]] = []
    run_id = f"{os.getpid()}-{int(time.time())}"
    for r in range(p.rounds):
        for step in ("pgbench", "posting") if r % 2 == 0 else ("posting", "pgbench"):
            if step == "pgbench":
                got = bench.run()
                tps.append(got["tps"])
                cpu = describe_cpu(got["machine"], got["client_cpu"], "pgbench client", p.seconds)
                print(f"  round {r + 1} pgbench: {got['tps']:.1f} TPS; {cpu}", flush=True)
            else:
                asyncio.run(scratch.checkpoint())
                res = run_posting(url, plans, p, f"{run_id}-{r}")
                posts.append(res)
                cpu = describe_cpu(res["machine"], res["client_cpu"], "posting processes", res["window"])
                per_doc = 1000 * res["client_cpu"] / max(res["documents"], 1)
                print(
                    f"  round {r + 1} posting: {res['documents'] / res['window']:.1f} documents/s, "
                    f"{res['movements'] / res['window']:.1f} movements/s, {res['errors']} errors; {cpu}; "
                    f"client CPU {per_doc:.1f} ms per posting",
                    flush=True,
                )
    window = sum(x["window"] for x in posts)
    documents = sum(x["documents"] for x in posts)
    movements = sum(x["movements"] for x in posts)
    errors = sum(x["errors"] for x in posts)
    latencies = sorted(v for x in posts for v in x["latencies"])
    mean_tps = statistics.fmean(tps)
    docs_s, moves_s = documents / window, movements / window
    print(f"  pgbench TPS (mean of {len(tps)} rounds): {mean_tps:.1f}")
    print(f"  posting over {window:.1f} s: {documents} documents, {movements} movements, {errors} errors")
    if errors:
        first = next(x["first_error"] for x in posts if x["first_error"])
        print(f"  WARNING: failed postings (not counted); first: {first}")
    print(f"  documents/s: {docs_s:.1f}")
    print(f"  movements/s: {moves_s:.1f}")
    if latencies:
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        print(f"  latency per posting under load: p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms")
    checkouts = sum(x["checkouts"] for x in posts)
    if checkouts:
        statements = sum(x["statements"] for x in posts)
        print(
            f"  statements per posting under load (round trips, BEGIN and COMMIT included): {statements / checkouts:.1f}"
        )
    asyncio.run(scratch.checkpoint())
    base = run_posting(url, plans, p, f"{run_id}-plain", plain=True)
    base_s = base["movements"] / base["window"]
    print(
        f"  baseline (not the figure): a plain three-statement SQLAlchemy transaction per movement (insert a "
        f"document, insert a movement, update the balance; no rules, no idempotency, no audit), same workers, "
        f"one round: {base_s:.1f} movements/s, {base['errors']} errors = {base_s / mean_tps:.3f} of pgbench; "
        f"the service layer posts {moves_s / base_s:.2f}x its movements/s",
        flush=True,
    )
    ok, pairs, posted = asyncio.run(ledger_check(settings))
    print(f"  after the rounds: verify() ok={ok} ({pairs} pairs); {posted} movements by the bench actor")
    with asyncio.Runner(loop_factory=served_event_loop()[1]) as runner:
        prof = runner.run(profile_postings(settings, plans, p.profile_postings))
    print_profile(prof)
    ratio = moves_s / mean_tps
    cores = os.cpu_count() or 1
    ceiling = cores / (prof["cpu"] / prof["postings"]) * (movements / max(documents, 1))
    print(
        f"  CPU ceiling: at {1000 * prof['cpu'] / prof['postings']:.1f} ms of client CPU per posting, {cores} cores "
        f"could post at most {ceiling:.0f} movements/s even if PostgreSQL cost nothing: a ratio of at most "
        f"{ceiling / mean_tps:.3f} against this pgbench"
    )
    print(
        f"  figure = movements/s / pgbench TPS = {moves_s:.1f} / {mean_tps:.1f} = {ratio:.3f} "
        f"(documents/s / TPS would be {docs_s / mean_tps:.3f}); per round: "
        + ", ".join(f"{x['movements'] / x['window'] / t:.3f}" for x, t in zip(posts, tps, strict=True))
        + "; target >= 0.3"
    )
    asyncio.run(scratch.drop_all())
    return ratio


def soh_figure(scratch: Scratch, p: Params) -> float:
    """Two ledgers (small, large) with the same stock; stock_on_hand timed on both, alternating."""
    print("\n== stock on hand against the size of the ledger ==", flush=True)
    print(
        f"  two ledgers with the same stock at {SOURCE} ({LOTS_PER_PRODUCT} lots of every product, received "
        f"through StockService.receive), one grown to {p.soh_small:,} and one to {p.soh_large:,} movements by "
        "bulk INSERT ... SELECT of +d/-d adjustment pairs (half at the district store); reads alternate "
        f"between them: {p.soh_warmup_reads} warm-up + {p.soh_reads} timed each, median",
        flush=True,
    )
    urls = [scratch.url(asyncio.run(scratch.recreate(f"soh_{n}"))) for n in ("small", "large")]
    ledgers = [asyncio.run(migrated(u)) for u in urls]
    built = [asyncio.run(soh_ledger(x, n)) for x, n in zip(ledgers, (p.soh_small, p.soh_large), strict=True)]
    cmp = asyncio.run(soh_compare(ledgers, p))
    ratio = print_soh("postgresql", built, cmp)
    print(
        f"  postgresql: median at {p.soh_large:,} / median at {p.soh_small:,} = {ratio:.3f} (target <= 1.5)"
    )
    if not all(ok for ok, _ in cmp["verify"]):
        print("  WARNING: verify() failed on a stock-on-hand ledger")
    asyncio.run(scratch.drop_all())
    if p.sqlite:
        with tempfile.TemporaryDirectory(prefix="vaxstock_bench_") as tmp:
            lites = [
                asyncio.run(migrated(f"sqlite+aiosqlite:///{tmp}/{n}.sqlite3")) for n in ("small", "large")
            ]
            built = [
                asyncio.run(soh_ledger(x, n)) for x, n in zip(lites, (p.soh_small, p.soh_large), strict=True)
            ]
            lite_ratio = print_soh("sqlite", built, asyncio.run(soh_compare(lites, p)))
        print(f"  sqlite (extra line, not a figure): {lite_ratio:.3f}")
    return ratio


if __name__ == "__main__":
    sys.exit(main())
