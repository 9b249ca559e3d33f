"""JSON API for the ledger: thin handlers, one service call each."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.errors import NotFound
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.service import StockService, command_from
from inventory.timeutil import today_vn
from inventory.types import RowIdPath

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key", description="client-chosen key; a retry with it posts nothing new"
    ),
]


async def provide_stock_service(
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    principal: NamedDependency[Principal],
) -> StockService:
    # one request, one session: a posting dated today may go to PostgreSQL as a single statement
    return StockService(db_session, settings, principal, session_per_posting=True)


class StockController(Controller):
    path = "/api/v1"
    tags = ["stock"]
    dependencies = {"stock_service": Provide(provide_stock_service)}

    @post("/receipts", operation_id="PostReceipt", summary="Receive lots from a supplier or higher level")
    async def receive(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.ReceiptCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.receive(data, key=idempotency_key)

    @post("/issues", operation_id="PostIssue", summary="Issue to another facility (creates a shipment)")
    async def issue(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.IssueCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.issue(data, key=idempotency_key)

    @get("/proposals", operation_id="ProposeLots", summary="Propose lots for an issue (VVM, then expiry)")
    async def propose(
        self,
        stock_service: NamedDependency[StockService],
        facility: FromQuery[str],
        product: FromQuery[str],
        doses: FromQuery[int],
        occurred_on: FromQuery[date | None] = None,
    ) -> s.Proposal:
        return await stock_service.propose(
            command_from(
                s.ProposalRequest, facility=facility, product=product, doses=doses, occurred_on=occurred_on
            )
        )

    @post("/returns", operation_id="PostReturn", summary="Return stock up the chain")
    async def return_stock(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.ReturnCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.return_stock(data, key=idempotency_key)

    @post("/transfers", operation_id="PostTransfer", summary="Move stock between locations of a facility")
    async def transfer(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.TransferCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.transfer(data, key=idempotency_key)

    @post("/adjustments", operation_id="PostAdjustment", summary="Adjust stock with a reason")
    async def adjust(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.AdjustmentCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.adjust(data, key=idempotency_key)

    @post("/counts", operation_id="PostCount", summary="Record a physical count (draft)")
    async def create_count(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.CountCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.CountRead:
        return await stock_service.create_count(data, key=idempotency_key)

    @post("/counts/{count_id:int}/submit", operation_id="SubmitCount", summary="Post a count's differences")
    async def submit_count(
        self,
        stock_service: NamedDependency[StockService],
        count_id: RowIdPath,
        idempotency_key: IdempotencyKey,
    ) -> s.CountRead:
        return await stock_service.submit_count(count_id, key=idempotency_key)

    @get("/counts/{count_id:int}", operation_id="GetCount")
    async def get_count(
        self, stock_service: NamedDependency[StockService], count_id: RowIdPath
    ) -> s.CountRead:
        return await stock_service.count(count_id)

    @post("/usage", operation_id="PostUsage", summary="Record a vaccination day's usage at a commune")
    async def usage(
        self,
        stock_service: NamedDependency[StockService],
        data: JSONBody[s.UsageCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.record_usage(data, key=idempotency_key)

    @post(
        "/documents/{document_id:int}/reversal",
        operation_id="ReverseDocument",
        summary="Reverse a posting with linked opposite movements",
    )
    async def reverse(
        self,
        stock_service: NamedDependency[StockService],
        document_id: RowIdPath,
        data: JSONBody[s.ReversalCreate],
        idempotency_key: IdempotencyKey,
    ) -> s.DocumentRead:
        return await stock_service.reverse(document_id, data, key=idempotency_key)

    @get("/documents/{document_id:int}", operation_id="GetDocument")
    async def document(
        self, stock_service: NamedDependency[StockService], document_id: RowIdPath
    ) -> s.DocumentRead:
        return await stock_service.document(document_id)

    @get("/facilities/{facility:str}/documents", operation_id="ListDocuments")
    async def documents(
        self,
        stock_service: NamedDependency[StockService],
        facility: FromPath[str],
        limit: FromQuery[int] = 100,
    ) -> list[s.DocumentRead]:
        return await stock_service.documents(facility, min(max(limit, 1), 500))

    @get("/shipments", operation_id="ListShipments")
    async def shipments(
        self,
        stock_service: NamedDependency[StockService],
        facility: FromQuery[str],
        status: FromQuery[str | None] = None,
    ) -> list[s.ShipmentRead]:
        return await stock_service.shipments(facility, status)

    @get("/shipments/{shipment_id:int}", operation_id="GetShipment")
    async def shipment(
        self, stock_service: NamedDependency[StockService], shipment_id: RowIdPath
    ) -> s.ShipmentRead:
        return await stock_service.shipment(shipment_id)

    @post(
        "/shipments/{shipment_id:int}/confirm",
        operation_id="ConfirmShipment",
        summary="Confirm a delivery, per lot",
    )
    async def confirm(
        self,
        stock_service: NamedDependency[StockService],
        shipment_id: RowIdPath,
        data: JSONBody[s.ShipmentConfirm],
        idempotency_key: IdempotencyKey,
    ) -> s.ShipmentRead:
        return await stock_service.confirm_shipment(shipment_id, data, key=idempotency_key)

    @get("/lots", operation_id="ListLots")
    async def lots(
        self, stock_service: NamedDependency[StockService], product: FromQuery[str | None] = None
    ) -> list[s.LotRead]:
        return await stock_service.lots(product)

    @get("/lots/{product:str}/{lot_number:str}", operation_id="GetLot")
    async def lot(
        self, stock_service: NamedDependency[StockService], product: FromPath[str], lot_number: FromPath[str]
    ) -> s.LotRead:
        return await stock_service.lot(product, lot_number)

    @post("/lots/{product:str}/{lot_number:str}/vvm", operation_id="RecordVVM")
    async def vvm(
        self,
        stock_service: NamedDependency[StockService],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.VVMUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await stock_service.record_vvm(product, lot_number, data, key=idempotency_key)

    @post("/lots/{product:str}/{lot_number:str}/hold", operation_id="HoldLot")
    async def hold(
        self,
        stock_service: NamedDependency[StockService],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await stock_service.set_hold(product, lot_number, data, hold=True, key=idempotency_key)

    @post("/lots/{product:str}/{lot_number:str}/release", operation_id="ReleaseLot")
    async def release(
        self,
        stock_service: NamedDependency[StockService],
        product: FromPath[str],
        lot_number: FromPath[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await stock_service.set_hold(product, lot_number, data, hold=False, key=idempotency_key)

    # the same lot routes with the lot in the query: a lot number may hold a "/" (a path cannot carry it)
    @get("/lot", operation_id="GetLotByQuery", summary="A lot, named in the query (lot numbers with '/')")
    async def lot_by_query(
        self,
        stock_service: NamedDependency[StockService],
        product: FromQuery[str],
        lot_number: FromQuery[str],
    ) -> s.LotRead:
        return await stock_service.lot(product, lot_number)

    @post("/lot/vvm", operation_id="RecordVVMByQuery", summary="Record a VVM reading; the lot in the query")
    async def vvm_by_query(
        self,
        stock_service: NamedDependency[StockService],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        data: JSONBody[s.VVMUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        return await stock_service.record_vvm(product, lot_number, data, key=idempotency_key)

    @post(
        "/lot/{action:str}",
        operation_id="HoldOrReleaseByQuery",
        summary="hold or release; the lot in the query",
    )
    async def hold_by_query(
        self,
        stock_service: NamedDependency[StockService],
        action: FromPath[str],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        data: JSONBody[s.HoldUpdate],
        idempotency_key: IdempotencyKey,
    ) -> s.LotRead:
        if action not in ("hold", "release"):
            raise NotFound(f"no lot action {action!r}: hold, release or vvm", field="action")
        return await stock_service.set_hold(
            product, lot_number, data, hold=action == "hold", key=idempotency_key
        )

    @get("/facilities/{facility:str}/stock", operation_id="StockOnHand")
    async def stock(
        self, stock_service: NamedDependency[StockService], facility: FromPath[str]
    ) -> s.StockOnHand:
        return await stock_service.stock_on_hand(facility)

    @get("/facilities/{facility:str}/in-transit", operation_id="StockInTransit")
    async def in_transit(
        self, stock_service: NamedDependency[StockService], facility: FromPath[str]
    ) -> list[s.InTransitRow]:
        return await stock_service.in_transit(facility)

    @get("/facilities/{facility:str}/stock-card", operation_id="StockCard")
    async def stock_card(
        self,
        stock_service: NamedDependency[StockService],
        facility: FromPath[str],
        product: FromQuery[str],
        lot_number: FromQuery[str],
        date_from: FromQuery[date | None] = None,
        date_to: FromQuery[date | None] = None,
    ) -> s.StockCard:
        end = date_to or today_vn()
        start = date_from or end.replace(day=1)
        return await stock_service.stock_card(facility, product, lot_number, start, end)

    @get(
        "/verify", operation_id="VerifyLedger", summary="Prove every balance equals the sum of its movements"
    )
    async def verify(self, stock_service: NamedDependency[StockService]) -> s.VerifyReport:
        return await stock_service.verify()
