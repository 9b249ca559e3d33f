"""Who sets where the digests go, by API and page: a user their own digest (an administrator anyone's), a store
keeper the webhooks of its store and the communes it supplies; refusals name the field, in both languages."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio


async def test_digests_and_webhooks_are_set_by_whom_the_issue_says(settings, api: Api) -> None:
    commune = api.as_user("commune")
    mine = await commune.ok("/alerts/subscriptions/commune", {"email": "tyt@example.vn", "language": "en"})
    assert mine == {"username": "commune", "email": "tyt@example.vn", "language": "en", "active": True}
    assert (await commune.read("/alerts/subscriptions/commune"))["email"] == "tyt@example.vn"
    theirs = await commune.post("/alerts/subscriptions/keeper", {"email": "x@example.vn"})
    assert (theirs.status_code, theirs.json()["field"]) == (403, "username")
    assert (await api.ok("/alerts/subscriptions/keeper", {"email": "kho@example.vn"}))["language"] == "vi"
    missing = await commune.get("/alerts/subscriptions/commune2")
    assert missing.status_code == 403
    bad = await commune.client.post(
        "/api/v1/alerts/subscriptions/commune",
        json={"email": "not-an-address", "language": "vi"},
        headers={**commune.auth, "Idempotency-Key": "bad-email-en", "Accept-Language": "en"},
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "email")
    assert "not an e-mail address" in bad.json()["detail"]
    bad_vi = await commune.post("/alerts/subscriptions/commune", {"email": "a@b.vn", "language": "fr"})
    assert (bad_vi.json()["field"], bad_vi.json()["detail"]) == (
        "language",
        "Ngôn ngữ fr không có (vi hoặc en)",
    )

    keeper = api.as_user("keeper")
    hook = await keeper.client.post(
        "/api/v1/alerts/webhooks",
        json={"facility": COMMUNE, "url": "https://gateway.example/hook"},
        headers=keeper.auth,
    )
    assert hook.status_code == 201 and len(hook.json()["secret"]) >= 40
    listed = (await keeper.client.get("/api/v1/alerts/webhooks", headers=keeper.auth)).json()
    assert listed == [
        {"facility": COMMUNE, "url": "https://gateway.example/hook", "active": True, "secret": None}
    ]
    refused = await commune.client.post(
        "/api/v1/alerts/webhooks",
        json={"facility": COMMUNE, "url": "https://x.example"},
        headers=commune.auth,
    )
    assert (refused.status_code, refused.json()["field"]) == (403, "facility")
    wrong = await keeper.client.post(
        "/api/v1/alerts/webhooks", json={"facility": DISTRICT, "url": "ftp://x"}, headers=keeper.auth
    )
    assert (wrong.status_code, wrong.json()["field"]) == (422, "url")
    audit = await api.read("/audit-events", action="alert.webhook")
    assert audit["total"] == 1 and hook.json()["secret"] not in str(audit)

    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        page = await client.get("/alerts/delivery")
        assert page.status_code == 200 and 'value="tyt@example.vn"' in page.text
        assert 'id="webhook"' not in page.text  # a commune worker sets no webhook
        form = {"username": "commune", "email": "sai địa chỉ", "language": "vi", "active": "on"}
        form["_csrf_token"] = client.cookies.get("csrftoken", "")
        refused_page = await client.post("/alerts/delivery/subscription", data=form)
        assert refused_page.status_code == 422
        assert 'data-error-for="email"' in refused_page.text and 'value="sai địa chỉ"' in refused_page.text
        other = await client.get("/alerts/delivery", params={"user": "keeper"})
        assert other.status_code == 403 and 'data-error-for="username"' in other.text


async def test_simultaneous_first_subscriptions_and_webhooks_all_succeed_with_one_row(settings) -> None:
    """Eight first requests at once for one user's digest and one facility's webhook: each answers, one row
    each remains, holding one of the values sent (on SQLite the writes queue; on PostgreSQL the later inserts
    meet the unique key and take the row the first made)."""
    import asyncio

    from sqlalchemy import func, select

    from inventory.alerts.models import AlertSubscription, AlertWebhook
    from inventory.alerts.subscriptions import Subscriptions
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory, unit_of_work

    engine = create_engine(settings)
    sessions = session_factory(engine)
    admin = Principal.system("test")

    async def subscribe(n: int) -> None:
        async with unit_of_work(sessions) as session:
            await Subscriptions(session, admin).subscribe("keeper", f"kho{n}@example.vn", "vi", True)

    async def webhook(n: int) -> None:
        async with unit_of_work(sessions) as session:
            await Subscriptions(session, admin).set_webhook(DISTRICT, f"https://sms.example.vn/{n}", True)

    try:
        await asyncio.gather(*(subscribe(n) for n in range(8)), *(webhook(n) for n in range(8)))
        async with sessions() as session:
            emails = (await session.scalars(select(AlertSubscription.email))).all()
            hooks = (await session.scalars(select(AlertWebhook.url))).all()
            assert await session.scalar(select(func.count()).select_from(AlertWebhook)) == 1
    finally:
        await engine.dispose()
    assert len(emails) == 1 and emails[0] in {f"kho{n}@example.vn" for n in range(8)}
    assert len(hooks) == 1 and hooks[0] in {f"https://sms.example.vn/{n}" for n in range(8)}
