"""Alarm rules per location through the API: list, set (create or replace) and delete a location's own rule,
who may, field-named refusals with nothing written, writes safe to retry, and a rule that changes which
readings open an excursion."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tests.integration.ledger_samples import COMMUNE, DISTRICT
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

RULES = f"/api/v1/facilities/{DISTRICT}/locations/TL-02/alarm-rules"
HOUR_AT_FIVE = {"kind": "heat", "mode": "continuous", "threshold_c": 8.0, "minutes": 60, "inclusive": False}


async def send(api, method: str, path: str, body=None, *, key: str | None = None):
    headers = {"Idempotency-Key": key or f"test-{uuid.uuid4()}", **api.auth}
    return await api.client.request(method, path, json=body, headers=headers)


def summary(answer) -> list[tuple]:
    return [(r["name"], r["threshold_c"], r["minutes"], r["inclusive"], r["source"]) for r in answer["rules"]]


async def test_a_location_rule_is_set_replayed_refused_when_bad_and_removed(api) -> None:
    await api.ok("/equipment", {"facility": DISTRICT, "location": "TL-02", "equipment_type": "refrigerator"})
    listed = (await api.client.get(RULES, headers=api.auth)).json()
    # WHO PQS 30-day recorder defaults for a refrigerator (docs/coldchain.md)
    assert summary(listed) == [("freeze", -0.5, 60, True, "type"), ("heat", 8.0, 600, False, "type")]
    key = f"test-{uuid.uuid4()}"
    first = await send(api, "PUT", f"{RULES}/heat", HOUR_AT_FIVE, key=key)
    assert first.status_code == 200, first.text
    assert summary(first.json())[1] == ("heat", 8.0, 60, False, "location")
    assert (await send(api, "PUT", f"{RULES}/heat", HOUR_AT_FIVE, key=key)).json() == first.json()
    again = await send(api, "PUT", f"{RULES}/heat", HOUR_AT_FIVE)  # a new key, the same rule: same state
    assert again.status_code == 200 and again.json() == first.json()
    reused = await send(api, "PUT", f"{RULES}/heat", {**HOUR_AT_FIVE, "minutes": 30}, key=key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    bad = {
        "Heat!": (HOUR_AT_FIVE, "name"),
        "freeze": ({**HOUR_AT_FIVE, "threshold_c": -0.5}, "kind"),
        "heat_sum": ({**HOUR_AT_FIVE, "mode": "cumulative"}, "window_minutes"),
        "heat_long": ({**HOUR_AT_FIVE, "window_minutes": 600}, "window_minutes"),
        "heat_window": ({**HOUR_AT_FIVE, "mode": "cumulative", "window_minutes": 30}, "window_minutes"),
        "heat_neg": ({**HOUR_AT_FIVE, "minutes": -1}, "minutes"),
        "heat_hot": ({**HOUR_AT_FIVE, "threshold_c": 500}, "threshold_c"),
        "heat_extra": ({**HOUR_AT_FIVE, "colour": "red"}, "colour"),
    }
    for name, (body, field) in bad.items():
        refused = await send(api, "PUT", f"{RULES}/{name}", body)
        assert refused.status_code == 422 and refused.json()["field"] == field, (name, refused.text)
    after = (await api.client.get(RULES, headers=api.auth)).json()
    assert after == first.json()  # nothing written by the refusals
    added = await send(
        api,
        "PUT",
        f"{RULES}/heat_30",
        {**HOUR_AT_FIVE, "mode": "cumulative", "threshold_c": 30, "window_minutes": 600},
    )
    assert [r["name"] for r in added.json()["rules"]] == ["freeze", "heat", "heat_30"]
    removed = await send(api, "DELETE", f"{RULES}/heat")
    assert removed.status_code == 200 and summary(removed.json())[1] == ("heat", 8.0, 600, False, "type")
    gone = await send(api, "DELETE", f"{RULES}/heat")
    assert gone.status_code == 404 and gone.json()["field"] == "name"
    nothing = await api.client.get(
        f"/api/v1/facilities/{DISTRICT}/locations/TL-01/alarm-rules", headers=api.auth
    )
    assert nothing.status_code == 404 and nothing.json()["field"] == "location"


async def test_only_an_administrator_or_the_facilitys_keeper_changes_its_rules(api) -> None:
    await api.ok("/equipment", {"facility": DISTRICT, "location": "TL-02", "equipment_type": "refrigerator"})
    await api.ok("/equipment", {"facility": COMMUNE, "location": "TL", "equipment_type": "refrigerator"})
    commune_rules = f"/api/v1/facilities/{COMMUNE}/locations/TL/alarm-rules"
    for user, path in (("commune", commune_rules), ("keeper", commune_rules), ("viewer", RULES)):
        refused = await send(api.as_user(user), "PUT", f"{path}/heat", HOUR_AT_FIVE)
        assert refused.status_code == 403, (user, refused.text)
    assert (await send(api.as_user("commune"), "DELETE", f"{commune_rules}/heat")).status_code == 403
    assert (
        await api.as_user("commune").client.get(commune_rules, headers=api.as_user("commune").auth)
    ).status_code == 200
    assert (await send(api.as_user("keeper"), "PUT", f"{RULES}/heat", HOUR_AT_FIVE)).status_code == 200


async def test_a_location_rule_decides_which_readings_open_an_excursion(api) -> None:
    await api.ok("/equipment", {"facility": DISTRICT, "location": "TL-02", "equipment_type": "refrigerator"})
    start = datetime(2026, 2, 3, 6, 0)
    values = [5.0] * 12 + [9.0] * 24 + [5.0] * 12  # two hours above +8 °C: under the type's 10 hours

    async def upload(name: str, shift: timedelta):
        rows = "".join(
            f"{start + shift + timedelta(minutes=5 * i):%Y-%m-%d %H:%M},{v}\n" for i, v in enumerate(values)
        )
        answer = await api.client.post(
            f"/api/v1/facilities/{DISTRICT}/locations/TL-02/temperature-files",
            files={"file": (name, ("timestamp,temperature\n" + rows).encode())},
            headers={"Idempotency-Key": f"test-{uuid.uuid4()}", **api.auth},
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["excursions"]

    assert await upload("before.csv", timedelta(0)) == []
    assert (await send(api, "PUT", f"{RULES}/heat", HOUR_AT_FIVE)).status_code == 200
    [opened] = await upload("after.csv", timedelta(days=1))
    excursion = await api.read(f"/excursions/{opened}")
    # above +8 °C from 07:00 local on 04/02 (00:00 UTC): 60 minutes reached at 08:00 local, 01:00 UTC
    assert (excursion["rule"], excursion["alarm_at"][:16]) == ("heat", "2026-02-04T01:00")
    await sign_in(api.client, "keeper")
    page = (await api.client.get(f"/coldchain/{DISTRICT}/TL-02")).text
    assert "&gt; 8 °C liên tục 60 phút" in page and "riêng của vị trí này" in page
