"""JSON API for the register and the catch-up backlog."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Controller, get, post
from litestar import Request as LitestarRequest
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.datacache import DataCache
from inventory.idempotency import Request, run_once
from inventory.paging import DEFAULT_LIMIT, Window
from inventory.register import schemas as r
from inventory.register.service import RegisterService
from inventory.settings import Settings
from inventory.stock.api.shared import IdempotencyKey, Limit, Offset, next_link
from inventory.timeutil import today_vn


@dataclass
class RegisterUpload:
    """The register export, as the `file` part of a multipart/form-data body."""

    file: UploadFile


async def provide_register_service(
    db_session: NamedDependency[AsyncSession],
    principal: NamedDependency[Principal],
    settings: NamedDependency[Settings],
    data_cache: NamedDependency[DataCache],
) -> RegisterService:
    return RegisterService(db_session, principal, settings=settings, cache=data_cache)


class RegisterController(Controller):
    path = "/api/v1"
    tags = ["register"]
    dependencies = {"register_service": Provide(provide_register_service)}

    @get(
        "/backlog",
        operation_id="Backlog",
        summary="Due, overdue and zero-dose counts by commune × antigen × dose",
    )
    async def backlog(
        self,
        register_service: NamedDependency[RegisterService],
        request: LitestarRequest[Any, Any, Any],
        as_of: FromQuery[date | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> r.Backlog:
        window = Window(limit, offset)
        backlog = await register_service.backlog(as_of or today_vn())
        total = len(backlog.rows)
        return msgspec.structs.replace(
            backlog,
            rows=window.slice(backlog.rows),
            total=total,
            limit=limit,
            offset=offset,
            next=next_link(request, window, total),
        )

    @get(
        "/communes/{commune:str}/due-list",
        operation_id="DueList",
        summary="Children to call and what each needs",
    )
    async def due_list(
        self,
        register_service: NamedDependency[RegisterService],
        commune: FromPath[str],
        request: LitestarRequest[Any, Any, Any],
        session_on: FromQuery[date | None] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> r.DueList:
        window = Window(limit, offset)
        due = await register_service.due_list(commune, session_on or today_vn())
        total = len(due.children)
        return msgspec.structs.replace(
            due,
            children=window.slice(due.children),
            total=total,
            limit=limit,
            offset=offset,
            next=next_link(request, window, total),
        )

    @get(
        "/communes/{commune:str}/session-plan",
        operation_id="SessionPlan",
        summary="Doses and vials of each product to bring to a vaccination day",
    )
    async def session_plan(
        self,
        register_service: NamedDependency[RegisterService],
        commune: FromPath[str],
        session_on: FromQuery[date | None] = None,
    ) -> r.SessionPlan:
        return await register_service.session_plan(commune, session_on or today_vn())

    @get("/children/{child_id:str}", operation_id="GetChild", summary="A child's doses, due dates and status")
    async def child(
        self,
        register_service: NamedDependency[RegisterService],
        child_id: FromPath[str],
        as_of: FromQuery[date | None] = None,
    ) -> r.ChildRead:
        return await register_service.child(child_id, as_of or today_vn())

    @post(
        "/register/imports",
        operation_id="ImportRegister",
        summary="Import a register export (CSV or Excel), all or nothing",
    )
    async def import_register(
        self,
        register_service: NamedDependency[RegisterService],
        data: Annotated[RegisterUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        idempotency_key: IdempotencyKey,
    ) -> r.RegisterImported:
        upload = data.file
        content = await upload.read()
        suffix = Path(upload.filename or "register.csv").suffix.lower() or ".csv"

        async def action() -> r.RegisterImported:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"{Path(upload.filename or 'register').stem}{suffix}"
                path.write_bytes(content)
                return await register_service.import_file(path)  # ImportFailed answers 422 with its problems

        return await run_once(
            register_service.session,
            Request(
                key=idempotency_key,
                scope="register.import",
                payload={"sha256": hashlib.sha256(content).hexdigest()},
                principal=register_service.principal,
            ),
            action,
            r.RegisterImported,
        )
