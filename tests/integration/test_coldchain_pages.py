"""Cold-chain pages: a reading from the phone form, the month sheet with the missing reading, the chart, and
an excursion's decision buttons."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio


async def test_a_hot_reading_from_the_form_shows_on_the_sheet_and_opens_an_excursion_with_buttons(
    settings: Settings, stocked
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        page = await client.get("/coldchain/TTYT-MT/TL-02")
        assert page.status_code == 200 and 'name="celsius"' in page.text
        csrf = client.cookies.get("csrftoken", "")
        bad = await client.post(
            "/coldchain/TTYT-MT/TL-02/readings",
            data={"period": "morning", "celsius": "", "_csrf_token": csrf},
        )
        assert bad.status_code == 422 and 'class="error"' in bad.text
        form = {"period": "morning", "celsius": "9,5", "freeze_indicator": "ok", "_csrf_token": csrf}
        saved = await client.post("/coldchain/TTYT-MT/TL-02/readings", data=form, follow_redirects=False)
        assert saved.status_code == 303
        sheet = (await client.get("/coldchain/TTYT-MT/TL-02")).text
        assert "9,5" in sheet
        overview = (await client.get("/coldchain")).text
        assert "P-LATE" in overview and 'value="write_off"' in overview
        chart = await client.get("/coldchain/TTYT-MT/TL-02/chart.png")
        assert chart.status_code == 200 and chart.content[:4] == b"\x89PNG"
        decided = await client.post(
            "/coldchain/excursions/1/decide",
            data={
                "product": "PENTA",
                "lot_number": "P-LATE",
                "decision": "release",
                "vvm_stage": "1",
                "reason": "VVM checked",
                "_csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert decided.status_code == 303
        assert "P-LATE" not in (await client.get("/coldchain")).text
