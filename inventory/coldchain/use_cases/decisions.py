"""Excursion decisions: each lot an excursion exposed is released (after a heat excursion a VVM reading of
stage 1 or 2, recorded at the place; after a freeze excursion a shake test passed) or written off (an
adjustment of the doses there, reason frozen or heat exposure), with who, when and why. The hold is lifted
when no other open excursion there still holds the lot; the excursion closes when every lot is decided.
"""

from __future__ import annotations

from datetime import date

from inventory.coldchain import reads
from inventory.coldchain import schemas as c
from inventory.coldchain.places import excursion_place
from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import Conflict, NotFound, RuleViolation, ValidationFailed
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import check_reason
from inventory.stock.ledger import Line

WRITE_OFF_REASONS = {"freeze": "frozen", "heat": "heat_exposure"}


async def decide(
    stock: StockContext, excursion_id: int, cmd: c.DecisionCreate, *, key: str | None
) -> c.ExcursionRead:
    """Release an exposed lot (heat: a VVM reading of stage 1 or 2; freeze: a shake test passed) or write
    it off (an adjustment: frozen / heat exposure); the excursion closes when every lot is decided."""

    async def action() -> c.ExcursionRead:
        repo = ColdChainRepository(stock.session)
        excursion, location, facility = await excursion_place(stock, excursion_id, for_update=True)
        stock.principal.require_write(facility.id, facility.code, field="excursion_id")
        product = await stock.catalog.product(cmd.product, field="product")
        lot = await stock.lot(product, cmd.lot_number, field="lot_number")
        exposed = await repo.exposed_lot(excursion.id, lot.id)
        if exposed is None:
            raise NotFound(
                message="error.coldchain.not_exposed", params={"lot": cmd.lot_number}, field="lot_number"
            )
        if exposed.decision is not None:
            raise Conflict(
                message="error.coldchain.decided", params={"lot": cmd.lot_number}, field="lot_number"
            )
        place = await stock.place(location.id, lot)
        if cmd.decision == "release":
            _check_release(excursion.kind, cmd)
            if cmd.vvm_stage is not None:
                if stock.raise_vvm(place, cmd.vvm_stage, lot_number=lot.lot_number):
                    stock.lot_event(
                        lot,
                        "vvm",
                        vvm_stage=cmd.vvm_stage,
                        reason=cmd.reason,
                        facility=facility,
                        location_id=location.id,
                    )
                if cmd.vvm_stage >= 3:
                    raise RuleViolation(
                        message="error.coldchain.release_vvm",
                        params={"stage": cmd.vvm_stage},
                        field="vvm_stage",
                    )
        else:
            doses = await stock.repo.balance_as_of(location.id, lot.id, date.max)
            if doses > 0:
                reason = WRITE_OFF_REASONS[excursion.kind]
                check_reason(reason, -doses, field="decision")
                document = stock.new_document("adjustment", facility, stock.today, note=cmd.reason)
                entry = Entry(
                    Line(location.id, lot.id, -doses, "adjustment", "decision", reason_code=reason),
                    location.code,
                    product.code,
                    lot.lot_number,
                )
                written = await stock.post(document, [entry], facility=facility.code)
                exposed.document_id = written.id
        exposed.decision = cmd.decision
        exposed.vvm_stage = cmd.vvm_stage
        exposed.shake_test_passed = cmd.shake_test_passed
        exposed.reason = cmd.reason
        exposed.decided_at, exposed.decided_by = stock.now(), stock.actor
        if place.on_hold and not await repo.undecided_elsewhere(location.id, lot.id, excursion.id):
            stock.set_place_hold(place, hold=False, reason=None)
            stock.lot_event(lot, "release", reason=cmd.reason, facility=facility, location_id=location.id)
        await stock.session.flush()
        remaining = [e for e, _, _ in await repo.exposed([excursion.id]) if e.decision is None]
        if not remaining:
            excursion.status, excursion.closed_at = "closed", stock.now()
        await stock.session.flush()
        return await reads.excursion(stock, excursion.id)

    return await stock.once(f"excursion:{excursion_id}:decide", cmd, key, action, result_type=c.ExcursionRead)


def _check_release(kind: str, cmd: c.DecisionCreate) -> None:
    """A release needs its evidence: a VVM reading after heat, a shake test (passed) after a freeze."""
    if kind == "heat" and cmd.vvm_stage is None:
        raise ValidationFailed(message="error.coldchain.release_needs_vvm", field="vvm_stage")
    if kind == "freeze" and cmd.shake_test_passed is None:
        raise ValidationFailed(message="error.coldchain.release_needs_shake_test", field="shake_test_passed")
    if cmd.shake_test_passed is False:
        raise RuleViolation(message="error.coldchain.shake_test_failed", field="shake_test_passed")
