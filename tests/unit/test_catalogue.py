"""The catalogue is complete: every key a page, a template or an error uses exists, in both languages."""

from __future__ import annotations

import ast
import inspect
import re
import string
from pathlib import Path

import pytest

import inventory.auth
import inventory.errors
from inventory import i18n
from inventory.errors import InventoryError
from inventory.i18n import CATALOGUE, format_number, language, translate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_KEY = re.compile(r"""\bt\(\s*['"]([A-Za-z0-9_.\-]+)['"]""")


def _format_parameters(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _python_files() -> list[Path]:
    return [p for top in ("inventory", "forecasting") for p in (ROOT / top).rglob("*.py")]


def _message_keys() -> set[tuple[str, str]]:
    """Every literal `message="..."` keyword in the code (raise sites and the like), with where it is."""
    found = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if (
                        keyword.arg == "message"
                        and isinstance(keyword.value, ast.Constant)
                        and isinstance(keyword.value.value, str)
                    ):
                        found.add((keyword.value.value, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_entry_has_both_languages_with_the_same_parameters() -> None:
    for key, (vi, en) in CATALOGUE.items():
        assert vi.strip() and en.strip(), f"{key} lacks a language"
        assert _format_parameters(vi) == _format_parameters(en), f"{key}: parameters differ between vi and en"


def test_every_template_key_is_in_the_catalogue() -> None:
    missing = []
    for path in (ROOT / "inventory" / "web" / "templates").rglob("*.html"):
        for key in TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")):
            if key.endswith("."):  # a prefix completed by a value ('kind.' ~ document.kind): see below
                continue
            if key not in CATALOGUE:
                missing.append(f"{path.name}: {key}")
    assert not missing, missing


def test_every_message_key_raised_is_in_the_catalogue() -> None:
    missing = sorted(f"{where}: {key}" for key, where in _message_keys() if key not in CATALOGUE)
    assert not missing, missing


def test_every_error_code_has_its_general_text() -> None:
    classes = [
        c for _, c in inspect.getmembers(inventory.errors, inspect.isclass) if issubclass(c, InventoryError)
    ]
    classes += [
        c for _, c in inspect.getmembers(inventory.auth, inspect.isclass) if issubclass(c, InventoryError)
    ]
    missing = sorted({c.code for c in classes if f"error.{c.code}" not in CATALOGUE})
    assert not missing, missing


def test_an_error_renders_in_the_readers_language_with_numbers_written_their_way() -> None:
    i18n.CATALOGUE["test.only"] = ("Chỉ còn {available} liều", "Only {available} doses")
    try:
        error = inventory.errors.InsufficientStock(
            message="test.only", params={"available": 2640}, field="doses"
        )
        assert error.text("vi") == "Chỉ còn 2.640 liều"
        assert error.text("en") == "Only 2,640 doses"
        problem = error.to_problem("vi")
        assert problem["detail"] == "Chỉ còn 2.640 liều"
        assert problem["message"] == "test.only" and problem["params"] == {"available": 2640}
        assert problem["code"] == "insufficient_stock" and problem["field"] == "doses"
    finally:
        del i18n.CATALOGUE["test.only"]


@pytest.mark.parametrize(
    ("value", "vi", "en"),
    [
        (2640, "2.640", "2,640"),
        (1234567, "1.234.567", "1,234,567"),
        (0.5, "0,5", "0.5"),
        (-170, "-170", "-170"),
    ],
)
def test_numbers_are_written_the_vietnamese_way(value: float, vi: str, en: str) -> None:
    assert format_number(value, "vi") == vi
    assert format_number(value, "en") == en


def test_accept_language_picks_a_supported_language_and_defaults_to_vietnamese() -> None:
    assert language("en-GB,en;q=0.9") == "en"
    assert language("fr-FR, en;q=0.5") == "en"
    assert language("fr") == "vi"
    assert language(None) == "vi"


def test_a_missing_key_shows_itself_rather_than_failing() -> None:
    assert translate("no.such.key", "vi") == "no.such.key"


def test_keys_built_from_values_exist_for_every_value() -> None:
    """Templates build some keys from data ('kind.' ~ kind, 'forecast.param.' ~ name): each value has one."""
    from forecasting.needs import SETTING_NAMES
    from inventory.stock.domain import REASON_DIRECTIONS

    wanted = [f"forecast.param.{name}" for name in SETTING_NAMES]
    wanted += [f"reason.{reason}" for reason in REASON_DIRECTIONS]
    missing = [key for key in wanted if key not in CATALOGUE]
    assert not missing, missing


def test_every_forecasting_refusal_code_has_its_message() -> None:
    """forecasting/ raises ForecastParameterError(code=...) without knowing the catalogue: each code has one."""
    codes = set()
    for path in (ROOT / "forecasting").rglob("*.py"):
        codes |= set(re.findall(r'code="([a-z_.]+)"', path.read_text(encoding="utf-8")))
        codes |= {
            f"setting.{c}"
            for c in re.findall(r'refuse\([^)]*"([a-z_]+)"\)', path.read_text(encoding="utf-8"))
        }
    from forecasting.needs.settings import SETTING_NAMES

    codes |= {f"setting.{name}" for name in ("coverage", "wastage_rate", "reserve_share", "lead_time_days")}
    codes |= {
        "setting.catchup_months",
        "setting.consumption_growth",
        "setting.share",
        "setting.whole",
        "setting.number",
    }
    assert {n for n in SETTING_NAMES}  # the settings exist
    missing = sorted(c for c in codes if f"error.forecast.{c}" not in CATALOGUE)
    assert not missing, missing
