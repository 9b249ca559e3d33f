"""The ledger through its JSON API: health, schema and catalogue, documents, stock cards, lots and the dashboard."""

from __future__ import annotations

import pytest

from inventory.stock import schemas as s
from inventory.stock.use_cases import lots, views
from tests.integration.ledger_samples import (
    COMMUNE,
    DISTRICT,
    day,
    direct_receipt,
    lot,
    receipt,
)

pytestmark = pytest.mark.anyio


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


# ---- found in review -----------------------------------------------------------------------------------------


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


async def test_web_forms_get_the_schema_checks_the_api_gets(settings, stocked) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory, unit_of_work
    from inventory.errors import ValidationFailed
    from inventory.stock.context import StockContext

    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            service = StockContext(session, settings, Principal.system("test"))
            with pytest.raises(ValidationFailed) as refused:
                await lots.set_hold(
                    service, "IPV", "I-1", s.HoldUpdate(reason=""), hold=True, key="hold-key-0001"
                )
            assert refused.value.field == "reason"
            with pytest.raises(ValidationFailed) as refused:
                await lots.record_vvm(service, "IPV", "I-1", s.VVMUpdate(vvm_stage=5), key="vvm-key-00001")
            assert refused.value.field == "vvm_stage"
    finally:
        await engine.dispose()
    assert (await stocked.read("/lots/IPV/I-1"))["on_hold"] is False


async def test_the_dashboard_counts_part_vials_keeps_products_run_out_and_does_not_round_early(
    settings, api
) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory
    from inventory.stock.context import StockContext

    lots = [
        lot("BOPV", "O-1", 20, location="TL"),
        lot("BOPV", "O-2", 20, location="TL"),
        lot("PENTA", "P-C", 4, location="TL"),
    ]
    await api.ok("/direct-receipts", direct_receipt(*lots))

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
            board = await views.dashboard(StockContext(session, settings, Principal.system("test")), COMMUNE)
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
