"""JSON API for what the ledger holds: stock on hand, in transit, a stock card, and the proof that every
balance is the sum of its movements."""

from datetime import date
from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.api.shared import Limit, Offset, StockController, next_link
from inventory.stock.context import StockContext
from inventory.stock.use_cases import verification, views
from inventory.timeutil import today_vn


class BalancesController(StockController):
    """Stock on hand, in transit and stock cards (views.py) and the verifier (verification.py)."""

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
