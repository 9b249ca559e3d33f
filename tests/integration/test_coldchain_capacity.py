"""Capacity: a receipt, a confirmation or a transfer that would fill a piece of equipment beyond its net
storage volume is warned about before it is saved (409 over_capacity, nothing written) and saved when the
user confirms; filling it exactly still fits. Volumes are worked out by hand from the catalogue's packed
volume per dose (products.csv: PENTA 12.90 cm³, BOPV 1.00, IPV 2.50, BCG 1.20)."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.ledger_samples import COMMUNE, DISTRICT, lot, receipt, stock_doses
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

# the stocked district's TL-01: PENTA 100, BOPV 200 + 200, IPV 50, BCG 100 doses
TL01_CM3 = 100 * 12.90 + 400 * 1.00 + 50 * 2.50 + 100 * 1.20  # 1,935 cm³


async def fridge(api, location: str, litres: float, facility: str = DISTRICT) -> None:
    await api.ok(
        "/equipment",
        {
            "facility": facility,
            "location": location,
            "equipment_type": "refrigerator",
            "net_volume_litres": litres,
        },
    )


async def test_a_receipt_over_the_net_volume_is_warned_about_then_saved_when_confirmed(stocked) -> None:
    api = stocked
    await fridge(api, "TL-01", 3.3)
    # 1,935 + 100 × 12.90 + 30 × 2.50 = 3,300 cm³: exactly the net volume still fits
    exact = receipt(lot("PENTA", "P-NEW", 100), lot("IPV", "I-NEW", 30))
    await api.ok("/receipts", exact)
    [equipment] = await api.read("/equipment", facility=DISTRICT)
    assert equipment["volume_used_litres"] == pytest.approx((TL01_CM3 + 1290 + 75) / 1000)
    before = await stock_doses(api)
    one_vial = receipt(lot("BOPV", "B-NEW", 20))
    refused = await api.post("/receipts", one_vial)
    problem = refused.json()
    assert refused.status_code == 409 and problem["code"] == "over_capacity", refused.text
    assert problem["field"] == "confirm_over_capacity"
    assert problem["over_capacity"] == [
        {
            "location": "TL-01",
            "net_volume_litres": 3.3,
            "used_litres": 3.3,
            "adding_litres": 0.02,
            "after_litres": 3.32,
        }
    ]
    assert "3,32 lít" in problem["detail"] and "thực 3,3 lít" in problem["detail"]  # Vietnamese by default
    assert await stock_doses(api) == before  # nothing written
    saved = await api.ok("/receipts", {**one_vial, "confirm_over_capacity": True})
    assert [m["doses"] for m in saved["movements"]] == [20]
    # a location that is no equipment, or has no net volume, is never warned about
    await api.ok("/receipts", receipt(lot("PENTA", "P-BIG", 1000, location="TL-02")))


async def test_a_transfer_and_a_confirmation_into_a_full_fridge_are_warned_about(stocked) -> None:
    api = stocked
    await fridge(api, "TL-02", 1.5)  # P-LATE 100 × 12.90 = 1,290 cm³ in use
    move = {
        "facility": DISTRICT,
        "from_location": "TL-01",
        "to_location": "TL-02",
        "lines": [{"product": "PENTA", "lot_number": "P-EARLY", "doses": 20}],
    }
    refused = await api.post("/transfers", move)
    assert refused.status_code == 409, refused.text
    assert refused.json()["over_capacity"][0]["after_litres"] == 1.55  # (1,290 + 258) / 1000, half up
    await api.ok("/transfers", {**move, "lines": [{**move["lines"][0], "doses": 16}]})  # 1,496.4 cm³ fits
    await fridge(api, "TL", 0.3, facility=COMMUNE)
    issued = await api.ok(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 30}]},
    )
    line = {"product": "PENTA", "lot_number": "P-EARLY", "doses_received": 30, "vvm_stage": 1}
    path = f"/shipments/{issued['shipment_id']}/confirm"
    refused = await api.post(path, {"location": "TL", "lines": [line]})
    assert refused.status_code == 409 and refused.json()["over_capacity"][0]["after_litres"] == 0.39
    assert (await api.read(f"/shipments/{issued['shipment_id']}"))["status"] == "in_transit"
    confirmed = await api.ok(path, {"location": "TL", "lines": [line], "confirm_over_capacity": True})
    assert confirmed["status"] == "received"


async def test_the_receive_page_shows_the_warning_and_saves_after_the_confirm_button(
    settings: Settings, stocked
) -> None:
    await fridge(stocked, "TL-01", 2.0)  # 1,935 cm³ in use
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        assert (await client.get("/receive")).status_code == 200
        form = {
            "_csrf_token": client.cookies.get("csrftoken", ""),
            "idempotency_key": "page-capacity-1",
            "facility": DISTRICT,
            "supplier": "CDC-LC",
            "lines[0].product": "PENTA",
            "lines[0].lot_number": "P-PAGE",
            "lines[0].expires_on": lot("PENTA", "x", 1)["expires_on"],
            "lines[0].doses": "10",
            "lines[0].location": "TL-01",
            "lines[0].vvm_stage": "1",
        }
        warned = await client.post("/receive", data=form)
        assert warned.status_code == 409
        assert 'data-error-for="confirm_over_capacity"' in warned.text and "2,06" in warned.text
        assert 'name="confirm_over_capacity" value="true"' in warned.text
        saved = await client.post(
            "/receive", data={**form, "confirm_over_capacity": "true"}, follow_redirects=False
        )
        assert saved.status_code == 303, saved.text
    assert (await stock_doses(stocked))[("PENTA", "P-PAGE", "TL-01")] == 10
