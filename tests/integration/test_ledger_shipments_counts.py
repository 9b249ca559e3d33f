"""The ledger through its JSON API: shipments and their confirmation, counts, usage and VVM readings."""

from __future__ import annotations

import pytest

from tests.integration.ledger_samples import (
    COMMUNE,
    DISTRICT,
    direct_receipt,
    lot,
    receipt,
    stock_doses,
)

pytestmark = pytest.mark.anyio


async def test_a_receipt_an_issue_and_its_confirmation_move_stock_through_transit(stocked) -> None:
    api = stocked
    issued = await api.ok(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 30}]},
    )
    assert [m["lot_number"] for m in issued["movements"]] == ["P-EARLY", "P-EARLY"]
    assert (await stock_doses(api))[("PENTA", "P-EARLY", "TL-01")] == 70
    transit = await api.read(f"/facilities/{COMMUNE}/in-transit")
    assert [(t["lot_number"], t["doses"]) for t in transit] == [("P-EARLY", 30)]
    shipment = await api.read(f"/shipments/{issued['shipment_id']}")
    assert shipment["status"] == "in_transit"

    confirmed = await api.ok(
        f"/shipments/{issued['shipment_id']}/confirm",
        {
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "doses_received": 29,
                    "vvm_stage": 1,
                    "difference_reason": "broken",
                }
            ]
        },
    )
    assert confirmed["status"] == "received"
    assert (await stock_doses(api, COMMUNE)) == {("PENTA", "P-EARLY", "TL"): 29}
    assert await api.read(f"/facilities/{COMMUNE}/in-transit") == []
    receipt_doc = await api.read(f"/documents/{confirmed['receipt_document_id']}")
    assert {(m["kind"], m["doses"], m["reason"]) for m in receipt_doc["movements"]} == {
        ("shipment_receipt", -29, None),
        ("shipment_receipt", 29, None),
        ("adjustment", -1, "broken"),
    }


async def test_a_count_posts_its_differences_and_must_cover_every_lot(stocked) -> None:
    api = stocked
    soh = await api.read(f"/facilities/{DISTRICT}/stock")
    lines = [
        {
            "location": r["location"],
            "product": r["product"],
            "lot_number": r["lot_number"],
            "counted_doses": r["doses"],
        }
        for r in soh["rows"]
    ]
    partial = await api.ok("/counts", {"facility": DISTRICT, "lines": lines[:-1]})
    refused = await api.post(f"/counts/{partial['id']}/submit")
    assert refused.status_code == 422 and refused.json()["field"] == "lines"
    for line in lines:
        if line["lot_number"] == "P-EARLY":
            line["counted_doses"] = 99
    count = await api.ok("/counts", {"facility": DISTRICT, "lines": lines})
    submitted = await api.ok(f"/counts/{count['id']}/submit")
    assert submitted["status"] == "submitted"
    document = await api.read(f"/documents/{submitted['document_id']}")
    assert [(m["lot_number"], m["doses"], m["reason"]) for m in document["movements"]] == [
        ("P-EARLY", -1, "count_correction")
    ]
    assert (await api.post(f"/counts/{count['id']}/submit")).status_code == 409


async def test_usage_takes_opened_vials_out_of_stock(api) -> None:
    await api.ok(
        "/direct-receipts",
        direct_receipt(lot("BCG", "BCG-C", 50, location="TL"), lot("BOPV", "OPV-C", 40, location="TL")),
    )
    document = await api.ok(
        "/usage",
        {
            "facility": COMMUNE,
            "lines": [
                {
                    "product": "BCG",
                    "lot_number": "BCG-C",
                    "location": "TL",
                    "doses_administered": 3,
                    "vials_opened": 1,
                },
                {
                    "product": "BOPV",
                    "lot_number": "OPV-C",
                    "location": "TL",
                    "doses_administered": 12,
                    "vials_opened": 1,
                },
            ],
        },
    )
    assert [m["doses"] for m in document["movements"]] == [-10, -20]
    assert await stock_doses(api, COMMUNE) == {("BCG", "BCG-C", "TL"): 40, ("BOPV", "OPV-C", "TL"): 20}
    refused = await api.post(
        "/usage",
        {
            "facility": COMMUNE,
            "lines": [
                {
                    "product": "BCG",
                    "lot_number": "BCG-C",
                    "location": "TL",
                    "doses_administered": 2,
                    "vials_opened": 0,
                }
            ],
        },
    )
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].doses_administered"


async def test_a_freeze_alarm_on_arrival_holds_a_freeze_sensitive_lot_there_and_not_upstream(stocked) -> None:
    api = stocked
    issued = await api.ok(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 10}]},
    )
    await api.ok(
        f"/shipments/{issued['shipment_id']}/confirm",
        {
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "doses_received": 10,
                    "vvm_stage": 2,
                    "freeze_indicator_alarm": True,
                }
            ]
        },
    )
    lot_read = await api.read("/lots/PENTA/P-EARLY")
    assert lot_read["on_hold"] is True and lot_read["vvm_stage"] == 2
    assert [e["kind"] for e in lot_read["history"]] == ["vvm", "vvm", "hold"]
    [place] = lot_read["places"]
    assert (place["facility"], place["on_hold"], place["vvm_stage"], place["doses"]) == (COMMUNE, True, 2, 10)
    # the commune's freeze does not block the district's stock of the same lot
    await api.ok(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 101}]},
    )
    used = {"product": "PENTA", "lot_number": "P-EARLY", "location": place["location"], "vials_opened": 1}
    refused = await api.post("/usage", {"facility": COMMUNE, "lines": [{**used, "doses_administered": 1}]})
    assert refused.status_code == 422 and refused.json()["code"] == "rule_violated"
    await api.ok("/lots/PENTA/P-EARLY/release", {"reason": "shake test passed", "facility": COMMUNE})
    assert (await api.read("/lots/PENTA/P-EARLY"))["on_hold"] is False


