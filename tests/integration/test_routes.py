"""Supply routes: every document kind with a counterparty, posted by each role along allowed and refused
routes (province → district → commune, and province → commune with no district), plus the extra routes an
administrator allows and revokes, and the lists pages and clients are offered."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from inventory.app import create_app
from inventory.audit.models import AuditEvent
from inventory.catalog.models import Facility
from inventory.cli import main
from inventory.db import create_engine, session_factory
from inventory.routes.domain import Node, counterparties, peers, refusal
from inventory.settings import Settings
from inventory.stock.models import Balance, Lot, Movement, Shipment, ShipmentLine, StockDocument
from inventory.timeutil import today_vn
from tests.integration.conftest import Api
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

EXPIRY = (today_vn() + timedelta(days=300)).isoformat()
PROVINCE, DISTRICT, MU_CA, TA_TONG, HUA_BUM = "CDC-LC", "TTYT-MT", "TYT-03451", "TYT-03463", "TYT-03460"
STORAGE = {PROVINCE: "KHO-LANH", DISTRICT: "TL-01", MU_CA: "TL", TA_TONG: "TL", HUA_BUM: "TL"}
OWN_USER = {
    PROVINCE: "province",
    DISTRICT: "keeper",
    MU_CA: "commune",
    TA_TONG: "other_commune",
    HUA_BUM: "huabum",
}
FOREIGN_USER = {
    PROVINCE: "keeper",
    DISTRICT: "commune",
    MU_CA: "other_commune",
    TA_TONG: "commune",
    HUA_BUM: "commune",
}
"""A store keeper or commune worker of another facility: may not post here whatever the route."""
ROLES = ("own", "admin", "foreign", "viewer")

# (kind, facility posting, counterparty or None, the route exists)
# The tree (inventory/catalog/data/facilities.csv): CDC-LC → TTYT-MT → TYT-03451, TYT-03463 …;
# CDC-LC → TYT-03460 (Hua Bum, supplied by the province directly since the district tier went).
ROUTES: list[tuple[str, str, str | None, bool]] = [
    ("receipt", PROVINCE, None, True),  # the top of the chain receives from outside the system
    ("receipt", DISTRICT, PROVINCE, True),
    ("receipt", DISTRICT, None, True),  # the supplier by default
    ("receipt", DISTRICT, MU_CA, False),  # not from one of its own communes
    ("receipt", PROVINCE, DISTRICT, False),
    ("receipt", MU_CA, PROVINCE, False),  # a station receives by confirming a shipment…
    ("receipt", MU_CA, DISTRICT, False),  # … even from its own supplier
    ("receipt", HUA_BUM, PROVINCE, False),
    ("direct_receipt", MU_CA, None, True),  # … or as a direct receipt with a reason
    ("direct_receipt", HUA_BUM, None, True),
    ("direct_receipt", DISTRICT, None, True),
    ("issue", PROVINCE, DISTRICT, True),
    ("issue", PROVINCE, HUA_BUM, True),  # province → commune, no district
    ("issue", DISTRICT, MU_CA, True),
    ("issue", DISTRICT, TA_TONG, True),
    ("issue", DISTRICT, PROVINCE, False),  # not up the chain: that is a return
    ("issue", DISTRICT, HUA_BUM, False),  # not to a commune another store supplies
    ("issue", PROVINCE, MU_CA, False),  # not past the district that supplies it
    ("issue", MU_CA, TA_TONG, False),  # a station supplies nobody
    ("issue", HUA_BUM, MU_CA, False),
    ("return", DISTRICT, PROVINCE, True),
    ("return", MU_CA, DISTRICT, True),
    ("return", HUA_BUM, PROVINCE, True),
    ("return", MU_CA, PROVINCE, False),  # to its own supplier only
    ("return", DISTRICT, MU_CA, False),
    ("return", HUA_BUM, DISTRICT, False),
    ("peer_transfer", MU_CA, TA_TONG, True),
    ("peer_transfer", TA_TONG, MU_CA, True),
    ("peer_transfer", MU_CA, HUA_BUM, False),  # different suppliers
    ("peer_transfer", DISTRICT, HUA_BUM, False),  # same supplier, different level
    ("peer_transfer", MU_CA, DISTRICT, False),
]
PATHS = {
    "receipt": "/receipts",
    "direct_receipt": "/direct-receipts",
    "issue": "/issues",
    "return": "/returns",
    "peer_transfer": "/peer-transfers",
}


def body(kind: str, facility: str, counterparty: str | None) -> dict[str, Any]:
    location = STORAGE[facility]
    if kind in {"receipt", "direct_receipt"}:
        new_lot = {
            "product": "PENTA",
            "lot_number": f"R-{uuid.uuid4().hex[:8]}",
            "expires_on": EXPIRY,
            "doses": 10,
            "location": location,
        }
        command: dict[str, Any] = {"facility": facility, "lines": [new_lot]}
        if kind == "direct_receipt":
            command["reason"] = "measles campaign delivery straight from the CDC truck"
        elif counterparty:
            command["supplier"] = counterparty
        return command
    if kind == "return":
        line = {"product": "PENTA", "lot_number": "M-LOT", "location": location, "doses": 1}
        return {"facility": facility, "to_facility": counterparty, "reason": "surplus", "lines": [line]}
    command = {"facility": facility, "to_facility": counterparty, "lines": [{"product": "PENTA", "doses": 1}]}
    if kind == "peer_transfer":
        command["reason"] = "the peer ran out before its delivery"
    return command


async def ledger_rows(settings: Settings) -> dict[str, int]:
    """Rows of every ledger table: a refused posting leaves them all as they were."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return {
                model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (StockDocument, Movement, Balance, Shipment, ShipmentLine, Lot)
            }
    finally:
        await engine.dispose()


