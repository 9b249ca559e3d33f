"""`vaxstock verify`'s report as lines of text in the reader's language."""

from __future__ import annotations

from inventory.i18n import translate
from inventory.stock import schemas as s


def verify_lines(report: s.VerifyReport, lang: str) -> list[str]:
    """One line per problem: balances, transit, the first bad row of each chain, each negative day."""
    lines = [
        translate(
            "verify.mismatch",
            lang,
            {"location": str(m.location_id), "lot": str(m.lot_id), "balance": m.balance, "ledger": m.ledger},
        )
        for m in report.mismatches
    ]
    lines += [
        translate(
            "verify.transit",
            lang,
            {
                "facility": str(g.facility_id),
                "lot": str(g.lot_id),
                "transit": g.transit,
                "shipments": g.shipments,
            },
        )
        for g in report.transit_gaps
    ]
    for b in report.chain_breaks:
        params = {
            "table": translate(f"verify.table.{b.table}", lang),
            "row": "—" if b.row_id is None else str(b.row_id),
            "seq": "—" if b.seq is None else str(b.seq),
            "chain": b.chain,
        }
        lines.append(translate(f"verify.chain.{b.reason}", lang, params))
    for n in report.negative_days:
        params = {
            "facility": n.facility,
            "location": n.location,
            "product": n.product,
            "lot_number": n.lot_number,
            "day": n.day,
            "doses": n.doses,
            "movement": str(n.movement_id),
        }
        lines.append(translate("verify.negative_day", lang, params))
    return lines
