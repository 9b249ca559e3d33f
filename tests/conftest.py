"""Test databases: SQLite by default, PostgreSQL when VAXSTOCK_TEST_DATABASE_URL names one.

Each test gets its own database copied from a migrated, catalogue-loaded template, and the ledger is
verified (balance == sum of movements) when the test ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from inventory.auth import Principal
from inventory.catalog.seed import load_catalogue
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.migrate import upgrade
from inventory.settings import Settings, normalise_database_url
from inventory.stock.context import StockContext
from inventory.stock.use_cases import verification

TEST_DATABASE_URL = os.environ.get("VAXSTOCK_TEST_DATABASE_URL", "").strip()
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))
TEMPLATE_DB = f"vaxstock_test_template_{os.getpid()}"
"""One template per test run, so that two runs on one server never share it."""
T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, in a thread of its own (Playwright's sync API keeps a loop running in this one)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


ONE_PASS = ("/tests/browser/", "/tests/unit/")
"""Tests that no database changes: the browser tests (what a page looks like and does in Chromium) and the unit
tests (which never open the test database). They run in the SQLite pass only, keeping CI short."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests (row locks, concurrency) belong to the PostgreSQL pass; the tests no database
    changes (ONE_PASS) and the tests of SQLite itself (sqlite_only) to the SQLite pass: deselected, not
    skipped, in the other."""
    if ON_POSTGRES:
        dropped = [
            i
            for i in items
            if any(part in str(i.path) for part in ONE_PASS)
            or i.get_closest_marker("sqlite_only") is not None
        ]
    else:
        dropped = [i for i in items if i.get_closest_marker("postgres_only") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = {id(i) for i in dropped}
        items[:] = [i for i in items if id(i) not in gone]


def _pg_url(database: str) -> str:
    base = normalise_database_url(TEST_DATABASE_URL)
    return base.rsplit("/", 1)[0] + "/" + database


def _pg_name(url: str) -> str:
    """The database a PostgreSQL URL names (the inverse of `_pg_url`)."""
    return url.rsplit("/", 1)[1]


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    url = normalise_database_url(TEST_DATABASE_URL).replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(url)
    try:
        for sql in statements:
            await conn.execute(sql)
    finally:
        await conn.close()


TEST_USERS = {
    # username: (role, facility)
    "admin": ("admin", None),
    "keeper": ("store_keeper", "TTYT-MT"),
    "province": ("store_keeper", "CDC-LC"),
    "commune": ("commune_worker", "TYT-03451"),
    "other_commune": ("commune_worker", "TYT-03463"),
    "huabum": ("commune_worker", "TYT-03460"),  # supplied by the province directly (no district)
    "viewer": ("viewer", None),
}
PASSWORD = "correct horse battery"
TOKENS: dict[str, str] = {}
"""Bearer tokens of the test users, made once in the template database."""


async def _seed(settings: Settings) -> None:
    from inventory.users.service import UserService

    engine = create_engine(settings)
    async with unit_of_work(session_factory(engine)) as session:
        await load_catalogue(session)
        users = UserService(session)
        for username, (role, facility) in TEST_USERS.items():
            await users.add(
                username=username,
                full_name=username.title(),
                role=role,
                facility_code=facility,
                password=PASSWORD,
                by=Principal.system("test"),
            )
            TOKENS[username] = await users.issue_token(username, "tests", by=Principal.system("test"))
    await engine.dispose()


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with the reference catalogue, copied for every test."""
    if ON_POSTGRES:
        run_sync(
            _pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE_DB}")
        )
        settings = Settings(database_url=_pg_url(TEMPLATE_DB))
    else:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        settings = Settings(database_url=f"sqlite+aiosqlite:///{path}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:  # alembic's env.py calls asyncio.run
        pool.submit(upgrade, settings).result()
    run_sync(_seed(settings))
    yield settings.database_url
    if ON_POSTGRES:
        run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"))


async def _verify(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            report = await verification.verify(StockContext(session, settings, Principal.system("test")))
    finally:
        await engine.dispose()
    assert report.ok, f"ledger does not verify: {report}"


@contextlib.contextmanager
def fresh_database(template: str, directory: Path, *, keep: bool = False) -> Iterator[Settings]:
    """Settings for a fresh copy of a template database (the catalogue's, or a demo year's); the ledger must
    verify at the end. `keep`: the copy outlives the block (a template itself, dropped by its maker)."""
    if ON_POSTGRES:
        name = f"vaxstock_test_{uuid.uuid4().hex[:12]}"
        run_sync(_pg_admin(f"CREATE DATABASE {name} TEMPLATE {_pg_name(template)}"))
        settings = Settings(database_url=_pg_url(name))
    else:
        source = Path(template.split("///", 1)[1])
        target = directory / "vaxstock.sqlite3"
        shutil.copyfile(source, target)
        settings = Settings(database_url=f"sqlite+aiosqlite:///{target}")
    yield settings
    run_sync(_verify(settings))
    if ON_POSTGRES and not keep:
        run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


DEMO_DAY = date(2026, 12, 3)
"""The day of the demo year the integration tests share: a 3rd (the month's receipt is dated the 3rd, after the
1st and 2nd, the days the demo loader once dated issues before it)."""


async def load_demo_year(settings: Settings, today: date | None = None) -> dict[str, int]:
    """`load_demo` into the database of `settings`, in a transaction of its own (today by default)."""
    from inventory.demo import load_demo

    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await load_demo(session, settings, today=today)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def demo_years(
    template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[date], tuple[str, dict[str, int]]]]:
    """`demo_years(day)`: a database holding the demo year ending on `day`, and the loader's counts. Loaded
    once per run and day (a load takes half a minute) and copied for each test that reads it (`demo_year`)."""
    made: dict[date, tuple[str, dict[str, int]]] = {}

    def loaded(day: date) -> tuple[str, dict[str, int]]:
        if day not in made:
            with fresh_database(template, tmp_path_factory.mktemp("demo"), keep=True) as settings:
                counts = run_sync(load_demo_year(settings, day))
            made[day] = (settings.database_url, counts)
        return made[day]

    yield loaded
    if ON_POSTGRES:
        for url, _counts in made.values():
            run_sync(_pg_admin(f"DROP DATABASE IF EXISTS {_pg_name(url)} WITH (FORCE)"))


@contextlib.contextmanager
def demo_year(
    demo_years: Callable[[date], tuple[str, dict[str, int]]], directory: Path, day: date = DEMO_DAY
) -> Iterator[tuple[Settings, dict[str, int]]]:
    """A fresh copy of the demo year ending on `day`, with the counts its loader returned."""
    url, counts = demo_years(day)
    with fresh_database(url, directory) as settings:
        yield settings, counts


@pytest.fixture
def settings(template: str, tmp_path: Path) -> Iterator[Settings]:
    """A fresh database for one test."""
    with fresh_database(template, tmp_path) as settings:
        yield settings


@pytest.fixture(scope="module")
def module_settings(template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """One fresh database shared by a module's tests that only add to it (each makes its own rows and
    compares before and after), where a database per test would cost more than the test itself."""
    with fresh_database(template, tmp_path_factory.mktemp("module")) as settings:
        yield settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _vietnamese_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI speaks the locale's language; tests read Vietnamese (the default) whatever the machine's is."""
    monkeypatch.setenv("VAXSTOCK_LANGUAGE", "vi")
