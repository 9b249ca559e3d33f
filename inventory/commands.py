"""Input that does not fit its schema, turned into one coded refusal naming the field (the one adapter).

msgspec (JSON bodies, forms, commands built in code) and Litestar (path and query parameters) say what is
wrong in English sentences only: `Expected `int` > 0 - at `$.lines[0].doses``. `input_refused` reads such
a sentence once, here, and returns an `InputRefused` (422, code `validation_failed`) with the field path, a
catalogue message key (`error.input.*`) and its parameters, so that the reason is written in the reader's
language ("Số liều phải là số nguyên lớn hơn 0" / "Doses must be a whole number greater than 0").
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from inventory.errors import InventoryError, ValidationFailed
from inventory.i18n import CATALOGUE, translate

C = TypeVar("C", bound=msgspec.Struct)

_AT = re.compile(r"\s+-\s+at\s+`\$\.?([^`]*)`\s*$")
_TYPE_WORDS = {
    "int": "integer",
    "float": "number",
    "str": "text",
    "bool": "boolean",
    "array": "list",
    "object": "object",
    "date": "date",
    "datetime": "datetime",
    "null": "null",
}
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Expected `(?P<expected>\w+)(?: \| \w+)*`, got `(?P<got>\w+)`$"), "type"),
    (re.compile(r"^Expected `int` (?P<op>>=|>|<=|<) (?P<bound>-?\d+)$"), "integer_bound"),
    (re.compile(r"^Expected `(?:float|number)` (?P<op>>=|>|<=|<) (?P<bound>-?[\d.e+-]+)$"), "number_bound"),
    (re.compile(r"^Expected `str` of length (?P<op>>=|<=) (?P<bound>\d+)$"), "text_length"),
    (re.compile(r"^Expected `(?:array|object)` of length (?P<op>>=|<=) (?P<bound>\d+)$"), "list_length"),
    (re.compile(r"^Expected `str` matching regex (?P<pattern>.+)$"), "pattern"),
    (re.compile(r"^Object missing required field `(?P<name>[^`]+)`$"), "missing"),
    (re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`$"), "unknown"),
    (re.compile(r"^Invalid enum value (?P<value>.+)$"), "choice"),
    (re.compile(r"^Invalid (?:RFC3339|ISO ?8601)? ?encoded (?P<what>date|datetime|time)"), "date"),
    (re.compile(r"^`(?P<name>\w+)` contains a NUL character$"), "nul"),
    (re.compile(r"^(?:Integer value out of range|Number out of range)"), "out_of_range"),
]
_OPS = {">": "above", ">=": "at_least", "<": "below", "<=": "at_most"}


class InputRefused(ValidationFailed):
    """A value that does not fit its schema: the field path, and a message whose `{label}` is the field's
    name in the reader's language (the catalogue's `field.<name>`, else the name itself)."""

    def text(self, lang: str) -> str:
        return translate(
            self.message or "error.input.invalid", lang, {**self.params, "label": self.label(lang)}
        )

    def label(self, lang: str) -> str:
        name = re.sub(r"\[\d+\]", "", self.field or "").rsplit(".", 1)[-1]
        return translate(f"field.{name}", lang) if f"field.{name}" in CATALOGUE else (name or "?")


class MalformedBody(InventoryError):
    """A body that cannot be read at all: not UTF-8, not JSON, nested too deep."""

    status_code = 400
    title = "Malformed request"
    code = "malformed_body"


class BodyTooLarge(InventoryError):
    """A body over the `max_body_bytes` setting (params: `limit`, in bytes)."""

    status_code = 413
    title = "Request body too large"
    code = "body_too_large"


class UnsupportedMediaType(InventoryError):
    """A body of another media type than the route reads (params: `expected`)."""

    status_code = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


def _join(path: str, name: str | None) -> str:
    if not name:
        return path
    return f"{path}.{name}" if path else name


def input_refused(reason: str, where: str | None = None) -> InputRefused:
    """The refusal for msgspec's or Litestar's sentence `reason` about the value at `where` (a path such as
    `lines[0].doses`; a trailing ` - at `$.path`` in the sentence is read too)."""
    reason = reason.strip()
    match = _AT.search(reason)
    if match:
        where = _join(where or "", match.group(1))
        reason = reason[: match.start()]
    path = (where or "").removeprefix("data.").removeprefix("data")
    for pattern, kind in _RULES:
        found = pattern.match(reason)
        if found is None:
            continue
        parts = found.groupdict()
        params: dict[str, Any] = {}
        if kind == "type":
            expected = _TYPE_WORDS.get(parts["expected"], "other")
            return InputRefused(
                field=path or None,
                message=f"error.input.expected_{expected}",
                params={"got": _TYPE_WORDS.get(parts["got"], parts["got"])},
            )
        if kind in ("integer_bound", "number_bound"):
            bound: int | float = int(parts["bound"]) if kind == "integer_bound" else float(parts["bound"])
            word = "integer" if kind == "integer_bound" else "number"
            op = parts["op"]
            if word == "integer" and op == ">=" and bound == 1:
                op, bound = ">", 0  # msgspec writes gt=0 as >= 1: "a whole number greater than 0"
            return InputRefused(
                field=path or None, message=f"error.input.{word}_{_OPS[op]}", params={"bound": bound}
            )
        if kind in ("text_length", "list_length"):
            word = "text" if kind == "text_length" else "list"
            side = "min" if parts["op"] == ">=" else "max"
            return InputRefused(
                field=path or None,
                message=f"error.input.{word}_{side}",
                params={"bound": int(parts["bound"])},
            )
        if kind in ("missing", "unknown", "nul"):
            path = _join(path, parts["name"])
        if kind == "choice":
            params["value"] = parts["value"].strip("'\"")
        return InputRefused(field=path or None, message=f"error.input.{kind}", params=params)
    return InputRefused(field=path or None, message="error.input.invalid", params={"reason": reason})


def validated(command: C) -> C:
    """A command built in code gets the schema's constraints checked, as decoded JSON does."""
    return command_from(type(command), **msgspec.to_builtins(command))


def command_from(kind: type[C], **fields: object) -> C:
    """A command from values collected in code (query parameters, a form), checked as a decoded body is:
    a value the schema refuses is an InputRefused naming the field. Values are converted (a form's "10"
    is 10): only API bodies are strict (inventory.problems.StrictRequest)."""
    return convert(fields, kind, strict=False)


def convert(data: Any, kind: type[C], *, strict: bool) -> C:
    """msgspec.convert with its refusal turned into an InputRefused."""
    try:
        return msgspec.convert(data, type=kind, strict=strict)
    except msgspec.ValidationError as exc:
        raise input_refused(str(exc)) from None


def decode_json(body: bytes, kind: type[C]) -> C:
    """A JSON body decoded strictly into its command: "10" where an integer belongs is refused, not
    converted."""
    try:
        return msgspec.json.decode(body, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise input_refused(str(exc)) from None
    except msgspec.DecodeError:
        raise MalformedBody(message="error.malformed_body.not_json") from None
