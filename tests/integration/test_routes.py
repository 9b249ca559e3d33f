"""Supply routes: every document kind with a counterparty, posted by each role along allowed and refused
routes (province → district → commune, and province → commune with no district), and the route rules
themselves. Extra routes, the lists pages and clients are offered, forms and commands: test_route_grants.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from inventory.app import create_app
from inventory.db import create_engine, session_factory
from inventory.routes.domain import Node, counterparties, peers, refusal
from inventory.settings import Settings
from inventory.stock.models import Balance, Lot, Movement, Shipment, ShipmentLine, StockDocument
from tests.integration.conftest import Api
from tests.integration.route_samples import (
    DISTRICT,
    EXPIRY,
    HUA_BUM,
    MU_CA,
    PROVINCE,
    STORAGE,
    TA_TONG,
    stock_everywhere,
)

pytestmark = pytest.mark.anyio

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
