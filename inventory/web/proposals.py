"""The first step of the forms that send stock to another facility (issue, peer transfer): doses per product
→ the lots lot picking proposes, as editable lines of the form."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.response import Redirect, Template

from inventory.errors import InventoryError
from inventory.i18n import translate
from inventory.stock import schemas as s
from inventory.stock.use_cases import issuing
from inventory.web.forms import Form, FormInvalid, parse, refuse
from inventory.web.pages import Page


async def propose_lines(page: Page, data: dict[str, str]) -> tuple[Form, list[dict[str, Any]] | None, int]:
    """The form with the proposed lots as `lines[i].*` (a previous proposal's lines are dropped), the proposal
    (None when there are errors, each next to its `want.PRODUCT` field) and the status to answer."""
    values = {k: v for k, v in data.items() if not k.startswith("lines[")}
    form = Form(values=values, key=data.get("idempotency_key") or uuid.uuid4().hex)
    proposal: list[dict[str, Any]] = []
    for key, value in data.items():
        if not key.startswith("want.") or not value.strip():
            continue
        product = key.removeprefix("want.")
        try:
            doses = int(value)
            result = await issuing.propose(
                page.stock, s.ProposalRequest(facility=data.get("facility", ""), product=product, doses=doses)
            )
        except ValueError:
            form.errors[key] = translate("errors.whole_number", page.lang)
            continue
        except InventoryError as exc:
            form.errors[key] = exc.text(page.lang)
            continue
        proposal.extend(
            {"product": product, **{f: getattr(lot, f) for f in lot.__struct_fields__}} for lot in result.lots
        )
    if not data.get("to_facility"):
        form.errors["to_facility"] = translate("errors.choose_destination", page.lang)
    if not proposal and not form.errors:
        form.errors["form"] = translate("errors.enter_doses", page.lang)
    for i, p in enumerate(proposal):
        form.values.update(
            {
                f"lines[{i}].product": p["product"],
                f"lines[{i}].lot_number": p["lot_number"],
                f"lines[{i}].location": p["location"],
                f"lines[{i}].doses": str(p["doses"]),
            }
        )
    if form.errors:
        return form, None, 422
    return form, proposal, 200


RenderForm = Callable[[Page, Form, list[dict[str, Any]] | None, int], Awaitable[Template]]


async def propose_or_send(
    page: Page,
    data: dict[str, str],
    schema: type[Any],
    send: Callable[..., Awaitable[Any]],
    render: RenderForm,
) -> Template | Redirect:
    """The two steps of a form that sends stock to another facility: action=propose answers the form with the
    proposed lots; otherwise the chosen lots are parsed as `schema` and sent by the use case `send`, a refusal
    shown at its field, a success redirected to the voucher."""
    if data.get("action") == "propose":
        form, proposal, status = await propose_lines(page, data)
        return await render(page, form, proposal, status)
    values = {k: v for k, v in data.items() if not k.startswith("want.")}
    try:
        command, form, origins = parse(values, schema, lang=page.lang)
    except FormInvalid as bad:
        bad.form.values = data
        return await render(page, bad.form, [], 422)
    form.values = data
    try:
        document = await send(page.stock, command, key=f"web:{form.key}")
    except InventoryError as exc:
        return await render(page, refuse(form, exc, origins, page.lang), [], exc.status_code)
    return Redirect(f"/documents/{document.id}/voucher?saved=1", status_code=303)
