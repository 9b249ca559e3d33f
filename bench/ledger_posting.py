"""Posting throughput for bench/ledger.py: issues sent to the real app in-process, in spawned processes.

Each process is one `vaxstock serve` worker without its socket: the app from `create_app`, its lifespan
running, and asyncio tasks sending `POST /api/v1/issues` as ASGI calls with the store keeper's bearer token
and a fresh Idempotency-Key each (see ledger_asgi). The plain three-statement SQLAlchemy transaction is the
baseline, run by the same workers without the app.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import msgspec
from ledger_asgi import InProcessApp, RequestFailed, api_headers
from ledger_cpu import cpu_delta, cpu_snapshot
from ledger_setup import ACTOR, KEEPER, SOURCE, BenchDb, Params
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inventory.catalog.models import Facility, Location, Product
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.models import Lot, Movement
from inventory.timeutil import today_vn, utcnow

ISSUES = "/api/v1/issues"


class Posted(msgspec.Struct):
    """What the benchmark reads of a posted document (DocumentRead): its movements, counted."""

    movements: list[msgspec.Raw]


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


async def setup_posting(db: BenchDb, clients: int, vials_per_lot: int) -> list[WorkerPlan]:
    """Receive one lot of every product at the district store (POST /api/v1/receipts, as the store keeper);
    give each worker a product and a commune the store supplies (an issue goes only along a supply route)."""
    async with InProcessApp(db.settings) as api:
        async with session_factory(api.engine)() as session:
            products = list((await session.scalars(select(Product).order_by(Product.code))).all())
            source_id = select(Facility.id).where(Facility.code == SOURCE).scalar_subquery()
            communes = list(
                (
                    await session.scalars(
                        select(Facility)
                        .where(
                            Facility.level == "commune",
                            Facility.valid_to.is_(None),
                            Facility.supplier_id == source_id,
                        )
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
        headers = api_headers(db.keeper_token, key="bench:setup:receipt", json=True)
        await api.expect(201, "POST", "/api/v1/receipts", headers, receipt)
        async with session_factory(api.engine)() as session:
            rows = await session.execute(
                select(Product.code, Lot.id, Location.id, Location.facility_id)
                .join(Lot, Lot.product_id == Product.id)
                .join(Facility, Facility.code == SOURCE)
                .join(Location, (Location.code == "TL-01") & (Location.facility_id == Facility.id))
                .where(Lot.lot_number == func.concat("BENCH-", Product.code))
            )
            stocked = {code: (lot, location, facility) for code, lot, location, facility in rows.all()}
    picks = [(products[w % len(products)], communes[w % len(communes)]) for w in range(clients)]
    return [
        WorkerPlan(w, p.code, p.doses_per_vial, c.code, *stocked[p.code]) for w, (p, c) in enumerate(picks)
    ]


def issue_body(plan: WorkerPlan, n: int) -> bytes:
    """The JSON of one issue: one vial, the lot picked by the server (FEFO)."""
    return msgspec.json.encode(
        s.IssueCreate(
            facility=SOURCE,
            to_facility=plan.to_facility,
            lines=[s.IssueLine(product=plan.product, doses=plan.doses)],
            reference=f"PXK-BENCH-{plan.worker}-{n}",
        )
    )


class ApiPoster:
    """Posts an issue through the app: POST /api/v1/issues as the store keeper; 201 or it failed."""

    def __init__(self, api: InProcessApp, token: str) -> None:
        self.api = api
        self.auth = api_headers(token, json=True)

    async def __call__(self, plan: WorkerPlan, n: int, key: str) -> int:
        headers = [*self.auth, (b"idempotency-key", key.encode())]
        status, body = await self.api.call("POST", ISSUES, headers, issue_body(plan, n))
        if status != 201:
            raise RequestFailed("POST", ISSUES, status, body)
        return len(msgspec.json.decode(body, type=Posted).movements)


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


class PlainPoster:
    """The baseline: a plain three-statement SQLAlchemy transaction moving one dose; no app, no rules."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def __call__(self, plan: WorkerPlan, _n: int, _key: str) -> int:
        ids = {"location_id": plan.location_id, "lot_id": plan.lot_id}
        stamp = {"day": today_vn(), "at": utcnow(), "actor": ACTOR}
        async with unit_of_work(self.sessions) as session:
            document = await session.execute(_PLAIN_DOCUMENT, {"facility_id": plan.facility_id, **stamp})
            await session.execute(_PLAIN_MOVEMENT, {"document_id": document.scalar_one(), **ids, **stamp})
            await session.execute(_PLAIN_BALANCE, ids)
        return 1


