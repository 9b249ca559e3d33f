"""Verification: every balance equals the sum of its movements, transit equals the shipments in transit, the
hash chains of movements and audit events recompute, and no balance was negative at the end of any day."""

from __future__ import annotations

from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.ledger.proof import ChainTally, chain_breaks, negative_days


async def verify(stock: StockContext) -> s.VerifyReport:
    """Prove balance == sum of movements for every (location, lot), transit == shipments in transit, every
    chain link (docs/ledgerproof.md), and a closing balance >= 0 on every day of every (location, lot)."""
    stock.principal.require_role("admin", action="verify_ledger")
    checked, bad = await stock.repo.ledger_mismatches()
    transit = await stock.repo.transit_mismatches()
    tally = ChainTally()
    breaks = await chain_breaks(stock.session, tally)
    negative = await negative_days(stock.session)
    return s.VerifyReport(
        ok=not bad and not transit and not breaks and not negative,
        pairs_checked=checked,
        mismatches=[s.VerifyMismatch(loc, lot, b, ledger) for loc, lot, b, ledger in bad],
        transit_mismatches=[
            f"facility {f} lot {lot}: transit balance {h}, shipments {sent}" for f, lot, h, sent in transit
        ],
        chains_checked=tally.chains,
        rows_chained=tally.rows,
        chain_breaks=[s.VerifyChainBreak(b.table, b.chain, b.row_id, b.seq, b.reason) for b in breaks],
        negative_days=[
            s.VerifyNegativeDay(
                n.facility, n.location, n.product, n.lot_number, n.day, n.doses, n.movement_id
            )
            for n in negative
        ],
        transit_gaps=[s.VerifyTransitGap(f, lot, h, sent) for f, lot, h, sent in transit],
    )
