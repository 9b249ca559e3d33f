"""JSON API for a user's API tokens: list them, revoke one."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.types import RowIdPath
from inventory.users.schemas import TokenRead
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
