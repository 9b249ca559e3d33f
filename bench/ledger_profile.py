"""Where an API posting's time goes, for bench/ledger.py: postings in sequence through the app in-process,
timed, then traced statement by statement with SQLAlchemy engine events (and asyncpg's query logger)."""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import greenlet
from ledger_asgi import InProcessApp
from ledger_posting import ApiPoster, WorkerPlan
from ledger_setup import BenchDb
from sqlalchemy import event

import inventory

INVENTORY_DIR = str(Path(inventory.__file__).resolve().parent) + os.sep
DIRECT = "sent to asyncpg without a SQLAlchemy cursor (a transaction's BEGIN/COMMIT, or a statement sent straight to the driver)"


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
        if re.search(r"VALUES \(.*\), \(", q):
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
    """Where a statement came from: the innermost inventory/ frame, and the outermost one (the request's
    entry: the authentication middleware or the route handler); a library's frame when no inventory/ code
    is on the stack (the session's commit after the response, by advanced_alchemy).

    SQLAlchemy's asyncio layer runs the ORM in a child greenlet; the awaiting coroutines are in its parent.
    """
    ours: list[str] = []
    library = ""
    frame = sys._getframe(1)
    current: Any = greenlet.getcurrent()
    while frame is not None:
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(INVENTORY_DIR):
                ours.append(f"{name[len(INVENTORY_DIR) :]}:{frame.f_code.co_name}")
            elif not library and "site-packages" in name:
                package = name.split("site-packages" + os.sep, 1)[1]
                if not package.startswith(("sqlalchemy", "greenlet", "asyncpg")):
                    library = f"{package}:{frame.f_code.co_name}"
            frame = frame.f_back
        current = current.parent if current is not None else None
        frame = current.gr_frame if current is not None else None
    if not ours:
        return library or "?"
    return ours[0] if len(ours) == 1 or ours[0] == ours[-1] else f"{ours[0]} <- {ours[-1]}"


async def profile_postings(db: BenchDb, plans: list[WorkerPlan], n: int) -> dict[str, Any]:
    """One worker, API postings in sequence: wall and CPU time, then statements, their origin and time."""
    stats: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    on = {"record": False}
    checkouts = {"n": 0}
    async with InProcessApp(db.settings) as api:
        engine = api.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if on["record"]:
                conn.info["bench_t0"] = (sql_summary(statement), call_site(), time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Any, *_args: Any) -> None:
            started = conn.info.pop("bench_t0", None)
            if started is not None:
                label, site, t0 = started
                row = stats[(label, site)]
                row[0] += 1
                row[1] += time.perf_counter() - t0

        @event.listens_for(engine, "checkout")
        def _checkout(*_args: Any) -> None:
            if on["record"]:
                checkouts["n"] += 1

        @event.listens_for(engine, "connect")
        def _log_direct(dbapi_connection: Any, _record: Any) -> None:
            def logged(query: Any) -> None:
                if on["record"]:
                    row = stats[(sql_summary(query.query), DIRECT)]
                    row[0] += 1
                    row[1] += query.elapsed

            dbapi_connection.driver_connection.add_query_logger(logged)

        post = ApiPoster(api, db.keeper_token)
        plan = replace(plans[0], worker=10_000)
        run_id = f"profile-{os.getpid()}-{int(time.time())}"
        for i in range(20):  # warm the pool's connection and its prepared statements
            await post(plan, i, f"{run_id}:warm:{i}")
        cpu, started = time.process_time(), time.perf_counter()
        for i in range(n):  # untraced: wall and CPU time per posting
            await post(plan, i, f"{run_id}:plain:{i}")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        on["record"] = True
        for i in range(n):  # traced: what each statement is, where it comes from and how long it takes
            await post(plan, i, f"{run_id}:traced:{i}")
        on["record"] = False
    return {
        "postings": n,
        "wall": wall,
        "cpu": cpu,
        "statements": sum(int(c) for c, _ in stats.values()),
        "db_seconds": sum(t for _, t in stats.values()),
        "checkouts": checkouts["n"],
        "rows": sorted(((k, int(c), t) for k, (c, t) in stats.items()), key=lambda r: -r[1]),
    }


def print_statement_mix(statements: Counter[str], documents: int) -> None:
    """Statements per posting under load (those sent inside the measuring windows over the postings that
    ended inside them), in all and by kind."""
    kinds: Counter[str] = Counter()
    for statement, count in statements.items():
        kinds[sql_summary(statement)] += count
    print(
        "  statements per posting under load (round trips: authentication's, BEGIN and COMMIT included): "
        f"{statements.total() / documents:.1f}: "
        + "; ".join(f"{count / documents:.2f} {label}" for label, count in kinds.most_common())
    )


def print_profile(prof: dict[str, Any]) -> None:
    n = prof["postings"]
    per = prof["statements"] / n
    wall, cpu, db = (1000 * prof[k] / n for k in ("wall", "cpu", "db_seconds"))
    print(
        f"  sequential profile: {n} POST /api/v1/issues by one worker, in-process, one after another: "
        f"{1000 / wall:.0f} documents/s"
    )
    print(
        f"  per posting: {wall:.2f} ms wall, {cpu:.2f} ms client CPU; {per:.1f} statements = round trips (every "
        f"statement sent: authentication's, BEGIN and COMMIT included) taking {db:.2f} ms inside the driver "
        f"(round trip + server + asyncpg), {max(wall - db, 0):.2f} ms elsewhere (Litestar, authentication, "
        "validation, service, ORM, msgspec)"
    )
    print(
        f"  pool checkouts per posting: {prof['checkouts'] / n:.2f} (the authentication's session, the handler's)"
    )
    print(
        f"  {'per posting':>11}  {'ms each':>7}  statement  <- issued at (inventory/...: innermost <- entry)"
    )
    for (label, site), count, seconds in prof["rows"]:
        print(f"  {count / n:11.2f}  {1000 * seconds / count:7.3f}  {label}  <- {site}")
