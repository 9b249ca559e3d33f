"""Lot state: a lot's details and events, VVM readings and holds."""

from __future__ import annotations

from inventory.errors import (
    Conflict,
    UnknownReference,
)
from inventory.paging import Window
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.models import Lot


async def get_lot(stock: StockContext, product_code: str, lot_number: str) -> s.LotRead:
    product = await stock.catalog.product(product_code, field="product")
    lot = await stock.lot(product, lot_number, field="lot_number")
    events = await stock.repo.lot_events(lot.id)
    return _lot_read(
        lot,
        product.code,
        [s.LotEventRead(e.kind, e.vvm_stage, e.reason, e.recorded_at, e.recorded_by) for e in events],
    )


async def list_lots(stock: StockContext, product_code: str | None) -> list[s.LotRead]:
    product = await stock.catalog.product(product_code, field="product") if product_code else None
    return [_lot_read(lot, code) for lot, code in await stock.repo.lots(product.id if product else None)]


async def page_lots(
    stock: StockContext, product_code: str | None, window: Window
) -> tuple[list[s.LotRead], int]:
    """One window of the lots (by product, expiry, lot number) and how many there are."""
    product = await stock.catalog.product(product_code, field="product") if product_code else None
    product_id = product.id if product else None
    rows = await stock.repo.lots(product_id, window)
    return [_lot_read(lot, code) for lot, code in rows], await stock.repo.lot_count(product_id)


def _lot_read(lot: Lot, product_code: str, history: list[s.LotEventRead] | None = None) -> s.LotRead:
    return s.LotRead(
        lot.id,
        product_code,
        lot.lot_number,
        lot.expires_on,
        lot.manufacturer,
        lot.gtin,
        lot.vvm_stage,
        lot.on_hold,
        lot.hold_reason,
        history or [],
    )


async def _locked(stock: StockContext, product_code: str, lot_number: str) -> Lot:
    """The lot, locked for a change of its state; unknown: refused, naming it."""
    product = await stock.catalog.product(product_code, field="product")
    lot = await stock.repo.lot(product.id, lot_number, for_update=True)
    if lot is None:
        raise UnknownReference(f"unknown lot {lot_number!r} of {product_code}", field="lot_number")
    return lot


async def record_vvm(
    stock: StockContext, product_code: str, lot_number: str, cmd: s.VVMUpdate, *, key: str | None
) -> s.LotRead:
    """Record a VVM reading for a lot (stages only go up)."""
    stock.principal.require_role("admin", "store_keeper", action="record a lot's VVM stage")

    async def action() -> s.LotRead:
        lot = await _locked(stock, product_code, lot_number)
        facility = await stock.catalog.facility(cmd.facility, field="facility") if cmd.facility else None
        if stock.raise_vvm(lot, cmd.vvm_stage):
            stock.lot_event(lot, "vvm", vvm_stage=cmd.vvm_stage, reason=cmd.note, facility=facility)
        await stock.session.flush()
        return await get_lot(stock, product_code, lot_number)

    return await stock.once(f"lot:{product_code}:{lot_number}:vvm", cmd, key, action, result_type=s.LotRead)


async def set_hold(
    stock: StockContext, product_code: str, lot_number: str, cmd: s.HoldUpdate, *, hold: bool, key: str | None
) -> s.LotRead:
    """Put a lot on hold (quarantine) or release it, with a reason."""
    stock.principal.require_role("admin", "store_keeper", action="hold or release a lot")

    async def action() -> s.LotRead:
        lot = await _locked(stock, product_code, lot_number)
        if lot.on_hold == hold:
            raise Conflict(f"lot {lot_number} is {'already' if hold else 'not'} on hold", field="lot_number")
        lot.on_hold = hold
        lot.hold_reason = cmd.reason if hold else None
        stock.lot_event(lot, "hold" if hold else "release", reason=cmd.reason)
        await stock.session.flush()
        return await get_lot(stock, product_code, lot_number)

    scope = f"lot:{product_code}:{lot_number}:{'hold' if hold else 'release'}"
    return await stock.once(scope, cmd, key, action, result_type=s.LotRead)
