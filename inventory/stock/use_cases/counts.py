"""Physical counts: a draft of what is on the shelf, then its differences posted as count corrections."""

from __future__ import annotations

from inventory.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import check_reason, check_reason_known
from inventory.stock.ledger import Line
from inventory.stock.models import StockCount, StockCountLine


async def create_count(stock: StockContext, cmd: s.CountCreate, *, key: str | None) -> s.CountRead:
    """Record a physical count as a draft; nothing moves until it is submitted."""
    return await stock.once("count", cmd, key, lambda: _create_count(stock, cmd), result_type=s.CountRead)


async def _create_count(stock: StockContext, cmd: s.CountCreate) -> s.CountRead:
    day = stock.day(cmd.counted_on, field="counted_on")
    facility = await stock.writable(cmd.facility, field="facility", on=day)
    count = StockCount(
        facility_id=facility.id,
        counted_on=day,
        status="draft",
        created_at=stock.now(),
        created_by=stock.actor,
    )
    stock.session.add(count)
    await stock.session.flush()
    seen: set[tuple[int, int]] = set()
    for i, line in enumerate(cmd.lines):
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        lot = await stock.lot(product, line.lot_number, field=f"lines[{i}].lot_number")
        location = await stock.catalog.location(facility, line.location, field=f"lines[{i}].location")
        if (location.id, lot.id) in seen:
            raise ValidationFailed(
                message="error.count.twice",
                params={"lot": line.lot_number, "location": line.location},
                field=f"lines[{i}]",
            )
        seen.add((location.id, lot.id))
        if line.difference_reason is not None:
            check_reason_known(line.difference_reason, field=f"lines[{i}].difference_reason")
        stock.session.add(
            StockCountLine(
                count_id=count.id,
                location_id=location.id,
                lot_id=lot.id,
                counted_doses=line.counted_doses,
                difference_reason=line.difference_reason,
            )
        )
    await stock.session.flush()
    return await get_count(stock, count.id)


async def submit_count(stock: StockContext, count_id: int, *, key: str | None) -> s.CountRead:
    """Post the differences between the count and the ledger as count corrections."""
    return await stock.once(
        f"count:{count_id}:submit",
        {"count": count_id},
        key,
        lambda: _submit_count(stock, count_id),
        result_type=s.CountRead,
    )


async def _submit_count(stock: StockContext, count_id: int) -> s.CountRead:
    count = await stock.repo.count(count_id, for_update=True)
    if count is None:
        raise NotFound(message="error.count.not_found", params={"id": count_id}, field="count_id")
    if count.status != "draft":
        raise Conflict(message="error.count.submitted", params={"id": count_id}, field="count_id")
    stock.day(count.counted_on, field="counted_on")
    codes = await stock.repo.facility_codes({count.facility_id})
    facility = await stock.writable(codes[count.facility_id], field="count_id")
    system = await stock.repo.facility_balances_as_of(facility.id, count.counted_on)
    rows = await stock.repo.count_lines(count_id)
    counted = {(line.location_id, line.lot_id) for line, *_ in rows}
    uncounted = [pair for pair, doses in system.items() if doses and pair not in counted]
    if uncounted:
        raise ValidationFailed(
            message="error.count.incomplete",
            params={"missing": len(uncounted), "day": count.counted_on},
            field="lines",
        )
    document = stock.new_document("count", facility, count.counted_on)
    entries: list[Entry] = []
    # lines[i] as the count was sent: its lines were stored in that order
    position = {line.id: i for i, line in enumerate(sorted((row[0] for row in rows), key=lambda x: x.id))}
    for line, loc_code, product_code, lot_number in rows:
        line.system_doses = system.get((line.location_id, line.lot_id), 0)
        diff = line.counted_doses - line.system_doses
        if diff:
            reason = line.difference_reason or "count_correction"
            check_reason(reason, diff, field=f"lines[{position[line.id]}].difference_reason")
            entries.append(
                Entry(
                    Line(
                        line.location_id,
                        line.lot_id,
                        diff,
                        "count",
                        f"{loc_code}/{lot_number}",
                        reason_code=reason,
                    ),
                    loc_code,
                    product_code,
                    lot_number,
                )
            )
    await stock.post(document, entries, facility=facility.code)
    count.status = "submitted"
    count.document_id = document.id
    await stock.session.flush()
    return await get_count(stock, count_id)


async def get_count(stock: StockContext, count_id: int) -> s.CountRead:
    count = await stock.repo.count(count_id)
    if count is None:
        raise NotFound(message="error.count.not_found", params={"id": count_id}, field="count_id")
    stock.require_read_any(count.facility_id, what="count", number=count_id)
    codes = await stock.repo.facility_codes({count.facility_id})
    return s.CountRead(
        id=count.id,
        facility=codes[count.facility_id],
        counted_on=count.counted_on,
        status=count.status,
        document_id=count.document_id,
        lines=[
            s.CountLineRead(
                loc, product, lot_number, line.counted_doses, line.system_doses, line.difference_reason
            )
            for line, loc, product, lot_number in await stock.repo.count_lines(count_id)
        ],
    )
