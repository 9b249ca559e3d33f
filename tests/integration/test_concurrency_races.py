"""Races found in review, each closed where the rule lives: the draw refuses held stock, locks are taken in
one sorted order, a draw that waited reads what the lock returned, a lost connection leaves the pool."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from inventory.audit.models import IdempotencyRecord
from inventory.errors import InsufficientStock
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.repository import StockRepository
from inventory.stock.use_cases import adjustments, issuing, lots, receiving
from inventory.timeutil import today_vn
from tests.integration.concurrency import (
    BCG_10,
    broken,
    connect,
    deadlocks,
    doses_on_hand,
    ledger_ok,
    lot_receipt,
    post,
    receive,
    stock_of,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]
__all__ = ["connect"]  # the fixture, used by name


async def test_a_lot_locked_for_a_confirmation_does_not_deadlock_an_issue_of_it(
    settings: Settings, connect
) -> None:
    """A confirmation locks the lot (FOR NO KEY UPDATE) and then the transit balance; an issue holds the transit
    balance and checks the lot's key (FOR KEY SHARE): the two locks do not conflict, so neither waits."""
    sessions = connect()
    await receive(sessions, settings, lot_receipt("FK-1", 1000))
    first = await post(sessions, settings, "issue", BCG_10, key="fk-first-issue")
    async with sessions() as confirming:
        stock = stock_of(confirming, settings, "commune")
        product = await stock.catalog.product("BCG", field="product")
        assert await stock.repo.lock_lots([(product.id, "FK-1")])
        # while the lot is locked as a confirmation locks it, another issue of the lot goes through
        second = await asyncio.wait_for(
            post(sessions, settings, "issue", BCG_10, key="fk-second"), timeout=10
        )
        assert second.id != first.id
        await confirming.rollback()


async def test_a_refused_posting_leaves_nothing_behind_its_key_included(settings: Settings, connect) -> None:
    sessions = connect(1)
    await receive(sessions, settings, lot_receipt("REUSE-1", 100))
    too_much = msgspec.structs.replace(broken("REUSE-1", -5000), occurred_on=today_vn() - timedelta(days=1))
    async with sessions() as session:
        stock = stock_of(session, settings, "u")
        await issuing.issue(stock, BCG_10, key="reuse-issue-0001")
        with pytest.raises(InsufficientStock):
            await adjustments.adjust(stock, too_much, key="reuse-adjust-0001")
        await session.rollback()
    async with sessions() as session:
        assert await session.get(IdempotencyRecord, "reuse-adjust-0001") is None
        with pytest.raises(InsufficientStock):  # the retry is refused for the same reason, not a crash
            await adjustments.adjust(stock_of(session, settings, "u"), too_much, key="reuse-adjust-0001")


async def _between_read_and_write(monkeypatch: pytest.MonkeyPatch, then) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Run `then()` once, committed in another session, right after an issue has read the stock it picks from."""
    read = StockRepository.facilities_with_stock
    taken = {"done": False}

    async def read_then(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = await read(self, *args, **kwargs)
        if not taken["done"]:
            taken["done"] = True
            await then()
        return found

    monkeypatch.setattr(StockRepository, "facilities_with_stock", read_then)
    return taken


async def test_lots_are_picked_again_when_another_posting_took_the_picked_one(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the read and the write another posting empties the picked lot: the issue is picked again
    from what is left (the one retry policy of every caller), not refused while other lots could cover it."""
    sessions = connect()
    early, late = lot_receipt("PICK-EARLY", 10), lot_receipt("PICK-LATE", 100)
    late.lines[0].expires_on = today_vn().replace(year=today_vn().year + 2)
    for receipt in (early, late):
        await receive(sessions, settings, receipt)
    taken = await _between_read_and_write(
        monkeypatch,
        lambda: post(sessions, settings, "adjust", broken("PICK-EARLY", -10), key="pick-broken-early"),
    )
    issued = await post(sessions, settings, "issue", BCG_10, key="pick-again-issue")
    assert taken["done"] and {m.lot_number for m in issued.movements} == {"PICK-LATE"}
    assert await ledger_ok(sessions, settings)


async def _hold(sessions, settings: Settings, lot_number: str) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        await lots.set_hold(
            stock_of(session, settings, "keeper"),
            "BCG",
            lot_number,
            s.HoldUpdate(reason="freeze alarm"),
            hold=True,
            key=f"hold-{lot_number}",
        )
        await session.commit()


