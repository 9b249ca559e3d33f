"""Supply routes in use: a station receives by confirming a shipment or as a direct receipt with a reason,
an administrator allows and revokes extra routes (API and command line), and pages and clients are offered
exactly the allowed counterparties. The route x role matrix: test_routes.py."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from inventory.app import create_app
from inventory.audit.models import AuditEvent
from inventory.catalog.models import Facility
from inventory.cli import main
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.route_samples import (
    DISTRICT,
    EXPIRY,
    HUA_BUM,
    MU_CA,
    PROVINCE,
    TA_TONG,
    stock_everywhere,
)
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio


@pytest.fixture
async def everywhere(api: Api) -> Api:
    return await stock_everywhere(api)


async def test_a_station_receives_what_its_supplier_issued_by_confirming_the_shipment(
    everywhere: Api,
) -> None:
    shipment_id = (
        await everywhere.as_user("province").ok(
            "/issues",
            {"facility": PROVINCE, "to_facility": HUA_BUM, "lines": [{"product": "PENTA", "doses": 10}]},
        )
    )["shipment_id"]
    confirm = {"lines": [{"product": "PENTA", "lot_number": "M-LOT", "doses_received": 10, "vvm_stage": 1}]}
    refused = await everywhere.as_user("commune").post(f"/shipments/{shipment_id}/confirm", confirm)
    assert refused.status_code == 403
    confirmed = await everywhere.as_user("huabum").ok(f"/shipments/{shipment_id}/confirm", confirm)
    assert confirmed["status"] == "received"
    stock = await everywhere.as_user("huabum").read(f"/facilities/{HUA_BUM}/stock")
    assert [(r["lot_number"], r["doses"]) for r in stock["rows"]] == [("M-LOT", 110)]


async def test_a_direct_receipt_needs_a_reason_and_is_in_the_audit_trail(
    api: Api, settings: Settings
) -> None:
    worker = api.as_user("commune")
    line = {"product": "MR", "lot_number": "MR-CAMP", "expires_on": EXPIRY, "doses": 20, "location": "TL"}
    missing = await worker.post("/direct-receipts", {"facility": MU_CA, "lines": [line]})
    assert missing.status_code == 422 and "reason" in missing.text
    document = await worker.ok(
        "/direct-receipts",
        {"facility": MU_CA, "reason": "MR campaign delivery, biên bản 12", "lines": [line]},
    )
    assert (document["kind"], document["note"], document["counterparty"]) == (
        "direct_receipt",
        "MR campaign delivery, biên bản 12",
        None,
    )
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        events = (
            await session.scalars(select(AuditEvent).where(AuditEvent.action == "direct_receipt"))
        ).all()
    await engine.dispose()
    assert [(e.username, e.facility_code) for e in events] == [("commune", MU_CA)]
    assert "biên bản 12" in events[0].changes


async def test_an_administrator_allows_an_extra_route_audited_and_revokes_it(
    everywhere: Api, settings: Settings
) -> None:
    keeper = everywhere.as_user("keeper")
    issue = {"facility": DISTRICT, "to_facility": HUA_BUM, "lines": [{"product": "PENTA", "doses": 1}]}
    assert (await keeper.post("/issues", issue)).json()["code"] == "route_not_allowed"
    grant = {
        "from_facility": DISTRICT,
        "to_facility": HUA_BUM,
        "reason": "road to Hua Bum from the CDC is cut",
    }
    refused = await keeper.post("/routes", grant)
    assert refused.status_code == 403
    assert (await keeper.read("/routes")) == []
    route = await everywhere.ok("/routes", grant)
    assert (route["from_facility"], route["to_facility"], route["allowed_by"], route["active"]) == (
        DISTRICT,
        HUA_BUM,
        "admin",
        True,
    )
    again = await everywhere.post("/routes", grant)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    in_tree = await everywhere.post("/routes", {**grant, "to_facility": MU_CA})
    assert (in_tree.status_code, in_tree.json()["message"]) == (422, "error.route.in_tree")
    # the route works both ways a supply route does: issue down, return up
    await keeper.ok("/issues", issue)
    back = {
        "facility": HUA_BUM,
        "to_facility": DISTRICT,
        "reason": "surplus",
        "lines": [{"product": "PENTA", "lot_number": "M-LOT", "location": "TL", "doses": 1}],
    }
    await everywhere.as_user("huabum").ok("/returns", back)
    options = await keeper.read("/counterparties", facility=DISTRICT, kind="issue")
    assert HUA_BUM in [o["code"] for o in options]
    revoked = await everywhere.post(f"/routes/{route['id']}/revoke", {"reason": "the road is open again"})
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "admin"
    assert not revoked.json()["active"]
    twice = await everywhere.post(f"/routes/{route['id']}/revoke", {"reason": "the road is open again"})
    assert twice.status_code == 409
    assert (await keeper.post("/issues", issue)).json()["code"] == "route_not_allowed"
    assert (await everywhere.read("/routes")) == []
    history = await everywhere.read("/routes", include_revoked="true")
    assert [(r["id"], r["revoke_reason"]) for r in history] == [(route["id"], "the road is open again")]
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        actions = (
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("route%")).order_by(AuditEvent.id)
            )
        ).all()
    await engine.dispose()
    assert actions == ["route.allow", f"route:{route['id']}:revoke"]


async def test_the_offered_counterparties_are_exactly_the_allowed_routes(
    everywhere: Api, settings: Settings
) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        under_district = sorted(
            (
                await session.scalars(
                    select(Facility.code).where(
                        Facility.supplier_id
                        == select(Facility.id).where(Facility.code == DISTRICT).scalar_subquery(),
                        Facility.valid_to.is_(None),
                    )
                )
            ).all()
        )
    await engine.dispose()
    keeper, province = everywhere.as_user("keeper"), everywhere.as_user("province")
    assert sorted(
        o["code"] for o in await keeper.read("/counterparties", facility=DISTRICT, kind="issue")
    ) == (under_district)
    assert [o["code"] for o in await keeper.read("/counterparties", facility=DISTRICT, kind="receipt")] == [
        PROVINCE
    ]
    assert [o["code"] for o in await keeper.read("/counterparties", facility=DISTRICT, kind="return")] == [
        PROVINCE
    ]
    assert sorted(
        o["code"] for o in await province.read("/counterparties", facility=PROVINCE, kind="issue")
    ) == sorted([DISTRICT, HUA_BUM])
    worker = everywhere.as_user("commune")
    assert await worker.read("/counterparties", facility=MU_CA, kind="receipt") == []
    assert await worker.read("/counterparties", facility=MU_CA, kind="issue") == []
    assert [o["code"] for o in await worker.read("/counterparties", facility=MU_CA, kind="return")] == [
        DISTRICT
    ]
    assert await worker.read("/counterparties", facility=DISTRICT, kind="issue") == []  # not where it posts
    assert await everywhere.as_user("viewer").read("/counterparties", facility=DISTRICT, kind="issue") == []
    bad = await worker.get("/counterparties", facility=MU_CA, kind="usage")
    assert bad.status_code == 422

    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        issue_page = (await client.get("/issue")).text
        receive_page = (await client.get("/receive")).text
    for code in under_district:
        assert f'<option value="{code}"' in issue_page
    assert f'<option value="{HUA_BUM}"' not in issue_page and f'<option value="{PROVINCE}"' not in issue_page
    assert f'<option value="{PROVINCE}" selected' in receive_page
    assert f'<option value="{MU_CA}"' not in receive_page
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        station_receive = (await client.get("/receive")).text
        station_issue = (await client.get("/issue")).text
    assert 'name="supplier"' not in station_receive and 'name="reason"' in station_receive
    assert '<option value="TYT' not in station_issue and '<option value="CDC' not in station_issue


async def test_a_station_s_receive_form_posts_a_direct_receipt_with_its_reason(
    settings: Settings, api: Api
) -> None:
    form = {
        "facility": MU_CA,
        "idempotency_key": "route-form-1234",
        "lines[0].product": "MR",
        "lines[0].lot_number": "MR-FORM",
        "lines[0].expires_on": EXPIRY,
        "lines[0].doses": "20",
        "lines[0].location": "TL",
    }
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        token = client.cookies.get("csrftoken", "")
        refused = await client.post("/receive", data={**form, "_csrf_token": token})
        assert refused.status_code == 403 and 'data-error-for="supplier"' in refused.text
        saved = await client.post(
            "/receive",
            data={**form, "idempotency_key": "route-form-5678", "reason": "campaign", "_csrf_token": token},
            follow_redirects=False,
        )
        assert saved.status_code == 303
    documents = (await api.read(f"/facilities/{MU_CA}/documents"))["items"]
    assert [(d["kind"], d["note"]) for d in documents] == [("direct_receipt", "campaign")]


def test_the_route_commands_allow_list_and_revoke(settings: Settings) -> None:
    def run(*args: str):
        return CliRunner().invoke(
            main,
            ["--database", settings.database_url, *args],
            catch_exceptions=False,
            env={"VAXSTOCK_LANGUAGE": "en"},
        )

    allowed = run("route", "allow", DISTRICT, HUA_BUM, "--reason", "road from the CDC cut by a landslide")
    assert allowed.exit_code == 0, allowed.output
    assert f"Route {DISTRICT} → {HUA_BUM} allowed (id 1)" in allowed.output
    listed = run("route", "list")
    assert "landslide" in listed.output and "active" in listed.output
    refused = run("route", "allow", DISTRICT, HUA_BUM, "--reason", "again")
    assert refused.exit_code == 1 and "already allowed" in refused.output
    revoked = run("route", "revoke", "1", "--reason", "road open")
    assert revoked.exit_code == 0 and "Route 1 revoked" in revoked.output
    assert "No extra supply routes" in run("route", "list").output
    assert "revoked" in run("route", "list", "--all").output


async def test_the_return_form_offers_only_the_supplier_and_posts_a_return(
    everywhere: Api, settings: Settings
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "commune")
        page = (await client.get("/return")).text
        assert f'<option value="{DISTRICT}"' in page
        assert f'<option value="{PROVINCE}"' not in page and f'<option value="{TA_TONG}"' not in page
        form = {
            "facility": MU_CA,
            "to_facility": PROVINCE,  # not offered: the API refuses it all the same
            "reason": "surplus after the campaign",
            "idempotency_key": "route-return-0001",
            "lines[0].product": "PENTA",
            "lines[0].lot_number": "M-LOT",
            "lines[0].location": "TL",
            "lines[0].doses": "5",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        }
        refused = await client.post("/return", data=form)
        assert refused.status_code == 403 and 'data-error-for="to_facility"' in refused.text
        saved = await client.post(
            "/return",
            data={**form, "to_facility": DISTRICT, "idempotency_key": "route-return-0002"},
            follow_redirects=False,
        )
        assert saved.status_code == 303
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "province")
        assert (
            "<option value="
            not in (await client.get("/return")).text.split('name="to_facility"')[1].split("</select>")[0]
        )
    documents = (await everywhere.read(f"/facilities/{MU_CA}/documents"))["items"]
    assert sorted((d["kind"], d["counterparty"] or "") for d in documents) == [
        ("direct_receipt", ""),  # the fixture's stock
        ("return", DISTRICT),  # the form's one posting: the refused one wrote nothing
    ]
