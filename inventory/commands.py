"""Commands built in code (a page, the CLI, query parameters) get the checks a decoded JSON body gets."""

from __future__ import annotations

import re
from typing import TypeVar

import msgspec

from inventory.errors import ValidationFailed

C = TypeVar("C", bound=msgspec.Struct)


def validated(command: C) -> C:
    """A command built in code gets the schema's constraints checked, as decoded JSON does."""
    return command_from(type(command), **msgspec.to_builtins(command))


def command_from(kind: type[C], **fields: object) -> C:
    """A command from values collected in code (query parameters, a form), checked as a decoded body is:
    a value the schema refuses is a ValidationFailed naming the field."""
    try:
        return msgspec.convert(fields, type=kind, strict=False)
    except msgspec.ValidationError as exc:
        reason, _, where = str(exc).partition(" - at `$.")
        named = re.match(r"`(\w+)` ", reason)  # a check of the command itself names its field first
        field = ".".join(filter(None, [where.rstrip("`"), named.group(1) if named else None]))
        raise ValidationFailed(reason, field=field or None) from None
