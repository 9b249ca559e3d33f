"""Every list read is paged: a stable order, a limit with a maximum, the total, and a next link that keeps
the filters; on both databases. The pages (audit trail, lots, documents) page the same way."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.ledger_samples import COMMUNE, DISTRICT, lot, receipt
from tests.integration.test_auth import sign_in
from tests.integration.test_register import imported  # noqa: F401  (the fixture)

pytestmark = pytest.mark.anyio


async def _follow(api, path: str, **params: object) -> list[dict]:  # type: ignore[no-untyped-def]
    """Every item of a list, page after page along the `next` links; each page's total agrees."""
    page = await api.read(path, **params)
    items, total = list(page["items"]), page["total"]
    while page["next"]:
        assert page["next"].startswith("/api/v1/")
        response = await api.client.get(page["next"], headers=api.auth)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == total
        items += page["items"]
    assert len(items) == total
    return items


async def _issue_penta(api, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        await api.ok(
            "/issues",
            {
                "facility": DISTRICT,
                "to_facility": COMMUNE,
                "lines": [{"product": "PENTA", "doses": 1}],
            },
        )


async def test_documents_come_in_pages_of_the_limit_in_one_stable_order(stocked) -> None:
    await _issue_penta(stocked, 7)
    paged = await _follow(stocked, f"/facilities/{DISTRICT}/documents", limit=3)
    whole = (await stocked.read(f"/facilities/{DISTRICT}/documents", limit=500))["items"]
    assert [d["id"] for d in paged] == [d["id"] for d in whole]
    assert len({d["id"] for d in paged}) == len(paged) == 8  # the receipt and seven issues
    # the latest day first, then the latest recorded: the order a reader of the stock book expects
    expected = sorted(whole, key=lambda d: (d["occurred_on"], d["id"]), reverse=True)
    assert [d["id"] for d in paged] == [d["id"] for d in expected]
    first = await stocked.read(f"/facilities/{DISTRICT}/documents", limit=3)
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (8, 3, 0, 3)
    last = await stocked.read(f"/facilities/{DISTRICT}/documents", limit=3, offset=6)
    assert len(last["items"]) == 2 and last["next"] is None


async def test_stock_on_hand_pages_its_rows_and_totals_every_row(stocked) -> None:
    whole = await stocked.read(f"/facilities/{DISTRICT}/stock", limit=500)
    assert whole["total"] == len(whole["rows"]) == 6
    rows = []
    page = await stocked.read(f"/facilities/{DISTRICT}/stock", limit=4)
    assert page["totals"] == whole["totals"] and len(page["rows"]) == 4
    rows += page["rows"]
    response = await stocked.client.get(page["next"], headers=stocked.auth)
    rows += response.json()["rows"]
    assert response.json()["next"] is None and response.json()["totals"] == whole["totals"]
    assert rows == whole["rows"]
    # totals are of every row, whatever page is shown: PENTA is 100 + 100 doses in the stocked fixture
    penta = next(t for t in page["totals"] if t["product"] == "PENTA")
    assert penta["doses"] == 200


async def test_lots_are_paged_and_the_next_link_keeps_the_product_filter(stocked) -> None:
    await stocked.ok("/receipts", receipt(*(lot("BOPV", f"B-X{i}", 20, 300 + i) for i in range(4))))
    first = await stocked.read("/lots", product="BOPV", limit=2)
    assert first["total"] == 6
    query = parse_qs(urlsplit(first["next"]).query)
    assert query == {"product": ["BOPV"], "limit": ["2"], "offset": ["2"]}
    lots = await _follow(stocked, "/lots", product="BOPV", limit=2)
    assert {x["product"] for x in lots} == {"BOPV"}
    assert [(x["expires_on"], x["lot_number"]) for x in lots] == sorted(
        (x["expires_on"], x["lot_number"]) for x in lots
    )


async def test_shipments_are_paged_and_keep_their_filters(stocked) -> None:
    await _issue_penta(stocked, 5)
    first = await stocked.read("/shipments", facility=DISTRICT, status="in_transit", limit=2)
    assert first["total"] == 5
    assert parse_qs(urlsplit(first["next"]).query) == {
        "facility": [DISTRICT],
        "status": ["in_transit"],
        "limit": ["2"],
        "offset": ["2"],
    }
    shipments = await _follow(stocked, "/shipments", facility=DISTRICT, status="in_transit", limit=2)
    ids = [sh["id"] for sh in shipments]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5


@pytest.mark.parametrize(
    "path", ["/lots", f"/facilities/{DISTRICT}/documents", f"/facilities/{DISTRICT}/stock"]
)
async def test_a_page_holds_at_most_500_rows(api, path: str) -> None:
    assert (await api.read(path, limit=500))["limit"] == 500
    refused = await api.client.get(f"/api/v1{path}?limit=501", headers=api.auth)
    assert refused.status_code == 422 and refused.json()["field"] == "limit"
    negative = await api.client.get(f"/api/v1{path}?offset=-1", headers=api.auth)
    assert negative.status_code == 422 and negative.json()["field"] == "offset"


async def test_the_audit_trail_is_paged_for_administrators_only(stocked) -> None:
    await _issue_penta(stocked, 4)
    events = await _follow(stocked, "/audit-events", action="issue", limit=3)
    assert len(events) == 4
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert all(e["action"] == "issue" for e in events)
    assert events[0]["changes"]["request"]["lines"][0]["doses"] == 1
    refused = await stocked.as_user("viewer").get("/audit-events")
    assert refused.status_code == 403


async def test_the_audit_page_pages_keeps_its_filters_and_shows_changes_readably(
    settings: Settings, stocked
) -> None:
    await _issue_penta(stocked, 3)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        response = await client.get("/audit?action=issue&limit=2")
        assert response.status_code == 200
        html = unescape(response.text)
        links = re.findall(r'<a href="(/audit\?[^"]+)" rel="next"', html)
        assert links and parse_qs(urlsplit(links[0]).query) == {
            "action": ["issue"],
            "limit": ["2"],
            "offset": ["2"],
        }
        assert html.count("<tr>") == 1 + 2  # the header and two events
        assert '{"' not in html  # no raw JSON
        assert "Số liều: 1" in html  # a change's field by its Vietnamese label
        following = unescape((await client.get(links[0])).text)
        assert following.count("<tr>") == 1 + 1 and 'rel="prev"' in following


async def test_the_lots_page_pages_and_keeps_the_product_filter(settings: Settings, stocked) -> None:
    await stocked.ok("/receipts", receipt(*(lot("BOPV", f"B-X{i}", 20, 300 + i) for i in range(4))))
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        html = unescape((await client.get("/lots?product=BOPV&limit=4")).text)
        assert html.count("<td>BOPV</td>") == 4 and "<td>PENTA</td>" not in html
        links = re.findall(r'<a href="(/lots\?[^"]+)" rel="next"', html)
        assert parse_qs(urlsplit(links[0]).query) == {"product": ["BOPV"], "limit": ["4"], "offset": ["4"]}
        rest = unescape((await client.get(links[0])).text)
        assert rest.count("<td>BOPV</td>") == 2 and 'rel="next"' not in rest


@pytest.mark.usefixtures("imported")
async def test_the_due_list_pages_its_children_in_birth_date_order(api) -> None:
    whole = await api.read("/communes/03451/due-list", limit=500)
    assert whole["total"] == len(whole["children"]) >= 4
    paged = []
    page = await api.read("/communes/03451/due-list", limit=3)
    paged += page["children"]
    while page["next"]:
        assert parse_qs(urlsplit(page["next"]).query)["limit"] == ["3"]
        page = (await api.client.get(page["next"], headers=api.auth)).json()
        paged += page["children"]
    assert paged == whole["children"]
    keys = [(c["birth_date"], c["child_id"], c["antigen"], c["dose_number"]) for c in paged]
    assert keys == sorted(keys)
