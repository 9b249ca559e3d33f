"""Row locks under load: many workers drawing from one lot never overdraw it nor lose a movement."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.errors import InsufficientStock
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.models import IdempotencyRecord, Movement, Shipment
from inventory.stock.service import StockService
from inventory.timeutil import today_vn

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

WORKERS = 32
ISSUES_PER_WORKER = 5
DOSES_PER_ISSUE = 3
STOCK = 200  # fewer than 32 × 5 × 3 = 480 asked for: some issues must be refused


@pytest.fixture
async def connect(settings: Settings) -> AsyncIterator[Callable[..., async_sessionmaker[AsyncSession]]]:
    """Sessions on an engine of their own (a pool of `pool_size` connections), disposed after the test."""
    engines: list[AsyncEngine] = []

    def sessions(pool_size: int = 8) -> async_sessionmaker[AsyncSession]:
        engines.append(create_engine(settings, pool_size=pool_size, max_overflow=0))
        return session_factory(engines[-1])

    yield sessions
    for engine in engines:
        await engine.dispose()


def _broken(lot_number: str, doses: int) -> s.AdjustmentCreate:
    """Doses of a BCG lot at TL-01 of the district store written off as broken (doses < 0)."""
    return s.AdjustmentCreate(
        facility="TTYT-MT",
        lines=[
            s.AdjustmentLine(
                product="BCG", lot_number=lot_number, location="TL-01", doses=doses, reason="broken"
            )
        ],
    )


def _lot_receipt(lot_number: str, doses: int, product: str = "BCG", years: int = 1) -> s.ReceiptCreate:
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


async def _receive(sessions, settings: Settings, receipt: s.ReceiptCreate) -> None:
    await _post(sessions, settings, "receive", receipt, one_statement=False, key=f"setup-{uuid.uuid4()}")


async def _post(sessions, settings: Settings, method: str, command, *, one_statement: bool, key: str):
    async with sessions() as session:
        service = StockService(
            session, settings, Principal.system("worker"), session_per_posting=one_statement
        )
        result = await getattr(service, method)(command, key=key)
        await session.commit()
        return result


@pytest.mark.parametrize("session_per_posting", [False, True], ids=["transaction", "one-statement"])
async def test_32_concurrent_workers_issuing_from_one_lot_never_overdraw_it(
    settings: Settings, connect, session_per_posting: bool
) -> None:
    """Both ways an issue is posted: in the caller's transaction (pages, CLI) and as one statement (API)."""
    sessions = connect(WORKERS)
    await _receive(sessions, settings, _lot_receipt("RACE-1", STOCK, "PENTA", 2))

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


async def test_concurrent_retries_with_one_key_post_once(settings: Settings, connect) -> None:
    sessions = connect(8)
    command = _lot_receipt("RETRY-1", 100)

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


async def test_concurrent_retries_of_one_issue_sent_as_one_statement_post_once(
    settings: Settings, connect
) -> None:
    """A retry racing the first attempt waits on its key, then replays it: one document, one shipment."""
    sessions = connect(8)
    await _receive(sessions, settings, _lot_receipt("RETRY-ISSUE", 100, "BCG", 1))
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


# ---- found in review: the two ways of posting, side by side ------------------------------------------------


async def test_postings_in_a_transaction_and_in_one_statement_never_deadlock(
    settings: Settings, connect
) -> None:
    """Both paths lock the balances they change in one order: 16 workers mixing them all succeed."""
    sessions = connect(16)
    await _receive(sessions, settings, _lot_receipt("MIX-1", 100_000))
    failures: list[str] = []

    async def worker(n: int) -> None:
        for i in range(10):
            try:
                await _post(
                    sessions,
                    settings,
                    "issue",
                    BCG_10,
                    one_statement=bool((n + i) % 2),
                    key=f"mix-{n}-{i}-key",
                )
            except Exception as exc:  # collected: every one of them is a failure of the test
                failures.append(f"{type(exc).__name__}: {exc}")

    await asyncio.gather(*(worker(n) for n in range(16)))
    assert failures == []
    async with sessions() as session:
        soh = await StockService(session, settings, Principal.system("check")).stock_on_hand("TTYT-MT")
        assert [r.doses for r in soh.rows] == [100_000 - 160 * 10]
        assert (await StockService(session, settings, Principal.system("check")).verify()).ok


