"""The ledger through its JSON API: idempotency keys and retries, reversals, and the audit trail of postings."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from inventory.stock import schemas as s
from inventory.stock.use_cases import reversal
from tests.integration.ledger_samples import (
    COMMUNE,
    DISTRICT,
    TODAY,
    _issue,
    day,
    lot,
    receipt,
    stock_doses,
)

pytestmark = pytest.mark.anyio


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


async def test_a_posting_without_an_idempotency_key_is_refused(stocked) -> None:
    response = await stocked.client.post("/api/v1/issues", json=_issue(), headers=stocked.auth)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"


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


# ---- found in review -----------------------------------------------------------------------------------------


async def test_an_idempotency_key_is_never_replayed_to_another_user(stocked) -> None:
    api = stocked
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "IPV", "doses": 10}]}
    await api.ok("/issues", body, key="shared-key-0001")
    for user in ("viewer", "other_commune", "keeper"):
        response = await api.as_user(user).post("/issues", body, key="shared-key-0001")
        assert response.status_code == 422, user
        assert (
            response.json()["field"] == "Idempotency-Key"
            and response.json()["message"] == "error.idempotency.other_user"
        )
        assert "movements" not in response.json()
    assert (await stock_doses(api))[("IPV", "I-1", "TL-01")] == 40


async def test_a_document_older_than_the_back_dating_window_is_not_reversed(settings, stocked) -> None:
    from inventory.auth import Principal
    from inventory.db import create_engine, session_factory, unit_of_work
    from inventory.errors import RuleViolation
    from inventory.stock.context import StockContext

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
            later = StockContext(
                session, settings, Principal.system("test"), today=TODAY + timedelta(days=15)
            )
            with pytest.raises(RuleViolation, match="older than the back-dating window") as refused:
                await reversal.reverse(
                    later, old["id"], s.ReversalCreate(reason="typed twice"), key="old-reversal-1"
                )
            assert refused.value.field == "document_id"
    finally:
        await engine.dispose()
    assert (await stock_doses(api))[("IPV", "I-OLD", "TL-01")] == 40


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