async def test_a_vvm_reading_never_goes_back(stocked) -> None:
    refused = await stocked.post("/lots/BOPV/B-STAGE2/vvm", {"vvm_stage": 1})
    assert refused.status_code == 422 and refused.json()["field"] == "vvm_stage"


# ---- found in review -----------------------------------------------------------------------------------------


async def test_doses_from_an_opened_vial_of_a_held_lot_are_refused(api) -> None:
    await api.ok("/direct-receipts", direct_receipt(lot("BOPV", "OPV-H", 40, location="TL")))
    await api.ok("/lots/BOPV/OPV-H/hold", {"reason": "heat excursion in the fridge"})
    refused = await api.post(
        "/usage",
        {
            "facility": COMMUNE,
            "lines": [
                {
                    "product": "BOPV",
                    "lot_number": "OPV-H",
                    "location": "TL",
                    "doses_administered": 5,
                    "vials_opened": 0,
                }
            ],
        },
    )
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].lot_number"
    assert refused.json()["message"] == "error.lot.use.on_hold"


async def test_a_store_above_commune_level_confirms_and_returns_whole_vials_only(api) -> None:
    await api.ok("/receipts", receipt(lot("BOPV", "B-CDC", 200, location="KHO-LANH"), facility="CDC-LC"))
    issued = await api.ok(
        "/issues",
        {"facility": "CDC-LC", "to_facility": DISTRICT, "lines": [{"product": "BOPV", "doses": 100}]},
    )
    part = {"product": "BOPV", "lot_number": "B-CDC", "doses_received": 95, "vvm_stage": 1}
    refused = await api.post(
        f"/shipments/{issued['shipment_id']}/confirm",
        {"location": "TL-01", "lines": [{**part, "difference_reason": "broken"}]},
    )
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].doses_received"
    whole = {**part, "doses_received": 80, "difference_reason": "broken"}
    await api.ok(f"/shipments/{issued['shipment_id']}/confirm", {"location": "TL-01", "lines": [whole]})
    refused = await api.post(
        "/returns",
        {
            "facility": DISTRICT,
            "reason": "surplus",
            "lines": [{"product": "BOPV", "lot_number": "B-CDC", "location": "TL-01", "doses": 3}],
        },
    )
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].doses"
    assert (await stock_doses(api))[("BOPV", "B-CDC", "TL-01")] == 80


async def test_a_vvm_going_back_on_arrival_names_the_line(stocked) -> None:
    api = stocked
    issued = await api.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BOPV", "doses": 20}]}
    )
    line = {"product": "BOPV", "lot_number": "B-STAGE2", "doses_received": 20, "vvm_stage": 1}
    refused = await api.post(f"/shipments/{issued['shipment_id']}/confirm", {"lines": [line]})
    assert refused.status_code == 422 and refused.json()["field"] == "lines[0].vvm_stage"


async def test_each_count_difference_carries_its_reason_and_a_reason_must_fit_the_difference(stocked) -> None:
    api = stocked
    soh = await api.read(f"/facilities/{DISTRICT}/stock")
    lines = [
        {
            "location": r["location"],
            "product": r["product"],
            "lot_number": r["lot_number"],
            "counted_doses": r["doses"],
        }
        for r in soh["rows"]
    ]
    early = next(i for i, line in enumerate(lines) if line["lot_number"] == "P-EARLY")
    bcg = next(i for i, line in enumerate(lines) if line["lot_number"] == "BCG-1")
    lines[early] |= {"counted_doses": 95, "difference_reason": "broken"}
    lines[bcg] |= {"counted_doses": 120, "difference_reason": "lost"}  # lost, yet more on the shelf
    unknown = await api.post(
        "/counts", {"facility": DISTRICT, "lines": [{**lines[0], "difference_reason": "stolen?"}]}
    )
    assert unknown.status_code == 422 and unknown.json()["message"] == "error.reason.unknown"
    count = await api.ok("/counts", {"facility": DISTRICT, "lines": lines})
    refused = await api.post(f"/counts/{count['id']}/submit")
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == f"lines[{bcg}].difference_reason"
    assert refused.json()["message"] == "error.reason.needs_fewer"
    lines[bcg]["difference_reason"] = "found"
    count = await api.ok("/counts", {"facility": DISTRICT, "lines": lines})
    submitted = await api.ok(f"/counts/{count['id']}/submit")
    document = await api.read(f"/documents/{submitted['document_id']}")
    assert sorted((m["lot_number"], m["doses"], m["reason"]) for m in document["movements"]) == [
        ("BCG-1", 20, "found"),
        ("P-EARLY", -5, "broken"),
    ]
