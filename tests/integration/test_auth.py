"""Who may do what: sign-in, sessions, CSRF, throttling, and the authorization matrix."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from inventory.app import create_app
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from inventory.stock.models import StockDocument
from inventory.timeutil import today_vn, utcnow
from inventory.users.models import User, UserSession
from tests.conftest import PASSWORD
from tests.integration.conftest import Api

pytestmark = pytest.mark.anyio

EXPIRY = (today_vn() + timedelta(days=300)).isoformat()
STORAGE = {"TTYT-MT": "TL-01", "CDC-LC": "KHO-LANH", "TYT-03451": "TL", "TYT-03463": "TL"}
NEXT_DOWN = {"TTYT-MT": "TYT-03451", "CDC-LC": "TTYT-MT", "TYT-03451": "TYT-03463", "TYT-03463": "TYT-03451"}
"""Where each facility sends stock along a route it has: an issue down the tree, or a station's peer transfer."""
SUPPLIER = {"TTYT-MT": "CDC-LC", "TYT-03451": "TTYT-MT", "TYT-03463": "TTYT-MT"}
"""Where each facility returns stock (the province has no supplier: it returns nothing)."""
STATIONS = {"TYT-03451", "TYT-03463"}
SCOPES = {
    # role: (own facility, a facility outside its reach)
    "admin": ("TTYT-MT", "CDC-LC"),
    "keeper": ("TTYT-MT", "CDC-LC"),
    "commune": ("TYT-03451", "TTYT-MT"),
    "viewer": ("TTYT-MT", "CDC-LC"),
}


async def sign_in(client: AsyncTestClient, username: str, password: str = PASSWORD):
    await client.get("/login")
    return await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": "/",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        },
        follow_redirects=False,
    )


async def documents(settings: Settings) -> int:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        total = await session.scalar(select(func.count()).select_from(StockDocument))
    await engine.dispose()
    return int(total or 0)


@pytest.fixture
async def stocked_everywhere(api: Api) -> Api:
    for facility, location in STORAGE.items():
        await api.ok(
            "/direct-receipts" if facility in STATIONS else "/receipts",
            {
                "facility": facility,
                **({"reason": "opening stock"} if facility in STATIONS else {}),
                "lines": [
                    {
                        "product": "PENTA",
                        "lot_number": "M-LOT",
                        "expires_on": EXPIRY,
                        "doses": 100,
                        "location": location,
                    }
                ],
            },
        )
    return api


def requests_for(facility: str) -> list[tuple[str, str, str, Any, str]]:
    """(name, method, path, body, kind) for every API route scoped by a facility."""
    loc = STORAGE[facility]
    line = {"product": "PENTA", "lot_number": "M-LOT", "location": loc}
    return [
        ("stock", "GET", f"/facilities/{facility}/stock", None, "read"),
        ("in-transit", "GET", f"/facilities/{facility}/in-transit", None, "read"),
        ("documents", "GET", f"/facilities/{facility}/documents", None, "read"),
        (
            "stock-card",
            "GET",
            f"/facilities/{facility}/stock-card?product=PENTA&lot_number=M-LOT",
            None,
            "read",
        ),
        ("proposal", "GET", f"/proposals?facility={facility}&product=PENTA&doses=1", None, "read"),
        ("shipments", "GET", f"/shipments?facility={facility}", None, "read"),
        ("locations", "GET", f"/facilities/{facility}/locations", None, "any"),
        (
            "receipt",
            "POST",
            "/direct-receipts" if facility in STATIONS else "/receipts",
            {
                "facility": facility,
                **({"reason": "campaign delivery"} if facility in STATIONS else {}),
                "lines": [{**line, "expires_on": EXPIRY, "doses": 10}],
            },
            "write",
        ),
        (
            "issue",
            "POST",
            "/peer-transfers" if facility in STATIONS else "/issues",
            {
                "facility": facility,
                "to_facility": NEXT_DOWN[facility],
                **({"reason": "the peer ran out"} if facility in STATIONS else {}),
                "lines": [{"product": "PENTA", "doses": 1}],
            },
            "write",
        ),
        (
            "adjustment",
            "POST",
            "/adjustments",
            {"facility": facility, "lines": [{**line, "doses": 1, "reason": "found"}]},
            "write",
        ),
        (
            "count",
            "POST",
            "/counts",
            {"facility": facility, "lines": [{**line, "counted_doses": 100}]},
            "write",
        ),
        (
            "usage",
            "POST",
            "/usage",
            {
                "facility": facility,
                "lines": [{**line, "product": "PENTA", "doses_administered": 1, "vials_opened": 1}],
            },
            "write",
        ),
        (
            "return",
            "POST",
            "/returns",
            {"facility": facility, "reason": "surplus", "lines": [{**line, "doses": 1}]},
            "write" if facility in SUPPLIER else "no supplier",
        ),
    ]


GLOBAL = [
    ("products", "GET", "/products", None, {"admin": 200, "keeper": 200, "commune": 200, "viewer": 200}),
    ("facilities", "GET", "/facilities", None, {"admin": 200, "keeper": 200, "commune": 200, "viewer": 200}),
    ("lots", "GET", "/lots", None, {"admin": 200, "keeper": 200, "commune": 200, "viewer": 200}),
    ("verify", "GET", "/verify", None, {"admin": 200, "keeper": 403, "commune": 403, "viewer": 403}),
    (
        "hold",
        "POST",
        "/lots/PENTA/M-LOT/hold",
        {"reason": "matrix test"},
        {"admin": 201, "keeper": 201, "commune": 403, "viewer": 403},
    ),
]


