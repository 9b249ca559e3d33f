"""HTML forms ↔ the API's command schemas: nested field names, lax conversion, errors by field."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec

from inventory.commands import input_refused
from inventory.errors import InventoryError
from inventory.i18n import DEFAULT_LANGUAGE

T = TypeVar("T")
LINE_KEY = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")


@dataclass
class Form:
    """What the user typed (kept on errors), the errors by field, and the anti-double-submit key."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    refusals: dict[str, InventoryError] = field(default_factory=dict)
    """The coded refusal behind an error, where one is kept (to answer it again, e.g. as a download's error)."""
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    @property
    def first_error(self) -> str | None:
        return next(iter(self.errors.values()), None)


class FormInvalid(Exception):
    def __init__(self, form: Form) -> None:
        super().__init__(form.first_error)
        self.form = form


def nest(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Turn `lines[3].doses` style fields into lists of dicts; blank lines are dropped.

    Returns the data and, per list, the original index of each kept item (to put errors back in place).
    """
    data: dict[str, Any] = {}
    lists: dict[str, dict[int, dict[str, str]]] = {}
    for key, value in values.items():
        if key in {"idempotency_key", "_csrf_token", "action"}:
            continue
        value = value.strip()
        match = LINE_KEY.match(key)
        if match:
            name, index, sub = match.group(1), int(match.group(2)), match.group(3)
            lists.setdefault(name, {}).setdefault(index, {})
            if value:
                lists[name][index][sub] = value
        elif value:
            data[key] = value
    origins: dict[str, list[int]] = {}
    for name, items in lists.items():
        kept = [(i, item) for i, item in sorted(items.items()) if item]
        data[name] = [item for _, item in kept]
        origins[name] = [i for i, _ in kept]
    return data, origins


def _original_field(path: str, origins: dict[str, list[int]]) -> str:
    match = re.match(r"^(\w+)\[(\d+)\](.*)$", path)
    if match and match.group(1) in origins:
        index = int(match.group(2))
        kept = origins[match.group(1)]
        if index < len(kept):
            return f"{match.group(1)}[{kept[index]}]{match.group(3)}"
    return path


def parse(
    values: dict[str, str],
    schema: type[T],
    *,
    extra: dict[str, Any] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> tuple[T, Form, dict[str, list[int]]]:
    """Build a command from form fields (their text converted: "10" is 10), or raise FormInvalid naming the
    field, with the reason in `lang` (the one adapter, inventory.commands.input_refused)."""
    form = Form(values=dict(values), key=values.get("idempotency_key") or uuid.uuid4().hex)
    data, origins = nest(values)
    if extra:
        data.update(extra)
    try:
        command = msgspec.convert(data, type=schema, strict=False)
    except msgspec.ValidationError as exc:
        refusal = input_refused(str(exc))
        form.errors[_original_field(refusal.field or "", origins) or "form"] = refusal.text(lang)
        raise FormInvalid(form) from None
    return command, form, origins


def refuse(form: Form, exc: InventoryError, origins: dict[str, list[int]], lang: str) -> Form:
    """Put a service error next to its field, in the page's language."""
    if exc.field == "Idempotency-Key":
        # the form's one-time key was spent (a page reused after the back button): a new one, so the
        # corrected form can be sent, and the reason where every form shows it
        form.key = uuid.uuid4().hex
        form.errors["form"] = exc.text(lang)
        return form
    form.errors[_original_field(exc.field or "form", origins)] = exc.text(lang)
    return form
