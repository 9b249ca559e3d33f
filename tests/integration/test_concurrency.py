"""Row locks under load: many workers drawing from one lot never overdraw it nor lose a movement."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
import pytest
from sqlalchemy import func, select

from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.errors import InsufficientStock
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.models import Movement, Shipment
from inventory.stock.service import StockService
from inventory.timeutil import today_vn

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

WORKERS = 32
ISSUES_PER_WORKER = 5
DOSES_PER_ISSUE = 3
STOCK = 200  # fewer than 32 × 5 × 3 = 480 asked for: some issues must be refused


@pytest.mark.parametrize("session_per_posting", [False, True], ids=["transaction", "one-statement"])
async def test_32_concurrent_workers_issuing_from_one_lot_never_overdraw_it(
    settings: Settings, session_per_posting: bool
) -> None:
    """Both ways an issue is posted: in the caller's transaction (pages, CLI) and as one statement (API)."""
    engine = create_engine(settings, pool_size=WORKERS, max_overflow=0)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            await StockService(session, settings, Principal.system("setup")).receive(
                s.ReceiptCreate(
                    facility="TTYT-MT",
                    lines=[
                        s.ReceiptLine(
                            product="PENTA",
                            lot_number="RACE-1",
                            expires_on=today_vn().replace(year=today_vn().year + 2),
                            doses=STOCK,
                            location="TL-01",
                        )
                    ],
                ),
                key="race-setup-0001",
            )
            await session.commit()

        async def worker(n: int) -> tuple[int, int]:
            done = refused = 0
            for i in range(ISSUES_PER_WORKER):
                async with sessions() as session:
                    try:
                        await StockService(
                            session,
                            settings,
                            Principal.system(f"worker {n}"),
                            session_per_posting=session_per_posting,
                        ).issue(
                            s.IssueCreate(
                                facility="TTYT-MT",
                                to_facility="TYT-03451",
                                lines=[s.IssueLine(product="PENTA", doses=DOSES_PER_ISSUE)],
                            ),
                            key=f"race-{n}-{i}-{uuid.uuid4().hex[:6]}",
                        )
                        await session.commit()
                        done += 1
                    except InsufficientStock:
                        await session.rollback()
                        refused += 1
            return done, refused

        results = await asyncio.gather(*(worker(n) for n in range(WORKERS)))
        done = sum(d for d, _ in results)
        refused = sum(r for _, r in results)
        assert done + refused == WORKERS * ISSUES_PER_WORKER
        assert done == STOCK // DOSES_PER_ISSUE  # every issue that fitted went through, the rest were refused
        async with sessions() as session:
            soh = await StockService(session, settings, Principal.system("check")).stock_on_hand("TTYT-MT")
            assert [r.doses for r in soh.rows] == [STOCK - done * DOSES_PER_ISSUE]
            issues = await session.scalar(
                select(func.count()).select_from(Movement).where(Movement.kind == "issue")
            )
            shipments = await session.scalar(select(func.count()).select_from(Shipment))
            assert issues == 2 * done and shipments == done
            report = await StockService(session, settings, Principal.system("check")).verify()
            assert report.ok, report
    finally:
        await engine.dispose()


async def test_concurrent_retries_with_one_key_post_once(settings: Settings) -> None:
    engine = create_engine(settings, pool_size=8, max_overflow=0)
    sessions = session_factory(engine)
    command = s.ReceiptCreate(
        facility="TTYT-MT",
        lines=[
            s.ReceiptLine(
                product="BCG",
                lot_number="RETRY-1",
                expires_on=today_vn().replace(year=today_vn().year + 1),
                doses=100,
                location="TL-01",
            )
        ],
    )
    try:

        async def attempt() -> int:
            async with sessions() as session:
                document = await StockService(session, settings, Principal.system("flaky link")).receive(
                    command, key="same-key-0001"
                )
                await session.commit()
                return document.id

        ids = await asyncio.gather(*(attempt() for _ in range(8)))
        assert len(set(ids)) == 1
        async with sessions() as session:
            soh = await StockService(session, settings, Principal.system("check")).stock_on_hand("TTYT-MT")
            assert [r.doses for r in soh.rows] == [100]
    finally:
        await engine.dispose()


async def test_concurrent_retries_of_one_issue_sent_as_one_statement_post_once(settings: Settings) -> None:
    """A retry racing the first attempt waits on its key, then replays it: one document, one shipment."""
    engine = create_engine(settings, pool_size=8, max_overflow=0)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            await StockService(session, settings, Principal.system("setup")).receive(
                s.ReceiptCreate(
                    facility="TTYT-MT",
                    lines=[
                        s.ReceiptLine(
                            product="BCG",
                            lot_number="RETRY-ISSUE",
                            expires_on=today_vn().replace(year=today_vn().year + 1),
                            doses=100,
                            location="TL-01",
                        )
                    ],
                ),
                key="retry-issue-setup",
            )
            await session.commit()
        command = s.IssueCreate(
            facility="TTYT-MT", to_facility="TYT-03451", lines=[s.IssueLine(product="BCG", doses=60)]
        )

        async def attempt() -> s.DocumentRead:
            async with sessions() as session:
                document = await StockService(
                    session, settings, Principal.system("flaky link"), session_per_posting=True
                ).issue(command, key="same-issue-key-0001")
                await session.commit()
                return document

        documents = await asyncio.gather(*(attempt() for _ in range(8)))
        assert len({msgspec.json.encode(d) for d in documents}) == 1  # every caller got the first result
        async with sessions() as session:
            soh = await StockService(session, settings, Principal.system("check")).stock_on_hand("TTYT-MT")
            assert [r.doses for r in soh.rows] == [40]
            assert await session.scalar(select(func.count()).select_from(Shipment)) == 1
            report = await StockService(session, settings, Principal.system("check")).verify()
            assert report.ok, report
    finally:
        await engine.dispose()
