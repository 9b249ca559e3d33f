"""JSON API for receipts: from the supplier, or straight from outside the supply chain."""

from inventory.stock import schemas as s
from inventory.stock.api.shared import StockController, posting
from inventory.stock.use_cases import receiving


class ReceiptsController(StockController):
    """Receipts (inventory/stock/use_cases/receiving.py)."""

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