async def stock_everywhere(api: Api) -> Api:
    """100 doses of PENTA lot M-LOT at each facility, each along a route that exists: the province from
    outside the system, the district from the province, the stations as direct receipts."""
    line = {"product": "PENTA", "lot_number": "M-LOT", "expires_on": EXPIRY, "doses": 100}
    await api.ok("/receipts", {"facility": PROVINCE, "lines": [{**line, "location": STORAGE[PROVINCE]}]})
    await api.ok(
        "/receipts",
        {"facility": DISTRICT, "supplier": PROVINCE, "lines": [{**line, "location": STORAGE[DISTRICT]}]},
    )
    for station in (MU_CA, TA_TONG, HUA_BUM):
        await api.ok(
            "/direct-receipts",
            {
                "facility": station,
                "reason": "opening stock",
                "lines": [{**line, "location": STORAGE[station]}],
            },
        )
    return api


@pytest.fixture
async def everywhere(api: Api) -> Api:
    return await stock_everywhere(api)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module scope, so that the route matrix shares one stocked database (below)."""
    return "asyncio"


@pytest.fixture(scope="module")
async def matrix(module_settings: Settings) -> AsyncIterator[Api]:
    """The stocked database every case of the route matrix posts on: a case draws one dose or receives a
    new lot, and compares every ledger table before and after, so the cases need no database each (124
    of them made a third of the PostgreSQL pass)."""
    async with AsyncTestClient(app=create_app(module_settings)) as client:
        yield await stock_everywhere(Api(client))


async def off_route_documents(settings: Settings) -> list[tuple[str, str, str | None, str]]:
    """Every posted document with a counterparty that no route of the tree allows: (kind, facility,
    counterparty, reason). The demo posts none."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            facilities = {f.id: f for f in (await session.scalars(select(Facility))).all()}
            documents = (
                await session.execute(
                    select(
                        StockDocument.kind, StockDocument.facility_id, StockDocument.counterparty_id
                    ).where(StockDocument.kind.in_(["receipt", "issue", "return", "peer_transfer"]))
                )
            ).all()
    finally:
        await engine.dispose()
    nodes = {i: Node(f.id, f.code, f.level, f.supplier_id) for i, f in facilities.items()}
    found = []
    for kind, facility_id, counterparty_id in documents:
        other = nodes.get(counterparty_id) if counterparty_id else None
        reason = refusal(kind, nodes[facility_id], other)
        if reason:
            found.append((kind, nodes[facility_id].code, other.code if other else None, reason))
    return found


def _case_id(case: tuple[str, str, str | None, bool]) -> str:
    kind, facility, counterparty, ok = case
    return f"{kind}:{facility}->{counterparty or 'none'}:{'allowed' if ok else 'refused'}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", ROUTES, ids=_case_id)
async def test_each_role_posts_along_allowed_routes_and_is_refused_elsewhere_with_nothing_written(
    matrix: Api, module_settings: Settings, case: tuple[str, str, str | None, bool], role: str
) -> None:
    everywhere, settings = matrix, module_settings
    kind, facility, counterparty, route_exists = case
    username = {
        "own": OWN_USER[facility],
        "admin": "admin",
        "foreign": FOREIGN_USER[facility],
        "viewer": "viewer",
    }
    client = everywhere.as_user(username[role])
    may_post_here = role in {"own", "admin"}
    before = await ledger_rows(settings)
    response = await client.post(PATHS[kind], body(kind, facility, counterparty))
    if may_post_here and route_exists:
        assert response.status_code == 201, response.text
        document = response.json()
        assert (document["kind"], document["facility"]) == (kind, facility)
        if kind == "receipt" and facility == DISTRICT:
            assert document["counterparty"] == PROVINCE
        elif kind != "direct_receipt":
            assert document["counterparty"] == counterparty
        return
    assert response.status_code == 403, response.text
    problem = response.json()
    if may_post_here:
        assert problem["code"] == "route_not_allowed"
        assert (problem["facility"], problem["counterparty"], problem["kind"]) == (
            facility,
            counterparty,
            kind,
        )
        assert problem["message"].startswith("error.route_not_allowed.")
        assert problem["field"] == ("supplier" if kind == "receipt" else "to_facility")
    else:
        assert problem["code"] == "forbidden"
    assert await ledger_rows(settings) == before, f"{role} {kind} wrote on refusal"


def test_the_route_rules_themselves_on_a_tree_with_and_without_a_district() -> None:
    province = Node(1, "P", "province", None)
    district = Node(2, "D", "district", 1)
    commune, peer = Node(3, "C", "commune", 2), Node(4, "C2", "commune", 2)
    direct = Node(5, "H", "commune", 1)
    nodes = [province, district, commune, peer, direct]
    assert [n.code for n in counterparties("issue", province, nodes)] == ["D", "H"]
    assert [n.code for n in counterparties("issue", district, nodes)] == ["C", "C2"]
    assert [n.code for n in counterparties("return", direct, nodes)] == ["P"]
    assert [n.code for n in counterparties("peer_transfer", commune, nodes)] == ["C2"]
    assert counterparties("receipt", commune, nodes) == []
    assert peers(commune, peer) and not peers(district, direct) and not peers(commune, commune)
    assert refusal("issue", district, direct) == "error.route_not_allowed.issue"
    # an extra route D → H: D issues to H, H receives from and returns to D
    extra = frozenset({(2, 5)})
    assert refusal("issue", district, direct, extra) is None
    assert refusal("return", direct, district, extra) is None
    assert refusal("issue", direct, district, extra) == "error.route_not_allowed.issue"
    assert refusal("receipt", direct, district, extra) == "error.route_not_allowed.station_receipt"


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
