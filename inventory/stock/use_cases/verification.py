"""Verification: every balance equals the sum of its movements, and transit equals the shipments in transit."""

from __future__ import annotations

from inventory.stock import schemas as s
from inventory.stock.context import StockContext


async def verify(stock: StockContext) -> s.VerifyReport:
    """Prove balance == sum of movements for every (location, lot), and transit == shipments in transit."""
    stock.principal.require_role("admin", action="verify the ledger")
    checked, bad = await stock.repo.ledger_mismatches()
    transit = await stock.repo.transit_mismatches()
    return s.VerifyReport(
        ok=not bad and not transit,
        pairs_checked=checked,
        mismatches=[s.VerifyMismatch(loc, lot, b, ledger) for loc, lot, b, ledger in bad],
        transit_mismatches=[
            f"facility {f} lot {lot}: transit balance {h}, shipments {sent}" for f, lot, h, sent in transit
        ],
    )
