"""On SQLite, GET requests read in deferred transactions (inventory/db.py): a writer holding the write lock
does not hold up a page, while writes still queue one behind the other; the few writes a GET makes (a
session's last use) run in write transactions of their own."""

from __future__ import annotations

from datetime import timedelta

import anyio
import pytest
from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy import func, select, text, update

from inventory.alerts.models import AlertEvaluation
from inventory.app import create_app
from inventory.db import WriteInReadTransaction, create_engine, reading, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.timeutil import utcnow
from inventory.users.models import UserSession
from tests.integration.conftest import Api
from tests.integration.ledger_samples import lot, receipt
from tests.integration.test_auth import sign_in

pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_only]
PAGES = ("/", "/stock", "/lots", "/documents", "/backlog", "/communes/03451/due-list")


async def test_pages_answer_while_a_long_write_holds_the_lock_and_writes_wait_for_it(
    settings: Settings,
) -> None:
    engine = create_engine(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await sign_in(client, "keeper")).status_code == 303
        api = Api(client)
        await api.read("/lots")  # the token's first use is noted now, not under the lock below
        holder = session_factory(engine)()
        try:
            # BEGIN IMMEDIATE and a write: the database's one write lock is held until the commit below
            await holder.execute(text("UPDATE app_user SET full_name = full_name WHERE username = 'viewer'"))
            with anyio.fail_after(10):  # a page queued behind the lock would wait the 30 s busy timeout
                for path in PAGES:
                    page = await client.get(path)
                    assert page.status_code == 200, (path, page.text[:300])
                assert (await api.get("/lots")).status_code == 200
            answered: list[int] = []

            def post() -> None:  # a client of its own, in a thread: the test client answers synchronously
                with TestClient(app=create_app(settings)) as other:
                    response = other.post(
                        "/api/v1/receipts",
                        json=receipt(lot("BCG", "BCG-LOCKED", 10)),
                        headers={**api.auth, "Idempotency-Key": "test-locked-receipt"},
                    )
                answered.append(response.status_code)

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(anyio.to_thread.run_sync, post)
                await anyio.sleep(3)
                assert answered == []  # the posting waits for the lock
                await holder.commit()
            assert answered == [201]
        finally:
            await holder.close()
            await engine.dispose()


async def test_a_session_idle_for_minutes_is_noted_seen_on_a_page_in_a_write_transaction_of_its_own(
    settings: Settings,
) -> None:
    engine = create_engine(settings)
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            assert (await sign_in(client, "keeper")).status_code == 303
            long_ago = utcnow() - timedelta(minutes=5)
            async with unit_of_work(session_factory(engine)) as session:
                await session.execute(update(UserSession).values(last_seen_at=long_ago))
            assert (await client.get("/stock")).status_code == 200  # a write in the read would be an error
        async with session_factory(engine)() as session:
            seen = await session.scalar(select(func.max(UserSession.last_seen_at)))
        assert seen is not None and seen > long_ago + timedelta(minutes=4)
    finally:
        await engine.dispose()


async def test_a_write_in_a_read_only_transaction_is_reported(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        with reading():
            async with session_factory(engine)() as session:
                await session.execute(text("SELECT 1"))
                with pytest.warns(WriteInReadTransaction):
                    await session.execute(text("UPDATE app_user SET full_name = full_name WHERE id = 0"))
                await session.rollback()
    finally:
        await engine.dispose()


async def test_the_alerts_page_evaluates_when_due_in_a_write_transaction_of_its_own(
    settings: Settings,
) -> None:
    engine = create_engine(settings)
    try:
        async with AsyncTestClient(app=create_app(settings)) as client:
            assert (await sign_in(client, "keeper")).status_code == 303
            async with unit_of_work(session_factory(engine)) as session:  # the last evaluation was yesterday
                await session.execute(
                    update(AlertEvaluation).values(evaluated_at=utcnow() - timedelta(days=1))
                )
                before = await session.scalar(select(func.count()).select_from(AlertEvaluation))
            assert (await client.get("/alerts")).status_code == 200  # a write in the read would be an error
            assert (await Api(client).get("/alerts")).status_code == 200  # fresh now: no second evaluation
        async with session_factory(engine)() as session:
            after = await session.scalar(select(func.count()).select_from(AlertEvaluation))
        assert after == (before or 0) + 1
    finally:
        await engine.dispose()
