"""JSON API for issues, returns, peer transfers and transfers between locations, the lots proposed for
an issue, and the shipments they travel in."""

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from inventory.commands import command_from
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.api.shared import IdempotencyKey, Limit, Offset, StockController, next_link, posting
from inventory.stock.context import StockContext
from inventory.stock.use_cases import confirmation, issuing, transfers, views
from inventory.types import RowIdPath


class IssuesController(StockController):
    """Stock sent out and moved (issuing.py, transfers.py) and the shipments (views.py, confirmation.py)."""

    issue = posting(
        "/issues",
        "PostIssue",
        "Issue to a facility this one supplies (creates a shipment)",
        s.IssueCreate,
        issuing.issue,
        s.DocumentRead,
    )
    return_stock = posting(
        "/returns",
        "PostReturn",
        "Return stock to the facility's supplier (creates a shipment)",
        s.ReturnCreate,
        issuing.return_stock,
        s.DocumentRead,
    )
    peer_transfer = posting(
        "/peer-transfers",
        "PostPeerTransfer",
        "Send stock to a peer (same supplier, same level), with a reason (creates a shipment)",
        s.PeerTransferCreate,
        issuing.transfer_to_peer,
        s.DocumentRead,
    )
    transfer = posting(
        "/transfers",
        "PostTransfer",
        "Move stock between locations of a facility",
        s.TransferCreate,
        transfers.transfer,
        s.DocumentRead,
    )

    @get("/proposals", operation_id="ProposeLots", summary="Propose lots for an issue (VVM, then expiry)")
    async def propose(
        self,
        stock: NamedDependency[StockContext],
        facility: FromQuery[str],
        product: FromQuery[str],
        doses: FromQuery[int],
        occurred_on: FromQuery[date | None] = None,
    ) -> s.Proposal:
        return await issuing.propose(
            stock,
            command_from(
                s.ProposalRequest, facility=facility, product=product, doses=doses, occurred_on=occurred_on
            ),
        )

    @get(
        "/shipments",
        operation_id="ListShipments",
        summary="A facility's shipments in and out, newest first, one page at a time",
    )
    async def shipments(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockContext],
        facility: FromQuery[str],
        status: FromQuery[str | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> s.ShipmentPage:
        window = Window(limit, offset)
        items, total = await views.list_shipments(stock, facility, status, window)
        return s.ShipmentPage(items, total, limit, offset, next_link(request, window, total))

    @get("/shipments/{shipment_id:int}", operation_id="GetShipment")
    async def shipment(self, stock: NamedDependency[StockContext], shipment_id: RowIdPath) -> s.ShipmentRead:
        return await views.get_shipment(stock, shipment_id)

    @post(
        "/shipments/{shipment_id:int}/confirm",
        operation_id="ConfirmShipment",
        summary="Confirm a delivery, per lot",
    )
    async def confirm(
        self,
        stock: NamedDependency[StockContext],
        shipment_id: RowIdPath,
        data: JSONBody[s.ShipmentConfirm],
        idempotency_key: IdempotencyKey,
    ) -> s.ShipmentRead:
        return await confirmation.confirm_shipment(stock, shipment_id, data, key=idempotency_key)
