"""Engine, sessions and the declarative base shared by every module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.base import Executable

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


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, WAL, a busy timeout, and BEGIN IMMEDIATE so writers queue instead of deadlocking."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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


class DriverStatement:
    """A fixed SQLAlchemy statement sent straight to the session's asyncpg connection (`driver_connection`),
    for the hot path of API postings: compiled once, then only its positional arguments are built.

    An expanding `IN` list is sent as one parameter per item, the text cached per list length: PostgreSQL
    then keeps a generic plan for each. (An array parameter, `= ANY($1)`, would make it estimate ten items,
    find the generic plan dearer and plan the query again on every execution.)
    """

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: Any = None
        self._expanding: list[str] = []
        self._fixed: dict[str, Any] = {}
        self._shapes: dict[tuple[int, ...], tuple[str, list[tuple[str, int | None]]]] = {}

    def bind(self, session: AsyncSession, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        """The SQL ($1, $2, ...) for these parameters, and its arguments in order."""
        if self._compiled is None:
            self._compiled = self.statement.compile(dialect=session.get_bind().dialect)
            self._expanding = [name for name, bind in self._compiled.binds.items() if bind.expanding]
            # the values the statement holds itself (a parameter the caller must give has none)
            self._fixed = {k: v for k, v in self._compiled.params.items() if v is not None}
        lengths = tuple(len(params[name]) for name in self._expanding)
        if lengths not in self._shapes:
            expanded = self._compiled.construct_expanded_state(params)
            item = {
                name: (original, i)
                for original, names in expanded.parameter_expansion.items()
                for i, name in enumerate(names)
            }
            self._shapes[lengths] = (
                expanded.statement,
                [item.get(name, (name, None)) for name in expanded.positiontup],
            )
        sql, where = self._shapes[lengths]
        return sql, [
            (params[name] if name in params else self._fixed[name]) if i is None else params[name][i]
            for name, i in where
        ]


class ConnectionLost(Exception):
    """The database connection died under a statement sent straight to the driver (`driver_connection`)."""


@asynccontextmanager
async def driver_connection(session: AsyncSession) -> AsyncIterator[Any]:
    """The session's own driver connection (asyncpg), for a statement sent without SQLAlchemy: the hot path
    of API postings. If the statement fails on a connection that turns out closed (the server restarted,
    the network dropped), the pool discards it, as SQLAlchemy does when its own statements meet a dead
    connection; the error is `ConnectionLost`."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    try:
        yield driver
    except Exception as exc:
        if not driver.is_closed():
            raise
        await connection.invalidate()
        raise ConnectionLost(str(exc)) from exc


def has_changes(session: AsyncSession) -> bool:
    """Whether ORM objects were added, changed or deleted in the session and not flushed yet."""
    return bool(session.new or session.dirty or session.deleted)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One transaction for the CLI and scripts: commit on success, roll back on any error."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
