"""Helpers of the PostgreSQL concurrency tests: sessions on engines of their own, postings through the use
cases exactly as a page or the CLI makes them (the API adds only its session per request)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import adjustments, issuing, receiving, verification, views
from inventory.timeutil import today_vn

Sessions = async_sessionmaker[AsyncSession]
POSTINGS: dict[str, Callable[..., Any]] = {
    "receive": receiving.receive,
    "issue": issuing.issue,
    "adjust": adjustments.adjust,
}


@pytest.fixture
async def connect(settings: Settings) -> AsyncIterator[Callable[..., Sessions]]:
    """Sessions on an engine of their own (a pool of `pool_size` connections), disposed after the test."""
    engines: list[AsyncEngine] = []

    def sessions(pool_size: int = 8) -> Sessions:
        engines.append(create_engine(settings, pool_size=pool_size, max_overflow=0))
        return session_factory(engines[-1])

    yield sessions
    for engine in engines:
        await engine.dispose()


def stock_of(session: AsyncSession, settings: Settings, who: str = "check") -> StockContext:
    return StockContext(session, settings, Principal.system(who))


def broken(lot_number: str, doses: int) -> s.AdjustmentCreate:
    """Doses of a BCG lot at TL-01 of the district store written off as broken (doses < 0)."""
    return s.AdjustmentCreate(
        facility="TTYT-MT",
        lines=[
            s.AdjustmentLine(
                product="BCG", lot_number=lot_number, location="TL-01", doses=doses, reason="broken"
            )
        ],
    )


def lot_receipt(lot_number: str, doses: int, product: str = "BCG", years: int = 1) -> s.ReceiptCreate:
    return s.ReceiptCreate(
        facility="TTYT-MT",
        lines=[
            s.ReceiptLine(
                product=product,
                lot_number=lot_number,
                expires_on=today_vn().replace(year=today_vn().year + years),
                doses=doses,
                location="TL-01",
            )
        ],
    )


BCG_10 = s.IssueCreate(
    facility="TTYT-MT", to_facility="TYT-03451", lines=[s.IssueLine(product="BCG", doses=10)]
)


async def post(sessions: Sessions, settings: Settings, use_case: str, command: Any, *, key: str) -> Any:
    """One posting in a session of its own, committed."""
    async with sessions() as session:
        result = await POSTINGS[use_case](stock_of(session, settings, "worker"), command, key=key)
        await session.commit()
        return result


async def receive(sessions: Sessions, settings: Settings, receipt: s.ReceiptCreate) -> None:
    await post(sessions, settings, "receive", receipt, key=f"setup-{uuid.uuid4()}")


async def doses_on_hand(sessions: Sessions, settings: Settings) -> list[int]:
    async with sessions() as session:
        return [r.doses for r in (await views.stock_on_hand(stock_of(session, settings), "TTYT-MT")).rows]


async def ledger_ok(sessions: Sessions, settings: Settings) -> bool:
    async with sessions() as session:
        report = await verification.verify(stock_of(session, settings))
        return report.ok


async def deadlocks(sessions: Sessions) -> int:
    """Deadlocks PostgreSQL has detected in this database so far (its statistics, flushed first)."""
    async with sessions() as session:
        await session.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int(
            await session.scalar(
                text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
            )
            or 0
        )
