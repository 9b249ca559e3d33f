"""Vouchers people sign: names instead of codes, expiry and VVM, doses and vials, totals, reversal state."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.ledger_samples import COMMUNE, DISTRICT, day, lot, receipt
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio


async def _issue(api) -> dict:
    return await api.ok(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "lines": [{"product": "PENTA", "doses": 30}, {"product": "BOPV", "doses": 60}],
        },
    )


async def test_the_issue_voucher_names_people_places_and_products_and_totals_doses_and_vials(stocked) -> None:
    api = stocked
    issued = await _issue(api)
    v = await api.read(f"/documents/{issued['id']}/voucher")
    assert v["kind"] == "issue"
    assert v["facility_name"] != DISTRICT and "Mường Tè" in v["facility_name"]
    assert v["counterparty_name"] and "Mù Cả" in v["counterparty_name"]
    assert v["recorded_by_name"] == "Admin"  # the test users' full names are their usernames, titled
    # no TRANSIT line; EEFO: PENTA from the earlier lot, BOPV from the VVM-2 lot before the earlier expiry
    lines = [(x["product"], x["lot_number"], x["doses"], x["vials"], x["vvm_stage"]) for x in v["lines"]]
    assert lines == [("BOPV", "B-STAGE2", 60, 3, 2), ("PENTA", "P-EARLY", 30, 30, 1)]
    assert all(x["location"] != "TRANSIT" for x in v["lines"])
    assert v["lines"][1]["expires_on"] == day(200)
    assert (v["total_doses"], v["total_vials"]) == (90, 33)  # 60 doses = 3 vials of 20; 30 vials of 1
    assert "ComBE Five" in v["lines"][1]["product_name"]


async def test_a_receipt_has_its_receipt_voucher(stocked) -> None:
    api = stocked
    documents = (await api.read(f"/facilities/{DISTRICT}/documents"))["items"]
    receipt = next(d for d in documents if d["kind"] == "receipt")
    v = await api.read(f"/documents/{receipt['id']}/voucher")
    assert v["kind"] == "receipt"
    assert v["counterparty_name"] == "Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu"
    assert v["total_doses"] == 100 + 100 + 200 + 200 + 50 + 100


async def test_a_reversed_document_says_so_and_offers_no_second_reversal(settings: Settings, stocked) -> None:
    api = stocked
    issued = await _issue(api)
    reversal = await api.ok(f"/documents/{issued['id']}/reversal", {"reason": "nhầm nơi nhận"})
    assert (await api.read(f"/documents/{issued['id']}"))["reversed_by_document_id"] == reversal["id"]
    v = await api.read(f"/documents/{issued['id']}/voucher")
    assert v["reversed_by_document_id"] == reversal["id"]
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        page = (await client.get(f"/documents/{issued['id']}")).text
        assert f"Đã hủy bởi chứng từ số {reversal['id']}" in page
        assert 'action="/documents/' not in page  # no reversal form
        assert "TRANSIT" not in re.sub(r"<[^>]+>", " ", page.split('id="movements"')[1].split("</table>")[0])
        voucher = (await client.get(f"/documents/{issued['id']}/voucher")).text
        assert "PHIẾU XUẤT KHO" in voucher and "Thủ trưởng đơn vị" in voucher and "Người nhận hàng" in voucher
        assert "Cộng" in voucher and f"Đã hủy bởi chứng từ số {reversal['id']}" in voucher
        assert "<title>PHIẾU XUẤT KHO" in voucher


async def test_adjustments_have_no_voucher_and_the_answer_is_coded_in_the_readers_language(stocked) -> None:
    api = stocked
    adjusted = await api.ok(
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "BCG",
                    "lot_number": "BCG-1",
                    "location": "TL-01",
                    "doses": -20,
                    "reason": "broken",
                }
            ],
        },
    )
    answer = await api.get(f"/documents/{adjusted['id']}/voucher")
    assert answer.status_code == 404
    body = answer.json()
    assert body["code"] == "not_found" and body["message"] == "error.voucher.none_for_kind"
    assert body["detail"].startswith("Chứng từ loại này")  # Vietnamese by default
    english = await api.client.get(
        f"/api/v1/documents/{adjusted['id']}/voucher", headers={**api.auth, "Accept-Language": "en"}
    )
    assert english.json()["detail"].startswith("This kind of document")


async def test_each_voucher_line_shows_the_vvm_stage_at_its_own_location(stocked) -> None:
    """A lot at two places of the store, read at VVM 2 at one: each line prints the stage where its doses were."""
    api = stocked
    await api.ok("/receipts", receipt(lot("MR", "MR-TWO", 40), lot("MR", "MR-TWO", 40, location="TL-02")))
    await api.ok("/lots/MR/MR-TWO/vvm", {"vvm_stage": 2, "facility": DISTRICT, "location": "TL-02"})
    issued = await api.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "MR", "doses": 60}]}
    )
    v = await api.read(f"/documents/{issued['id']}/voucher")
    # worse VVM first: all 40 doses at TL-02 (stage 2 there), then 20 at TL-01 (still stage 1)
    assert sorted((x["location"], x["doses"], x["vvm_stage"]) for x in v["lines"]) == [
        ("TL-01", 20, 1),
        ("TL-02", 40, 2),
    ]
