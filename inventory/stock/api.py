"""JSON API for the ledger: thin handlers, one service call each."""

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.commands import command_from
from inventory.errors import NotFound
from inventory.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, Window
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.use_cases import (
    adjustments,
    confirmation,
    counts,
    issuing,
    lots,
    receiving,
    reversal,
    transfers,
    usage,
    verification,
    views,
    vouchers,
)
from inventory.timeutil import today_vn
from inventory.types import RowIdPath

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", description="client-chosen key; a retry with it posts nothing new"
    ),
]

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"rows per page, at most {MAX_LIMIT}")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="rows skipped: the page's first row")]


def next_link(request: Request[Any, Any, Any], window: Window, total: int) -> str | None:
    """The link to the page after `window` (the same path and filters), or None on the last page."""
    following = window.next_offset(total)
    if following is None:
        return None
    query = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    return f"{request.url.path}?{urlencode({**query, 'limit': window.limit, 'offset': following})}"


async def provide_stock(
    request: Request[Principal, Any, Any], db_session: NamedDependency[AsyncSession]
) -> StockContext:
    """The request's StockContext. Settings and principal come from the request itself rather than as
    dependencies: Litestar resolves several dependencies of one level in a task group of their own, which
    costs more than a posting's own work in Python."""
    return StockContext(db_session, request.app.state.settings, request.user, decoded_commands=True)


def posting(
    path: str,
    operation_id: str,
    summary: str,
    command: type[msgspec.Struct],
    use_case: Callable[..., Awaitable[Any]],
    result: type[msgspec.Struct],
) -> HTTPRouteHandler:
    """A handler that posts a command's JSON body through a use case, with the request's Idempotency-Key:
    the shape every posting of a new document shares. (Annotations are evaluated here, when the handler is
    made, so that the command and result types reach Litestar as types.)"""

    async def handler(
        self: Controller,
        stock: NamedDependency[StockContext],
        data: JSONBody[command],  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey,
    ) -> result:  # type: ignore[valid-type]
        return await use_case(stock, data, key=idempotency_key)

    handler.__name__ = handler.__qualname__ = operation_id
    return post(path, operation_id=operation_id, summary=summary)(handler)


