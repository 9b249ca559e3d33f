"""Who is asking, and what they may read and write."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.errors import InventoryError


class Unauthenticated(InventoryError):
    status_code = 401
    title = "Sign-in required"
    code = "unauthenticated"


class Forbidden(InventoryError):
    status_code = 403
    title = "Not allowed"
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or the command line), with the facilities they may see and act on."""

    username: str
    role: str
    facility_id: int | None = None
    facility_code: str | None = None
    readable: frozenset[int] | None = None
    """Facilities this principal may read; None means every facility."""
    address: str | None = None
    full_name: str | None = None
    title: str | None = None
    """Their position (chức vụ), printed above their name on a letter they sign."""
    is_system: bool = False

    """The command line or a script, not a person signed in."""

    @classmethod
    def system(cls, name: str) -> Principal:
        """The command line and scripts: an administrator by construction."""
        return cls(username=name, role="admin", is_system=True)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_read(self, facility_id: int) -> bool:
        return self.readable is None or facility_id in self.readable

    def can_write(self, facility_id: int) -> bool:
        if self.role == "admin":
            return True
        if self.role in {"store_keeper", "commune_worker"}:
            return facility_id == self.facility_id
        return False

    def require_read(self, facility_id: int, code: str, *, field: str) -> None:
        if not self.can_read(facility_id):
            raise Forbidden(
                message="error.forbidden.see_facility",
                params={"user": self.username, "facility": code},
                field=field,
            )

    def require_write(self, facility_id: int, code: str, *, field: str) -> None:
        if not self.can_write(facility_id):
            raise Forbidden(
                message="error.forbidden.post_at",
                params={"user": self.username, "role": self.role, "facility": code},
                field=field,
            )

    def require_role(self, *roles: str, action: str) -> None:
        """Refuse unless the principal has one of `roles`; `action` names what was asked for, as the
        catalogue's `error.forbidden.<action>` (add_users, verify_ledger, ...)."""
        if self.role not in roles:
            raise Forbidden(
                message=f"error.forbidden.{action}", params={"user": self.username, "role": self.role}
            )
