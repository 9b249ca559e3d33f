"""The dependency direction the codebase promises."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module if node.module.startswith("inventory") else node.module.split(".")[0])
    return names


def test_forecasting_never_imports_inventory_sqlalchemy_or_litestar() -> None:
    for path in (ROOT / "forecasting").rglob("*.py"):
        forbidden = {m.split(".")[0] for m in imported_modules(path)} & {
            "inventory",
            "sqlalchemy",
            "litestar",
            "advanced_alchemy",
        }
        assert not forbidden, f"{path.relative_to(ROOT)} imports {forbidden}"


def test_domain_modules_import_only_the_standard_library_and_domain_errors() -> None:
    for path in (ROOT / "inventory").rglob("domain.py"):
        for module in imported_modules(path):
            allowed = module in sys.stdlib_module_names or module in {"__future__", "inventory.errors"}
            assert allowed, f"{path.relative_to(ROOT)} imports {module}"
