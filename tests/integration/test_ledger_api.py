"""The ledger through its JSON API: postings, rules, retries, reversals, views."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from inventory.stock import schemas as s
from inventory.timeutil import today_vn

pytestmark = pytest.mark.anyio

TODAY = today_vn()
DISTRICT = "TTYT-MT"
COMMUNE = "TYT-03451"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def receipt(
    *lines: dict[str, Any], occurred_on: str | None = None, facility: str = DISTRICT
) -> dict[str, Any]:
    body: dict[str, Any] = {"facility": facility, "supplier": "CDC-LC", "lines": list(lines)}
    if occurred_on:
        body["occurred_on"] = occurred_on
    return body


def lot(
    product: str,
    lot_number: str,
    doses: int,
    expires_in_days: int = 400,
    location: str = "TL-01",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "product": product,
        "lot_number": lot_number,
        "expires_on": day(expires_in_days),
        "doses": doses,
        "location": location,
        **extra,
    }


async def stock_doses(api, facility: str = DISTRICT) -> dict[tuple[str, str, str], int]:
    soh = await api.read(f"/facilities/{facility}/stock")
    return {(r["product"], r["lot_number"], r["location"]): r["doses"] for r in soh["rows"]}


async def document_count(api, facility: str = DISTRICT) -> int:
    return len(await api.read(f"/facilities/{facility}/documents"))


@pytest.fixture
async def stocked(api):
    """The district holds two PENTA lots, one BOPV lot (VVM 2) and one later BOPV lot, IPV and BCG."""
    await api.ok(
        "/receipts",
        receipt(
            lot("PENTA", "P-EARLY", 100, expires_in_days=200),
            lot("PENTA", "P-LATE", 100, expires_in_days=500, location="TL-02"),
            lot("BOPV", "B-STAGE2", 200, expires_in_days=600, vvm_stage=2),
            lot("BOPV", "B-EARLY", 200, expires_in_days=100),
            lot("IPV", "I-1", 50),
            lot("BCG", "BCG-1", 100),
        ),
    )
    return api


async def test_health_answers_without_a_database_call(api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_openapi_schema_documents_the_postings(api) -> None:
    response = await api.client.get("/schema/openapi.json", headers=api.auth)
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/receipts" in paths and "/api/v1/shipments/{shipment_id}/confirm" in paths


async def test_catalogue_has_the_epi_products_and_the_commune_merger(api) -> None:
    products = {p["code"]: p for p in await api.read("/products")}
    assert {"BCG", "HEPB", "PENTA", "BOPV", "IPV", "MEASLES", "MR", "DTP", "JE", "TD", "TT", "ROTA"} <= set(
        products
    )
    assert products["BCG"]["diluent_code"] == "BCG-DIL" and products["BCG"]["presentation"] == "lyophilised"
    assert products["BOPV"]["keep_opened_vial"] is True and products["MEASLES"]["keep_opened_vial"] is False
    successions = await api.read("/admin-units/successions")
    assert len(successions) == 14
    new_of = {s["old_code"]: s["new_code"] for s in successions}
    assert new_of["03454"] == "03433" and new_of["03467"] == "03460" and new_of["03451"] == "03451"


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


async def test_a_retried_posting_with_the_same_key_posts_once(stocked) -> None:
    api = stocked
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    first = await api.post("/issues", body, key="retry-key-0001")
    second = await api.post("/issues", body, key="retry-key-0001")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert (await stock_doses(api))[("IPV", "I-1", "TL-01")] == 40


async def test_the_same_key_with_another_body_is_refused(stocked) -> None:
    api = stocked
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    await api.ok("/issues", body, key="reused-key-0001")
    other = copy.deepcopy(body)
    other["lines"][0]["doses"] = 20
    response = await api.post("/issues", other, key="reused-key-0001")
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert (await stock_doses(api))[("IPV", "I-1", "TL-01")] == 40


async def test_a_multi_line_document_with_one_bad_line_writes_nothing(stocked) -> None:
    api = stocked
    before, docs = await stock_doses(api), await document_count(api)
    response = await api.post(
        "/receipts", receipt(lot("MR", "MR-1", 50), lot("NOPE", "X-1", 10), lot("JE", "JE-1", 20))
    )
    assert response.status_code == 422
    assert response.json()["field"] == "lines[1].product"
    after = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "lines": [{"product": "PENTA", "doses": 10}, {"product": "IPV", "doses": 5000}],
        },
    )
    assert after.status_code == 409 and after.json()["field"] == "lines[1].doses"
    assert await stock_doses(api) == before and await document_count(api) == docs
    assert (await api.get("/lots/MR/MR-1")).status_code == 422


def _issue(**changes: Any) -> dict[str, Any]:
    line = {"product": "PENTA", "doses": 10, "lot_number": "P-EARLY", "location": "TL-01"}
    line.update(changes.pop("line", {}))
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [line]}
    body.update(changes)
    return body


BAD_INPUTS = [
    ("negative doses", "/issues", _issue(line={"doses": -10}), 422, "lines[0].doses"),
    ("zero doses", "/issues", _issue(line={"doses": 0}), 422, "lines[0].doses"),
    ("fractional doses", "/issues", _issue(line={"doses": 2.5}), 422, "lines[0].doses"),
    ("unknown product", "/issues", _issue(line={"product": "XYZ"}), 422, "lines[0].product"),
    ("unknown lot", "/issues", _issue(line={"lot_number": "NO-SUCH-LOT"}), 422, "lines[0].lot_number"),
    ("unknown facility", "/issues", _issue(facility="NOWHERE"), 422, "facility"),
    ("unknown destination", "/issues", _issue(to_facility="NOWHERE"), 422, "to_facility"),
    ("unknown location", "/issues", _issue(line={"location": "FREEZER-9"}), 422, "lines[0].location"),
    ("expired lot", "/issues", _issue(line={"lot_number": "OLD-1", "doses": 10}), 422, "lines[0].lot_number"),
    ("held lot", "/issues", _issue(line={"lot_number": "HELD-1"}), 422, "lines[0].lot_number"),
    ("VVM stage 3", "/issues", _issue(line={"lot_number": "VVM3-1"}), 422, "lines[0].lot_number"),
    ("VVM stage 4", "/issues", _issue(line={"lot_number": "VVM4-1"}), 422, "lines[0].lot_number"),
    ("over-issue", "/issues", _issue(line={"doses": 1000}), 409, "lines[0].doses"),
    (
        "part vial above commune level",
        "/issues",
        _issue(line={"product": "BCG", "lot_number": "BCG-1", "doses": 15}),
        422,
        "lines[0].doses",
    ),
    ("future date", "/issues", _issue(occurred_on=day(1)), 422, "occurred_on"),
    ("back-dated beyond the window", "/issues", _issue(occurred_on=day(-31)), 422, "occurred_on"),
    ("unknown field", "/issues", _issue(colour="blue"), 422, "colour"),
    ("unknown field in a line", "/issues", _issue(line={"colour": "blue"}), 422, "lines[0].colour"),
    (
        "missing field",
        "/issues",
        {"facility": DISTRICT, "lines": [{"product": "PENTA", "doses": 1}]},
        422,
        "to_facility",
    ),
    (
        "receipt of an expired lot",
        "/receipts",
        receipt(lot("MR", "MR-OLD", 10, expires_in_days=-1)),
        422,
        "lines[0].expires_on",
    ),
    (
        "receipt of part vials at the district",
        "/receipts",
        receipt(lot("MR", "MR-2", 15)),
        422,
        "lines[0].doses",
    ),
    (
        "receipt at VVM stage 3",
        "/receipts",
        receipt(lot("MR", "MR-3", 10, vvm_stage=3)),
        422,
        "lines[0].vvm_stage",
    ),
    (
        "receipt with a different expiry for a known lot",
        "/receipts",
        receipt(lot("PENTA", "P-EARLY", 10, expires_in_days=201)),
        422,
        "lines[0].expires_on",
    ),
    (
        "adjustment with an unknown reason",
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "location": "TL-01",
                    "doses": -1,
                    "reason": "eaten",
                }
            ],
        },
        422,
        "lines[0].reason",
    ),
    (
        "adjustment sign against its reason",
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "location": "TL-01",
                    "doses": 5,
                    "reason": "broken",
                }
            ],
        },
        422,
        "lines[0].reason",
    ),
    (
        "usage of an expired lot",
        "/usage",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "OLD-1",
                    "location": "TL-01",
                    "doses_administered": 1,
                    "vials_opened": 1,
                }
            ],
        },
        422,
        "lines[0].lot_number",
    ),
]


@pytest.fixture
async def with_problem_lots(stocked):
    """Adds an expired lot, a held lot and lots at VVM stages 3 and 4 to the district."""
    api = stocked
    await api.ok("/receipts", receipt(lot("PENTA", "OLD-1", 20, expires_in_days=-10), occurred_on=day(-20)))
    await api.ok(
        "/receipts",
        receipt(lot("PENTA", "HELD-1", 20), lot("PENTA", "VVM3-1", 20), lot("PENTA", "VVM4-1", 20)),
    )
    await api.ok("/lots/PENTA/HELD-1/hold", {"reason": "freeze alarm in TL-01"})
    await api.ok("/lots/PENTA/VVM3-1/vvm", {"vvm_stage": 3})
    await api.ok("/lots/PENTA/VVM4-1/vvm", {"vvm_stage": 4})
    return api


@pytest.mark.parametrize(
    ("case", "path", "body", "status", "field"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    with_problem_lots,
    case: str,
    path: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    api = with_problem_lots
    before, docs = await stock_doses(api), await document_count(api)
    response = await api.post(path, body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field, problem
    assert problem["detail"]
    assert await stock_doses(api) == before
    assert await document_count(api) == docs


async def test_over_issue_says_how_much_is_available(stocked) -> None:
    response = await stocked.post("/issues", _issue(line={"doses": 250}))
    assert response.status_code == 409
    assert response.json()["available"] == 100
    assert "100" in response.json()["detail"]


async def test_malformed_json_is_refused(stocked) -> None:
    response = await stocked.post("/issues", raw=b'{"facility": "TTYT-MT", "lines": [')
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_a_posting_without_an_idempotency_key_is_refused(stocked) -> None:
    response = await stocked.client.post("/api/v1/issues", json=_issue(), headers=stocked.auth)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"


async def test_the_proposal_puts_a_worse_vvm_first_then_the_earliest_expiry(stocked) -> None:
    proposal = await stocked.read("/proposals", facility=DISTRICT, product="BOPV", doses=300)
    assert [(p["lot_number"], p["doses"]) for p in proposal["lots"]] == [("B-STAGE2", 200), ("B-EARLY", 100)]
    penta = await stocked.read("/proposals", facility=DISTRICT, product="PENTA", doses=120)
    assert [(p["lot_number"], p["doses"], p["location"]) for p in penta["lots"]] == [
        ("P-EARLY", 100, "TL-01"),
        ("P-LATE", 20, "TL-02"),
    ]


async def test_choosing_other_lots_than_proposed_needs_a_reason(stocked) -> None:
    body = _issue(line={"lot_number": "P-LATE", "location": "TL-02"})
    refused = await stocked.post("/issues", body)
    assert refused.status_code == 422 and refused.json()["field"] == "override_reason"
    body["override_reason"] = "commune asked for the later lot to match its session plan"
    document = await stocked.ok("/issues", body)
    assert document["override_reason"].startswith("commune asked")
    following = await stocked.ok("/issues", _issue())
    assert following["override_reason"] is None


async def test_a_reversal_cancels_a_posting_and_cannot_be_repeated(stocked) -> None:
    api = stocked
    adjustment = await api.ok(
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {"product": "IPV", "lot_number": "I-1", "location": "TL-01", "doses": -5, "reason": "broken"}
            ],
        },
    )
    reversal = await api.ok(f"/documents/{adjustment['id']}/reversal", {"reason": "the vial was not broken"})
    assert reversal["reverses_document_id"] == adjustment["id"]
    assert [m["reverses_movement_id"] for m in reversal["movements"]] == [
        m["id"] for m in adjustment["movements"]
    ]
    assert (await stock_doses(api))[("IPV", "I-1", "TL-01")] == 50
    again = await api.post(f"/documents/{adjustment['id']}/reversal", {"reason": "twice by mistake"})
    assert again.status_code == 409


async def test_a_reversal_that_would_make_a_balance_negative_is_refused(stocked) -> None:
    api = stocked
    received = await api.ok("/receipts", receipt(lot("MR", "MR-9", 50)))
    await api.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "MR", "doses": 30}]}
    )
    response = await api.post(f"/documents/{received['id']}/reversal", {"reason": "wrong lot typed"})
    assert response.status_code == 409
    assert response.json()["available"] == 20
    assert (await stock_doses(api))[("MR", "MR-9", "TL-01")] == 20


async def test_reversing_an_issue_in_transit_cancels_the_shipment(stocked) -> None:
    api = stocked
    issued = await api.ok("/issues", _issue())
    await api.ok(f"/documents/{issued['id']}/reversal", {"reason": "wrong commune"})
    assert (await api.read(f"/shipments/{issued['shipment_id']}"))["status"] == "cancelled"
    assert await api.read(f"/facilities/{COMMUNE}/in-transit") == []
    assert (await stock_doses(api))[("PENTA", "P-EARLY", "TL-01")] == 100


async def test_a_back_dated_issue_must_leave_every_later_day_non_negative(api) -> None:
    await api.ok("/receipts", receipt(lot("JE", "JE-5", 40), occurred_on=day(-10)))
    await api.ok(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "occurred_on": day(-2),
            "lines": [{"product": "JE", "doses": 30}],
        },
    )
    # on day -5 there were 40 doses, but giving 20 away then would leave -10 after day -2
    response = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": "TYT-03463",
            "occurred_on": day(-5),
            "lines": [{"product": "JE", "lot_number": "JE-5", "location": "TL-01", "doses": 20}],
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["available"] == 10
    ok = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": "TYT-03463",
            "occurred_on": day(-5),
            "lines": [{"product": "JE", "lot_number": "JE-5", "location": "TL-01", "doses": 10}],
        },
    )
    assert ok.status_code == 201


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
        "/receipts",
        receipt(
            lot("BCG", "BCG-C", 50, location="TL"), lot("BOPV", "OPV-C", 40, location="TL"), facility=COMMUNE
        ),
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


async def test_a_freeze_alarm_on_arrival_puts_a_freeze_sensitive_lot_on_hold(stocked) -> None:
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
    refused = await api.post(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 101}]},
    )
    assert refused.status_code == 409  # only P-LATE's 100 doses are usable now
    assert refused.json()["available"] == 100
    await api.ok("/lots/PENTA/P-EARLY/release", {"reason": "shake test passed"})
    assert (await api.read("/lots/PENTA/P-EARLY"))["on_hold"] is False


async def test_a_vvm_reading_never_goes_back(stocked) -> None:
    refused = await stocked.post("/lots/BOPV/B-STAGE2/vvm", {"vvm_stage": 1})
    assert refused.status_code == 422 and refused.json()["field"] == "vvm_stage"


async def test_the_stock_card_shows_opening_movements_and_closing_balance(api) -> None:
    await api.ok("/receipts", receipt(lot("TD", "TD-1", 100), occurred_on=day(-8)))
    await api.ok(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "occurred_on": day(-4),
            "lines": [{"product": "TD", "doses": 30}],
        },
    )
    await api.ok(
        "/issues",
        {"facility": DISTRICT, "to_facility": "TYT-03463", "lines": [{"product": "TD", "doses": 20}]},
    )
    card = await api.read(
        f"/facilities/{DISTRICT}/stock-card",
        product="TD",
        lot_number="TD-1",
        date_from=day(-5),
        date_to=day(0),
    )
    assert card["opening_balance"] == 100
    assert [(line["kind"], line["issued"], line["balance"]) for line in card["lines"]] == [
        ("issue", 30, 70),
        ("issue", 20, 50),
    ]
    assert card["closing_balance"] == 50 and card["total_issued"] == 50
    assert card["lines"][0]["counterparty"] == COMMUNE


async def test_a_transfer_moves_doses_between_fridges(stocked) -> None:
    await stocked.ok(
        "/transfers",
        {
            "facility": DISTRICT,
            "from_location": "TL-01",
            "to_location": "HL-01",
            "lines": [{"product": "IPV", "lot_number": "I-1", "doses": 20}],
        },
    )
    doses = await stock_doses(stocked)
    assert doses[("IPV", "I-1", "TL-01")] == 30 and doses[("IPV", "I-1", "HL-01")] == 20


async def test_a_commune_returns_stock_to_its_supplier(api) -> None:
    await api.ok("/receipts", receipt(lot("MR", "MR-R", 20, location="TL"), facility=COMMUNE))
    document = await api.ok(
        "/returns",
        {
            "facility": COMMUNE,
            "reason": "surplus after the campaign",
            "lines": [{"product": "MR", "lot_number": "MR-R", "location": "TL", "doses": 20}],
        },
    )
    assert document["counterparty"] == DISTRICT
    assert [(t["to_facility"], t["doses"]) for t in await api.read(f"/facilities/{DISTRICT}/in-transit")] == [
        (DISTRICT, 20)
    ]


# ---- found in review -----------------------------------------------------------------------------------------


async def test_doses_from_an_opened_vial_of_a_held_lot_are_refused(api) -> None:
    await api.ok("/receipts", receipt(lot("BOPV", "OPV-H", 40, location="TL"), facility=COMMUNE))
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
    assert "on hold" in refused.json()["detail"]


async def test_an_idempotency_key_is_never_replayed_to_another_user(stocked) -> None:
    api = stocked
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    await api.ok("/issues", body, key="shared-key-0001")
    for user in ("viewer", "other_commune", "keeper"):
        response = await api.as_user(user).post("/issues", body, key="shared-key-0001")
        assert response.status_code == 422, user
        assert response.json()["field"] == "Idempotency-Key" and "another user" in response.json()["detail"]
        assert "movements" not in response.json()
    assert (await stock_doses(api))[("IPV", "I-1", "TL-01")] == 40


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


async def test_ids_too_large_and_negative_proposals_are_refused_not_crashed(stocked) -> None:
    api = stocked
    for path, field in (("/documents/99999999999999999999", "document_id"), ("/shipments/-1", "shipment_id")):
        response = await api.get(path)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    response = await api.post("/documents/99999999999999999999/reversal", {"reason": "wrong"})
    assert response.status_code == 422 and response.json()["field"] == "document_id"
    response = await api.get("/proposals", facility=DISTRICT, product="PENTA", doses=-5)
    assert response.status_code == 422 and response.json()["field"] == "doses"
    huge = [lot("BCG", "BCG-HUGE", 10_000_000) for _ in range(101)]
    response = await api.post("/receipts", receipt(*huge))
    assert response.status_code == 422 and response.json()["field"] == "lines[0].doses"


async def test_a_document_older_than_the_back_dating_window_is_not_reversed(settings, stocked) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory, unit_of_work
    from inventory.errors import RuleViolation
    from inventory.stock.service import StockService

    api = stocked
    await api.ok("/receipts", receipt(lot("IPV", "I-OLD", 50), occurred_on=day(-25)))
    correction = {
        "product": "IPV",
        "lot_number": "I-OLD",
        "location": "TL-01",
        "doses": -10,
        "reason": "broken",
    }
    old = await api.ok("/adjustments", {"facility": DISTRICT, "occurred_on": day(-20), "lines": [correction]})
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            later = StockService(
                session, settings, Principal.system("test"), today=TODAY + timedelta(days=15)
            )
            with pytest.raises(RuleViolation, match="older than the back-dating window") as refused:
                await later.reverse(old["id"], s.ReversalCreate(reason="typed twice"), key="old-reversal-1")
            assert refused.value.field == "document_id"
    finally:
        await engine.dispose()
    assert (await stock_doses(api))[("IPV", "I-OLD", "TL-01")] == 40


async def test_web_forms_get_the_schema_checks_the_api_gets(settings, stocked) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory, unit_of_work
    from inventory.errors import ValidationFailed
    from inventory.stock.service import StockService

    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            service = StockService(session, settings, Principal.system("test"))
            with pytest.raises(ValidationFailed) as refused:
                await service.set_hold("IPV", "I-1", s.HoldUpdate(reason=""), hold=True, key="hold-key-0001")
            assert refused.value.field == "reason"
            with pytest.raises(ValidationFailed) as refused:
                await service.record_vvm("IPV", "I-1", s.VVMUpdate(vvm_stage=5), key="vvm-key-00001")
            assert refused.value.field == "vvm_stage"
    finally:
        await engine.dispose()
    assert (await stocked.read("/lots/IPV/I-1"))["on_hold"] is False


async def test_a_confirmation_is_in_the_audit_trail_of_its_facility(settings, stocked) -> None:
    from inventory.audit.service import AuditFilter, events
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory

    issued = await stocked.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    )
    line = {"product": "IPV", "lot_number": "I-1", "doses_received": 10, "vvm_stage": 1}
    await stocked.as_user("commune").ok(f"/shipments/{issued['shipment_id']}/confirm", {"lines": [line]})
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            found = await events(session, Principal.system("test"), AuditFilter(facility_code=COMMUNE))
    finally:
        await engine.dispose()
    assert f"shipment:{issued['shipment_id']}:confirm" in [e.action for e in found]


async def test_the_dashboard_counts_part_vials_keeps_products_run_out_and_does_not_round_early(
    settings, api
) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory
    from inventory.stock.service import StockService

    lots = [
        lot("BOPV", "O-1", 20, location="TL"),
        lot("BOPV", "O-2", 20, location="TL"),
        lot("PENTA", "P-C", 4, location="TL"),
    ]
    await api.ok("/receipts", receipt(*lots, facility=COMMUNE))

    def used(product: str, lot_number: str, vials: int, given: int) -> dict:
        line = {"product": product, "lot_number": lot_number, "location": "TL", "vials_opened": vials}
        return {"facility": COMMUNE, "lines": [{**line, "doses_administered": given}]}

    await api.ok("/usage", used("BOPV", "O-1", 0, 5))  # doses from an opened vial: nothing leaves
    await api.ok(
        "/adjustments",
        {
            "facility": COMMUNE,
            "lines": [
                {
                    "product": "BOPV",
                    "lot_number": "O-1",
                    "location": "TL",
                    "doses": -5,
                    "reason": "open_vial_wastage",
                },
                {
                    "product": "BOPV",
                    "lot_number": "O-2",
                    "location": "TL",
                    "doses": -5,
                    "reason": "open_vial_wastage",
                },
            ],
        },
    )
    await api.ok("/usage", used("PENTA", "P-C", 4, 4))  # PENTA run out
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            board = await StockService(session, settings, Principal.system("test")).dashboard(COMMUNE)
    finally:
        await engine.dispose()
    by_product = {p.product: p for p in board.products}
    assert by_product["BOPV"].doses == 30 and by_product["BOPV"].vials == 2  # 15 + 15: two vials on the shelf
    assert by_product["BOPV"].months_of_stock == round(
        30 * 90 / (10 * 30), 1
    )  # 9.0, not from a rounded 3/month
    assert by_product["PENTA"].doses == 0 and by_product["PENTA"].months_of_stock == 0.0


async def test_a_transfer_between_fridges_is_neither_received_nor_issued_on_the_stock_card(stocked) -> None:
    api = stocked
    await api.ok(
        "/transfers",
        {
            "facility": DISTRICT,
            "from_location": "TL-01",
            "to_location": "TL-02",
            "lines": [{"product": "IPV", "lot_number": "I-1", "doses": 40}],
        },
    )
    await api.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    )
    card = await api.read(f"/facilities/{DISTRICT}/stock-card", product="IPV", lot_number="I-1")
    assert (card["total_received"], card["total_issued"]) == (50, 10)  # the receipt and the issue only
    assert min(line["balance"] for line in card["lines"]) >= 40  # the transfer never dips the balance
    assert card["closing_balance"] == 40


# ---- postings sent as one statement (PostgreSQL; the same behaviour in a transaction on SQLite) -----------


async def test_a_retry_after_the_stock_is_gone_replays_the_first_result(stocked) -> None:
    """The first attempt took every dose; its retry must get that result, not 'only 0 doses available'."""
    api = stocked
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 50}]}
    first = await api.post("/issues", body, key="take-it-all-0001")
    again = await api.post("/issues", body, key="take-it-all-0001")
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert ("IPV", "I-1", "TL-01") not in await stock_doses(api)
    other_user = await api.as_user("keeper").post("/issues", body, key="take-it-all-0001")
    assert other_user.status_code == 422 and other_user.json()["field"] == "Idempotency-Key"


async def test_drawing_where_no_balance_is_says_none_is_available_and_writes_nothing(stocked) -> None:
    api = stocked
    before, docs = await stock_doses(api), await document_count(api)
    for path, body in (
        (
            "/transfers",
            {
                "facility": DISTRICT,
                "from_location": "HL-01",
                "to_location": "TL-01",
                "lines": [{"product": "IPV", "lot_number": "I-1", "doses": 20}],
            },
        ),
        (
            "/adjustments",
            {
                "facility": DISTRICT,
                "lines": [
                    {
                        "product": "IPV",
                        "lot_number": "I-1",
                        "location": "TL-01",
                        "doses": 5,
                        "reason": "found",
                    },
                    {
                        "product": "IPV",
                        "lot_number": "I-1",
                        "location": "HL-01",
                        "doses": -5,
                        "reason": "lost",
                    },
                ],
            },
        ),
    ):
        response = await api.post(path, body)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["title"] == "Insufficient stock" and "only 0 doses are available" in problem["detail"]
        assert problem["field"] == ("lines[0].doses" if path == "/transfers" else "lines[1].doses")
    assert await stock_doses(api) == before and await document_count(api) == docs


async def test_a_posting_is_audited_with_the_ids_it_was_given(settings, stocked) -> None:
    import json

    from inventory.audit.service import AuditFilter, events
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory

    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BCG", "doses": 20}]}
    issued = await stocked.ok("/issues", body, key="audited-issue-0001")
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            found = await events(session, Principal.system("test"), AuditFilter(action="issue"))
    finally:
        await engine.dispose()
    [event] = found
    assert event.entity == f"document {issued['id']}" and event.facility_code == DISTRICT
    changes = json.loads(event.changes)
    assert changes["request"]["lines"] == [
        {"product": "BCG", "doses": 20, "lot_number": None, "location": None}
    ]
    assert changes["result"] == issued
    document = await stocked.read(f"/documents/{issued['id']}")
    assert [m["id"] for m in document["movements"]] == [m["id"] for m in issued["movements"]]
    assert document["shipment_id"] == issued["shipment_id"] is not None


async def test_a_lot_number_with_a_slash_is_reached_through_the_query(api) -> None:
    await api.ok("/receipts", receipt(lot("MR", "MR/24/007", 100)))
    one = await api.read("/lot", product="MR", lot_number="MR/24/007")
    assert one["lot_number"] == "MR/24/007" and one["on_hold"] is False
    held = await api.client.post(
        "/api/v1/lot/hold",
        params={"product": "MR", "lot_number": "MR/24/007"},
        json={"reason": "heat excursion"},
        headers={"Idempotency-Key": "slash-hold-0001", **api.auth},
    )
    assert held.status_code == 201 and held.json()["on_hold"] is True, held.text
    refused = await api.post(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "MR", "doses": 10}]},
    )
    assert refused.status_code in (409, 422) and refused.json()["field"] == "lines[0].doses"
    for action, body in (("release", {"reason": "checked: within range"}), ("vvm", {"vvm_stage": 2})):
        response = await api.client.post(
            f"/api/v1/lot/{action}",
            params={"product": "MR", "lot_number": "MR/24/007"},
            json=body,
            headers={"Idempotency-Key": f"slash-{action}-0001", **api.auth},
        )
        assert response.status_code == 201, response.text
    final = await api.read("/lot", product="MR", lot_number="MR/24/007")
    assert final["on_hold"] is False and final["vvm_stage"] == 2
    unknown = await api.client.post(
        "/api/v1/lot/destroy",
        params={"product": "MR", "lot_number": "MR/24/007"},
        json={"reason": "heat excursion"},
        headers={"Idempotency-Key": "slash-bad-0001", **api.auth},
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "action"


async def test_a_nul_character_in_a_text_is_refused_naming_the_field(stocked) -> None:
    before, docs = await stock_doses(stocked), await document_count(stocked)
    body = {
        "facility": DISTRICT,
        "to_facility": COMMUNE,
        "note": "xe hỏng\u0000",
        "lines": [{"product": "IPV", "doses": 10}],
    }
    response = await stocked.post("/issues", body)
    assert response.status_code in (400, 422), response.text
    assert "NUL" in response.text and "note" in response.text
    line = {"product": "IPV\u0000", "doses": 10}
    response = await stocked.post("/issues", {**body, "note": None, "lines": [line]})
    assert response.status_code in (400, 422) and "lines[0]" in response.text, response.text
    assert await stock_doses(stocked) == before and await document_count(stocked) == docs
    proposal = await stocked.get("/proposals", facility="TTYT\u0000MT", product="IPV", doses=10)
    assert proposal.status_code == 422 and proposal.json()["field"] == "facility", proposal.text
