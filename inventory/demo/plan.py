"""The demo's planning figures: births, doses per child, diluents, wastage, sessions, remote communes."""

from __future__ import annotations

from datetime import date

from inventory.catalog.models import Facility

CRUDE_BIRTH_RATE = 0.019
"""Births per person per year; UNVERIFIED planning estimate (vietnam-epi.md §3.1)."""

DOSES_PER_CHILD = {
    "BCG": 1,
    "HEPB": 1,
    "PENTA": 3,
    "BOPV": 3,
    "IPV": 2,
    "MEASLES": 1,
    "MR": 1,
    "DTP": 1,
    "JE": 3,
    "TD": 1,
    "TT": 2,
    "ROTA": 2,
}
DILUENT_OF = {"BCG": "BCG-DIL", "MEASLES": "MEASLES-DIL", "MR": "MR-DIL"}
ROTA_FROM = date(2026, 2, 15)
WASTAGE_ALLOWANCE = {
    "BCG": 3.0,
    "MEASLES": 1.7,
    "MR": 1.7,
    "JE": 1.3,
    "BOPV": 1.2,
    "IPV": 1.2,
    "DTP": 1.2,
    "TD": 1.2,
    "TT": 1.2,
}
"""Extra doses sent for opened-vial wastage (a 10-dose BCG vial serves two or three babies at a session)."""
SESSIONS_PER_MONTH = 2
REMOTE = {"TYT-03451", "TYT-03442", "TYT-03439"}
"""Border communes with the longest roads: deliveries take two days more."""


def _round_up(doses: float, per: int) -> int:
    whole = max(int(-(-doses // per)), 1)
    return whole * per


def _monthly_need(facility: Facility, code: str, day: date) -> float:
    if code == "ROTA" and day < ROTA_FROM:
        return 0.0
    births = (facility.population or 0) * CRUDE_BIRTH_RATE / 12
    return births * DOSES_PER_CHILD[code]
