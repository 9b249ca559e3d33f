"""JSON API for documents: one or a facility's pages of them, a voucher, a reversal."""

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from inventory.paging import DEFAULT_LIMIT, Window
from inventory.stock import schemas as s
from inventory.stock.api.shared import IdempotencyKey, Limit, Offset, StockController, next_link
from inventory.stock.context import StockContext
from inventory.stock.use_cases import reversal, views, vouchers
from inventory.types import RowIdPath


class DocumentsController(StockController):
    """Documents (views.py), their vouchers (vouchers.py) and reversals (reversal.py)."""

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
