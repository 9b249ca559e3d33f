"""The supply tree the route tests post on: its facilities, where each keeps stock, and a stocking of
each along a route that exists; and the check that finds documents posted off every route."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from inventory.catalog.models import Facility
from inventory.db import create_engine, session_factory
from inventory.routes.domain import Node, refusal
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn
from tests.integration.conftest import Api

EXPIRY = (today_vn() + timedelta(days=300)).isoformat()
PROVINCE, DISTRICT, MU_CA, TA_TONG, HUA_BUM = "CDC-LC", "TTYT-MT", "TYT-03451", "TYT-03463", "TYT-03460"
STORAGE = {PROVINCE: "KHO-LANH", DISTRICT: "TL-01", MU_CA: "TL", TA_TONG: "TL", HUA_BUM: "TL"}


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
