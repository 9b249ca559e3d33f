"""JSON API for users and their credentials: list users, deactivate and reactivate them, change a password
or a profile (name, title); list a user's API tokens, revoke one."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.types import RowIdPath
from inventory.users.schemas import PasswordChange, ProfileUpdate, TokenRead, UserRead
from inventory.users.service import UserService


async def provide_user_service(db_session: NamedDependency[AsyncSession]) -> UserService:
    return UserService(db_session)


class UsersController(Controller):
    path = "/api/v1"
    tags = ["users"]
    dependencies = {"user_service": Provide(provide_user_service)}

    @get(
        "/users/{username:str}/tokens",
        operation_id="ListTokens",
        summary="A user's API tokens (the user or an administrator; never the tokens themselves)",
    )
    async def tokens(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        username: FromPath[str],
    ) -> list[TokenRead]:
        return await user_service.tokens(username, by=principal)

    @post(
        "/tokens/{token_id:int}/revoke",
        operation_id="RevokeToken",
        summary="End an API token now (its owner or an administrator)",
        status_code=200,
    )
    async def revoke(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        token_id: RowIdPath,
    ) -> TokenRead:
        return await user_service.revoke_token(token_id, by=principal)

    @get(
        "/users",
        operation_id="ListUsers",
        summary="Every user, with role, facility and state (administrators)",
    )
    async def users(
        self, user_service: NamedDependency[UserService], principal: NamedDependency[Principal]
    ) -> list[UserRead]:
        return await user_service.users(by=principal)

    @post(
        "/users/{username:str}/deactivate",
        operation_id="DeactivateUser",
        summary="Deactivate a user: their sessions and API tokens end, they cannot sign in (administrators)",
        status_code=200,
    )
    async def deactivate(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        username: FromPath[str],
    ) -> UserRead:
        return await user_service.set_active(username, False, by=principal)

    @post(
        "/users/{username:str}/reactivate",
        operation_id="ReactivateUser",
        summary="Let a deactivated user sign in again with their password (administrators)",
        status_code=200,
    )
    async def reactivate(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        username: FromPath[str],
    ) -> UserRead:
        return await user_service.set_active(username, True, by=principal)

    @post(
        "/users/{username:str}/password",
        operation_id="ChangePassword",
        summary="Change a password (an administrator for anyone; a user their own, giving the old one); "
        "the user's sessions and API tokens end, the one sending this included",
        status_code=204,
    )
    async def change_password(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        username: FromPath[str],
        data: JSONBody[PasswordChange],
    ) -> None:
        await user_service.set_password(
            username, data.new_password, by=principal, old_password=data.old_password
        )

    @patch(
        "/users/{username:str}/profile",
        operation_id="ChangeProfile",
        summary="Change a user's full name and title (chức vụ, printed above the name on a letter they sign): "
        "a user their own, an administrator anyone's; an empty title clears it",
    )
    async def change_profile(
        self,
        user_service: NamedDependency[UserService],
        principal: NamedDependency[Principal],
        username: FromPath[str],
        data: JSONBody[ProfileUpdate],
    ) -> UserRead:
        return await user_service.set_profile(
            username, by=principal, full_name=data.full_name, title=data.title
        )
