"""The stock pages keep their data until an audited write: the dashboard, stock, lots and documents pages asked
again read the data version instead of their rows; a posting or a hold made through another server process
shows on the next view; each reader's own part of the tree is kept apart. Both databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.ledger_samples import lot, receipt
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio
PAGES = ("/", "/stock", "/lots", "/documents")
ROW_TABLES = ("FROM balance", "FROM movement", "FROM stock_document", "FROM lot", "FROM shipment")


@pytest.fixture
def statements() -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("BEGIN"):
            sent.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", count)
    yield sent
    event.remove(Engine, "before_cursor_execute", count)


async def test_stock_pages_are_read_once_per_change_and_show_a_write_from_another_process(
    api: Api, settings: Settings, statements: list[str]
) -> None:
    await api.ok("/receipts", receipt(lot("BCG", "KC-1", 100)))
    async with AsyncTestClient(app=create_app(settings)) as browser:
        await sign_in(browser, "keeper")
        for path in PAGES:
            assert (await browser.get(path)).status_code == 200
        statements.clear()
        for path in PAGES:
            page = await browser.get(path)
            assert page.status_code == 200
            if path in ("/stock", "/lots"):
                assert "KC-1" in page.text
        # asked again: no ledger row is read; what is left is the version, the session and the open alerts
        assert not [s for s in statements if any(t in s for t in ROW_TABLES)], statements

        receipts = (await browser.get("/documents")).text.count("Nhập kho")
        # a receipt through another server process (the API app): seen on this one's next view
        await api.ok("/receipts", receipt(lot("BCG", "KC-2", 40)))
        for path in ("/stock", "/lots"):
            assert "KC-2" in (await browser.get(path)).text, path
        assert (await browser.get("/documents")).text.count("Nhập kho") == receipts + 1
        dashboard = (await browser.get("/")).text
        assert "140" in dashboard  # 100 + 40 doses of BCG

        # a hold (audited) shows on the lots page at once
        await api.ok("/lots/BCG/KC-2/hold", {"reason": "nghi đông băng"})
        assert "nghi đông băng" in (await browser.get("/lots")).text


async def test_each_reader_sees_only_their_own_part_through_the_cache(api: Api, settings: Settings) -> None:
    await api.ok("/receipts", receipt(lot("BCG", "KC-3", 100)))
    async with AsyncTestClient(app=create_app(settings)) as app_client:
        await sign_in(app_client, "keeper")
        assert "KC-3" in (await app_client.get("/stock")).text  # kept for the store keeper's scope
        app_client.cookies.clear()
        await sign_in(app_client, "commune")  # a commune worker of the same process, same address
        page = await app_client.get("/stock?facility=TTYT-MT")
        assert page.status_code == 403  # refused, not answered from the keeper's kept page
        assert "KC-3" not in page.text
