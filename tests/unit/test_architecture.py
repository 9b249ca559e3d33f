"""The dependency direction the codebase promises (docs/architecture.md): every module of inventory/ sits
in one layer and imports only from layers below it; use cases never import each other; forecasting/ is a
wing of its own that imports nothing of inventory/."""

from __future__ import annotations

import ast
import fnmatch
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAYERS: list[tuple[str, list[str]]] = [
    (
        "entry points",
        ["inventory.app", "inventory.cli", "inventory.cli.*", "inventory.demo", "inventory.demo.*"],
    ),
    (
        "handlers",
        [
            "inventory.*.api",
            "inventory.web",
            "inventory.web.*",
            "inventory.authn",
            "inventory.refusals",
            "inventory.importer",
            "inventory.problems",
            "inventory.*.api.*",
        ],
    ),
    (
        "use cases",
        [
            "inventory.*.use_cases.*",
            "inventory.*.service",
            "inventory.alerts.delivery",
            "inventory.alerts.subscriptions",
        ],
    ),
    (
        "shared steps",
        [
            "inventory.stock.context",
            "inventory.idempotency",
            "inventory.audit.service",
            "inventory.catalog.service",
            "inventory.routes.checks",
            "inventory.register.reads",
            "inventory.register.base",
            "inventory.forecast.inputs",
            "inventory.alerts.reads",
            "inventory.alerts.setting",
            "inventory.coldchain.capacity",
            "inventory.datacache",
            "inventory.reports.configuration",
            "inventory.coldchain.places",
            "inventory.coldchain.opening",
            "inventory.coldchain.reads",
            "inventory.users.base",
            "inventory.users.accounts",
            "inventory.users.passwords",
            "inventory.users.sessions",
            "inventory.users.tokens",
            "inventory.users.throttle",
            "inventory.users.hashing",
            "inventory.reports.scope",
            "inventory.reports.results",
            "inventory.reports.building",
            "inventory.reports.exports",
            "inventory.reports.submission",
        ],
    ),
    (
        "domain and repositories",
        [
            "inventory.*.domain",
            "inventory.*.repository",
            "inventory.*.repository_reads",
            "inventory.*.repository_documents",
            "inventory.stock.ledger",
            "inventory.stock.ledger.*",
            "inventory.register.parsing",
            "inventory.alerts.rules",
            "inventory.alerts.duties",
            "inventory.alerts.frames",
            "inventory.alerts.expiry",
            "inventory.alerts.duties_sql",
            "inventory.alerts.thresholds",
            "inventory.coldchain.fridgetag",
            "inventory.coldchain.series",
            "inventory.coldchain.charts",
            "inventory.coldchain.exposure",
            "inventory.catalog.seed",
            "inventory.migrate",
            "inventory.backup",
            "inventory.backup.*",
            "inventory.reports.documents",
            "inventory.reports.tables",
            "inventory.reports.summary",
            "inventory.coldchain.evaluation",
            "inventory.coldchain.fridgetag_days",
            "inventory.alerts.outbound",
            "inventory.reports.result_tables",
        ],
    ),
    (
        "models and schemas",
        ["inventory.*.models", "inventory.models", "inventory.*.schemas", "inventory.*.schemas.*"],
    ),
    (
        "base",
        [
            "inventory",
            "inventory.alerts",
            "inventory.alerts.config",
            "inventory.audit",
            "inventory.catalog",
            "inventory.coldchain",
            "inventory.forecast",
            "inventory.register",
            "inventory.routes",
            "inventory.reports",
            "inventory.stock",
            "inventory.stock.use_cases",
            "inventory.users",
            "inventory.db",
            "inventory.chain",
            "inventory.settings",
            "inventory.errors",
            "inventory.auth",
            "inventory.timeutil",
            "inventory.types",
            "inventory.commands",
            "inventory.paging",
            "inventory.tabular",
            "inventory.i18n",
            "inventory.i18n.*",
            "inventory.coldchain.use_cases",
        ],
    ),
]
"""Top to bottom. A module named outright is in that layer; any other in the first whose pattern matches."""
USE_CASES_LAYER = 2
"""Use cases never import each other: what two share lives in the layer below them."""
FORECASTING_MAY_NOT_IMPORT = {"inventory", "sqlalchemy", "litestar", "advanced_alchemy"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module a file imports, absolute (`from inventory.x import y` names inventory.x.y if that is a
    module, else inventory.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layer_of(module: str) -> int | None:
    """A module named in a layer is there; otherwise the first layer with a pattern that matches it."""
    for index, (_, patterns) in enumerate(LAYERS):
        if module in patterns:
            return index
    for index, (_, patterns) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(module, p) for p in patterns):
            return index
    return None


def violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Each import in `graph` (module -> modules it imports) that breaks the layering, as a sentence."""
    known = set(graph)
    found = []
    for module, imported in sorted(graph.items()):
        mine = layer_of(module)
        if mine is None:
            found.append(f"{module} is in no layer: place it in LAYERS")
            continue
        for target in sorted(t for t in imported if t in known and t != module):
            theirs = layer_of(target)
            if theirs is None:
                continue  # reported as a module of its own
            upward = theirs < mine
            sideways = theirs == mine == USE_CASES_LAYER
            if upward or sideways:
                how = "up" if upward else "sideways"
                found.append(f"{module} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]}): {how}")
    return found


def inventory_graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) for p in (ROOT / "inventory").rglob("*.py")}


def test_every_import_in_inventory_runs_down_the_layers() -> None:
    assert violations(inventory_graph()) == []


def test_an_upward_or_sideways_import_is_caught() -> None:
    graph = inventory_graph()
    upward = {
        **graph,
        "inventory.stock.models": graph["inventory.stock.models"] | {"inventory.stock.context"},
    }
    assert violations(upward) == [
        "inventory.stock.models (models and schemas) imports inventory.stock.context (shared steps): up"
    ]
    between_use_cases = {
        **graph,
        "inventory.stock.use_cases.confirmation": graph["inventory.stock.use_cases.confirmation"]
        | {"inventory.stock.use_cases.views"},
    }
    assert violations(between_use_cases) == [
        "inventory.stock.use_cases.confirmation (use cases) imports inventory.stock.use_cases.views "
        "(use cases): sideways"
    ]
    placeless = {**graph, "inventory.stock.newcomer": set()}
    assert violations(placeless) == ["inventory.stock.newcomer is in no layer: place it in LAYERS"]


def test_forecasting_never_imports_inventory_sqlalchemy_or_litestar() -> None:
    for path in (ROOT / "forecasting").rglob("*.py"):
        forbidden = {m.split(".")[0] for m in imports(path)} & FORECASTING_MAY_NOT_IMPORT
        assert not forbidden, f"{path.relative_to(ROOT)} imports {forbidden}"


def test_domain_modules_import_only_the_standard_library_and_domain_errors() -> None:
    for path in (ROOT / "inventory").rglob("domain.py"):
        for module in imports(path):
            top = module.split(".")[0]
            allowed = (
                top in sys.stdlib_module_names or top == "__future__" or module.startswith("inventory.errors")
            )
            assert allowed, f"{path.relative_to(ROOT)} imports {module}"
