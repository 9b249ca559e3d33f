"""Lot state: a lot's details and events, VVM readings and holds, each at a storage location."""

from __future__ import annotations

from inventory.catalog.models import Facility, Location
from inventory.errors import Conflict, UnknownReference, ValidationFailed
from inventory.paging import Window
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.models import Lot


async def get_lot(stock: StockContext, product_code: str, lot_number: str) -> s.LotRead:
    product = await stock.catalog.product(product_code, field="product")
    lot = await stock.lot(product, lot_number, field="lot_number")
    events = await stock.repo.lot_events(lot.id)
    history = [s.LotEventRead(e.kind, e.vvm_stage, e.reason, e.recorded_at, e.recorded_by) for e in events]
    (read,) = await _lot_reads(stock, [(lot, product.code)], history)
    return read


async def page_lots(
    stock: StockContext, product_code: str | None, window: Window
) -> tuple[list[s.LotRead], int]:
    """One window of the lots (by product, expiry, lot number) and how many there are; a user bound to a
    facility sees the lots that have (or had) stock at the facilities they may read. Three queries."""
    product = await stock.catalog.product(product_code, field="product") if product_code else None
    product_id = product.id if product else None
    readable = stock.principal.readable
    rows = await stock.repo.lots(product_id, window, readable=readable)
    total = await stock.repo.lot_count(product_id, readable=readable)
    return await _lot_reads(stock, [(lot, code) for lot, code in rows]), total


async def lots_named(stock: StockContext, keys: list[tuple[str, str]]) -> list[s.LotRead]:
    """The lots of these (product code, lot number) pairs that exist, in two queries."""
    rows = await stock.repo.lots_by_keys(keys)
    return await _lot_reads(stock, [(lot, code) for lot, code in rows])


async def lot_choices(stock: StockContext, facility_code: str) -> list[s.LotKey]:
    """The lots a facility has (or had) stock of, for choosing one (a stock card): one query."""
    facility = await stock.readable(facility_code, field="facility")
    return [s.LotKey(code, number) for code, number in await stock.repo.lot_keys_at(facility.id)]


async def known_gtins(stock: StockContext) -> dict[str, str]:
    """GTIN -> product code, from the lots received so far (a scan fills the product)."""
    return await stock.repo.lot_gtins()


async def _lot_reads(
    stock: StockContext, lots: list[tuple[Lot, str]], history: list[s.LotEventRead] | None = None
) -> list[s.LotRead]:
    """The lots with their state at every place that has one (read for all of them in one query). A lot's own
    `vvm_stage` is the darkest known at a place the principal may read, `on_hold` says whether it is held at
    one (the first such place's reason)."""
    states = await stock.repo.place_states([lot.id for lot, _ in lots])
    reads = []
    for lot, product_code in lots:
        places = [
            s.LotPlaceRead(facility, location, state.vvm_stage, state.on_hold, state.hold_reason, doses)
            for state, facility_id, facility, location, doses in states.get(lot.id, [])
            if stock.principal.can_read(facility_id)
        ]
        held = [p for p in places if p.on_hold]
        reads.append(
            s.LotRead(
                lot.id,
                product_code,
                lot.lot_number,
                lot.expires_on,
                lot.manufacturer,
                lot.gtin,
                max([lot.vvm_stage, *(p.vvm_stage for p in places)]),
                bool(held),
                held[0].hold_reason if held else None,
                history or [],
                places,
            )
        )
    return reads


async def _locked(stock: StockContext, product_code: str, lot_number: str) -> Lot:
    """The lot, locked for a change of its state; unknown: refused, naming it."""
    product = await stock.catalog.product(product_code, field="product")
    lot = await stock.repo.lot(product.id, lot_number, for_update=True)
    if lot is None:
        raise UnknownReference(
            message="error.lot.unknown",
            params={"lot": lot_number, "product": product_code},
            field="lot_number",
        )

    return lot


