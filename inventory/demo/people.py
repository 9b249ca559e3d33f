"""The demo's people: one user per role, and a synthetic children's register."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal

DEMO_USERS = (
    ("admin", "admin", None, "admin-demo-2026"),
    ("thukho", "store_keeper", "TTYT-MT", "thukho-demo-2026"),
    ("tramyte", "commune_worker", "TYT-03451", "tramyte-demo-2026"),
    ("cdc", "viewer", None, "cdc-demo-2026"),
)
"""One user per role, with demo passwords: for the demo only, printed at start-up and in the README."""
DEMO_NAMES = {
    "admin": "Quản trị (demo)",
    "thukho": "Lò Thị Mai (thủ kho, demo)",
    "tramyte": "Pờ Xá Dơ (trạm y tế Mù Cả, demo)",
    "cdc": "CDC Lai Châu (xem, demo)",
}


async def _demo_users(session: AsyncSession) -> None:
    from inventory.users.models import User
    from inventory.users.service import UserService

    existing = set((await session.scalars(select(User.username))).all())
    for username, role, facility, password in DEMO_USERS:
        if username not in existing:
            await UserService(session).add(
                username=username,
                full_name=DEMO_NAMES[username],
                role=role,
                facility_code=facility,
                password=password,
                by=Principal.system("demo"),
            )


async def _demo_register(session: AsyncSession, today: date) -> dict[str, int]:
    """A synthetic, deterministic register: about 1,000 births a year over five cohorts, with the gaps,
    dropouts and old commune codes that real Mường Tè registers have (forecasting.register_synth)."""
    return await store_synthetic_register(session, today, 1000, "demo register (synthetic)")


async def store_synthetic_register(
    session: AsyncSession, today: date, births_per_year: int, source: str
) -> dict[str, int]:
    """forecasting's synthetic register (five cohorts, seed 2026), stored as an import would store it."""
    from forecasting.register_synth import synth_register
    from forecasting.register_synth_people import synth_people
    from inventory.register.service import RegisterService

    shape = {"births_per_year": births_per_year, "cohorts": 5, "as_of": today, "seed": 2026}
    children_lf, doses_lf = synth_register(**shape)
    people = {row["child_id"]: row for row in synth_people(**shape).collect().iter_rows(named=True)}
    service = RegisterService(session, Principal.system("demo"), today=today)
    mapping = dict((await service.commune_map()).iter_rows())
    children = {
        row["child_id"]: {
            "child_code": row["child_id"],
            "name": people[row["child_id"]]["name"],
            "carer": people[row["child_id"]]["carer"],
            "village": people[row["child_id"]]["village"],
            "phone": people[row["child_id"]]["phone"],
            "sex": row["sex"],
            "birth_date": row["birth_date"],
            "commune_code_given": row["commune_code"],
            "commune_code": mapping.get(row["commune_code"], row["commune_code"]),
        }
        for row in children_lf.collect().iter_rows(named=True)
    }
    doses = {
        (row["child_id"], row["antigen"], row["dose_number"]): {
            "antigen": row["antigen"],
            "dose_number": row["dose_number"],
            "given_on": row["given_on"],
            "place": None,
        }
        for row in doses_lf.collect().iter_rows(named=True)
    }
    result = await service.store(children, doses, source=source)
    return {"children": result.children_added, "child_doses": result.doses}
