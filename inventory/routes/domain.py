"""The supply-route rules, pure: which counterparties a facility may post each document kind with.

The facility tree says who supplies whom (`Facility.supplier_id`): province → district → commune, or
province → commune since the district tier was abolished (1 July 2025). An administrator may allow an extra
route FROM → TO: FROM then supplies TO as if it were its supplier as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROUTED_KINDS = ("receipt", "issue", "return", "peer_transfer")
"""Document kinds with a counterparty facility, whose route is checked. (A `direct_receipt` comes from outside
the tree, with a reason; a shipment receipt confirms what was issued along a route; a transfer between
locations, an adjustment, a count and a usage day stay inside one facility.)"""


@dataclass(frozen=True)
class Node:
    """A facility as the rules see it."""

    id: int
    code: str
    level: str
    supplier_id: int | None


Extra = frozenset[tuple[int, int]]
"""Extra routes allowed by an administrator, as (supplier id, supplied id)."""


def supplies(supplier: Node, supplied: Node, extra: Extra = frozenset()) -> bool:
    """`supplier` is `supplied`'s supplier in the tree, or an administrator allowed the route."""
    return supplied.supplier_id == supplier.id or (supplier.id, supplied.id) in extra


def peers(a: Node, b: Node) -> bool:
    """Peers: two different facilities of the same level with the same supplier (two communes of one district
    store, two communes the province supplies directly, two district stores)."""
    return (
        a.id != b.id and a.supplier_id is not None and a.supplier_id == b.supplier_id and a.level == b.level
    )


def refusal(kind: str, facility: Node, counterparty: Node | None, extra: Extra = frozenset()) -> str | None:
    """Why `facility` may not post a `kind` document with `counterparty`, as a catalogue key; None if it may.

    - receipt (stock arrives without a shipment): from the facility's supplier; a facility without one (the
      province) receives from outside the system (no counterparty). A commune station never posts one: its
      stock arrives by confirming a shipment, or as a direct receipt with a reason.
    - issue: to a facility this one supplies.
    - return: to this facility's supplier.
    - peer_transfer: to a peer (same supplier, same level).
    """
    if counterparty is not None and counterparty.id == facility.id:
        return "error.route_not_allowed.itself"
    if kind == "receipt":
        if facility.level == "commune":
            return "error.route_not_allowed.station_receipt"
        if counterparty is None:
            return (
                None if facility.supplier_id is None else "error.route_not_allowed.receipt_without_supplier"
            )
        return None if supplies(counterparty, facility, extra) else "error.route_not_allowed.receipt"
    if counterparty is None:
        return f"error.route_not_allowed.{kind}"
    if kind == "issue":
        return None if supplies(facility, counterparty, extra) else "error.route_not_allowed.issue"
    if kind == "return":
        return None if supplies(counterparty, facility, extra) else "error.route_not_allowed.return"
    if kind == "peer_transfer":
        return None if peers(facility, counterparty) else "error.route_not_allowed.peer_transfer"
    return None


def counterparties(
    kind: str, facility: Node, nodes: Iterable[Node], extra: Extra = frozenset()
) -> list[Node]:
    """The facilities `facility` may post a `kind` document with, in the order given."""
    return [n for n in nodes if n.id != facility.id and refusal(kind, facility, n, extra) is None]
