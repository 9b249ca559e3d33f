"""Register and backlog read schemas."""

from __future__ import annotations

from datetime import date

import msgspec


class RegisterImported(msgspec.Struct):
    children_added: int
    children_updated: int
    doses: int
    communes: list[str]


class BacklogRow(msgspec.Struct):
    commune_code: str
    commune: str
    antigen: str
    dose_number: int
    product: str
    due: int
    overdue: int
    zero_dose: int
    doses_needed: int


class Backlog(msgspec.Struct):
    """Counts by commune × antigen × dose, in commune, antigen and dose order (in the API, one page)."""

    as_of: date
    schedule_version: str
    rows: list[BacklogRow]
    total: int = 0
    """How many rows there are in all pages."""
    limit: int = 0
    offset: int = 0
    next: str | None = None


class BacklogTotal(msgspec.Struct):
    """An antigen and dose's counts summed over communes."""

    antigen: str
    dose_number: int
    product: str
    due: int = 0
    overdue: int = 0
    zero_dose: int = 0
    doses_needed: int = 0


class BacklogCommune(msgspec.Struct):
    """A commune's part of the backlog: its rows and their sums."""

    code: str
    name: str
    rows: list[BacklogRow]
    due: int = 0
    overdue: int = 0
    zero_dose: int = 0
    doses_needed: int = 0


class BacklogOverview(msgspec.Struct):
    """The backlog page's data: the sums over every commune, then each commune's part (shown a page at a
    time)."""

    as_of: date
    schedule_version: str
    totals: list[BacklogTotal]
    communes: list[BacklogCommune]
    doses_needed: int


class DueChild(msgspec.Struct):
    child_id: str
    name: str | None
    sex: str
    birth_date: date
    antigen: str
    dose_number: int
    product: str
    state: str
    recommended_on: date
    earliest_on: date
    carer: str | None = None
    village: str | None = None
    phone: str | None = None


class DueList(msgspec.Struct):
    """The doses to give at a vaccination day, by birth date then child (in the API, one page of them)."""

    commune_code: str
    commune: str
    session_on: date
    children: list[DueChild]
    total: int = 0
    """How many rows (a child and a dose) there are in all pages."""
    limit: int = 0
    offset: int = 0
    next: str | None = None


class DueGroup(msgspec.Struct):
    """One child of a due list with the doses to give (rows of the list, in its order)."""

    child: DueChild
    doses: list[DueChild]


class DueGroups(msgspec.Struct):
    """A due list by child for its page (shown a page of children at a time), with each antigen and dose's
    counts over the whole list."""

    commune_code: str
    commune: str
    session_on: date
    children: list[DueGroup]
    totals: list[BacklogTotal]
    doses: int
    """How many doses there are to give in all (rows of the list)."""


class SessionPlanRow(msgspec.Struct):
    product: str
    doses: int
    doses_per_vial: int
    keep_opened_vial: bool
    vials: int


class SessionPlan(msgspec.Struct):
    commune_code: str
    session_on: date
    rows: list[SessionPlanRow]


class ChildDoseRead(msgspec.Struct):
    antigen: str
    dose_number: int
    product: str
    state: str
    given_on: date | None
    recommended_on: date | None
    earliest_on: date | None
    upper_on: date | None


class ChildRead(msgspec.Struct):
    child_id: str
    name: str | None
    sex: str
    birth_date: date
    commune_code: str
    commune_code_given: str
    status: str
    next_dose_on: date | None
    doses: list[ChildDoseRead]
    carer: str | None = None
    village: str | None = None
    phone: str | None = None
