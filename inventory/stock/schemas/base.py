"""What every ledger schema is built from: the command base and the constrained field types."""

from __future__ import annotations

from typing import Annotated

import msgspec

PositiveDoses = Annotated[int, msgspec.Meta(gt=0, le=10_000_000, description="doses, a positive integer")]
NonNegativeDoses = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
SignedDoses = Annotated[
    int, msgspec.Meta(ge=-10_000_000, le=10_000_000, description="doses, signed, not zero")
]
VVMStage = Annotated[int, msgspec.Meta(ge=1, le=4, description="VVM stage 1-4")]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Text = Annotated[str, msgspec.Meta(max_length=2000)]
Reference = Annotated[str, msgspec.Meta(max_length=100)]
"""A document's reference (voucher number): what its column holds."""
Reason = Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every write command: unknown fields are refused, and so is a NUL character in any text
    (PostgreSQL cannot store one; the error names the field instead of failing in the database)."""

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str) and "\x00" in value:
                raise ValueError(f"`{name}` contains a NUL character")