async def _post_loop(
    post: Any, plan: WorkerPlan, run_id: str, window: dict[str, float], ready: asyncio.Event
) -> dict[str, Any]:
    """Post back to back until the measuring window closes; before `ready`, one posting to prime."""
    n = documents = movements = errors = 0
    latencies: list[float] = []
    first_error = ""
    while not (ready.is_set() and time.time() >= window["until"]):
        i, n = n, n + 1
        started = time.perf_counter()
        try:
            moved = await post(plan, i, f"bench:{run_id}:{plan.worker}:{i}")
        except Exception as exc:  # counted and shown: a failed posting is never counted as throughput
            if not ready.is_set():
                raise
            errors += 1
            first_error = first_error or f"{type(exc).__name__}: {exc}"
            continue
        elapsed = time.perf_counter() - started
        if not ready.is_set():
            return {}  # this task's connections are open and its statements prepared: join the barrier
        if window["from"] <= time.time() < window["until"]:
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


def count_statements(engine: AsyncEngine, inside: Any) -> Counter[str]:
    """Statements sent while `inside()` holds, by their text: SQLAlchemy's, and what goes to asyncpg without
    a SQLAlchemy cursor (BEGIN, COMMIT, statements sent straight to the driver), seen by its query logger."""
    counted: Counter[str] = Counter()

    def cursor(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if inside():
            counted[statement] += 1

    def direct(record: Any) -> None:
        if inside():
            counted[record.query] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", cursor)
    event.listen(
        engine.sync_engine, "connect", lambda dbapi, _record: dbapi.driver_connection.add_query_logger(direct)
    )
    return counted


async def _posting_round(
    db: BenchDb,
    plans: list[WorkerPlan],
    run_id: str,
    warmup: float,
    seconds: float,
    barrier: Any,
    plain: bool,
) -> dict[str, Any]:
    window = {"from": float("inf"), "until": float("inf")}
    async with AsyncExitStack() as stack:
        if plain:
            engine = create_engine(Settings(database_url=db.url))  # the app's engine and pool settings
            stack.push_async_callback(engine.dispose)
            post: Any = PlainPoster(session_factory(engine))
        else:
            api = await stack.enter_async_context(InProcessApp(db.settings))
            engine, post = api.engine, ApiPoster(api, db.keeper_token)
        counted = count_statements(engine, lambda: window["from"] <= time.time() < window["until"])
        ready = asyncio.Event()
        # one posting per task first (connections open, statements prepared), then all processes together
        await asyncio.gather(*(_post_loop(post, x, run_id + "w", window, ready) for x in plans))
        await asyncio.to_thread(barrier.wait)
        window["from"] = time.time() + warmup
        window["until"] = window["from"] + seconds
        ready.set()
        sampled: dict[str, Any] = {}
        _, *parts = await asyncio.gather(
            _sample_window(window, sampled), *(_post_loop(post, x, run_id, window, ready) for x in plans)
        )
    return {
        "documents": sum(x["documents"] for x in parts),
        "movements": sum(x["movements"] for x in parts),
        "errors": sum(x["errors"] for x in parts),
        "first_error": next((x["first_error"] for x in parts if x["first_error"]), ""),
        "latencies": [v for x in parts for v in x["latencies"]],
        "statements": dict(counted),
        "window": window["until"] - window["from"],
        **sampled,
    }


async def _sample_window(window: dict[str, float], out: dict[str, Any]) -> None:
    """CPU used by this process, the PostgreSQL server and the whole machine during the window."""
    await asyncio.sleep(max(window["from"] - time.time(), 0))
    mine, before = time.process_time(), cpu_snapshot()
    await asyncio.sleep(max(window["until"] - time.time(), 0))
    out["cpu"] = time.process_time() - mine
    out["machine"] = cpu_delta(before, cpu_snapshot())


def served_event_loop() -> tuple[str, Any]:
    """The event loop `vaxstock serve` gets: uvicorn's loop="auto" takes uvloop when it is installed."""
    try:
        import uvloop
    except ImportError:
        return "asyncio", asyncio.new_event_loop
    return f"uvloop {uvloop.__version__}", uvloop.new_event_loop


def _worker(db: BenchDb, plans: list[WorkerPlan], p: Params, barrier: Any, jobs: Any, results: Any) -> None:
    """One posting process (spawned, so it imports the app once for all rounds): its own event loop, as
    served; each round a fresh app (or, for the baseline, engine) with its pool, until it gets None."""
    try:
        with asyncio.Runner(loop_factory=served_event_loop()[1]) as runner:
            results.put({"ready": True})
            while (job := jobs.get()) is not None:
                results.put(
                    runner.run(
                        _posting_round(
                            db, plans, job["run_id"], p.warmup_seconds, p.seconds, barrier, job["plain"]
                        )
                    )
                )
    except BaseException as exc:
        barrier.abort()
        results.put({"crash": f"{type(exc).__name__}: {exc}"})
        raise


class PostingWorkers:
    """`p.processes` spawned posting processes sharing the workers between them, kept for every round (each
    process imports the app once); `round()` runs one measured round in all of them and sums it up."""

    def __init__(self, db: BenchDb, plans: list[WorkerPlan], p: Params) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.p = p
        self.barrier = ctx.Barrier(p.processes)
        self.results = ctx.Queue()
        self.jobs = [ctx.Queue() for _ in range(p.processes)]
        self.procs = [
            ctx.Process(
                target=_worker, args=(db, plans[i :: p.processes], p, self.barrier, jobs, self.results)
            )
            for i, jobs in enumerate(self.jobs)
        ]

    def __enter__(self) -> PostingWorkers:
        for proc in self.procs:
            proc.start()
        # wait for every process to be up (its imports done) before any measuring: they use the cores
        started = [self.results.get(timeout=600) for _ in self.procs]
        crashed = [x["crash"] for x in started if "crash" in x]
        if crashed:
            self.__exit__()
            raise RuntimeError(f"a posting process failed: {crashed[0]}")
        return self

    def __exit__(self, *_exc: object) -> None:
        for jobs in self.jobs:
            jobs.put(None)
        for proc in self.procs:
            proc.join(timeout=60)
            if proc.is_alive():
                proc.kill()

    def round(self, run_id: str, *, plain: bool = False) -> dict[str, Any]:
        for i, jobs in enumerate(self.jobs):
            jobs.put({"run_id": f"{run_id}-{i}", "plain": plain})
        parts = [self.results.get(timeout=self.p.seconds + self.p.warmup_seconds + 300) for _ in self.procs]
        crashed = [x["crash"] for x in parts if "crash" in x]
        if crashed:
            raise RuntimeError(f"a posting process failed: {crashed[0]}")
        machines = [x["machine"] for x in parts if x.get("machine")]
        return {
            "documents": sum(x["documents"] for x in parts),
            "movements": sum(x["movements"] for x in parts),
            "errors": sum(x["errors"] for x in parts),
            "first_error": next((x["first_error"] for x in parts if x["first_error"]), ""),
            "statements": sum((Counter(x["statements"]) for x in parts), Counter()),
            "window": statistics.fmean(x["window"] for x in parts),
            "latencies": sorted(v for x in parts for v in x["latencies"]),
            "client_cpu": sum(x.get("cpu", 0.0) for x in parts),
            "machine": machines[0] if machines else None,
        }


async def ledger_check(db: BenchDb) -> tuple[bool, int, int]:
    """GET /api/v1/verify (as the administrator) after the runs, and how many movements the store keeper
    posted."""
    async with InProcessApp(db.settings) as api:
        report = await api.expect(
            200, "GET", "/api/v1/verify", api_headers(db.admin_token), type=s.VerifyReport
        )
        async with session_factory(api.engine)() as session:
            posted = await session.scalar(
                select(func.count()).select_from(Movement).where(Movement.recorded_by == KEEPER)
            )
    return report.ok and not report.transit_mismatches, report.pairs_checked, int(posted or 0)
