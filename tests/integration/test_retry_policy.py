"""The one retry policy, as every caller meets it: a posting whose picked stock keeps being taken under it is
run again, then answered 503 `send_again` with Retry-After, having written nothing; one taken only once is
posted by its second attempt, from the API and from a page alike (the rollback between attempts must not leave
the request holding expired objects: that answered 500 on the second attempt)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.exc import DBAPIError

from inventory.app import create_app
from inventory.settings import Settings
from inventory.stock import ledger
from inventory.stock.ledger.write import LedgerWrite, Written
from tests.integration.ledger_samples import COMMUNE, DISTRICT, document_count, stock_doses
from tests.integration.test_auth import sign_in

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


Writer = Callable[..., Awaitable[Written]]


def taken(write: LedgerWrite) -> Written:
    """The ledger refuses the first draw, as if another posting had taken the lot a moment before."""
    return Written(0, [], None, [write.drawn[0][0]])


class Cancelled(Exception):
    sqlstate = "40P01"  # PostgreSQL broke a deadlock by cancelling this statement


def cancelled(_write: LedgerWrite) -> Written:
    raise DBAPIError("the ledger statement", {}, Cancelled())


def first_attempts_fail(
    monkeypatch: pytest.MonkeyPatch, times: int, fail: Callable[[LedgerWrite], Written] = taken
) -> list[int]:
    """The ledger writer's first `times` calls end in `fail`; later ones are written by the real writer of the
    dialect. Returns the list of calls, one item each."""
    attempts: list[int] = []
    real: dict[str, Writer] = {"postgresql": ledger.write_postgresql, "sqlite": ledger.write_sqlite}

    async def writer(session, write: LedgerWrite) -> Written:  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) <= times:
            return fail(write)
        return await real[session.bind.dialect.name](session, write)

    monkeypatch.setattr(ledger, "write_postgresql", writer)
    monkeypatch.setattr(ledger, "write_sqlite", writer)
    return attempts


BCG_1 = {"product": "BCG", "lot_number": "BCG-1"}
POSTINGS = {
    "issue, lots picked": (
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BCG", "doses": 10}]},
        10,
    ),
    "issue, lot named": (
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "lines": [{**BCG_1, "location": "TL-01", "doses": 10}],
        },
        10,
    ),
    "adjustment": (
        "/adjustments",
        {"facility": DISTRICT, "lines": [{**BCG_1, "location": "TL-01", "doses": -5, "reason": "broken"}]},
        5,
    ),
    "transfer": (
        "/transfers",
        {
            "facility": DISTRICT,
            "from_location": "TL-01",
            "to_location": "TL-02",
            "lines": [{**BCG_1, "doses": 5}],
        },
        0,
    ),
}


@pytest.mark.parametrize("posting", list(POSTINGS))
async def test_an_api_posting_taken_once_is_posted_by_its_second_attempt(
    stocked, monkeypatch: pytest.MonkeyPatch, posting: str
) -> None:
    path, body, leaves = POSTINGS[posting]
    before, documents = await stock_doses(stocked), await document_count(stocked)
    attempts = first_attempts_fail(monkeypatch, 1)
    response = await stocked.post(path, body, key=f"taken-once-{path[1:]}-{len(str(body))}")
    assert response.status_code == 201, response.text
    assert len(attempts) == 2
    assert await document_count(stocked) == documents + 1
    after = await stock_doses(stocked)
    assert sum(before.values()) - sum(after.values()) == leaves  # posted once, not twice


async def test_a_receipt_cancelled_in_a_lock_cycle_is_posted_by_its_second_attempt(
    stocked, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts = first_attempts_fail(monkeypatch, 1, cancelled)
    documents = await document_count(stocked)
    line = {**BCG_1, "lot_number": "BCG-NEW", "expires_on": "2030-01-31", "doses": 40, "location": "TL-01"}
    response = await stocked.post(
        "/receipts", {"facility": DISTRICT, "supplier": "CDC-LC", "lines": [line]}, key="cycle-0001"
    )
    assert response.status_code == 201, response.text
    assert len(attempts) == 2 and await document_count(stocked) == documents + 1
    assert (await stock_doses(stocked))[("BCG", "BCG-NEW", "TL-01")] == 40


def _proposed_lines(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(lines\[\d+\]\.\w+)" [^>]*value="([^"]*)"', page))


@pytest.mark.parametrize("times", [1, 3], ids=["taken once", "taken every time"])
async def test_a_page_issue_is_posted_after_a_refused_attempt_or_keeps_its_form_with_send_again(
    settings: Settings, stocked, monkeypatch: pytest.MonkeyPatch, times: int
) -> None:
    documents = await document_count(stocked)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        form = {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "_csrf_token": client.cookies.get("csrftoken", ""),
            "want.BCG": "20",
            "idempotency_key": f"page-taken-{times}-0001",
        }
        proposal = await client.post("/issue", data={**form, "action": "propose"})
        lines = _proposed_lines(proposal.text)
        assert lines["lines[0].lot_number"] == "BCG-1"
        attempts = first_attempts_fail(monkeypatch, times)
        response = await client.post(
            "/issue", data={**form, **lines, "action": "post"}, follow_redirects=False
        )
        assert len(attempts) == min(times + 1, 3)
        if times < 3:
            assert response.status_code == 303, response.text
            assert (await client.get(response.headers["location"])).status_code == 200
            assert await document_count(stocked) == documents + 1
        else:
            assert response.status_code == 503, response.text
            assert "gửi lại" in response.text  # the send-again message, in Vietnamese, on the form
            assert _proposed_lines(response.text) == lines  # the form kept what was typed
            assert await document_count(stocked) == documents
