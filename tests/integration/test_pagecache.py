"""Computed once per change: the backlog, due lists and the forecast are kept until an audited write (a register
import, a posting, a settings change) or a new day; charts answer 304 to the ETag they gave; static files carry a
year's max-age under fingerprinted addresses; pages are gzip-compressed when asked. Both databases."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

import forecasting.backlog as bl
import forecasting.needs as needs
from forecasting import charts
from inventory.app import create_app
from inventory.audit.models import AuditEvent
from inventory.datacache import WINDOW, DataCache
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from inventory.timeutil import today_vn, utcnow
from inventory.web import register_pages
from tests.conftest import TOKENS
from tests.integration.conftest import Api
from tests.integration.ledger_samples import lot, receipt
from tests.integration.test_auth import sign_in
from tests.integration.test_register import HEADER, ago, register_rows

pytestmark = pytest.mark.anyio
TODAY = today_vn()
NEXT_MONTH = f"{TODAY.year + (TODAY.month == 12)}-{TODAY.month % 12 + 1:02d}"


def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: Counter[str]) -> None:
    """Count the calls of module.name (the computation itself, not the cache's own bookkeeping)."""
    real = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


async def import_register(client: AsyncTestClient, rows: list[str]) -> None:
    content = ("\n".join([HEADER, *rows]) + "\n").encode()
    response = await client.post(
        "/api/v1/register/imports",
        files={"file": ("register.csv", content, "text/csv")},
        headers={"Authorization": f"Bearer {TOKENS['admin']}", "Idempotency-Key": f"reg-{uuid.uuid4()}"},
    )
    assert response.status_code == 201, response.text


def zero_dose_dtp1(backlog: dict[str, Any]) -> int:
    return next(
        r["zero_dose"]
        for r in backlog["rows"]
        if (r["commune_code"], r["antigen"], r["dose_number"]) == ("03451", "DTP", 1)
    )


async def test_the_backlog_is_computed_once_per_change_in_every_process(
    settings: Settings, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    counting(monkeypatch, bl, "backlog", calls)
    counting(monkeypatch, bl, "due_list", calls)
    counting(monkeypatch, charts, "figure_to_png", calls)
    keeper = api.as_user("keeper")
    await import_register(api.client, register_rows())
    async with AsyncTestClient(app=create_app(settings)) as browser:
        await sign_in(browser, "keeper")
        assert (await browser.get("/backlog")).status_code == 200
        assert (await browser.get("/backlog")).status_code == 200
        # the same reader through the API of the same process: the same result, kept
        first = (await browser.get("/api/v1/backlog")).json()
        assert calls["backlog"] == 1
        assert zero_dose_dtp1(first) == 1  # B2 (born 150 days ago) never had DTP1; A1 had all three

        due = f"/communes/03451/due-list?session_on={TODAY.isoformat()}"
        assert (await browser.get(due)).status_code == 200
        assert (await browser.get(due)).status_code == 200
        assert calls["due_list"] == 2  # the due list, and the session plan built on it: once each

        # a refused request (audited) changes no data: nothing is computed again (see also the data version test)
        assert (await keeper.get("/facilities/CDC-LC/stock")).status_code == 403
        assert (await browser.get("/backlog")).status_code == 200
        assert calls["backlog"] == 1

        # a chart: an ETag, then 304 for it without drawing again
        chart = await browser.get("/backlog/chart/03451")
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
        assert chart.content.startswith(b"\x89PNG") and "content-encoding" not in chart.headers
        tag = chart.headers["etag"]
        assert chart.headers["cache-control"] == "private, no-cache"
        again = await browser.get("/backlog/chart/03451", headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag and not again.content
        assert calls["figure_to_png"] == 1 and calls["backlog"] == 1

        # a register import through another server process: this one sees it at once
        async with AsyncTestClient(app=create_app(settings)) as second_process:
            await import_register(second_process, [f"D4,Lò Thị D,F,{ago(140)},03451,,,,"])
        after = (await browser.get("/api/v1/backlog")).json()
        assert zero_dose_dtp1(after) == 2  # B2 and the new D4
        assert calls["backlog"] == 2
        changed = await browser.get("/backlog/chart/03451", headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert calls["figure_to_png"] == 2

        # a posting changes no child or dose: the register's results are kept (the forecast's are not)
        await api.ok("/receipts", receipt(lot("BCG", "PC-1", 100)))
        await browser.get("/api/v1/backlog")
        await browser.get("/backlog")
        assert calls["backlog"] == 2

        # a new day computes afresh
        monkeypatch.setattr(register_pages, "today_vn", lambda: TODAY + timedelta(days=1))
        assert (await browser.get("/backlog")).status_code == 200
        assert (await browser.get("/backlog")).status_code == 200
        assert calls["backlog"] == 3


async def test_the_forecast_is_computed_once_per_posting_or_settings_change(
    api: Api, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: Counter[str] = Counter()
    counting(monkeypatch, needs, "forecast_needs", calls)
    await api.ok("/receipts", receipt(lot("BCG", "FC-1", 500)))
    async with AsyncTestClient(app=create_app(settings)) as browser:
        await sign_in(browser, "keeper")
        for _ in range(2):
            page = await browser.get("/forecast", params={"period": NEXT_MONTH})
            assert page.status_code == 200

        async def forecast() -> list[dict[str, Any]]:
            """The keeper's forecast through the API of the same server process."""
            response = await browser.get("/api/v1/forecast/", params={"period": NEXT_MONTH})
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        lines = await forecast()
        assert calls["forecast_needs"] == 1

        def district_bcg(rows: list[dict[str, Any]]) -> dict[str, Any]:
            return next(
                x
                for x in rows
                if x["scope"] == "facility" and x["facility_code"] == "TTYT-MT" and x["product_code"] == "BCG"
            )

        assert district_bcg(lines)["stock_on_hand"] == 500

        await api.ok("/receipts", receipt(lot("BCG", "FC-2", 200)))
        lines = await forecast()
        assert calls["forecast_needs"] == 2
        assert district_bcg(lines)["stock_on_hand"] == 700  # 500 + 200, the posting seen

        await api.ok("/forecast/settings", {"name": "wastage_rate", "value": 0.5, "product": "BCG"})
        lines = await forecast()
        await forecast()
        assert calls["forecast_needs"] == 3
        assert district_bcg(lines)["wastage_rate"] == 0.5


async def test_the_data_version_sees_late_commits_and_ignores_sign_ins(settings: Settings) -> None:
    engine = create_engine(settings)
    sessions = session_factory(engine)

    async def version(topic: str = "all") -> tuple[int, int]:
        async with sessions() as session:
            return tuple(await DataCache().version(session, topic))

    async def add(event_id: int, action: str) -> None:
        async with sessions() as session, session.begin():
            session.add(AuditEvent(id=event_id, at=utcnow(), username="t", action=action, changes="{}"))

    try:
        start = await version()
        top = start[0] + 2 * WINDOW
        await add(top, "issue")
        assert await version() == (top, 1)  # the only relevant event within WINDOW ids below the newest
        await add(top + 1, "user.sign_in")
        await add(top + 2, "request.refused")
        assert (await version())[0] == top  # sign-ins and refusals change no data
        # an id handed out earlier but committed later (PostgreSQL hands ids out before commit)
        await add(top - 5, "receipt")
        assert await version() == (top, 2)
        # the register's results follow register imports and schedule loads only
        register = await version("register")
        await add(top + 3, "register.import")
        assert await version("register") == (top + 3, 1) != register
        assert await version() == (top + 3, 3)
    finally:
        await engine.dispose()


async def test_static_files_are_fingerprinted_and_pages_compressed(settings: Settings, api: Api) -> None:
    async with AsyncTestClient(app=create_app(settings)) as browser:
        await sign_in(browser, "keeper")
        page = await browser.get("/stock", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200
        assert page.headers["content-encoding"] == "gzip" and "Accept-Encoding" in page.headers["vary"]
        plain = await browser.get("/stock", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert page.content == plain.content and len(plain.content) > 1000  # httpx decoded the gzip body

        css = re.search(r'href="(/static/app\.css\?v=([0-9a-f]{16}))"', page.text)
        assert css, "the page links the fingerprinted stylesheet"
        body = (Path(__file__).parents[2] / "inventory/web/static/app.css").read_bytes()
        assert css.group(2) == hashlib.sha256(body).hexdigest()[:16]  # the digest of the file as shipped
        asset = await browser.get(css.group(1))
        assert asset.status_code == 200 and asset.content == body
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-type"].startswith("text/css")
        revalidated = await browser.get(css.group(1), headers={"If-None-Match": asset.headers["etag"]})
        assert revalidated.status_code == 304 and not revalidated.content
        unversioned = await browser.get("/static/app.css")
        assert unversioned.headers["cache-control"] == "public, no-cache"
        assert (await browser.get("/static/nothing.js")).status_code == 404
    # static files need no sign-in
    async with AsyncTestClient(app=create_app(settings)) as anonymous:
        assert (await anonymous.get("/static/app.js")).status_code == 200
