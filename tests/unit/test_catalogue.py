"""The catalogue is complete: every key a page, a template or an error uses exists, in both languages."""

from __future__ import annotations

import ast
import functools
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


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _message_keys() -> set[tuple[str, str]]:
    """Every literal `message="..."` keyword in the code (raise sites and the like), with where it is."""
    found = set()
    for path in _python_files():
        for node in ast.walk(_tree(path)):
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
        if path.name == "schedule.py":  # its ScheduleError codes are error.schedule.<code>: see below
            continue

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


def test_every_schedule_refusal_code_has_its_message() -> None:
    text = (ROOT / "forecasting" / "schedule.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'code="([a-z_]+)"', text)) | {"problems"}  # "problems": ScheduleError's default
    assert {"none_in_force", "unknown_version"} <= codes
    missing = sorted(c for c in codes if f"error.schedule.{c}" not in CATALOGUE)
    assert not missing, missing


# ---- no English refusal is left: every raise of a refusal carries a catalogue key --------------------------


def _refusal_classes() -> set[str]:
    """The names of InventoryError and of every class that derives from it anywhere in inventory/ (by the
    source: a class whose base is one of them, followed until no new one appears)."""
    bases: dict[str, set[str]] = {}
    for path in _python_files():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ClassDef):
                names = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
                bases.setdefault(node.name, set()).update(names)
    found = {"InventoryError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _raised_refusals() -> list[tuple[str, ast.Call]]:
    """Every refusal built in inventory/ (`raise X(...)`, or built and returned to be raised), with where."""
    classes = _refusal_classes()
    raised = []
    for path in _python_files():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in classes:
                    raised.append((f"{path.relative_to(ROOT)}:{node.lineno} {name}", node))
    return raised


def test_the_refusal_classes_are_found() -> None:
    """The scan below sees the refusals it is about (a scan that found none would pass for nothing)."""
    classes = _refusal_classes()
    assert {"ValidationFailed", "Forbidden", "Unauthenticated", "InputRefused", "ImportFailed"} <= classes
    assert len(_raised_refusals()) > 150


def test_no_refusal_is_raised_with_english_text() -> None:
    """A refusal raised with a positional text (or `detail=`) and no catalogue `message=` would reach the
    reader in English whatever their language: every raise site carries a key (ImportFailed carries keyed
    row problems instead)."""
    english = []
    for where, call in _raised_refusals():
        keywords = {k.arg for k in call.keywords}
        if where.endswith(("ImportFailed", "FormInvalid", "SettingsRefused")):  # keyed problems, not text
            continue
        if "message" not in keywords or call.args or "detail" in keywords:
            english.append(where)
    assert not english, english


def _literal_first_arguments(name: str) -> list[tuple[str, str]]:
    found = []
    for path in _python_files():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append((first.value, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_every_import_row_problem_has_both_languages() -> None:
    """Row problems (register import, opening stock, tabular files) and cell refusals carry catalogue keys."""
    keys = _literal_first_arguments("RowProblem") + _literal_first_arguments("CellError")
    assert len(keys) >= 20
    missing = sorted(f"{where}: {key}" for key, where in keys if key not in CATALOGUE)
    assert not missing, missing
    for case in ("not_excel", "not_utf8", "nul", "csv", "kind", "empty"):  # tabular.file_problem(path, case)
        assert f"error.import.file.{case}" in CATALOGUE
    for where in ("import.where.row_column", "import.where.row", "import.where.column"):
        assert where in CATALOGUE


def test_keys_built_at_a_raise_site_exist_for_every_value() -> None:
    """Raise sites that build their key from a value (`error.forbidden.{action}`, a status...)."""
    import inventory.users.models as users

    actions = set()
    for path in _python_files():
        actions |= set(
            re.findall(r'require_role\([^)]*action="([a-z_]+)"\)', path.read_text(encoding="utf-8"))
        )
    assert len(actions) >= 10
    wanted = [f"error.forbidden.{action}" for action in actions]
    wanted += [f"error.forbidden.see_{what}" for what in ("document", "count", "shipment")]
    wanted += [f"error.shipment.already_{status}" for status in ("received", "cancelled")]
    wanted += [f"error.reversal.shipment_{status}" for status in ("received", "cancelled")]
    wanted += [
        f"error.lot.{use}.{case}" for use in ("issue", "use") for case in ("expired", "on_hold", "vvm")
    ]
    wanted += [f"error.user.facility_needed.{role}" for role in ("store_keeper", "commune_worker")]
    from inventory.problems import HTTP_MESSAGES

    wanted += [*HTTP_MESSAGES.values(), "error.http.refused", "error.server"]

    assert {"store_keeper", "commune_worker"} <= set(users.ROLES)
    missing = [key for key in wanted if key not in CATALOGUE]
    assert not missing, missing


def test_every_key_the_command_line_prints_is_in_the_catalogue() -> None:
    """Literal keys handed to translate() (or a CLI module's `_t` / `_say`) and the column-key tuples."""
    keys = set()
    for path in (ROOT / "inventory" / "cli").rglob("*.py"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"translate", "_t", "_say"}:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
    from inventory.cli import STOCK_COLUMNS
    from inventory.cli.reports import BACKLOG_COLUMNS, FORECAST_COLUMNS

    keys |= {*STOCK_COLUMNS, *BACKLOG_COLUMNS, *FORECAST_COLUMNS, "yes", "no", "on_hold", "none"}
    assert len(keys) > 40
    assert not sorted(key for key in keys if key not in CATALOGUE)