class StockController(Controller):
    path = "/api/v1"
    tags = ["stock"]
    dependencies = {"stock": Provide(provide_stock)}

    receive = posting(
        "/receipts",
        "PostReceipt",
        "Receive lots from the facility's supplier without a shipment (not at a commune station)",
        s.ReceiptCreate,
        receiving.receive,
        s.DocumentRead,
    )
    receive_direct = posting(
        "/direct-receipts",
        "PostDirectReceipt",
        "Receive lots straight from a source outside the supply chain (a campaign delivery), with a reason",
        s.DirectReceiptCreate,
        receiving.receive_direct,
        s.DocumentRead,
    )
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
    adjust = posting(
        "/adjustments",
        "PostAdjustment",
        "Adjust stock with a reason",
        s.AdjustmentCreate,
        adjustments.adjust,
        s.DocumentRead,
    )
    create_count = posting(
        "/counts",
        "PostCount",
        "Record a physical count (draft)",
        s.CountCreate,
        counts.create_count,
        s.CountRead,
    )
    usage = posting(
        "/usage",
        "PostUsage",
        "Record a vaccination day's usage at a commune",
        s.UsageCreate,
        usage.record_usage,
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

    @post("/counts/{count_id:int}/submit", operation_id="SubmitCount", summary="Post a count's differences")
    async def submit_count(
        self,
        stock: NamedDependency[StockContext],
        count_id: RowIdPath,
        idempotency_key: IdempotencyKey,
    ) -> s.CountRead:
        return await counts.submit_count(stock, count_id, key=idempotency_key)

    @get("/counts/{count_id:int}", operation_id="GetCount")
    async def get_count(self, stock: NamedDependency[StockContext], count_id: RowIdPath) -> s.CountRead:
        return await counts.get_count(stock, count_id)

    @post(
        "/documents/{document_id:int}/reversal",
        operation_id="ReverseDocument",
        summary="Reverse a posting with linked opposite movements",
    )
    async def reverse(
        self,
        stock: NamedDependency[StockContext],
        document_id: RowIdPath,
        data: JSONBody[s.ReversalCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await reversal.reverse(stock, document_id, data, key=idempotency_key)

    @get("/documents/{document_id:int}", operation_id="GetDocument")
    async def document(self, stock: NamedDependency[StockContext], document_id: RowIdPath) -> s.DocumentRead:
        return await views.get_document(stock, document_id)

    @get(
        "/documents/{document_id:int}/voucher",
        operation_id="GetVoucher",
        summary="The receipt or issue voucher of a document, with names, expiry, VVM, vials and totals",
    )
    async def voucher(self, stock: NamedDependency[StockContext], document_id: RowIdPath) -> s.Voucher:
        return await vouchers.voucher(stock, document_id)

    @get(
        "/facilities/{facility:str}/documents",
        operation_id="ListDocuments",
        summary="A facility's documents, the latest day first, one page at a time",
    )
    async def documents(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> s.DocumentPage:
        window = Window(limit, offset)
        items, total = await views.list_documents(stock, facility, window)
        return s.DocumentPage(items, total, limit, offset, next_link(request, window, total))

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

    @get("/lots", operation_id="ListLots", summary="Lots by product, expiry and number, one page at a time")
    async def lots(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockContext],
        product: FromQuery[str | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> s.LotPage:
        window = Window(limit, offset)
        items, total = await lots.page_lots(stock, product, window)
        return s.LotPage(items, total, limit, offset, next_link(request, window, total))

    @get("/lots/{product:str}/{lot_number:str}", operation_id="GetLot")
    async def lot(
        self, stock: NamedDependency[StockContext], product: FromPath[str], lot_number: FromPath[str]
    ) -> s.LotRead:
        return await lots.get_lot(stock, product, lot_number)

    @post("/lots/{product:str}/{lot_number:str}/vvm", operation_id="RecordVVM")
    async def vvm(
        self,
        stock: NamedDependency[StockContext],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.VVMUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await lots.record_vvm(stock, product, lot_number, data, key=idempotency_key)

    @post("/lots/{product:str}/{lot_number:str}/hold", operation_id="HoldLot")
    async def hold(
        self,
        stock: NamedDependency[StockContext],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await lots.set_hold(stock, product, lot_number, data, hold=True, key=idempotency_key)

    @post("/lots/{product:str}/{lot_number:str}/release", operation_id="ReleaseLot")
    async def release(
        self,
        stock: NamedDependency[StockContext],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await lots.set_hold(stock, product, lot_number, data, hold=False, key=idempotency_key)

    # the same lot routes with the lot in the query: a lot number may hold a "/" (a path cannot carry it)
    @get("/lot", operation_id="GetLotByQuery", summary="A lot, named in the query (lot numbers with '/')")
    async def lot_by_query(
        self,
        stock: NamedDependency[StockContext],
        product: FromQuery[str],
        lot_number: FromQuery[str],
    ) -> s.LotRead:
        return await lots.get_lot(stock, product, lot_number)

    @post("/lot/vvm", operation_id="RecordVVMByQuery", summary="Record a VVM reading; the lot in the query")
    async def vvm_by_query(
        self,
        stock: NamedDependency[StockContext],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        data: JSONBody[s.VVMUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await lots.record_vvm(stock, product, lot_number, data, key=idempotency_key)

    @post(
        "/lot/{action:str}",
        operation_id="HoldOrReleaseByQuery",
        summary="hold or release; the lot in the query",
    )
    async def hold_by_query(
        self,
        stock: NamedDependency[StockContext],
        action: FromPath[str],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        if action not in ("hold", "release"):
            raise NotFound(message="error.lot.action", params={"action": action}, field="action")

        return await lots.set_hold(
            stock, product, lot_number, data, hold=action == "hold", key=idempotency_key
        )

    @get(
        "/facilities/{facility:str}/stock",
        operation_id="StockOnHand",
        summary="Stock on hand by product, lot and location, one page of rows at a time (totals of all)",
    )
    async def stock(
        self,
        request: Request[Any, Any, Any],
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> s.StockOnHand:
        window = Window(limit, offset)
        soh = await views.stock_on_hand(stock, facility, window)
        soh.next = next_link(request, window, soh.total)
        return soh

    @get("/facilities/{facility:str}/in-transit", operation_id="StockInTransit")
    async def in_transit(
        self, stock: NamedDependency[StockContext], facility: FromPath[str]
    ) -> list[s.InTransitRow]:
        return await views.in_transit(stock, facility)

    @get("/facilities/{facility:str}/stock-card", operation_id="StockCard")
    async def stock_card(
        self,
        stock: NamedDependency[StockContext],
        facility: FromPath[str],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> s.StockCard:
        end = date_to or today_vn()
        start = date_from or end.replace(day=1)
        return await views.stock_card(stock, facility, product, lot_number, start, end)

    @get(
        "/verify", operation_id="VerifyLedger", summary="Prove every balance equals the sum of its movements"
    )
    async def verify(self, stock: NamedDependency[StockContext]) -> s.VerifyReport:
        return await verification.verify(stock)
