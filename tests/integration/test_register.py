"""The register through the CLI and API: imports, personal data, backlog, due lists, the schedule table."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from inventory.cli import main
from inventory.settings import Settings
from inventory.timeutil import today_vn
from tests.integration.conftest import Api

TODAY = today_vn()
HEADER = "child_id,name,sex,birth_date,commune_code,antigen,dose_number,given_on,place"


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).strftime("%d/%m/%Y")


def write(tmp_path: Path, rows: list[str], name: str = "register.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(settings: Settings, *args: str):
    return CliRunner().invoke(main, ["--database", settings.database_url, *args], catch_exceptions=False)


def register_rows() -> list[str]:
    """Three children of Mù Cả: one up to date, one who missed everything, one registered under an old code."""
    born_a, born_b, born_c = 200, 150, 400
    return [
        f"A1,Lò Văn A,M,{ago(born_a)},03451,BCG,1,{ago(born_a - 2)},TYT",
        f"A1,Lò Văn A,M,{ago(born_a)},03451,HEPB,1,{ago(born_a)},TYT",
        f"A1,Lò Văn A,M,{ago(born_a)},03451,DTP,1,{ago(born_a - 61)},TYT",
        f"A1,Lò Văn A,M,{ago(born_a)},03451,DTP,2,{ago(born_a - 92)},TYT",
        f"A1,Lò Văn A,M,{ago(born_a)},03451,DTP,3,{ago(born_a - 123)},TYT",
        f"B2,Pờ Thị B,F,{ago(born_b)},03451,,,,",
        f"C3,,F,{ago(born_c)},03448,BCG,1,{ago(born_c - 5)},",
    ]


@pytest.fixture
def imported(settings: Settings, tmp_path: Path) -> Settings:
    result = run(settings, "register", "import", str(write(tmp_path, register_rows())))
    assert result.exit_code == 0, result.output
    assert "Đã thêm 3 trẻ, cập nhật 0 trẻ" in result.output
    return settings


def test_a_child_under_an_old_commune_code_is_counted_in_the_merged_commune(imported: Settings) -> None:
    result = run(imported, "backlog", "--commune", "03466")  # Pa Vệ Sủ 03448 became Bum Nưa 03466
    assert "03466" in result.output and "DTP" in result.output


def test_re_importing_a_newer_export_updates_and_never_duplicates(imported: Settings, tmp_path: Path) -> None:
    rows = [*register_rows(), f"B2,Pờ Thị B,F,{ago(150)},03451,BCG,1,{ago(1)},TYT"]
    rows = [r for r in rows if not r.startswith("B2") or ",BCG," in r]
    result = run(imported, "register", "import", str(write(tmp_path, rows, "newer.csv")))
    assert result.exit_code == 0, result.output
    assert "Đã thêm 0 trẻ, cập nhật 3 trẻ" in result.output
    assert "7 mũi tiêm" in result.output  # 6 before, 1 new: none doubled


def test_a_bad_register_file_imports_nothing_and_names_row_and_column(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        *register_rows(),
        f"D4,,X,{ago(100)},03451,,,,",
        f"E5,,M,{ago(100)},99999,,,,",
        f"A1,Lò Văn A,M,{ago(200)},03451,DTP,2,{ago(100)},TYT",
        f"F6,,M,{ago(100)},03451,POLIO,1,{ago(50)},",
        f"G7,,M,{ago(100)},03451,BCG,1,{ago(101)},",
        f"A1,Lò Văn A,F,{ago(200)},03451,,,,",
    ]
    result = run(settings, "register", "import", str(write(tmp_path, rows)))
    assert result.exit_code == 1
    for expected in (
        "dòng 9, cột sex",
        "dòng 10, cột commune_code",
        "dòng 11, cột dose_number",
        "dòng 12, cột antigen",
        "dòng 13, cột given_on",
        "dòng 14, cột sex",
    ):
        assert expected in result.output, result.output
    assert "A1" not in run(settings, "backlog").output


@pytest.mark.anyio
async def test_backlog_counts_and_the_due_list_follow_the_schedule(imported: Settings, api: Api) -> None:
    result = await api.read("/backlog")
    rows = {(r["commune_code"], r["antigen"], r["dose_number"]): r for r in result["rows"]}
    assert rows[("03451", "DTP", 1)]["zero_dose"] == 1  # B2 never got DTP1
    assert rows[("03451", "DTP", 1)]["overdue"] == 1
    due = await api.read("/communes/03451/due-list", session_on=TODAY.isoformat())
    by_child = {}
    for c in due["children"]:
        by_child.setdefault(c["child_id"], []).append((c["antigen"], c["dose_number"]))
    assert ("DTP", 1) in by_child["B2"] and ("BCG", 1) in by_child["B2"]
    assert all(a != "DTP" or n > 3 for a, n in by_child.get("A1", []))
    plan = await api.read("/communes/03451/session-plan", session_on=TODAY.isoformat())
    penta = next(p for p in plan["rows"] if p["product"] == "PENTA")
    assert penta["doses"] >= 1 and penta["vials"] == penta["doses"]  # single-dose vials


@pytest.mark.anyio
async def test_names_are_shown_only_to_the_commune_and_district_staff(imported: Settings, api: Api) -> None:
    assert (await api.as_user("commune").get("/communes/03451/due-list")).status_code == 200
    assert (await api.as_user("keeper").get("/communes/03451/due-list")).status_code == 200
    assert (await api.as_user("other_commune").get("/communes/03451/due-list")).status_code == 403
    assert (await api.as_user("viewer").get("/communes/03451/due-list")).status_code == 403
    assert (await api.as_user("viewer").get("/children/A1")).status_code == 403
    counts = await api.as_user("viewer").read("/backlog")
    assert counts["rows"] and "name" not in str(counts)
    own = await api.as_user("commune").read("/backlog")
    assert {r["commune_code"] for r in own["rows"]} == {"03451"}


@pytest.mark.anyio
async def test_a_child_card_shows_each_dose_with_its_dates(imported: Settings, api: Api) -> None:
    card = await api.read("/children/A1")
    assert card["commune_code"] == "03451" and card["name"] == "Lò Văn A"
    dtp = [d for d in card["doses"] if d["antigen"] == "DTP"]
    assert [d["state"] for d in dtp[:3]] == ["received"] * 3
    c3 = await api.read("/children/C3")
    assert c3["commune_code"] == "03466" and c3["commune_code_given"] == "03448"


def test_the_schedule_can_be_exported_edited_and_loaded_whole(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "schedule.csv"
    assert run(settings, "schedule", "export", str(path)).exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert "TT52/2025" in text and "TT10/2024" in text and "TT38/2017" in text
    broken = tmp_path / "broken.csv"
    broken.write_text(text.replace("TT52/2025,2026-02-15", "TT52/2025,2026-02-31", 1), encoding="utf-8")
    refused = run(settings, "schedule", "load", str(broken))
    assert refused.exit_code == 1 and "Không ghi gì; các lỗi:" in refused.output
    assert "Không đọc được tệp lịch tiêm" in refused.output  # 31 February: not a date, in the CLI's language

    loaded = run(settings, "schedule", "load", str(path), "--note", "checked with CDC Lai Châu")
    assert loaded.exit_code == 0 and "phiên bản áp dụng hôm nay" in loaded.output


def test_the_register_import_api_takes_a_file_once(settings: Settings, tmp_path: Path) -> None:
    import asyncio

    from litestar.testing import AsyncTestClient

    from inventory.app import create_app
    from tests.conftest import TOKENS

    content = write(tmp_path, register_rows()).read_bytes()

    async def go() -> None:
        async with AsyncTestClient(app=create_app(settings)) as client:
            headers = {"Authorization": f"Bearer {TOKENS['keeper']}", "Idempotency-Key": "register-file-0001"}
            files = {"file": ("register.csv", content, "text/csv")}
            first = await client.post("/api/v1/register/imports", files=files, headers=headers)
            again = await client.post("/api/v1/register/imports", files=files, headers=headers)
            assert first.status_code == 201, first.text
            assert first.json() == again.json() and first.json()["children_added"] == 3
            viewer = {"Authorization": f"Bearer {TOKENS['viewer']}", "Idempotency-Key": "register-file-0002"}
            refused = await client.post("/api/v1/register/imports", files=files, headers=viewer)
            assert refused.status_code == 403

    asyncio.run(go())


@pytest.mark.anyio
async def test_names_go_no_further_up_the_chain_than_the_commune_s_own_supplier(
    imported: Settings, api: Api
) -> None:
    province = api.as_user("province")  # the CDC store: supplies the district, and Hua Bum directly
    assert (await province.get("/communes/03451/due-list")).status_code == 403
    assert (await province.get("/children/A1")).status_code == 403
    assert (await province.get("/communes/03460/due-list")).status_code == 200  # Hua Bum: its own commune
    assert (await province.get("/backlog")).status_code == 200  # counts, not names


def test_a_commune_cannot_take_over_a_child_registered_in_another(imported: Settings, tmp_path: Path) -> None:
    from inventory.register.service import RegisterService
    from tests.conftest import run_sync

    async def import_as_other_commune() -> str:
        from sqlalchemy import select

        from inventory.auth import Forbidden, Principal
        from inventory.catalog.models import Facility
        from inventory.db import create_engine, session_factory, unit_of_work

        engine = create_engine(imported)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                other = await session.scalar(select(Facility).where(Facility.code == "TYT-03463"))
                principal = Principal("other", "commune_worker", other.id, other.code, frozenset({other.id}))
                service = RegisterService(session, principal)
                try:
                    await service.import_file(write(tmp_path, [f"A1,,M,{ago(200)},03463,,,,"], "steal.csv"))
                except Forbidden as exc:
                    return str(exc)
                return "imported"
        finally:
            await engine.dispose()

    assert "registered in commune 03451" in run_sync(import_as_other_commune())
    card = run(imported, "register", "import", str(write(tmp_path, register_rows(), "again.csv")))
    assert "Đã thêm 0 trẻ, cập nhật 3 trẻ" in card.output  # A1 is still Mù Cả's, with its doses


def test_incomplete_dose_columns_and_dose_cells_without_an_antigen_are_refused(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "vaccine.csv"
    path.write_text(
        f"child_id,sex,birth_date,commune_code,vaccine,dose_number,given_on\nA1,M,{ago(200)},03451,BCG,1,{ago(199)}\n",
        encoding="utf-8",
    )
    result = run(settings, "register", "import", str(path))
    assert (
        result.exit_code == 1 and "dòng 1: có cột dose_number, given_on nhưng thiếu antigen" in result.output
    )
    rows = [f"A1,,M,{ago(200)},03451,,1,{ago(199)},"]
    result = run(settings, "register", "import", str(write(tmp_path, rows)))
    assert result.exit_code == 1 and "dòng 2, cột antigen: trống" in result.output


def test_two_doses_of_a_series_on_one_day_an_ancient_birth_and_a_late_name(
    settings: Settings, tmp_path: Path
) -> None:
    rows = [
        f"D1,,M,{ago(200)},03451,DTP,1,{ago(100)},",
        f"D1,,M,{ago(200)},03451,DTP,2,{ago(100)},",
        "C3,,F,01/02/1825,03451,,,,",
    ]
    result = run(settings, "register", "import", str(write(tmp_path, rows)))
    assert result.exit_code == 1
    assert "dòng 3, cột given_on: trẻ D1 đã có mũi DTP số 1" in result.output
    assert "dòng 4, cột birth_date: ngày sinh 01/02/1825 trước" in result.output
    named_later = [f"B2,,F,{ago(150)},03451,,,,", f"B2,Pờ Thị B,F,{ago(150)},03451,BCG,1,{ago(149)},"]
    result = run(settings, "register", "import", str(write(tmp_path, named_later)))
    assert result.exit_code == 0, result.output


def test_unreadable_files_are_refused_not_crashed(settings: Settings, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\nA1,L\xf2 V\xe2n A,M,{ago(200)},03451,,,,\n".encode("latin-1"))
    result = run(settings, "register", "import", str(latin))
    assert result.exit_code == 1 and "dòng 2: latin.csv: không phải văn bản UTF-8" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = run(settings, "register", "import", str(broken))
    assert result.exit_code == 1 and "không đọc được tệp Excel" in result.output


@pytest.mark.anyio
async def test_a_date_before_any_schedule_version_is_refused_naming_the_field(api: Api) -> None:
    early = await api.get("/backlog", as_of="2017-06-01")
    assert early.status_code == 422 and early.json()["field"] == "as_of"
    early = await api.get("/communes/03451/due-list", session_on="2017-06-01")
    assert early.status_code == 422 and early.json()["field"] == "session_on"


@pytest.mark.anyio
async def test_the_printed_due_list_names_sex_and_products_as_the_session_plan_does(
    imported: Settings,
) -> None:
    from litestar.testing import AsyncTestClient

    from inventory.app import create_app
    from tests.integration.test_auth import sign_in

    async with AsyncTestClient(app=create_app(imported)) as client:
        await sign_in(client, "commune")
        page = await client.get("/communes/03451/due-list", params={"session_on": TODAY.isoformat()})
        assert page.status_code == 200
        row = page.text[page.text.index('data-child="B2"') :].split("</tr>")[0]
        assert "<td>Nữ</td>" in row and "PENTA (DTP1)" in row
        chart = await client.get("/backlog/chart/03451")
        assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"


@pytest.fixture
def with_people(settings: Settings, tmp_path: Path) -> Settings:
    path = tmp_path / "people.csv"
    born = ago(150)
    path.write_text(
        "child_id,name,sex,birth_date,commune_code,carer,village,phone\n"
        f"D4,Lỳ Thị Mé,F,{born},03451,Lỳ Xá Dơ (bố),Bản Ma Ký,0971234567\n"
        f"E5,,M,{born},03451,,,\n",
        encoding="utf-8",
    )
    assert run(settings, "register", "import", str(path)).exit_code == 0
    # a later file without the columns (or with blanks) does not erase what is known
    again = tmp_path / "again.csv"
    again.write_text(f"child_id,sex,birth_date,commune_code,carer\nD4,F,{born},03451,\n", encoding="utf-8")
    assert run(settings, "register", "import", str(again)).exit_code == 0
    return settings


@pytest.mark.anyio
async def test_the_carer_village_and_phone_are_imported_and_shown_on_the_due_list(
    with_people: Settings, api: Api
) -> None:
    due = await api.read("/communes/03451/due-list", session_on=TODAY.isoformat())
    d4 = next(c for c in due["children"] if c["child_id"] == "D4")
    assert (d4["name"], d4["carer"], d4["village"], d4["phone"]) == (
        "Lỳ Thị Mé",
        "Lỳ Xá Dơ (bố)",
        "Bản Ma Ký",
        "0971234567",
    )
    e5 = next(c for c in due["children"] if c["child_id"] == "E5")
    assert (e5["carer"], e5["village"], e5["phone"]) == (None, None, None)
    child = await api.read("/children/D4")
    assert child["village"] == "Bản Ma Ký"


def test_the_grace_period_is_a_setting_that_decides_when_a_due_dose_is_overdue(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    from litestar.testing import AsyncTestClient

    from inventory.app import create_app
    from tests.conftest import run_sync

    result = run(settings, "register", "import", str(write(tmp_path, [f"N1,,F,{ago(10)},03451,,,,"])))
    assert result.exit_code == 0, result.output

    async def bcg_counts(grace_days: int) -> tuple[int, int]:
        async with AsyncTestClient(app=create_app(replace(settings, grace_days=grace_days))) as client:
            rows = (await Api(client).read("/backlog"))["rows"]
        row = next(
            r for r in rows if (r["commune_code"], r["antigen"], r["dose_number"]) == ("03451", "BCG", 1)
        )
        return row["due"], row["overdue"]

    # BCG is recommended at birth: 10 days later it is due within a 28-day grace period, overdue after 5
    assert run_sync(bcg_counts(28)) == (1, 0)
    assert run_sync(bcg_counts(5)) == (0, 1)
