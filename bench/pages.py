"""Pages under load: a province served by `vaxstock serve` with its default workers, on PostgreSQL.

The data is bench/reports.py's synthetic province (a provincial store, 9 district stores, 90 communes: 100
facilities; one year of ledger; a register of 150,000 children), bulk-loaded into its own scratch database
(`--reuse` keeps an earlier run's). Balances are summed from the movements. Signed-in users of mixed roles
(store keepers of the districts, commune workers, viewers, administrators) each browse the dashboard, stock,
lots, documents, backlog, due list and forecast pages in turn, as fast as answers come, for `--seconds`.
In the same run a bare Litestar JSON endpoint (bench/pages_hello.py) is served the same way (uvicorn, the
same worker count) and loaded by the same number of clients.

Run: ``uv run python bench/pages.py`` (PostgreSQL superuser URL in VAXSTOCK_BENCH_ADMIN_URL, default
postgresql://postgres@127.0.0.1:5432/test); ``--quick`` is a smoke run (a small province, 5 s).
Prints ``figure pages_p95_ms`` (target <= 150), ``figure pages_rps_vs_hello`` (pages per second over the bare
endpoint's requests per second; target >= 0.01) and ``figure pages_max_kb`` (the largest page; target <= 100).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import reports  # bench/reports.py: the province loader
from sqlalchemy import text

from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.users.service import UserService

DATABASE = "vaxstock_bench_pages"
PASSWORD = "bench-pages-2026"
ROOT = Path(__file__).parents[1]
START_SECONDS = 600
"""How long a server may take to answer /health (a loaded machine imports slowly)."""


@dataclass
class Browser:
    username: str
    role: str
    facility: str | None
    commune: str  # the commune whose due list the user opens (admin unit code)
    pages: list[str] = field(default_factory=list)


@dataclass
class Tally:
    seconds: list[float] = field(default_factory=list)
    sizes: dict[str, int] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    by_page: dict[str, list[float]] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def load_province(reuse: bool, rng: random.Random) -> Settings:
    reports.DATABASE = DATABASE
    settings = Settings(database_url=reports.url(DATABASE))
    if reuse:
        try:
            db = await asyncpg.connect(reports.url(DATABASE))
            found = await db.fetchval("SELECT count(*) FROM app_user WHERE username LIKE 'bp-%'")
            await db.close()
            if found:
                print("reusing the loaded scratch database")
                return settings
        except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
            pass
    settings = await reports.fresh_database()
    started = time.perf_counter()
    counts = await reports.load(rng)
    db = await asyncpg.connect(reports.url(DATABASE))
    try:  # the loader writes movements only: the balances are their sums
        await db.execute(
            "INSERT INTO balance (location_id, lot_id, doses) "
            "SELECT location_id, lot_id, sum(doses) FROM movement GROUP BY location_id, lot_id"
        )
        # a database in use has been vacuumed: done here, not by autovacuum during the timed minute
        await db.execute("VACUUM (ANALYZE)")
    finally:
        await db.close()
    print(
        f"loaded in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    )
    return settings


def browsers(count: int) -> list[Browser]:
    """Mixed roles: half commune workers, a quarter district store keepers, the rest viewers and admins."""
    found = []
    for i in range(count):
        d, c = i % reports.DISTRICTS, (i // reports.DISTRICTS) % reports.COMMUNES_PER_DISTRICT
        commune = f"9{d}{c:03d}"
        kind = ("commune_worker", "store_keeper", "commune_worker", "viewer" if i % 8 == 3 else "admin")[
            i % 4
        ]
        facility = {"commune_worker": f"TYT-{commune}", "store_keeper": f"TTYT-B{d}"}.get(kind)
        b = Browser(f"bp-{i:02d}", kind, facility, commune)
        # dashboard, stock, lots, documents, backlog, due list and forecast; a viewer may not see names
        b.pages = ["/", "/stock", "/lots", "/documents", "/backlog"]
        if kind != "viewer":
            b.pages.append(f"/communes/{commune}/due-list")
        if kind != "commune_worker":
            b.pages.append("/forecast")
        found.append(b)
    return found


async def add_users(settings: Settings, people: list[Browser]) -> None:
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            users = UserService(session)
            for b in people:
                if await session.scalar(
                    text("SELECT 1 FROM app_user WHERE username = :u"), {"u": b.username}
                ):
                    continue
                await users.add(
                    username=b.username,
                    full_name=b.username,
                    role=b.role,
                    facility_code=b.facility,
                    password=PASSWORD,
                    by=Principal.system("bench: pages"),
                )
    finally:
        await engine.dispose()


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    log = open(Path(tempfile.gettempdir()) / f"vaxstock-bench-pages-{port}.log", "wb")  # noqa: SIM115
    print(f"server log: {log.name}")
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"server exited: see {log.name}")
        time.sleep(0.5)
    process.terminate()
    raise SystemExit(f"server did not answer /health within {START_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


async def sign_in(client: httpx.AsyncClient, b: Browser) -> None:
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": b.username,
            "password": PASSWORD,
            "next": "/",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        },
    )
    if response.status_code not in (200, 303) or "vaxstock_session" not in client.cookies:
        raise SystemExit(f"{b.username} could not sign in: {response.status_code}")


async def browse(
    client: httpx.AsyncClient, b: Browser, until: float, tally: Tally, *, pages: int | None = None
) -> None:
    """Open the user's pages in turn until the deadline (or `pages` of them)."""
    n = int(b.username[-2:])  # users start at different pages
    first = n
    while time.monotonic() < until if pages is None else n - first < pages:
        path = b.pages[n % len(b.pages)]
        n += 1
        t = time.perf_counter()
        try:
            response = await client.get(path)
        except (httpx.RemoteProtocolError, httpx.ReadError):  # a keep-alive connection the server had closed
            response = await client.get(path)
        elapsed = time.perf_counter() - t  # an answer to a request sent before the deadline counts
        name = path if not path.startswith("/communes/") else "/communes/…/due-list"
        tally.statuses[f"{name} {response.status_code}"] += 1
        tally.seconds.append(elapsed)
        tally.by_page.setdefault(name, []).append(elapsed)
        tally.sizes[name] = max(tally.sizes.get(name, 0), len(response.content))


