"""JSON API for lots: their pages, one lot, VVM readings, holds and releases."""

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from inventory.errors import NotFound
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.api.shared import IdempotencyKey, Limit, Offset, StockController, next_link
from inventory.stock.context import StockContext
from inventory.stock.use_cases import lots


class LotsController(StockController):
    """Lots (inventory/stock/use_cases/lots.py)."""

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
