"""`vaxstock temps import`: a Fridge-tag report or a CSV for a location, once; a refusal exits 1 naming why."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from inventory.cli import main
from inventory.settings import Settings

DATA = Path(__file__).parents[1] / "data" / "coldchain"


def run(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner(env={"VAXSTOCK_LANGUAGE": "en"}).invoke(
        main, ["--database", settings.database_url, *args], catch_exceptions=False
    )


def test_temps_import_reads_a_report_then_imports_nothing_the_second_time(settings: Settings) -> None:
    report = str(DATA / "fridgetag-160400000001.txt")
    first = run(settings, "temps", "import", report, "--location", "TTYT-MT/TL-01")
    assert first.exit_code == 0, first.output
    assert "4 new days" in first.output and "1 new excursions" not in first.output  # no stock: closed at once
    again = run(settings, "temps", "import", report, "--facility", "TTYT-MT", "--location", "TL-01")
    assert again.exit_code == 0 and "already" in again.output
    elsewhere = run(
        settings,
        "temps",
        "import",
        str(DATA / "fridgetag-160400000001-next.txt"),
        "--location",
        "TTYT-MT/TL-02",
    )
    assert elsewhere.exit_code == 1 and "attached at TTYT-MT/TL-01" in elsewhere.output


def test_temps_import_reads_a_csv_in_fahrenheit_with_its_columns(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "logger.csv"
    path.write_text("Time;Probe (°F)\n2026-02-03 10:00;41,0\n2026-02-03 10:05;41,9\n")
    done = run(
        settings,
        "temps",
        "import",
        str(path),
        "--location",
        "TTYT-MT/TL-02",
        "--temperature-column",
        "Probe (°F)",
    )
    assert done.exit_code == 0, done.output
    assert "2 new readings" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,temperature\nyesterday,4\n")
    refused = run(settings, "temps", "import", str(bad), "--location", "TTYT-MT/TL-02")
    assert refused.exit_code == 1 and "Row 2, column timestamp" in refused.output
