"""Engine, sessions and the declarative base shared by every module."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import MetaData, event, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from inventory import chain
from inventory.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; every table's constraints get predictable names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


T = TypeVar("T")

_WRITES: ContextVar[bool] = ContextVar("vaxstock_sqlite_writes", default=True)
"""Whether a SQLite transaction begun now takes the write lock at once (see `_configure_sqlite`)."""

_DEFERRED = "vaxstock_deferred"
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteInReadTransaction(RuntimeWarning):
    """A statement that writes ran in a read-only (deferred) SQLite transaction: under a concurrent writer it
    fails with "database is locked"; that code path must open its transaction inside `writing()`."""


@contextmanager
def reading() -> Iterator[None]:
    """SQLite transactions begun inside this block read only: a plain (deferred) BEGIN."""
    token = _WRITES.set(False)
    try:
        yield
    finally:
        _WRITES.reset(token)


@contextmanager
def writing() -> Iterator[None]:
    """SQLite transactions begun inside this block may write: BEGIN IMMEDIATE (the default)."""
    token = _WRITES.set(True)
    try:
        yield
    finally:
        _WRITES.reset(token)


class ReadOnlySafeMethods:
    """ASGI middleware (outermost): the transactions of a GET, HEAD or OPTIONS request read only.

    Why by HTTP method: a safe method changes nothing by definition, every form and API write is a POST, and
    the method is known before any session opens, so no write path has to remember to flag itself. The few
    writes a GET still makes open their own transaction inside `writing()`: a session's or token's last use
    (inventory/authn.py), the audit of a refused request (`unit_of_work`) and an alerts evaluation that is
    due (`in_write_transaction`). On PostgreSQL the BEGIN is the driver's own: nothing changes there.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") in SAFE_METHODS:
            with reading():
                await self.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, a busy timeout, and transactions that begin by what they will do.

    A transaction that may write begins with BEGIN IMMEDIATE: it takes SQLite's one write lock at once, so
    writers queue (busy timeout) instead of failing when a read transaction tries to become a write one.
    A read-only transaction (inside `reading()`: every GET request) begins with a plain, deferred BEGIN:
    with WAL it reads its snapshot while a writer holds the lock, so pages never queue behind postings.
    A write in a deferred transaction is reported as a `WriteInReadTransaction` warning (an error in tests).
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # the ledger's hash chains (migration 0006's triggers call it)
        dbapi_connection.create_function("vaxstock_chain_link", -1, chain.sqlite_function, deterministic=True)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = _WRITES.get()
        connection.info[_DEFERRED] = not writes
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on_execute(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if connection.info.get(_DEFERRED) and statement.lstrip()[:7].upper().startswith(WRITE_VERBS):
            warnings.warn(
                f"a write in a read-only transaction: {statement[:80]!r}",
                WriteInReadTransaction,
                stacklevel=2,
            )


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    """The app's async engine for the configured database."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, echo=settings.echo_sql, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(settings.database_url, echo=settings.echo_sql, **kwargs)


def is_postgresql(session: AsyncSession) -> bool:
    """Whether the session talks to PostgreSQL (which gets single-statement writes: data-modifying CTEs)."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


_RELOAD_CHUNK = 500
"""Primary keys per SELECT when objects are read again after a rollback."""


async def roll_back_and_reload(session: AsyncSession) -> None:
    """Roll the session's transaction back, then read again every object the session still holds.

    A rollback expires every object in the session. The next touch of one (a lookup cached for the request,
    a page's facility) would load it implicitly, which an async session cannot do (MissingGreenlet). So a
    caller that goes on after a rollback, as the retry policy does, gets its objects fresh: one SELECT per
    class, by primary key. Rows that the rolled-back transaction had inserted are gone from the session
    already."""
    await session.rollback()
    held: dict[Any, list[Any]] = {}
    for state in session.sync_session.identity_map.all_states():
        held.setdefault(state.mapper, []).append(state.identity)
    for mapper, identities in held.items():
        key = mapper.primary_key
        column = key[0] if len(key) == 1 else tuple_(*key)
        for start in range(0, len(identities), _RELOAD_CHUNK):
            chunk = identities[start : start + _RELOAD_CHUNK]
            values = [i[0] for i in chunk] if len(key) == 1 else chunk
            reload = select(mapper.class_).where(column.in_(values))
            await session.execute(reload.execution_options(populate_existing=True))


class ConnectionLost(Exception):
    """The database connection died under a request: sending the same request again is safe."""


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction for the CLI and scripts: commit on success, roll back on any error (it may write,
    even when a GET request opens it)."""
    with writing():
        async with sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise


async def in_write_transaction(session: AsyncSession, action: Callable[[], Awaitable[T]]) -> T:
    """Run `action` on the session in a transaction of its own that may write, and commit it: the rare write
    of a read-only request (a GET). The read transaction so far is ended first (on SQLite it cannot safely
    become a write one), and the reads after it see what `action` wrote. In a request that writes anyway
    (outside `reading()`), `action` simply joins its transaction."""
    if _WRITES.get():
        return await action()
    await session.commit()
    with writing():
        try:
            result = await action()
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
    return result
