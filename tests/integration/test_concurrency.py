"""Row locks under load: many workers drawing from one lot never overdraw it nor lose a movement; retries
with one key post once."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
import pytest
from sqlalchemy import func, select

from inventory.errors import InsufficientStock
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.models import Movement, Shipment
from inventory.stock.use_cases import issuing, receiving
from tests.integration.concurrency import (
    BCG_10,
    connect,
    doses_on_hand,
    ledger_ok,
    lot_receipt,
    post,
    receive,
    stock_of,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]
__all__ = ["connect"]  # the fixture, used by name

WORKERS = 32
ISSUES_PER_WORKER = 5
DOSES_PER_ISSUE = 3
STOCK = 200  # fewer than 32 × 5 × 3 = 480 asked for: some issues must be refused


async def test_32_concurrent_workers_issuing_from_one_lot_never_overdraw_it(
    settings: Settings, connect
) -> None:
    sessions = connect(WORKERS)
    await receive(sessions, settings, lot_receipt("RACE-1", STOCK, "PENTA", 2))

    async def worker(n: int) -> tuple[int, int]:
        done = refused = 0
        for i in range(ISSUES_PER_WORKER):
            async with sessions() as session:
                try:
                    await issuing.issue(
                        stock_of(session, settings, f"worker {n}"),
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
    assert await doses_on_hand(sessions, settings) == [STOCK - done * DOSES_PER_ISSUE]
    async with sessions() as session:
        issues = await session.scalar(
            select(func.count()).select_from(Movement).where(Movement.kind == "issue")
        )
        shipments = await session.scalar(select(func.count()).select_from(Shipment))
        assert issues == 2 * done and shipments == done
    assert await ledger_ok(sessions, settings)


async def test_concurrent_retries_with_one_key_post_once(settings: Settings, connect) -> None:
    sessions = connect(8)
    command = lot_receipt("RETRY-1", 100)

    async def attempt() -> int:
        async with sessions() as session:
            document = await receiving.receive(
                stock_of(session, settings, "flaky link"), command, key="same-key-0001"
            )
            await session.commit()
            return document.id

    ids = await asyncio.gather(*(attempt() for _ in range(8)))
    assert len(set(ids)) == 1
    assert await doses_on_hand(sessions, settings) == [100]


async def test_concurrent_retries_of_one_issue_post_once(settings: Settings, connect) -> None:
    """A retry racing the first attempt waits on its key, then replays it: one document, one shipment."""
    sessions = connect(8)
    await receive(sessions, settings, lot_receipt("RETRY-ISSUE", 100, "BCG", 1))
    command = s.IssueCreate(
        facility="TTYT-MT", to_facility="TYT-03451", lines=[s.IssueLine(product="BCG", doses=60)]
    )

    async def attempt() -> s.DocumentRead:
        async with sessions() as session:
            document = await issuing.issue(
                stock_of(session, settings, "flaky link"), command, key="same-issue-key-0001"
            )
            await session.commit()
            return document

    documents = await asyncio.gather(*(attempt() for _ in range(8)))
    assert len({msgspec.json.encode(d) for d in documents}) == 1  # every caller got the first result
    assert await doses_on_hand(sessions, settings) == [40]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Shipment)) == 1
    assert await ledger_ok(sessions, settings)


async def test_16_workers_issuing_from_one_lot_never_deadlock(settings: Settings, connect) -> None:
    """Every posting locks the balances it changes in one order: 16 workers issuing the same lot all succeed."""
    sessions = connect(16)
    await receive(sessions, settings, lot_receipt("MIX-1", 100_000))
    failures: list[str] = []

    async def worker(n: int) -> None:
        for i in range(10):
            try:
                await post(sessions, settings, "issue", BCG_10, key=f"mix-{n}-{i}-key")
            except Exception as exc:  # collected: every one of them is a failure of the test
                failures.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker(n) for n in range(16)))
    assert failures == []
    assert await doses_on_hand(sessions, settings) == [100_000 - 160 * 10]
    assert await ledger_ok(sessions, settings)


async def test_simultaneous_first_receipts_of_one_new_lot_create_it_once(settings: Settings, connect) -> None:
    """Eight receipts of the same new lot at two facilities at once: the lot is inserted once (the others
    wait for it and find it), every receipt goes through, nothing answers an error."""
    from inventory.stock.models import Lot

    sessions = connect(8)
    places = [("TTYT-MT", "TL-01"), ("CDC-LC", "KHO-LANH")]  # two stores that may post receipts

    async def receipt(n: int) -> s.DocumentRead:
        facility, location = places[n % 2]
        command = lot_receipt("FIRST-1", 10)
        command = msgspec.structs.replace(
            command,
            facility=facility,
            lines=[msgspec.structs.replace(command.lines[0], location=location)],
        )
        return await post(sessions, settings, "receive", command, key=f"first-receipt-{n}")

    documents = await asyncio.gather(*(receipt(n) for n in range(8)))
    assert len({d.id for d in documents}) == 8
    async with sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Lot).where(Lot.lot_number == "FIRST-1"))
            == 1
        )
    assert await ledger_ok(sessions, settings)
