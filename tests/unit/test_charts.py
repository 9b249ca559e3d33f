"""Charts: drawn artists, data preparation, and Vietnamese glyphs in the chosen font."""

from datetime import date

import polars as pl
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from forecasting.charts import (
    BACKLOG_BY_COMMUNE,
    NEED_LABEL,
    STOCK_LABEL,
    STOCK_VS_NEED,
    USED_LABEL,
    backlog_by_commune,
    backlog_figure,
    draw_backlog_by_commune,
    draw_stock_vs_need,
    figure_to_png,
    stock_vs_need,
    stock_vs_need_figure,
)
from forecasting.needs import forecast_needs
from forecasting.periods import parse_period
from tests.unit import forecast_samples as sample


@pytest.fixture(scope="module")
def forecast() -> pl.LazyFrame:
    return forecast_needs(
        products=sample.products(),
        facilities=sample.facilities(),
        history=sample.history(),
        stock=sample.stock(),
        backlog=sample.backlog(),
        period=parse_period("2027"),
        today=sample.TODAY,
    )


@pytest.fixture(scope="module")
def stock_data(forecast) -> pl.DataFrame:
    return stock_vs_need(sample.history(), forecast, today=sample.TODAY).collect()


@pytest.fixture(scope="module")
def backlog_data() -> pl.DataFrame:
    return backlog_by_commune(sample.backlog(), sample.facilities()).collect()


def test_stock_against_need_has_twelve_months_per_vaccine_with_summed_stock_and_monthly_need(forecast):
    lazy = stock_vs_need(sample.history(), forecast, today=sample.TODAY)
    assert lazy.collect_schema() == STOCK_VS_NEED
    df = lazy.collect()
    assert df.group_by("product_code").len().sort("product_code")["len"].to_list() == [12] * 4
    penta = df.filter(pl.col("product_code") == "PENTA")
    assert penta["month"].to_list()[0] == date(2025, 5, 1)
    assert penta["month"].to_list()[-1] == date(2026, 4, 1)
    assert penta["stock_doses"].to_list()[-1] == (60 + 23) + 80  # Mù Cả + Tà Tổng closing stock
    assert penta["used_doses"].to_list()[-1] == 20 + 30
    total = forecast.filter((pl.col("scope") == "total") & (pl.col("product_code") == "PENTA")).collect()
    assert penta["need_doses"].unique().to_list() == [round(total["need_doses"].item() / 12)]
    assert df.filter(pl.col("product_code") == "TD")["stock_doses"].null_count() == 12


def test_the_stock_chart_draws_a_bar_per_month_and_lines_for_use_and_need(stock_data):
    penta = stock_data.filter(pl.col("product_code") == "PENTA")
    ax = Figure().subplots()
    draw_stock_vs_need(ax, penta)
    assert [p.get_height() for p in ax.patches] == penta["stock_doses"].to_list()
    assert len(ax.lines) == 2
    assert list(ax.lines[0].get_ydata()) == penta["used_doses"].to_list()
    assert list(ax.lines[1].get_ydata()) == penta["need_doses"].to_list()
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [USED_LABEL, NEED_LABEL, STOCK_LABEL]
    assert ax.get_title() == "DPT-VGB-Hib (5 trong 1)"
    assert [t.get_text() for t in ax.get_xticklabels()][:2] == ["05/25", "06/25"]


def test_the_backlog_chart_stacks_each_commune_bar_by_vaccine(backlog_data):
    assert backlog_data.schema == BACKLOG_BY_COMMUNE
    ax = Figure().subplots()
    draw_backlog_by_commune(ax, backlog_data)
    communes = [t.get_text() for t in ax.get_yticklabels()]
    assert sorted(communes) == ["Trạm Y tế xã Bum Nưa", "Trạm Y tế xã Mù Cả", "Trạm Y tế xã Tà Tổng"]
    widths: dict[str, float] = {}
    for patch in ax.patches:
        commune = communes[round(patch.get_y() + patch.get_height() / 2)]
        widths[commune] = widths.get(commune, 0) + patch.get_width()
    assert widths == {"Trạm Y tế xã Bum Nưa": 105, "Trạm Y tế xã Mù Cả": 24, "Trạm Y tế xã Tà Tổng": 12}
    assert len(ax.patches) == backlog_data.height  # one segment per commune × vaccine with a backlog
    assert ax.get_title() == "Số liều tiêm bù tồn đọng theo xã"


def test_every_character_drawn_exists_in_the_chart_font(stock_data, backlog_data):
    for fig in (stock_vs_need_figure(stock_data), backlog_figure(backlog_data)):
        figure_to_png(fig)  # lays out tick labels and legends
        texts = [t for t in fig.findobj(Text) if t.get_text()]
        assert any("ồ" in t.get_text() or "ố" in t.get_text() for t in texts)
        for text in texts:
            path = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
            assert path.endswith("DejaVuSans.ttf"), (text.get_text(), path)
            font = FT2Font(path)
            missing = [c for c in text.get_text() if not c.isspace() and font.get_char_index(ord(c)) == 0]
            assert missing == [], text.get_text()


def test_a_figure_renders_to_png_bytes_without_pyplot(backlog_data):
    png = figure_to_png(backlog_figure(backlog_data))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 1000


def test_the_small_multiples_have_one_chart_per_vaccine_and_blank_the_spare_axes(stock_data):
    fig = stock_vs_need_figure(stock_data, columns=3)
    visible = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in visible] == stock_data["product_name"].unique(
        maintain_order=True
    ).to_list()
    assert len(fig.axes) == 6