def expected(role: str, kind: str, scope: str) -> set[int]:
    if kind == "any":
        return {200}
    allowed_read = role in {"admin", "viewer"} or scope == "own"
    allowed_write = role == "admin" or (role in {"keeper", "commune"} and scope == "own")
    if kind == "read":
        return {200} if allowed_read else {403}
    if kind == "no supplier":  # the province returns to no one: refused to writers as a missing destination
        return {422} if allowed_write else {403}
    return {201} if allowed_write else {403}


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("role", list(SCOPES))
async def test_every_api_route_answers_each_role_as_intended_and_writes_nothing_on_refusal(
    stocked_everywhere: Api, settings: Settings, role: str, scope: str
) -> None:
    client = stocked_everywhere.as_user(role)
    facility = SCOPES[role][0 if scope == "own" else 1]
    checks = [
        (name, method, path, body, expected(role, kind, scope))
        for name, method, path, body, kind in requests_for(facility)
    ]
    if scope == "own":
        checks += [(name, method, path, body, {codes[role]}) for name, method, path, body, codes in GLOBAL]
    for name, method, path, body, codes in checks:
        before = await documents(settings)
        response = await (client.post(path, body) if method == "POST" else client.get(path))
        assert response.status_code in codes, (
            f"{role} {scope} {name}: {response.status_code} {response.text[:300]}"
        )
        if response.status_code >= 400:
            assert await documents(settings) == before, f"{role} {scope} {name} wrote on refusal"


async def test_no_route_answers_without_sign_in_but_health_login_and_static(settings: Settings) -> None:
    app = create_app(settings)
    public = {"/health", "/login", "/lang/{code:str}"}
    async with AsyncTestClient(app=app) as client:
        for route in app.routes:
            path = route.path
            concrete = re.sub(r"\{[^}]+:int\}", "1", path)
            concrete = re.sub(r"\{[^}]+\}", "x", concrete)
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                response = await client.request(method, concrete, follow_redirects=False)
                if path in public or path.startswith("/static"):
                    assert response.status_code != 401, path
                    continue
                if path.startswith(("/api/", "/schema")):
                    assert response.status_code == 401, f"{method} {path}: {response.status_code}"
                else:
                    assert response.status_code in {303, 403}, f"{method} {path}: {response.status_code}"
                    if response.status_code == 303:
                        assert response.headers["location"].startswith("/login")


async def test_a_commune_worker_sees_only_its_own_commune_in_pages(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        assert (await sign_in(client, "commune")).status_code in {200, 303}
        own = await client.get("/stock?facility=TYT-03451")
        assert own.status_code == 200
        other = await client.get("/stock?facility=TYT-03463")
        assert other.status_code == 403
        audit = await client.get("/audit")
        assert audit.status_code == 403


async def test_a_form_without_the_csrf_token_is_refused(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        response = await client.post("/adjust", data={"facility": "TTYT-MT", "lines[0].product": "PENTA"})
        assert response.status_code == 403
        assert await documents(settings) == 0


async def test_repeated_failed_sign_ins_are_throttled(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        for _ in range(5):
            failed = await sign_in(client, "keeper", "wrong password!")
            assert "Sai tên đăng nhập" in failed.text
        throttled = await sign_in(client, "keeper")  # even the right password now waits
        assert throttled.status_code == 429
        assert "quá nhiều lần" in throttled.text


async def test_a_session_expires_after_the_idle_time(settings: Settings) -> None:
    # the idle rule itself: the session is read on every request (no remembered principal)
    async with AsyncTestClient(app=create_app(replace(settings, auth_cache_seconds=0))) as client:
        await sign_in(client, "keeper")
        assert (await client.get("/", follow_redirects=False)).status_code == 200
        engine = create_engine(settings)
        async with session_factory(engine)() as session:
            await session.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=9)))
            await session.commit()
        await engine.dispose()
        response = await client.get("/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_sign_out_ends_the_session(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken", "")})
        assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_passwords_are_stored_only_as_argon2_hashes(settings: Settings) -> None:
    engine = create_engine(settings)
    async with session_factory(engine)() as session:
        hashes = (await session.scalars(select(User.password_hash))).all()
    await engine.dispose()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


async def test_the_session_cookie_is_http_only_and_same_site(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        response = await sign_in(client, "keeper")
        cookie = next(
            v for k, v in response.headers.multi_items() if k == "set-cookie" and "vaxstock_session" in v
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("SameSite=Lax", "SameSite=lax")


async def test_every_write_leaves_an_audit_event_with_who_and_from_where(
    api: Api, settings: Settings
) -> None:
    await api.ok(
        "/receipts",
        {
            "facility": "TTYT-MT",
            "lines": [
                {
                    "product": "BCG",
                    "lot_number": "AUD-1",
                    "expires_on": EXPIRY,
                    "doses": 20,
                    "location": "TL-01",
                }
            ],
        },
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        page = await client.get("/audit?action=receipt")
        assert page.status_code == 200 and "AUD-1" in page.text
        csv = await client.get("/audit.csv?action=receipt")
        assert csv.headers["content-type"].startswith("text/csv")
        assert "admin" in csv.text and "AUD-1" in csv.text and "receipt" in csv.text
