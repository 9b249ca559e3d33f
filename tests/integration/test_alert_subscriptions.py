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
