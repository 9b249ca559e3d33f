"""bench/ledger.py's setting: its parameters, scratch databases, migrations, the API users, and pgbench."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import resource
import secrets
import subprocess
from dataclasses import dataclass
from typing import Any

from ledger_cpu import PostgresCpuMeter, cpu_delta, cpu_snapshot
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from inventory.auth import Principal
from inventory.catalog.seed import load_catalogue
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.settings import Settings, normalise_database_url
from inventory.users.service import UserService

ACTOR = "bench: ledger"
"""Who creates the API users, and recorded_by of the bulk history and of the plain baseline's postings."""
SOURCE = "TTYT-MT"
"""The district store: it issues to the communes in the posting benchmark and is read in the SOH one."""
KEEPER = "bench-keeper"
"""A store keeper at SOURCE: every posting and stock read goes through the API with this user's token."""
AUDITOR = "bench-admin"
"""An administrator: GET /api/v1/verify after the runs (verifying the ledger is for administrators)."""
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
    chains: bool = True

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

    def describe(self) -> str:
        fields = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return (
            f"{fields}; the posting figure counts movements, not documents: movements/s of the API's issues "
            "(each issue posts 2 movements per lot line: the draw at the source and the transit one) over "
            "pgbench -N transactions/s"
        )


@dataclass(frozen=True)
class BenchDb:
    """A migrated database with the catalogue, and API tokens of the store keeper and the administrator."""

    url: str
    keeper_token: str
    admin_token: str

    @property
    def settings(self) -> Settings:
        return Settings(database_url=self.url)


# ---- scratch databases -----------------------------------------------------------------------------------


class Scratch:
    """Creates and drops the vaxstock_bench_* databases through the admin (superuser) connection."""

    def __init__(self, admin_url: str, *, keep: bool = False) -> None:
        self.admin: URL = make_url(normalise_database_url(admin_url))
        self.keep = keep
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return self.admin.set(database=name).render_as_string(hide_password=False)

    async def sql(self, *statements: str, database: str | None = None) -> list[Any]:
        """Run statements as the superuser, in the admin database or in `database`."""
        url = self.admin if database is None else self.admin.set(database=database)
        engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
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
            if self.created:
                print(f"  kept scratch databases: {', '.join(self.created)}")
            return
        for name in self.created:
            await self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.clear()

    async def switch_off_chains(self, name: str) -> None:
        """The experiment of `--without-chains`: the hash-chain triggers of migration 0009 disabled in one
        scratch database, as only a superuser can; the append-only triggers stay."""
        await self.sql(
            *(
                f"ALTER TABLE {table} DISABLE TRIGGER {table}_chain_{part}"
                for table in ("movement", "audit_event")
                for part in ("link", "head")
            ),
            database=name,
        )

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


async def migrated(url: str) -> BenchDb:
    """Migrate a fresh database to head and load the catalogue (as `vaxstock db upgrade`), then add the two
    API users and their tokens (as `vaxstock user add` and `vaxstock user token`)."""
    settings = Settings(database_url=url)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # once an app has run, the root logger prints INFO
    await asyncio.to_thread(upgrade, settings)  # alembic's env.py runs its own event loop
    engine = create_engine(settings)
    try:
        sessions = session_factory(engine)
        async with unit_of_work(sessions) as session:
            await load_catalogue(session)
        async with unit_of_work(sessions) as session:
            users, by, password = UserService(session), Principal.system(ACTOR), secrets.token_urlsafe(24)
            for username, role, facility in ((KEEPER, "store_keeper", SOURCE), (AUDITOR, "admin", None)):
                await users.add(
                    username=username,
                    full_name=f"bench {role}",
                    role=role,
                    facility_code=facility,
                    password=password,
                    by=by,
                )
            keeper = await users.issue_token(KEEPER, "bench", by=by)
            admin = await users.issue_token(AUDITOR, "bench", by=by)
    finally:
        await engine.dispose()
    return BenchDb(settings.database_url, keeper, admin)


# ---- pgbench ---------------------------------------------------------------------------------------------


class PgBench:
    """`pgbench -i -s SCALE` into its own scratch database, then timed `pgbench -N` rounds against it."""

    def __init__(self, scratch: Scratch, database: str, p: Params) -> None:
        admin = scratch.admin
        self.scratch = scratch
        conn = [
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
        self.init_command = ["pgbench", "-i", "-q", "-s", str(p.pgbench_scale), *conn, database]
        self.command = ["pgbench", "-N", "-c", str(p.clients), "-j", str(p.pgbench_threads)]
        self.command += ["-T", str(p.seconds), *conn, database]

    def initialise(self) -> None:
        subprocess.run(self.init_command, check=True, capture_output=True, text=True, env=self.env)

    def run(self) -> dict[str, Any]:
        """One timed round: TPS, and the CPU used by the pgbench client, the server and the machine."""
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
