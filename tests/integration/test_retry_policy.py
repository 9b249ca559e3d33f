"""The one retry policy, as every caller meets it: a posting whose picked stock keeps being taken under it is
run again, then answered 503 `send_again` with Retry-After, having written nothing."""

from __future__ import annotations

import pytest

from inventory.stock import ledger
from inventory.stock.ledger.write import LedgerWrite, Written
from tests.integration.ledger_samples import COMMUNE, DISTRICT, document_count, stock_doses

pytestmark = pytest.mark.anyio


async def test_a_posting_whose_stock_keeps_changing_is_tried_three_times_then_answered_send_again(
    stocked, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[int] = []

    async def always_taken(_session, write: LedgerWrite) -> Written:  # type: ignore[no-untyped-def]
        attempts.append(1)  # as if another posting had taken the picked lot each time
        return Written(0, [], None, [write.drawn[0][0]])

    monkeypatch.setattr(ledger, "write_postgresql", always_taken)
    monkeypatch.setattr(ledger, "write_sqlite", always_taken)
    before, documents = await stock_doses(stocked), await document_count(stocked)
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BCG", "doses": 10}]}
    response = await stocked.post("/issues", body, key="always-taken-0001")
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1" and response.json()["code"] == "send_again"
    assert response.json()["field"] == "lines[0].doses"
    assert len(attempts) == 3
    monkeypatch.undo()
    assert await stock_doses(stocked) == before and await document_count(stocked) == documents
    again = await stocked.post("/issues", body, key="always-taken-0001")  # the same request, sent again
    assert again.status_code == 201, again.text
