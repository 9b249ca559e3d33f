"""The supply route pages without a browser: the peer transfer form (who may send to whom, lot picking,
refusals next to their field in both languages, input kept) and the extra routes page (rights, refusals,
allowing and ending a route)."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, day
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio
PEER = "TYT-03463"  # Tà Tổng: a commune of the same district store as Mù Cả (COMMUNE)
HUA_BUM = "TYT-03460"  # a commune the province supplies directly: not a peer of Mù Cả


PEER_CODES = ["TYT-03433", "TYT-03439", "TYT-03442", "TYT-03445", "TYT-03463", "TYT-03466"]


def options(html: str, name: str) -> list[str]:
    """The values a <select name=...> offers (blank left out)."""
    select = re.search(rf'<select name="{re.escape(name)}".*?</select>', html, re.S)
    assert select, name
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(0)) if v]


def fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(lines\[\d+\]\.\w+)" [^>]*value="([^"]*)"', html))


def error_at(html: str, name: str) -> str:
    found = re.search(rf'data-error-for="{re.escape(name)}">([^<]*)<', html)
    assert found, f"no error at {name}"
    return found.group(1)


async def _written(api: Api) -> tuple[list[tuple[str, int]], int]:
    """The commune's stock and how many shipments it has sent."""
    stock = await api.read(f"/facilities/{COMMUNE}/stock")
    sent = await api.read("/shipments", facility=COMMUNE)
    return sorted((r["lot_number"], r["doses"]) for r in stock["rows"]), sent["total"]


async def test_a_commune_transfers_to_its_peer_from_the_page_and_is_refused_as_an_issue_is(
    settings: Settings, api: Api
) -> None:
    lots = [
        {"product": "MR", "lot_number": n, "expires_on": day(e), "doses": 20, "location": "TL"}
        for n, e in (("MR-LATE", 400), ("MR-SOON", 100))
    ]
    await api.ok("/direct-receipts", {"facility": COMMUNE, "reason": "campaign delivery", "lines": lots})
    before = await _written(api)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "viewer")
        assert (await client.get(f"/peer-transfer?facility={COMMUNE}")).status_code == 403
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        assert (await client.get(f"/peer-transfer?facility={DISTRICT}")).status_code == 403
        page = await client.get("/peer-transfer")
        assert page.status_code == 200
        # the other communes the district store supplies today (facilities.csv); not the store, not Hua Bum
        assert sorted(options(page.text, "to_facility")) == PEER_CODES
        token = client.cookies.get("csrftoken", "")
        base = {
            "facility": COMMUNE,
            "to_facility": PEER,
            "_csrf_token": token,
            "idempotency_key": "peer-0001",
        }
        proposed = await client.post("/peer-transfer", data={**base, "action": "propose", "want.MR": "25"})
        assert proposed.status_code == 200
        lines = fields(proposed.text)  # the earliest expiry first, as for an issue
        assert [(lines[f"lines[{i}].lot_number"], lines[f"lines[{i}].doses"]) for i in (0, 1)] == [
            ("MR-SOON", "20"),
            ("MR-LATE", "5"),
        ]
        post = {**base, **lines, "action": "post"}
        no_reason = await client.post("/peer-transfer", data=post)
        assert no_reason.status_code == 422
        assert error_at(no_reason.text, "reason")
        assert 'value="MR-SOON"' in no_reason.text  # the chosen lots are kept
        forged = await client.post(
            "/peer-transfer", data={**post, "to_facility": HUA_BUM, "reason": "ran out"}
        )
        assert forged.status_code == 403
        assert error_at(forged.text, "to_facility").startswith(f"{COMMUNE} không điều chuyển cho {HUA_BUM}")
        too_many = {**post, "lines[1].doses": "50", "reason": "ran out"}
        client.cookies.set("lang", "en")
        refused = await client.post("/peer-transfer", data=too_many)
        assert refused.status_code == 409
        assert "20" in error_at(refused.text, "lines[1].doses")  # the doses MR-LATE has
        assert 'value="50"' in refused.text and 'value="ran out"' in refused.text
        assert await _written(api) == before  # nothing written by a refusal
        sent = await client.post("/peer-transfer", data={**post, "reason": "ran out"}, follow_redirects=False)
        assert sent.status_code == 303, sent.text
        again = await client.post(
            "/peer-transfer", data={**post, "reason": "ran out"}, follow_redirects=False
        )
        assert again.headers["location"] == sent.headers["location"]  # a double submit posts once
        voucher = await client.get(sent.headers["location"])
        assert voucher.status_code == 200 and "MR-SOON" in voucher.text
    assert await _written(api) == ([("MR-LATE", 15)], 1)
    shipment = (await api.read("/shipments", facility=PEER))["items"][0]
    assert (shipment["from_facility"], shipment["to_facility"], shipment["status"]) == (
        COMMUNE,
        PEER,
        "in_transit",
    )