async def hammer(base: str, clients: int, seconds: float) -> int:
    done = 0
    until = time.monotonic() + seconds

    async def one() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while time.monotonic() < until:
                response = await client.get("/hello")
                if response.status_code == 200:
                    done += 1

    await asyncio.gather(*(one() for _ in range(clients)))
    return done


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


async def run(args: argparse.Namespace) -> None:
    if args.quick:
        reports.DISTRICTS, reports.COMMUNES_PER_DISTRICT, reports.CHILDREN = 2, 3, 3000
    settings = await load_province(args.reuse, random.Random(2026))
    people = browsers(args.users)
    await add_users(settings, people)
    env = {
        **os.environ,
        "VAXSTOCK_DATABASE_URL": settings.database_url,
        "VAXSTOCK_SECRET_KEY": "bench-pages-secret-key-0123456789abcdef",
        "VAXSTOCK_LANGUAGE": "vi",
    }
    env.pop("VAXSTOCK_TEST_DATABASE_URL", None)
    workers = args.workers
    from inventory.cli import default_workers

    workers = workers or default_workers(settings)
    port = free_port()
    serve = [sys.executable, "-m", "inventory.cli", "serve", "--port", str(port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = start(serve, env, port)
    tally = Tally()
    base = f"http://127.0.0.1:{port}"
    clients = [httpx.AsyncClient(base_url=base, timeout=120) for _ in people]
    try:
        for client, b in zip(clients, people, strict=True):  # every user signs in; then the clock starts
            await sign_in(client, b)
        warm = Tally()  # each user opens each of its pages once, untimed: every worker has its templates
        await asyncio.gather(
            *(browse(c, b, 0, warm, pages=len(b.pages)) for c, b in zip(clients, people, strict=True))
        )
        began = time.monotonic()
        await asyncio.gather(
            *(browse(c, b, began + args.seconds, tally) for c, b in zip(clients, people, strict=True))
        )
        page_seconds = time.monotonic() - began
    finally:
        for client in clients:
            await client.aclose()
        stop(server)
    hello_port = free_port()
    hello = start(
        [
            sys.executable, "-m", "uvicorn", "pages_hello:app", "--app-dir", str(ROOT / "bench"),
            "--port", str(hello_port), "--workers", str(workers), "--log-level", "warning",
        ],
        env,
        hello_port,
    )  # fmt: skip
    try:
        hello_seconds = min(args.seconds, args.hello_seconds)
        hellos = await hammer(f"http://127.0.0.1:{hello_port}", args.users, hello_seconds)
    finally:
        stop(hello)
    pages = len(tally.seconds)
    if not pages:
        raise SystemExit("no page answered: is the server up?")
    bad = {k: v for k, v in tally.statuses.items() if not k.endswith(" 200")}
    print(f"users {len(people)} ({Counter(b.role for b in people)}), {workers} workers, {args.seconds} s")
    print(f"load average at the end: {Path('/proc/loadavg').read_text().strip()}")
    for name, values in sorted(tally.by_page.items()):
        print(
            f"  {name:22} {len(values):5} answers  p50 {statistics.median(values) * 1000:7.0f} ms  "
            f"p95 {p95(values) * 1000:7.0f} ms  largest {tally.sizes[name] / 1024:6.1f} KB"
        )
    if bad:
        print(f"  answers other than 200: {bad}")
    pages_rps = pages / page_seconds
    hello_rps = hellos / hello_seconds
    print(
        f"pages: {pages} in {page_seconds:.1f} s ({pages_rps:.1f}/s); hello: {hellos} in {hello_seconds} s ({hello_rps:.0f}/s)"
    )
    print(f"figure pages_p95_ms {p95(tally.seconds) * 1000:.0f} (target <= 150)")
    print(f"figure pages_rps_vs_hello {pages_rps / hello_rps:.4f} (target >= 0.01)")
    print(f"figure pages_max_kb {max(tally.sizes.values()) / 1024:.1f} (target <= 100)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 6 communes, 3,000 children, 5 s")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the scratch database an earlier run loaded"
    )
    parser.add_argument("--users", type=int, default=16, help="concurrent signed-in users")
    parser.add_argument(
        "--seconds", type=float, default=None, help="how long the users browse (60; quick: 5)"
    )
    parser.add_argument(
        "--hello-seconds", type=float, default=20, help="how long the bare endpoint is loaded"
    )
    parser.add_argument("--workers", type=int, default=None, help="server processes (default: serve's own)")
    parser.add_argument("--children", type=int, default=None, help="children in the register (150,000)")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 5 if args.quick else 60
    if args.children:
        reports.CHILDREN = args.children
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