async def _places(
    stock: StockContext, lot: Lot, facility_code: str | None, location_code: str | None
) -> list[tuple[Location, Facility]]:
    """The places a reading or hold is about: one location, the storage locations of one facility, or (neither
    given) every place the lot has stock at that the principal may record for."""
    if location_code and not facility_code:
        raise ValidationFailed(message="error.validation_failed.location_needs_facility", field="location")
    facility = await stock.writable(facility_code, field="facility") if facility_code else None
    location = (
        await stock.catalog.location(facility, location_code, field="location")
        if facility and location_code
        else None
    )
    rows = await stock.repo.places_with_stock(
        lot.id, facility_id=facility.id if facility else None, location_id=location.id if location else None
    )
    places = [(loc, fac) for loc, fac, _ in rows if stock.principal.can_write(fac.id)]
    if location is not None and not places:
        places = [(location, facility)]  # type: ignore[list-item]  # a named place is recorded even if empty
    return places


async def record_vvm(
    stock: StockContext, product_code: str, lot_number: str, cmd: s.VVMUpdate, *, key: str | None
) -> s.LotRead:
    """Record a VVM reading of a lot where it is (stages only go up): at a location, at a facility's
    locations, or at every place with stock; a lot with no stock anywhere gets the reading as its own stage."""
    stock.principal.require_role("admin", "store_keeper", action="record_vvm")

    async def action() -> s.LotRead:
        lot = await _locked(stock, product_code, lot_number)
        places = await _places(stock, lot, cmd.facility, cmd.location)
        if not places:
            if cmd.facility or await stock.repo.places_with_stock(lot.id):
                raise Conflict(
                    message="error.conflict.no_stock_here", params={"lot": lot_number}, field="lot_number"
                )
            if stock.raise_vvm(lot, cmd.vvm_stage, lot_number=lot_number):
                stock.lot_event(lot, "vvm", vvm_stage=cmd.vvm_stage, reason=cmd.note)
        for location, facility in places:
            place = await stock.place(location.id, lot)
            if stock.raise_vvm(place, cmd.vvm_stage, lot_number=lot_number):
                stock.lot_event(
                    lot,
                    "vvm",
                    vvm_stage=cmd.vvm_stage,
                    reason=cmd.note,
                    facility=facility,
                    location_id=location.id,
                )
        await stock.session.flush()
        return await get_lot(stock, product_code, lot_number)

    return await stock.once(f"lot:{product_code}:{lot_number}:vvm", cmd, key, action, result_type=s.LotRead)


async def set_hold(
    stock: StockContext, product_code: str, lot_number: str, cmd: s.HoldUpdate, *, hold: bool, key: str | None
) -> s.LotRead:
    """Put a lot on hold (quarantine) or release it, with a reason, where it is: at a location, at a facility's
    locations, or at every place with stock the principal may record for."""
    stock.principal.require_role("admin", "store_keeper", action="hold_lot")

    async def action() -> s.LotRead:
        lot = await _locked(stock, product_code, lot_number)
        places = await _places(stock, lot, cmd.facility, cmd.location)
        states = [(location, facility, await stock.place(location.id, lot)) for location, facility in places]
        changing = [
            (location, facility, state) for location, facility, state in states if state.on_hold != hold
        ]
        if not changing:
            if not states:
                raise Conflict(
                    message="error.conflict.no_stock_here", params={"lot": lot_number}, field="lot_number"
                )
            where = ", ".join(f"{f.code}/{loc.code}" for loc, f, _ in states)
            case = "already_held" if hold else "not_held"
            raise Conflict(
                message=f"error.conflict.{case}",
                params={"lot": lot_number, "place": where},
                field="lot_number",
            )
        for location, facility, state in changing:
            stock.set_place_hold(state, hold=hold, reason=cmd.reason)
            stock.lot_event(
                lot,
                "hold" if hold else "release",
                reason=cmd.reason,
                facility=facility,
                location_id=location.id,
            )
        await stock.session.flush()
        return await get_lot(stock, product_code, lot_number)

    scope = f"lot:{product_code}:{lot_number}:{'hold' if hold else 'release'}"
    return await stock.once(scope, cmd, key, action, result_type=s.LotRead)
