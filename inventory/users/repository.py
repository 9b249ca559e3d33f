"""The sign-in throttle's counters: one atomic statement per count, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, literal, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.types import UTCDateTime
from inventory.users.models import SignInFailure


async def add_failure(
    session: AsyncSession, scope: str, key: str, *, now: datetime, window_opened_after: datetime
) -> tuple[int, datetime]:
    """Count one more attempt for (scope, key) and return the count and when its window opened, in one
    INSERT ... ON CONFLICT DO UPDATE ... RETURNING: parallel attempts each get a count of their own, none
    reads a count another is about to raise. A window opened at or before `window_opened_after` is over: the
    count starts again at 1 from `now`."""
    insert = (postgresql.insert if _is_postgresql(session) else sqlite.insert)(SignInFailure)
    table = SignInFailure.__table__
    cutoff = literal(window_opened_after, UTCDateTime())
    started = literal(now, UTCDateTime())
    expired = table.c.window_start <= cutoff
    statement = (
        insert.values(scope=scope, key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=[table.c.scope, table.c.key],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "window_start": case((expired, started), else_=table.c.window_start),
            },
        )
        .returning(table.c.failures, table.c.window_start)
    )
    row = (await session.execute(statement)).one()
    return int(row.failures), row.window_start


async def take_back(session: AsyncSession, scope: str, key: str) -> None:
    """An attempt counted before its check turned out right: it was no failure."""
    await session.execute(
        update(SignInFailure)
        .where(SignInFailure.scope == scope, SignInFailure.key == key, SignInFailure.failures > 0)
        .values(failures=SignInFailure.failures - 1)
    )


async def forget(session: AsyncSession, scope: str, key: str) -> None:
    """A username signed in from an address: that pair starts afresh."""
    await session.execute(delete(SignInFailure).where(SignInFailure.scope == scope, SignInFailure.key == key))


def _is_postgresql(session: AsyncSession) -> bool:
    return session.bind is not None and session.bind.dialect.name == "postgresql"
