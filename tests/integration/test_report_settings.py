"""The report settings: a page and an API; administrators change them (all values or none, each bad field
named in the reader's language), everyone else reads them; the same change twice changes nothing. And who
reads which report."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from inventory.app import create_app
from inventory.db import create_engine, session_factory
from inventory.settings import Settings
from tests.integration.conftest import Api
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio


async def _setting_events(settings: Settings) -> list[str]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            rows = await session.execute(
                text("SELECT entity FROM audit_event WHERE action = 'report.setting' ORDER BY id")
            )
            return [r[0] for r in rows]
    finally:
        await engine.dispose()


def _form(client: AsyncTestClient, key: str, **values: str) -> dict[str, str]:
    return {"idempotency_key": key, "_csrf_token": client.cookies.get("csrftoken", ""), **values}


async def test_an_administrator_changes_the_settings_on_their_page_and_others_only_read_them(
    settings: Settings,
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        page = await client.get("/reports/settings")
        assert page.status_code == 200 and 'id="report-settings-form"' in page.text
        assert 'name="dropout_threshold"' in page.text and 'value="10"' in page.text
        sent = await client.post(
            "/reports/settings",
            data=_form(
                client, "settings-1", dropout_threshold="12", **{"deadline.district_to_cdc.month": "8"}
            ),
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text
        # the same form again (a second click, another key) changes nothing and records nothing more
        again = await client.post(
            "/reports/settings",
            data=_form(
                client, "settings-2", dropout_threshold="12", **{"deadline.district_to_cdc.month": "8"}
            ),
            follow_redirects=False,
        )
        assert again.status_code == 303
        api = Api(client)
        values = await api.read("/reports/settings")
        assert values["dropout_threshold"] == 12 and values["deadline.district_to_cdc.month"] == 8
        assert values["coverage_threshold"] == 80  # not sent: unchanged
        assert await _setting_events(settings) == [
            "report_setting:dropout_threshold",
            "report_setting:deadline.district_to_cdc.month",
        ]
        # a blank box goes back to the default
        blank = await client.post(
            "/reports/settings",
            data=_form(client, "settings-3", dropout_threshold=""),
            follow_redirects=False,
        )
        assert blank.status_code == 303
        assert (await api.read("/reports/settings"))["dropout_threshold"] == 10
        details = {r["name"]: r for r in await api.read("/reports/settings/details")}
        assert details["dropout_threshold"]["changed"] is False
        assert details["deadline.district_to_cdc.month"]["updated_by"] == "admin"

        await sign_in(client, "keeper")
        read_only = await client.get("/reports/settings")
        assert read_only.status_code == 200 and 'id="read-only"' in read_only.text
        assert 'id="report-settings-form"' not in read_only.text
        refused = await client.post(
            "/reports/settings", data=_form(client, "settings-4", coverage_threshold="50")
        )
        assert refused.status_code == 403 and "chỉ quản trị viên" in refused.text
        assert (await api.read("/reports/settings"))["coverage_threshold"] == 80


async def test_impossible_values_are_refused_each_named_and_nothing_is_saved(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        await client.get("/reports/settings")
        bad = await client.post(
            "/reports/settings",
            data=_form(
                client,
                "settings-bad",
                dropout_threshold="12",
                coverage_threshold="120",
                **{"deadline.station_to_district.month": "31", "zero_dose_min_age_months": "abc"},
            ),
        )
        assert bad.status_code == 422
        assert 'data-error-for="coverage_threshold"' in bad.text and "từ 0 đến 100 %" in bad.text
        assert 'data-error-for="deadline.station_to_district.month"' in bad.text
        assert 'data-error-for="zero_dose_min_age_months"' in bad.text and "abc" in bad.text
        assert 'value="120"' in bad.text  # what was typed stays in the box
        api = Api(client)
        assert (await api.read("/reports/settings"))["dropout_threshold"] == 10  # the good value was not kept
        assert await _setting_events(settings) == []

        refused = await client.patch(
            "/api/v1/reports/settings",
            json={"values": {"dropout_threshold": 15, "coverage_threshold": -1, "nonsense": 3}},
            headers={**api.auth, "Idempotency-Key": "patch-bad", "Accept-Language": "en"},
        )
        assert refused.status_code == 422
        problem = refused.json()
        assert {e["field"]: e["detail"] for e in problem["errors"]} == {
            "coverage_threshold": "coverage_threshold must be between 0 and 100 % (got -1)",
            "nonsense": "There is no setting nonsense",
        }
        assert (await api.read("/reports/settings"))["dropout_threshold"] == 10
        changed = await client.patch(
            "/api/v1/reports/settings",
            json={"values": {"dropout_threshold": 15, "coverage_threshold": 85}},
            headers={**api.auth, "Idempotency-Key": "patch-good"},
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["dropout_threshold"], changed.json()["coverage_threshold"]) == (15, 85)
        one = await api.post("/reports/settings", {"name": "coverage_threshold", "value": None})
        assert one.status_code == 201 and one.json()["coverage_threshold"] == 80
        viewer = await api.as_user("viewer").post(
            "/reports/settings", {"name": "dropout_threshold", "value": 5}
        )
        assert viewer.status_code == 403
        assert (await api.read("/reports/settings"))["dropout_threshold"] == 15


async def test_the_cdc_viewer_reads_every_facilitys_report_and_a_commune_worker_only_their_own(
    api: Api,
) -> None:
    province = await api.as_user("viewer").get("/reports/results", period="2026-02", facility="CDC-LC")
    assert province.status_code == 200, province.text
    assert {r["scope"] for r in province.json()["tables"]["results"]} == {"facility", "district", "total"}
    district = await api.as_user("commune").get("/reports/usage", period="2026-02", facility="TTYT-MT")
    assert district.status_code == 403 and district.json()["field"] == "facility"
    own = await api.as_user("commune").get("/reports/usage", period="2026-02", facility="TYT-03451")
    assert own.status_code == 200 and own.json()["facility"] == "TYT-03451"
    settings_page = await api.as_user("viewer").get("/reports/settings")
    assert settings_page.status_code == 200 and settings_page.json()["coverage_threshold"] == 80