async def test_administrators_allow_and_end_extra_routes_from_the_page_others_only_read_them(
    settings: Settings, api: Api
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        listed = await client.get("/routes")
        assert listed.status_code == 200 and 'id="allow-route"' not in listed.text
        token = client.cookies.get("csrftoken", "")
        allow = {"from_facility": DISTRICT, "to_facility": HUA_BUM, "reason": "the road from the CDC is cut"}
        tried = await client.post(
            "/routes", data={**allow, "_csrf_token": token, "idempotency_key": "r-00001"}
        )
        assert tried.status_code == 403
        issue_page = await client.get("/issue")
        assert HUA_BUM not in options(issue_page.text, "to_facility")
    assert await api.read("/routes") == []
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        token = client.cookies.get("csrftoken", "")
        form = {**allow, "_csrf_token": token, "idempotency_key": "route-key-0001"}
        missing = await client.post("/routes", data={**form, "reason": ""})
        assert missing.status_code == 422 and error_at(missing.text, "reason")
        assert re.search(rf'<option value="{HUA_BUM}" selected', missing.text)  # the input is kept
        client.cookies.set("lang", "en")
        in_tree = await client.post(
            "/routes", data={**form, "from_facility": "CDC-LC", "to_facility": DISTRICT}
        )
        assert in_tree.status_code == 422
        assert (
            error_at(in_tree.text, "to_facility")
            == f"CDC-LC already supplies {DISTRICT}; no extra route is needed"
        )
        client.cookies.set("lang", "vi")
        allowed = await client.post("/routes", data=form, follow_redirects=False)
        assert allowed.status_code == 303, allowed.text
        twice = await client.post("/routes", data={**form, "idempotency_key": "route-key-0002"})
        assert twice.status_code == 409
        assert error_at(twice.text, "to_facility") == f"Tuyến {DISTRICT} → {HUA_BUM} đã được cho phép"
        route = (await api.read("/routes"))[0]
        assert (route["from_facility"], route["to_facility"], route["allowed_by"]) == (
            DISTRICT,
            HUA_BUM,
            "admin",
        )
        listed = await client.get("/routes?saved=true")
        assert f'data-route="{route["id"]}"' in listed.text and 'id="saved"' in listed.text
        key = re.search(
            rf'action="/routes/{route["id"]}/revoke".*?name="idempotency_key" value="([^"]+)"',
            listed.text,
            re.S,
        ).group(1)
        end = {"_csrf_token": token, "idempotency_key": key}
        unexplained = await client.post(f"/routes/{route['id']}/revoke", data={**end, "reason": " "})
        assert unexplained.status_code == 422 and error_at(unexplained.text, "reason")
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        assert HUA_BUM in options((await client.get("/issue")).text, "to_facility")  # the route is in force
        token = client.cookies.get("csrftoken", "")
        ended = {"_csrf_token": token, "idempotency_key": "end-00001", "reason": "the road is open"}
        assert (await client.post(f"/routes/{route['id']}/revoke", data=ended)).status_code == 403
        assert (await api.read("/routes"))[0]["active"] is True
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        token = client.cookies.get("csrftoken", "")
        ended = {"_csrf_token": token, "idempotency_key": "end-00002", "reason": "the road is open again"}
        done = await client.post(f"/routes/{route['id']}/revoke", data=ended, follow_redirects=False)
        assert done.status_code == 303, done.text
        assert f'data-route="{route["id"]}"' not in (await client.get("/routes")).text
        every = (await client.get("/routes?show_all=true")).text
        assert "the road is open again" in every
    assert await api.read("/routes") == []
    audited = {e["action"] for e in (await api.read("/audit-events", limit=100))["items"]}
    assert {"route.allow", f"route:{route['id']}:revoke"} <= audited
