"""JSON API for adjustments, physical counts and usage: changes of stock at one facility."""

from litestar import get, post
from litestar.di import NamedDependency

from inventory.stock import schemas as s
from inventory.stock.api.shared import IdempotencyKey, StockController, posting
from inventory.stock.context import StockContext
from inventory.stock.use_cases import adjustments, counts, usage
from inventory.types import RowIdPath


class AdjustmentsController(StockController):
    """Adjustments, counts and usage (adjustments.py, counts.py, usage.py)."""

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
