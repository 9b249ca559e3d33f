"""A location's temperature chart: the 2–8 °C band shaded, readings, logger day min/max, excursions marked.
Built with matplotlib's object API (no pyplot)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from matplotlib.axes import Axes
from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure

BAND = (2.0, 8.0)


def draw_temperatures(
    ax: Axes,
    *,
    series: Sequence[tuple[datetime, float]],
    manual: Sequence[tuple[datetime, float]],
    days: Sequence[tuple[date, float | None, float | None, float | None]],
    excursions: Sequence[tuple[datetime, datetime | None, str]],
    labels: dict[str, str],
) -> Axes:
    """Draw on `ax`: the band, the logger series (a line), manual readings (dots), Fridge-tag day min–max
    (vertical bars; a day without data is left empty), and each excursion as a shaded span (red heat, blue
    freeze)."""
    ax.axhspan(*BAND, color="#d9f2d9", label=labels["band"], zorder=0)
    if series:
        ax.plot(
            [t for t, _ in series],
            [c for _, c in series],
            color="#333333",
            linewidth=0.8,
            label=labels["logger"],
        )
    if manual:
        ax.plot(
            [t for t, _ in manual],
            [c for _, c in manual],
            "o",
            color="#1f5fa8",
            markersize=4,
            label=labels["manual"],
        )
    with_data = [(d, lo, hi) for d, lo, hi, _ in days if lo is not None and hi is not None]
    if with_data:
        ax.vlines(
            [datetime.combine(d, time(12, 0)) for d, _, _ in with_data],
            [lo for _, lo, _ in with_data],
            [hi for _, _, hi in with_data],
            color="#7a4fa0",
            linewidth=3,
            label=labels["days"],
        )
    for start, end, kind in excursions:
        ax.axvspan(start, end or start, color="#e34a33" if kind == "heat" else "#3182bd", alpha=0.3)
    ax.set_ylabel("°C")
    ax.xaxis.set_major_formatter(DateFormatter("%d/%m"))
    ax.grid(True, linewidth=0.3)
    ax.legend(loc="upper left", fontsize=7)
    return ax


def temperature_figure(title: str, **data: object) -> Figure:
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    ax = fig.subplots()
    draw_temperatures(ax, **data)  # type: ignore[arg-type]
    ax.set_title(title, fontsize=10)
    return fig
