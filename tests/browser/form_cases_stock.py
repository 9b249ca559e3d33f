"""Bad input for the forms that post stock: receive, issue, return, adjust, usage, count, confirm, reverse, lots."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.browser.formkit import EXPIRY, FUTURE, Case, Scene, fill, line, sends, submit


def _propose_then(values: dict[str, str]) -> Callable[[Any, Scene], None]:
    def act(page, scene: Scene) -> None:
        fill(page, {"to_facility": "TYT-03451", "want.PENTA": "10"})
        page.click("button[value=propose]")
        page.wait_for_selector("#proposal")
        fill(page, values)
        submit(page, "button[value=post]")

    return act


def _count_short_without_reason(page, scene: Scene) -> None:
    rows = page.locator("#count-sheet tr[data-lot]")
    for i in range(rows.count()):
        name = page.locator("#count-sheet input[name$='.counted_vials']").nth(i).get_attribute("name")
        index = int(re.search(r"\[(\d+)\]", name or "").group(1))  # type: ignore[union-attr]
        system = page.locator(f"input[name='lines[{index}].lot_number']").input_value()
        fill(page, {name: "1" if system == "F-BCG" else "0"})
    submit(page, "#review-count")
    page.wait_for_selector("#count-review-help")
    submit(page, "#confirm-count")


def _hold_without_reason(page, scene: Scene) -> None:
    form = page.locator("#lots tr", has_text="F-BCG").locator("form[action='/lots/hold']")
    form.locator("[name=reason]").fill("x")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button").click()


def _vvm_out_of_range(page, scene: Scene) -> None:
    form = page.locator("#lots tr", has_text="F-BCG").locator("form[action='/lots/vvm']")
    form.locator("[name=vvm_stage]").fill("7")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button").click()


LOT = line(product="BCG", lot_number="F-BCG", location="TL-01")
STOCK_CASES = [
    Case(
        "receive: negative doses",
        "/receive",
        "keeper",
        "/receive",
        sends(line(product="BCG", lot_number="R-NEG", expires_on=EXPIRY, doses="-5", location="TL-01")),
        "lines[0].doses",
        kept=line(lot_number="R-NEG", doses="-5"),
        vi="Số liều phải là số nguyên",
    ),
    Case(
        "receive: a day in the future",
        "/receive",
        "keeper",
        "/receive",
        sends(
            {"occurred_on": FUTURE}
            | line(product="BCG", lot_number="R-FUT", expires_on=EXPIRY, doses="100", location="TL-01")
        ),
        "occurred_on",
        kept={"occurred_on": FUTURE, "lines[0].lot_number": "R-FUT"},
    ),
    Case(
        "receive: a new lot without its expiry",
        "/receive",
        "keeper",
        "/receive",
        sends(line(product="BCG", lot_number="R-NOEXP", doses="100", location="TL-01")),
        "lines[0].expires_on",
        kept=line(lot_number="R-NOEXP", doses="100"),
    ),
    Case(
        "issue: more than the store holds",
        "/issue",
        "keeper",
        "/issue",
        sends({"to_facility": "TYT-03451", "want.PENTA": "999999"}, "button[value=propose]"),
        "want.PENTA",
        kept={"want.PENTA": "999999"},
        vi="Chỉ còn",
    ),
    Case(
        "issue: no destination",
        "/issue",
        "keeper",
        "/issue",
        sends({"want.PENTA": "10"}, "button[value=propose]"),
        "to_facility",
        vi="chọn nơi nhận",
        kept={"want.PENTA": "10"},
    ),
    Case(
        "issue: a lot typed over the proposal that does not exist",
        "/issue",
        "keeper",
        "/issue",
        _propose_then(line(lot_number="NO-SUCH-LOT")),
        "lines[0].lot_number",
        kept=line(lot_number="NO-SUCH-LOT"),
    ),
    Case(
        "return: more than in stock",
        "/return",
        "keeper",
        "/return",
        sends(
            {"reason": "hỏng tủ"}
            | line(product="PENTA", lot_number="F-PENTA", location="TL-01", doses="99999")
        ),
        "lines[0].doses",
        kept={"reason": "hỏng tủ"} | line(doses="99999"),
        vi="Chỉ còn",
    ),
    Case(
        "return: no reason",
        "/return",
        "keeper",
        "/return",
        sends(line(product="PENTA", lot_number="F-PENTA", location="TL-01", doses="5")),
        "reason",
        kept=line(lot_number="F-PENTA", doses="5"),
        vi="Thiếu",
    ),
    Case(
        "adjust: a lot that does not exist",
        "/adjust",
        "keeper",
        "/adjust",
        sends(line(product="BCG", lot_number="NO-SUCH-LOT", location="TL-01", doses="-3", reason="broken")),
        "lines[0].lot_number",
        kept=line(lot_number="NO-SUCH-LOT", doses="-3"),
    ),
    Case(
        "adjust: no reason",
        "/adjust",
        "keeper",
        "/adjust",
        sends(LOT | line(doses="-10")),
        "lines[0].reason",
        kept=line(lot_number="F-BCG", doses="-10"),
        vi="Thiếu",
    ),
    Case(
        "usage: a session in the future",
        "/usage",
        "keeper",
        "/usage",
        sends({"session_on": FUTURE} | LOT | line(doses_administered="2", vials_opened="1")),
        "session_on",
        kept={"session_on": FUTURE} | line(doses_administered="2"),
    ),
    Case(
        "usage: negative doses given",
        "/usage",
        "keeper",
        "/usage",
        sends(LOT | line(doses_administered="-1", vials_opened="1")),
        "lines[0].doses_administered",
        kept=line(doses_administered="-1"),
    ),
    Case(
        "count: a negative number of vials",
        "/count",
        "keeper",
        "/count",
        sends(line(counted_vials="-1"), "#review-count"),
        "lines[0].counted_vials",
        kept=line(counted_vials="-1"),
        vi="số nguyên",
    ),
    Case(
        "count: a difference without its reason",
        "/count",
        "keeper",
        "/count",
        _count_short_without_reason,
        "difference_reason",
    ),
    Case(
        "confirm: fewer received without a reason",
        "/shipments/{shipment_id:int}/confirm",
        "commune",
        "/shipments/{shipment}/confirm",
        sends(line(doses_received="39")),
        "lines[0].difference_reason",
        kept=line(doses_received="39"),
    ),
    Case(
        "confirm: negative doses received",
        "/shipments/{shipment_id:int}/confirm",
        "commune",
        "/shipments/{shipment}/confirm",
        sends(line(doses_received="-1")),
        "lines[0].doses_received",
        kept=line(doses_received="-1"),
    ),
    Case(
        "reverse: no reason",
        "/documents/{document_id:int}/reverse",
        "keeper",
        "/documents/{receipt}",
        sends({"reason": "x"}, "form[action$='/reverse'] button"),
        "reason",
        kept={"reason": "x"},
    ),
    Case(
        "lot hold: a reason too short",
        "/lots/{action:str}",
        "keeper",
        "/lots",
        _hold_without_reason,
        "BCG/F-BCG",
        vi="Lý do cần ít nhất 3 ký tự",
        kept={"#lots form[action='/lots/hold'] [name=reason] >> nth=0": "x"},
    ),
    Case(
        "lot VVM: a stage that does not exist",
        "/lots/{action:str}",
        "keeper",
        "/lots",
        _vvm_out_of_range,
        "BCG/F-BCG",
        vi="VVM phải là số nguyên không quá 4",
        kept={"#lots form[action='/lots/vvm'] [name=vvm_stage] >> nth=0": "7"},
    ),
]