async def test_a_hold_committed_between_the_read_and_the_write_is_never_bypassed(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue read the lot as usable; a hold commits before its write: the draw itself refuses the held
    lot, and the issue goes out from the next lot instead."""
    sessions = connect()
    early, late = lot_receipt("HOLD-EARLY", 100), lot_receipt("HOLD-LATE", 100)
    late.lines[0].expires_on = today_vn().replace(year=today_vn().year + 2)
    for receipt in (early, late):
        await receive(sessions, settings, receipt)
    taken = await _between_read_and_write(monkeypatch, lambda: _hold(sessions, settings, "HOLD-EARLY"))
    issued = await post(sessions, settings, "issue", BCG_10, key="held-between-issue")
    assert taken["done"] and {m.lot_number for m in issued.movements} == {"HOLD-LATE"}
    assert sorted(await doses_on_hand(sessions, settings)) == [90, 100]


async def test_a_hold_committed_between_the_read_and_the_write_of_the_only_lot_refuses_the_issue(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = connect()
    await receive(sessions, settings, lot_receipt("HOLD-ONLY", 100))
    await _between_read_and_write(monkeypatch, lambda: _hold(sessions, settings, "HOLD-ONLY"))
    with pytest.raises(InsufficientStock):
        await post(sessions, settings, "issue", BCG_10, key="held-only-issue")
    assert await doses_on_hand(sessions, settings) == [100]
    assert await ledger_ok(sessions, settings)


async def test_receipts_listing_the_same_lots_in_opposite_orders_never_deadlock(
    settings: Settings, connect
) -> None:
    """Lots are locked in one sorted order, whatever the order of the lines: 8 pairs of receipts of lots A, B
    and B, A at once all go through and PostgreSQL detects no deadlock (none was broken and retried)."""
    sessions = connect(16)
    lines = [lot_receipt(n, 10).lines[0] for n in ("ORDER-A", "ORDER-B")]
    await post(
        sessions,
        settings,
        "receive",
        s.ReceiptCreate(facility="TTYT-MT", lines=lines),
        key="order-receipt-first",
    )
    before = await deadlocks(sessions)

    async def receipt(n: int) -> None:
        ordered = lines if n % 2 else lines[::-1]
        async with sessions() as session:
            await receiving.receive(
                stock_of(session, settings, f"worker {n}"),
                s.ReceiptCreate(facility="TTYT-MT", lines=ordered),
                key=f"order-receipt-{n}",
            )
            await asyncio.sleep(0.05)  # hold the locks a moment: the other order would wait in a cycle
            await session.commit()

    await asyncio.gather(*(receipt(n) for n in range(16)))
    await asyncio.sleep(1.5)  # PostgreSQL publishes its statistics within a second
    assert await deadlocks(sessions) == before
    assert sorted(await doses_on_hand(sessions, settings)) == [170, 170]


async def test_a_draw_that_waited_for_a_receipt_counts_what_the_receipt_added(
    settings: Settings, connect
) -> None:
    """10 doses on hand, 20 more being received: a draw of 20 waits for the receipt's commit and then goes
    through (the guard reads the balance the lock returned, not the one the statement started with)."""
    sessions = connect()
    await receive(sessions, settings, lot_receipt("WAIT-1", 10))
    async with sessions() as receiving_session:
        await receiving.receive(
            stock_of(receiving_session, settings, "a"), lot_receipt("WAIT-1", 20), key="wait-receipt-0001"
        )
        waiting = asyncio.create_task(
            post(sessions, settings, "adjust", broken("WAIT-1", -20), key="wait-draw-0001")
        )
        await asyncio.sleep(0.5)
        assert not waiting.done()  # it waits on the receipt's lock on the balance
        await receiving_session.commit()
    document = await asyncio.wait_for(waiting, timeout=10)
    assert [m.doses for m in document.movements] == [-20]
    assert await doses_on_hand(sessions, settings) == [10]
    assert await ledger_ok(sessions, settings)


@pytest.mark.parametrize("lost_at", ["read", "write"])
async def test_a_connection_the_server_closed_fails_one_posting_and_leaves_the_pool(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch, lost_at: str
) -> None:
    """The server ends a pooled connection (a restart, a failover, an idle timeout) and the next posting meets
    it at its read or its write: that posting fails (the connection invalidated, nothing written; the API
    answers 503) and the pool lets the connection go, so the postings after it succeed."""
    import asyncpg

    from inventory.stock import ledger

    sessions = connect(1)  # one pooled connection: every posting gets the same one back
    await receive(sessions, settings, lot_receipt("LOST-1", 100))
    await post(sessions, settings, "issue", BCG_10, key="lost-issue-0")
    async with sessions() as session:
        pid = await session.scalar(text("SELECT pg_backend_pid()"))

    async def end_the_connection() -> None:
        admin = await asyncpg.connect(settings.database_url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await asyncio.sleep(0.2)

    if lost_at == "read":
        await end_the_connection()
    else:
        write = ledger.write_postgresql

        async def lost_before_the_write(*args, **kwargs):  # type: ignore[no-untyped-def]
            monkeypatch.setattr(ledger, "write_postgresql", write)
            await end_the_connection()
            return await write(*args, **kwargs)

        monkeypatch.setattr(ledger, "write_postgresql", lost_before_the_write)
    with pytest.raises(DBAPIError) as lost:
        await post(sessions, settings, "issue", BCG_10, key="lost-issue-1")
    assert lost.value.connection_invalidated
    monkeypatch.undo()
    for i in (2, 3):
        await post(sessions, settings, "issue", BCG_10, key=f"lost-issue-{i}")
    async with sessions() as session:
        issued = await session.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.key.like("lost-issue-%"))
        )
        assert issued == 3  # 0, 2 and 3: the lost one wrote nothing
    assert await ledger_ok(sessions, settings)
