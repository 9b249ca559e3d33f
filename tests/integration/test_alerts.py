"""Alerts on a real database: one alert per condition, updated while it lasts, resolved when it ends, kept
after; acknowledged by API and page; each role sees its own facilities (page, API, header count)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from inventory.alerts.domain import KINDS
from inventory.alerts.service import AlertService
from inventory.app import create_app
from inventory.auth import Principal
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, TODAY, day, lot, receipt
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio
OTHER = "TYT-03463"


async def evaluate(settings: Settings, today=TODAY):
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await AlertService(session, Principal.system("test"), today=today).evaluate()
    finally:
        await engine.dispose()


async def alerts(api: Api, **params) -> list[dict]:
    page = await api.read("/alerts", **{"per_page": 200, **params})
    return page["items"]


async def issue(api: Api, to: str, doses: int, *, days_ago: int = 0, product: str = "PENTA") -> dict:
    body = {"facility": DISTRICT, "to_facility": to, "lines": [{"product": product, "doses": doses}]}
    if days_ago:
        body["occurred_on"] = day(-days_ago)
    return await api.ok("/issues", body)


async def make_district(api: Api) -> Api:
    """PENTA at the district; two shipments sent 8 days ago, one to each commune, not yet confirmed."""
    await api.ok("/receipts", receipt(lot("PENTA", "P-1", 1000, expires_in_days=400), occurred_on=day(-20)))
    await issue(api, COMMUNE, 100, days_ago=8)
    await issue(api, OTHER, 100, days_ago=8)
    return api


@pytest.fixture
async def district(api: Api) -> Api:
    return await make_district(api)


async def test_an_evaluation_opens_one_alert_per_condition_and_a_second_duplicates_nothing(
    settings, district
) -> None:
    first = await evaluate(settings)
    assert first.opened >= 2
    late = await alerts(district, kind="shipment_unconfirmed")
    assert sorted(a["facility"] for a in late) == sorted([COMMUNE, OTHER])
    assert all(a["numbers"]["days"] == 8 and a["since"] == day(-1) for a in late)
    assert all(a["link"].startswith("/shipments/") and a["link"].endswith("/confirm") for a in late)

    again = await evaluate(settings)
    assert (again.opened, again.resolved, again.still_open) == (0, 0, first.still_open)
    assert len(await alerts(district, state="all")) == first.still_open


async def test_a_condition_that_ends_resolves_its_alert_and_the_history_is_kept(settings, district) -> None:
    await evaluate(settings)
    late = await alerts(district, kind="shipment_unconfirmed", facility=COMMUNE)
    shipment = int(late[0]["link"].split("/")[2])
    await district.ok(
        f"/shipments/{shipment}/confirm",
        {"lines": [{"product": "PENTA", "lot_number": "P-1", "doses_received": 100, "vvm_stage": 1}]},
    )
    result = await evaluate(settings)
    assert result.resolved >= 1
    assert await alerts(district, kind="shipment_unconfirmed", facility=COMMUNE) == []
    resolved = await alerts(district, kind="shipment_unconfirmed", facility=COMMUNE, state="resolved")
    assert [a["id"] for a in resolved] == [late[0]["id"]] and resolved[0]["resolved_at"]
    # the other commune's shipment is still late: the same alert, not a new one
    still = await alerts(district, kind="shipment_unconfirmed", facility=OTHER)
    assert len(still) == 1


async def test_an_alert_updates_its_numbers_while_the_condition_lasts(settings, district) -> None:
    await evaluate(settings, today=TODAY)
    before = (await alerts(district, kind="shipment_unconfirmed", facility=OTHER))[0]
    await evaluate(settings, today=TODAY + timedelta(days=1))
    after = (await alerts(district, kind="shipment_unconfirmed", facility=OTHER))[0]
    assert after["id"] == before["id"] and after["numbers"]["days"] == 9 and after["since"] == before["since"]


async def test_a_discrepancy_in_a_confirmation_is_an_alert(settings, district) -> None:
    shipment = (await issue(district, COMMUNE, 50))["shipment_id"]
    await district.ok(
        f"/shipments/{shipment}/confirm",
        {
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-1",
                    "doses_received": 45,
                    "vvm_stage": 1,
                    "difference_reason": "broken",
                }
            ]
        },
    )
    await evaluate(settings)
    odd = await alerts(district, kind="confirmation_discrepancy")
    assert [(a["facility"], a["numbers"]["doses_sent"], a["numbers"]["doses_received"]) for a in odd] == [
        (COMMUNE, 50, 45)
    ]
    async with AsyncTestClient(app=create_app(settings)) as client:  # the alert's link leads to the receipt
        await sign_in(client, "keeper")
        page = await client.get(odd[0]["link"])
        assert page.status_code == 200, page.text
        receipt_id = str(page.url).rsplit("/", 1)[1]
        assert str(page.url).endswith(f"/documents/{receipt_id}") and "45" in page.text


async def test_a_shipments_address_leads_to_its_confirmation_then_to_its_receipt(settings, district) -> None:
    shipment = (await issue(district, COMMUNE, 50))["shipment_id"]
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        travelling = await client.get(f"/shipments/{shipment}", follow_redirects=False)
        assert travelling.headers["location"] == f"/shipments/{shipment}/confirm"
        line = {"product": "PENTA", "lot_number": "P-1", "doses_received": 50, "vvm_stage": 1}
        confirmed = await district.ok(f"/shipments/{shipment}/confirm", {"lines": [line]})
        arrived = await client.get(f"/shipments/{shipment}", follow_redirects=False)
        assert arrived.headers["location"] == f"/documents/{confirmed['receipt_document_id']}"
        assert (await client.get(f"/shipments/{shipment + 1000}")).status_code == 404


async def test_a_lot_on_hold_is_an_alert_until_released(settings, district) -> None:
    await district.ok("/lots/PENTA/P-1/hold", {"reason": "cold chain break"})
    await evaluate(settings)
    held = await alerts(district, kind="on_hold", facility=DISTRICT)
    assert [(a["numbers"]["lot_number"], a["numbers"]["doses"]) for a in held] == [("P-1", 800)]
    await district.ok("/lots/PENTA/P-1/release", {"reason": "checked"})
    await evaluate(settings)
    assert await alerts(district, kind="on_hold", facility=DISTRICT) == []


async def test_acknowledging_by_api_records_who_when_and_a_note_and_a_retry_posts_once(
    settings, district
) -> None:
    await evaluate(settings)
    alert = (await alerts(district, facility=COMMUNE, kind="shipment_unconfirmed"))[0]
    commune = district.as_user("commune")
    body = {"note": "đã gọi điện cho huyện"}
    first = await commune.post(f"/alerts/{alert['id']}/acknowledge", body, key="ack-key-0001")
    again = await commune.post(f"/alerts/{alert['id']}/acknowledge", body, key="ack-key-0001")
    assert first.status_code == again.status_code == 201
    assert (
        first.json()["acknowledged_by"] == "commune" and first.json()["acknowledgement_note"] == body["note"]
    )
    assert again.json() == first.json()
    # still open (its condition lasts), no longer counted as unacknowledged
    assert alert["id"] not in [a["id"] for a in await alerts(commune, state="unacknowledged")]
    assert alert["id"] in [a["id"] for a in await alerts(commune)]
    assert (await commune.post(f"/alerts/{alert['id']}/acknowledge", {"note": "other"})).status_code == 409
    refused = await district.as_user("viewer").post(f"/alerts/{alert['id']}/acknowledge", {"note": ""})
    assert refused.status_code == 403
    hidden = await district.as_user("other_commune").post(f"/alerts/{alert['id']}/acknowledge", {"note": ""})
    assert hidden.status_code == 404


async def test_each_role_sees_its_own_facilities_in_the_api(settings, district) -> None:
    await evaluate(settings)
    everyone = {a["facility"] for a in await alerts(district)}
    assert {COMMUNE, OTHER} <= everyone
    assert {a["facility"] for a in await alerts(district.as_user("viewer"))} == everyone
    keeper = {a["facility"] for a in await alerts(district.as_user("keeper"))}
    assert keeper == everyone  # the district store supplies both communes
    assert {a["facility"] for a in await alerts(district.as_user("commune"))} == {COMMUNE}
    assert {a["facility"] for a in await alerts(district.as_user("other_commune"))} == {OTHER}
    refused = await district.as_user("commune").get("/alerts", facility=OTHER)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


async def test_the_api_filters_and_pages(settings, district) -> None:
    await evaluate(settings)
    total = (await district.read("/alerts"))["total"]
    first = await district.read("/alerts", per_page=1, page=1)
    second = await district.read("/alerts", per_page=1, page=2)
    assert first["total"] == total >= 2 and first["items"][0]["id"] != second["items"][0]["id"]
    assert all(a["severity"] == "warning" for a in await alerts(district, severity="warning"))
    bad = await district.get("/alerts", kind="nope")
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    assert (await district.get("/alerts", per_page=0)).status_code == 422


async def test_titles_follow_the_readers_language(settings, district) -> None:
    await evaluate(settings)
    headers = {**district.auth, "Accept-Language": "en"}
    english = (
        await district.client.get("/api/v1/alerts", params={"kind": "shipment_unconfirmed"}, headers=headers)
    ).json()
    vietnamese = await alerts(district, kind="shipment_unconfirmed")
    assert "not confirmed after 8 days" in english["items"][0]["title"]
    assert "chưa được xác nhận sau 8 ngày" in vietnamese[0]["title"]


async def test_the_alerts_page_and_the_header_count_are_scoped_to_the_user(settings, district) -> None:
    await evaluate(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        page = await client.get("/alerts")
        assert page.status_code == 200
        assert COMMUNE in page.text and OTHER not in page.text.split('id="alerts"')[1]
        count = page.text.split('id="alert-count"')[1].split("</a>")[0]
        # two open alerts at the commune: its late shipment, and nothing usable on its shelf (a stock-out
        # of a product on its way)
        assert ">2<" in count
        assert (await client.get("/alerts", params={"facility": OTHER})).status_code == 422
        across = await client.get("/alerts/communes")
        assert COMMUNE in across.text and OTHER not in across.text
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        across = await client.get("/alerts/communes")
        assert COMMUNE in across.text and OTHER in across.text
        dashboard = await client.get("/", params={"facility": COMMUNE})
        assert dashboard.status_code == 200


async def test_acknowledging_on_the_page(settings, district) -> None:
    await evaluate(settings)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        service_page = await client.get("/alerts")
        alert_id = int(service_page.text.split('<tr id="a')[1].split('"')[0])
        form = {
            "note": "đã báo",
            "idempotency_key": "page-ack-1",
            "back": "/alerts",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        }
        done = await client.post(f"/alerts/{alert_id}/acknowledge", data=form, follow_redirects=False)
        assert done.status_code == 303
        page = await client.get("/alerts", params={"state": "all"})
        assert "đã báo" in page.text


async def test_a_store_keeper_sets_thresholds_for_its_facilities_only(settings, district) -> None:
    keeper = district.as_user("keeper")
    ok = await keeper.post(
        "/alerts/settings", {"name": "confirm_within_days", "value": 10, "facility": COMMUNE}
    )
    assert ok.status_code == 201, ok.text
    await evaluate(settings)
    assert [a["facility"] for a in await alerts(district, kind="shipment_unconfirmed")] == [OTHER]
    refused = await keeper.post("/alerts/settings", {"name": "confirm_within_days", "value": 10})
    assert refused.status_code == 403
    bad = await keeper.post("/alerts/settings", {"name": "consumption_days", "value": 0, "facility": COMMUNE})
    assert bad.status_code == 422 and bad.json()["field"] == "value"
    upper = await district.as_user("commune").post(
        "/alerts/settings", {"name": "count_period_days", "value": 30, "facility": COMMUNE}
    )
    assert upper.status_code == 403


async def test_every_kind_of_alert_links_to_a_page_that_answers(settings, district) -> None:
    shipment = (await issue(district, COMMUNE, 50))["shipment_id"]
    values = {
        "facility": DISTRICT,
        "product": "PENTA",
        "shipment": shipment,
        "location": "TL-01",
        "report": "usage",
        "period": "2026-11",
    }
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        answers = {
            code: (await client.get(kind.link.format(**values))).status_code for code, kind in KINDS.items()
        }
    assert answers == {code: 200 for code in KINDS}