async def test_a_lot_locked_for_a_confirmation_does_not_deadlock_an_issue_of_it(
    settings: Settings, connect
) -> None:
    """A confirmation locks the lot (FOR NO KEY UPDATE) and then the transit balance; an issue holds the transit
    balance and checks the lot's key (FOR KEY SHARE): the two locks do not conflict, so neither waits."""
    sessions = connect()
    await _receive(sessions, settings, _lot_receipt("FK-1", 1000))
    first = await _post(sessions, settings, "issue", BCG_10, one_statement=False, key="fk-first-issue")
    async with sessions() as confirming:
        service = StockService(confirming, settings, Principal.system("commune"))
        lot = await service.repo.lot(
            (await service.catalog.product("BCG", field="product")).id, "FK-1", for_update=True
        )
        assert lot is not None
        # while the lot is locked as a confirmation locks it, another issue of the lot goes through
        for one_statement in (True, False):
            second = await asyncio.wait_for(
                _post(
                    sessions,
                    settings,
                    "issue",
                    BCG_10,
                    one_statement=one_statement,
                    key=f"fk-second-{one_statement}",
                ),
                timeout=10,
            )
            assert second.id != first.id
        await confirming.rollback()


async def test_a_session_is_transactional_again_after_a_posting_in_one_statement(
    settings: Settings, connect
) -> None:
    """A refused second posting on the same session leaves nothing behind, its key included."""
    sessions = connect(1)
    await _receive(sessions, settings, _lot_receipt("REUSE-1", 100))
    too_much = msgspec.structs.replace(_broken("REUSE-1", -5000), occurred_on=today_vn() - timedelta(days=1))
    async with sessions() as session:
        service = StockService(session, settings, Principal.system("u"), session_per_posting=True)
        await service.issue(BCG_10, key="reuse-issue-0001")
        with pytest.raises(InsufficientStock):
            await service.adjust(too_much, key="reuse-adjust-0001")
        await session.rollback()
    async with sessions() as session:
        assert await session.get(IdempotencyRecord, "reuse-adjust-0001") is None
        with pytest.raises(InsufficientStock):  # the retry is refused for the same reason, not a crash
            await StockService(session, settings, Principal.system("u")).adjust(
                too_much, key="reuse-adjust-0001"
            )


async def test_a_posting_in_one_statement_refuses_any_other_write(settings: Settings, connect) -> None:
    """The deferred posting runs in autocommit: an ORM write there would stand alone, so it is refused."""
    sessions = connect()
    await _receive(sessions, settings, _lot_receipt("GUARD-1", 100))
    command = _broken("GUARD-1", -1)
    async with sessions() as session:
        service = StockService(session, settings, Principal.system("u"), session_per_posting=True)
        adjust = service._adjust

        async def adjust_and_write_more(cmd: s.AdjustmentCreate) -> s.DocumentRead:
            lot = await service._lot(
                await service.catalog.product("BCG", field="product"), "GUARD-1", field="lot"
            )
            lot.on_hold = True  # a write outside the ledger document
            return await adjust(cmd)

        service._adjust = adjust_and_write_more  # type: ignore[method-assign]
        with pytest.raises(RuntimeError, match="writes nothing but its ledger document"):
            await service.adjust(command, key="guard-adjust-0001")
    async with sessions() as session:
        check = StockService(session, settings, Principal.system("check"))
        assert [r.doses for r in (await check.stock_on_hand("TTYT-MT")).rows] == [100]
        assert (await check.lot("BCG", "GUARD-1")).on_hold is False
        assert await session.get(IdempotencyRecord, "guard-adjust-0001") is None


