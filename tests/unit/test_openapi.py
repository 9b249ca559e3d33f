"""The API's published schema (/schema/openapi.json) is a contract: a change to it is deliberate and shows
up here. After an intended change, refresh the saved copy with
`uv run python -m tests.unit.test_openapi > tests/data/openapi.json`."""

from __future__ import annotations

import json
from pathlib import Path

from inventory.app import create_app
from inventory.settings import Settings

SAVED = Path(__file__).resolve().parents[1] / "data" / "openapi.json"


def current_schema(tmp_dir: Path) -> dict:
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{tmp_dir / 'schema.db'}"))
    return app.openapi_schema.to_schema()


def test_the_openapi_schema_is_the_saved_one(tmp_path: Path) -> None:
    assert current_schema(tmp_path) == json.loads(SAVED.read_text(encoding="utf-8"))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps(current_schema(Path(scratch)), sort_keys=True, indent=1))
