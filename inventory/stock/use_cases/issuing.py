"""Issuing and returns: lots proposed (worse VVM first, then earliest expiry) and sent to another facility, in transit until confirmed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from inventory.catalog.models import Facility, Location, Product
from inventory.catalog.service import TRANSIT, unknown_product
from inventory.commands import validated
from inventory.errors import (
    InsufficientStock,
    RuleViolation,
    ValidationFailed,
)
from inventory.idempotency import Record
from inventory.stock import schemas as s
from inventory.stock.context import Entry, StockContext
from inventory.stock.domain import (
    LotBalance,
    Pick,
    check_whole_vials,
    pick_lots,
    same_picks,
    why_not_issuable,
)
from inventory.stock.ledger import Dispatch, Line
from inventory.stock.models import Lot
from inventory.stock.repository import lot_state


@dataclass(frozen=True)
class _Choice:
    """Doses of one lot at one storage location to send, with the codes the document shows."""

    product: Product
    lot_id: int
    lot_number: str
    location_id: int
    location_code: str
    doses: int
    field: str
    picked: bool = False
    """Chosen by lot picking (not named in the command): chosen again if the ledger refuses the draw."""

    @classmethod
    def named(cls, product: Product, lot: Lot, location: Location, doses: int, *, field: str) -> _Choice:
        """A lot and place the command names."""
        return cls(product, lot.id, lot.lot_number, location.id, location.code, doses, field)


async def propose(stock: StockContext, req: s.ProposalRequest) -> s.Proposal:
    """Lots to issue: usable only, worse VVM first, then earliest expiry, then location."""
    req = validated(req)
    day = stock.day(req.occurred_on)
    facility = await stock.catalog.facility(req.facility, field="facility", on=day)
    stock.principal.require_read(facility.id, facility.code, field="facility")
    found = await stock.repo.products_with_balances([req.product], facility.id)
    product, balances = _known(found, {req.product: "product"})[req.product]
    picks = _pick(facility, product, balances, req.doses, day, field="doses")
    return s.Proposal(
        facility=facility.code,
        product=product.code,
        doses=req.doses,
        lots=[_proposed(p, product) for p in picks],
    )


def _proposed(p: Pick, product: Product) -> s.ProposedLot:
    return s.ProposedLot(
        p.lot_number,
        p.location_code,
        p.doses,
        -(-p.doses // product.doses_per_vial),
        p.expires_on,
        p.vvm_stage,
    )


def _known(
    found: dict[str, tuple[Product, list[LotBalance]]], codes: dict[str, str]
) -> dict[str, tuple[Product, list[LotBalance]]]:
    """Products read by code with what a facility holds of them; a code not found is refused, naming
    its field (`codes`: code -> field)."""
    for code, field in codes.items():
        if code not in found:
            raise unknown_product(code, field=field)
    return found


def _pick(
    facility: Facility, product: Product, balances: list[LotBalance], doses: int, day: date, *, field: str
) -> list[Pick]:
    per_vial = product.doses_per_vial if facility.counts_whole_vials else 1
    if facility.counts_whole_vials:
        check_whole_vials(doses, product.doses_per_vial, field=field)
    try:
        return pick_lots(balances, doses, day, doses_per_vial=per_vial)
    except InsufficientStock as exc:
        exc.field = field
        raise


async def issue(stock: StockContext, cmd: s.IssueCreate, *, key: str | None) -> s.DocumentRead:
    """Send stock to another facility; it is in transit until the destination confirms it."""
    return await stock.post_once("issue", cmd, key, lambda record: _dispatch(stock, "issue", cmd, record))


async def return_stock(stock: StockContext, cmd: s.ReturnCreate, *, key: str | None) -> s.DocumentRead:
    """Send stock back up the chain (to the supplier unless another facility is named)."""
    return await stock.post_once("return", cmd, key, lambda record: _dispatch(stock, "return", cmd, record))


async def transfer_to_peer(
    stock: StockContext, cmd: s.PeerTransferCreate, *, key: str | None
) -> s.DocumentRead:
    """Send stock to a peer (same supplier, same level), with the reason; in transit until the peer confirms it."""
    return await stock.post_once(
        "peer_transfer", cmd, key, lambda record: _dispatch(stock, "peer_transfer", cmd, record)
    )


async def _dispatch(
    stock: StockContext,
    kind: str,
    cmd: s.IssueCreate | s.ReturnCreate | s.PeerTransferCreate,
    record: Record,
) -> s.DocumentRead:
    day = stock.day(cmd.occurred_on)
    codes = [cmd.facility, *filter(None, [cmd.to_facility])]
    stocked: dict[str, tuple[Product, list[LotBalance]]] = {}
    picked = not isinstance(cmd, s.ReturnCreate)  # issues and peer transfers: lots picked or checked
    if picked:
        # the facilities and what the source holds of the products: one query
        facilities, stocked = await stock.repo.facilities_with_stock(
            codes, TRANSIT, stock_at=cmd.facility, product_codes=[line.product for line in cmd.lines]
        )
        stock.catalog.remember(facilities)
    else:
        await stock.catalog.load_facilities(*codes)
    source = await stock.writable(cmd.facility, field="facility", on=day)
    if isinstance(cmd, s.ReturnCreate) and cmd.to_facility is None:
        if source.supplier_id is None:
            raise ValidationFailed(
                message="error.issue.no_supplier", params={"facility": source.code}, field="to_facility"
            )
        dest_code = (await stock.repo.facility_codes({source.supplier_id}))[source.supplier_id]
    else:
        dest_code = cmd.to_facility  # type: ignore[assignment]
    destination = await stock.catalog.facility(dest_code, field="to_facility", on=day)
    if destination.id == source.id:
        raise RuleViolation(message="error.issue.to_itself", field="to_facility")
    await stock.require_route(kind, source, destination, field="to_facility")
    choices = await (
        _issue_choices(stock, cmd, source, day, stocked)
        if not isinstance(cmd, s.ReturnCreate)
        else _return_choices(stock, cmd, source)
    )
    document = stock.new_document(
        kind,
        source,
        day,
        counterparty_id=destination.id,
        reference=getattr(cmd, "reference", None),
        note=cmd.note if isinstance(cmd, s.IssueCreate) else cmd.reason,
        override_reason=getattr(cmd, "override_reason", None),
    )
    transit = await stock.catalog.transit_location(destination)
    entries: list[Entry] = []
    sent: dict[int, int] = defaultdict(int)
    for c in choices:
        entries.append(
            Entry(
                Line(
                    c.location_id,
                    c.lot_id,
                    -c.doses,
                    kind,
                    c.field,
                    usable_only=kind != "return",
                    picked=c.picked,
                ),
                c.location_code,
                c.product.code,
                c.lot_number,
            )
        )
        entries.append(
            Entry(
                Line(transit.id, c.lot_id, c.doses, kind, c.field),
                transit.code,
                c.product.code,
                c.lot_number,
            )
        )
        sent[c.lot_id] += c.doses
    return await stock.post(
        document,
        entries,
        facility=source.code,
        counterparty=destination.code,
        dispatch=Dispatch(source.id, destination.id, sent),
        record=record,
    )


async def _issue_choices(
    stock: StockContext,
    cmd: s.IssueCreate | s.PeerTransferCreate,
    source: Facility,
    day: date,
    found: dict[str, tuple[Product, list[LotBalance]]],
) -> list[_Choice]:
    """The lots and places to send, from what the source holds of the products (`found`, read with the
    facilities by `_dispatch`)."""
    by_product: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(cmd.lines):
        by_product[line.product].append(i)
    choices: list[_Choice] = []
    overridden = False
    stocked = _known(found, {code: f"lines[{indexes[0]}].product" for code, indexes in by_product.items()})
    for code, indexes in by_product.items():
        product, balances = stocked[code]
        explicit = [i for i in indexes if cmd.lines[i].lot_number is not None]
        if explicit and len(explicit) != len(indexes):
            raise ValidationFailed(
                message="error.issue.lot_on_some_lines",
                params={"product": code},
                field=f"lines[{indexes[0]}].lot_number",
            )
        total = sum(cmd.lines[i].doses for i in indexes)
        if not explicit:
            picks = _pick(source, product, balances, total, day, field=f"lines[{indexes[0]}].doses")
            choices.extend(
                _Choice(
                    product,
                    p.lot_id,
                    p.lot_number,
                    p.location_id,
                    p.location_code,
                    p.doses,
                    f"lines[{indexes[0]}].doses",
                    picked=True,
                )
                for p in picks
            )
            continue
        chosen: list[_Choice] = []
        for i in indexes:
            line = cmd.lines[i]
            lot = await stock.lot(product, line.lot_number or "", field=f"lines[{i}].lot_number")
            location = (
                await stock.catalog.location(source, line.location, field=f"lines[{i}].location")
                if line.location
                else await stock.catalog.sole_storage_location(source, field=f"lines[{i}].location")
            )
            place = await stock.repo.place_state(location.id, lot.id)  # held or darker at this location?
            reason = why_not_issuable(lot_state(lot, code, place), day)
            if reason:
                case, params = reason
                raise RuleViolation(
                    message=f"error.lot.issue.{case}", params=params, field=f"lines[{i}].lot_number"
                )
            if source.counts_whole_vials:
                check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
            chosen.append(_Choice.named(product, lot, location, line.doses, field=f"lines[{i}].doses"))
        try:
            proposal = _pick(source, product, balances, total, day, field=f"lines[{indexes[0]}].doses")
        except (InsufficientStock, RuleViolation):
            proposal = None  # no proposal is possible: the ledger refuses an over-issue with the figures
        if proposal is not None and not same_picks(
            [(c.lot_id, c.location_id, c.doses) for c in chosen], proposal
        ):
            overridden = True
        choices.extend(chosen)
    if overridden and not cmd.override_reason:
        raise ValidationFailed(
            message="error.issue.override_reason",
            field="override_reason",
        )
    return choices


async def _return_choices(stock: StockContext, cmd: s.ReturnCreate, source: Facility) -> list[_Choice]:
    choices: list[_Choice] = []
    for i, line in enumerate(cmd.lines):
        product = await stock.catalog.product(line.product, field=f"lines[{i}].product")
        lot = await stock.lot(product, line.lot_number, field=f"lines[{i}].lot_number")
        location = await stock.catalog.location(source, line.location, field=f"lines[{i}].location")
        if source.counts_whole_vials:
            check_whole_vials(line.doses, product.doses_per_vial, field=f"lines[{i}].doses")
        choices.append(_Choice.named(product, lot, location, line.doses, field=f"lines[{i}].doses"))
    return choices