async def test_lots_are_picked_again_when_another_posting_took_the_picked_one(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the read and the one statement another posting empties the picked lot: the issue is picked
    again from what is left, not refused while other lots could cover it."""
    from inventory.stock.repository import StockRepository

    sessions = connect()
    early, late = _lot_receipt("PICK-EARLY", 10), _lot_receipt("PICK-LATE", 100)
    late.lines[0].expires_on = today_vn().replace(year=today_vn().year + 2)
    for receipt in (early, late):
        await _receive(sessions, settings, receipt)
    read = StockRepository.facilities_with_stock
    taken = {"done": False}

    async def read_then_lose_the_early_lot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = await read(self, *args, **kwargs)
        if not taken["done"]:
            taken["done"] = True
            await _post(
                sessions,
                settings,
                "adjust",
                _broken("PICK-EARLY", -10),
                one_statement=False,
                key="pick-broken-early",
            )
        return found

    monkeypatch.setattr(StockRepository, "facilities_with_stock", read_then_lose_the_early_lot)
    issued = await _post(
        sessions,
        settings,
        "issue",
        BCG_10,
        one_statement=True,
        key="pick-again-issue",
    )
    assert taken["done"] and {m.lot_number for m in issued.movements} == {"PICK-LATE"}
    async with sessions() as session:
        assert (await StockService(session, settings, Principal.system("check")).verify()).ok


@pytest.mark.parametrize("one_statement", [False, True], ids=["transaction", "one-statement"])
async def test_a_draw_that_waited_for_a_receipt_counts_what_the_receipt_added(
    settings: Settings, connect, one_statement: bool
) -> None:
    """10 doses on hand, 20 more being received: a draw of 20 waits for the receipt's commit and then goes
    through (the guard reads the balance the lock returned, not the one the statement started with)."""
    sessions = connect()
    await _receive(sessions, settings, _lot_receipt("WAIT-1", 10))
    draw = _broken("WAIT-1", -20)
    async with sessions() as receiving:
        await StockService(receiving, settings, Principal.system("a")).receive(
            _lot_receipt("WAIT-1", 20), key="wait-receipt-0001"
        )
        waiting = asyncio.create_task(
            _post(sessions, settings, "adjust", draw, one_statement=one_statement, key="wait-draw-0001")
        )
        await asyncio.sleep(0.5)
        assert not waiting.done()  # it waits on the receipt's lock on the balance
        await receiving.commit()
    document = await asyncio.wait_for(waiting, timeout=10)
    assert [m.doses for m in document.movements] == [-20]
    async with sessions() as session:
        check = StockService(session, settings, Principal.system("check"))
        assert [r.doses for r in (await check.stock_on_hand("TTYT-MT")).rows] == [10]
        assert (await check.verify()).ok


async def test_the_single_statement_posting_reads_what_the_orm_reads(settings: Settings, connect) -> None:
    """An API posting reads the facilities and the source's stock straight from the driver (no ORM loading):
    the same facilities, transit locations, products and balances as the ORM query, none in the session."""
    from sqlalchemy import event, inspect

    from inventory.catalog.service import TRANSIT
    from inventory.db import has_changes
    from inventory.stock.ledger import SINGLE_STATEMENT, Pending
    from inventory.stock.repository import StockRepository

    sessions = connect()
    await _receive(sessions, settings, _lot_receipt("READ-BCG", 100))
    await _receive(sessions, settings, _lot_receipt("READ-PENTA", 50, "PENTA", 2))
    codes = ["TTYT-MT", "TYT-03451", "NO-SUCH-PLACE"]
    products = ["BCG", "PENTA", "MR", "NO-SUCH-PRODUCT"]  # MR: known, none in stock

    def columns(instance: object) -> dict[str, object] | None:
        if instance is None:
            return None
        return {a.key: getattr(instance, a.key) for a in inspect(instance).mapper.column_attrs}

    def shown(read) -> tuple[list, dict]:  # type: ignore[no-untyped-def]
        facilities, stocked = read
        return (
            sorted(((columns(f), columns(t)) for f, t in facilities), key=lambda pair: pair[0]["code"]),
            {code: (columns(p), sorted(balances)) for code, (p, balances) in stocked.items()},
        )

    async def read(codes: list[str], products: list[str], *, direct: bool):  # type: ignore[no-untyped-def]
        async with sessions() as session:
            if not direct:
                return await StockRepository(session).facilities_with_stock(
                    codes, TRANSIT, stock_at="TTYT-MT", product_codes=products
                )
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            session.info[SINGLE_STATEMENT] = Pending()
            through_orm: list[object] = []
            event.listen(session.sync_session, "do_orm_execute", through_orm.append)
            found = await StockRepository(session).facilities_with_stock(
                codes, TRANSIT, stock_at="TTYT-MT", product_codes=products
            )
            assert through_orm == [] and not has_changes(session) and not list(session.identity_map.values())
            del session.info[SINGLE_STATEMENT]
            return found

    direct = await read(codes, products, direct=True)
    assert shown(direct) == shown(by_orm := await read(codes, products, direct=False))
    # other list lengths: another text of the statement, the same answers
    assert shown(await read(codes[:1], products[:1], direct=True)) == shown(
        await read(codes[:1], products[:1], direct=False)
    )
    facilities, stocked = shown(direct)
    assert [f["code"] for f, _ in facilities] == ["TTYT-MT", "TYT-03451"]
    assert all(t is not None and t["code"] == TRANSIT for _, t in facilities)
    assert set(stocked) == {"BCG", "PENTA", "MR"} and stocked["MR"][1] == []
    assert [b.lot.lot_number for b in stocked["BCG"][1]] == ["READ-BCG"] and stocked["BCG"][1][0].doses == 100
    assert isinstance(stocked["BCG"][0]["packed_volume_cm3"], type(by_orm[1]["BCG"][0].packed_volume_cm3))


@pytest.mark.parametrize("lost_at", ["read", "write"])
async def test_a_connection_the_server_closed_fails_one_posting_and_leaves_the_pool(
    settings: Settings, connect, monkeypatch: pytest.MonkeyPatch, lost_at: str
) -> None:
    """The server ends a pooled connection (a restart, a failover, an idle timeout) and the next API posting
    meets it at its read or its write, both sent straight to asyncpg: that posting fails (ConnectionLost,
    nothing written) and the pool lets the connection go, so the postings after it succeed."""
    import asyncpg
    from sqlalchemy import text

    from inventory.db import ConnectionLost
    from inventory.stock import ledger

    sessions = connect(1)  # one pooled connection: every posting gets the same one back
    await _receive(sessions, settings, _lot_receipt("LOST-1", 100))
    await _post(sessions, settings, "issue", BCG_10, one_statement=True, key="lost-issue-0")
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
        write = ledger.write_in_one_statement

        async def lost_before_the_write(*args, **kwargs):  # type: ignore[no-untyped-def]
            monkeypatch.setattr(ledger, "write_in_one_statement", write)
            await end_the_connection()
            return await write(*args, **kwargs)

        monkeypatch.setattr(ledger, "write_in_one_statement", lost_before_the_write)
        monkeypatch.setattr("inventory.idempotency.write_in_one_statement", lost_before_the_write)
    with pytest.raises(ConnectionLost):
        await _post(sessions, settings, "issue", BCG_10, one_statement=True, key="lost-issue-1")
    monkeypatch.undo()
    for i in (2, 3):
        await _post(sessions, settings, "issue", BCG_10, one_statement=True, key=f"lost-issue-{i}")
    async with sessions() as session:
        issued = await session.scalar(
            select(func.count())
            .select_from(IdempotencyRecord)
            .where(IdempotencyRecord.key.like("lost-issue-%"))
        )
        assert issued == 3  # 0, 2 and 3: the lost one wrote nothing
        assert (await StockService(session, settings, Principal.system("check")).verify()).ok
