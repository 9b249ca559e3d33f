"""The temperature chart draws the 2–8 °C band, the series, the day bars and each excursion (inspected
artists, not images)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from matplotlib.figure import Figure

from inventory.coldchain.charts import draw_temperatures

LABELS = {"band": "2–8 °C", "logger": "logger", "manual": "manual", "days": "days"}


def test_the_band_the_series_and_the_excursions_are_drawn() -> None:
    ax = Figure().subplots()
    start = datetime(2026, 2, 3)
    series = [(start + timedelta(hours=i), 5.0 + i) for i in range(6)]
    draw_temperatures(
        ax,
        series=series,
        manual=[(start, 4.0)],
        days=[(date(2026, 2, 3), 3.1, 9.4, 5.8), (date(2026, 2, 2), None, None, None)],
        excursions=[(start + timedelta(hours=4), start + timedelta(hours=5), "heat")],
        labels=LABELS,
    )
    band, excursion = ax.patches[0], ax.patches[1]
    assert band.get_y() == 2.0 and band.get_height() == 6.0
    assert excursion.get_facecolor()[:3] != band.get_facecolor()[:3]
    assert [line.get_label() for line in ax.lines] == ["logger", "manual"]
    assert list(ax.lines[0].get_ydata()) == [5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    [bars] = ax.collections  # one bar: the day without data has none
    assert len(bars.get_segments()) == 1
