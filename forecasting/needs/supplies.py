"""Bundled supplies: default bundling ratios, the items bundled with each order line, their totals."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from forecasting.needs.schemas import BUNDLE_RATIOS, SUPPLIES


@dataclass(frozen=True, kw_only=True, slots=True)
class BundlingDefaults:
    """Default bundling ratios used to seed ``BUNDLE_RATIOS`` rows (the ratios themselves are data)."""

    syringe_wastage_factor: float = 1.11
    """Syringes per dose (AD) or per vial (reconstitution): 1 + 10 % wastage (S10: doses × 1.11)."""
    syringes_per_safety_box: int = 100
    """Syringes per 5-litre safety box (WHO practice; S10 divides by 150: UNVERIFIED which applies)."""
    diluent_vials_per_vial: float = 1.0
    """Diluent vials per vial of lyophilised vaccine."""
    ad_syringe_code: str = "AD"
    ad_syringe_name: str = "Bơm kim tiêm tự khóa (AD)"
    mixing_syringe_code: str = "RUP"
    mixing_syringe_name: str = "Bơm tiêm pha hồi chỉnh"
    safety_box_code: str = "SB"
    safety_box_name: str = "Hộp an toàn"


def default_bundle_ratios(
    products: pl.LazyFrame,
    *,
    oral_product_codes: Collection[str] = (),
    defaults: BundlingDefaults | None = None,
) -> pl.LazyFrame:
    """Seed ``BUNDLE_RATIOS`` rows from ``BundlingDefaults`` for the products (oral ones get no syringes)."""
    # AD syringes and safety boxes per dose of injectables; diluent, mixing syringe and safety box per
    # vial of lyophilised vaccines.
    d = defaults or BundlingDefaults()
    box = d.syringe_wastage_factor / d.syringes_per_safety_box
    vaccines = products.filter(~pl.col("is_diluent"))
    injectable = vaccines.filter(~pl.col("product_code").is_in(list(oral_product_codes)))
    lyophilised = injectable.filter(pl.col("presentation") == "lyophilised")
    diluents = products.filter(pl.col("is_diluent")).select(
        pl.col("product_code").alias("diluent_code"), pl.col("name").alias("diluent_name")
    )

    def rows(
        frame: pl.LazyFrame, code: str | pl.Expr, name: str | pl.Expr, per: str, ratio: float
    ) -> pl.LazyFrame:
        return frame.select(
            "product_code",
            (pl.lit(code) if isinstance(code, str) else code).alias("item_code"),
            (pl.lit(name) if isinstance(name, str) else name).alias("item_name"),
            pl.lit(per).alias("per"),
            pl.lit(ratio, dtype=pl.Float64).alias("ratio"),
        )

    with_diluent = lyophilised.filter(pl.col("diluent_code").is_not_null()).join(
        diluents, on="diluent_code", how="left"
    )
    return pl.concat(
        [
            rows(injectable, d.ad_syringe_code, d.ad_syringe_name, "dose", d.syringe_wastage_factor),
            rows(injectable, d.safety_box_code, d.safety_box_name, "dose", box),
            rows(
                with_diluent,
                pl.col("diluent_code"),
                pl.coalesce(pl.col("diluent_name"), pl.col("diluent_code")),
                "vial",
                d.diluent_vials_per_vial,
            ),
            rows(lyophilised, d.mixing_syringe_code, d.mixing_syringe_name, "vial", d.syringe_wastage_factor),
            rows(lyophilised, d.safety_box_code, d.safety_box_name, "vial", box),
        ]
    ).cast(dict(BUNDLE_RATIOS))


def supply_totals(supplies: pl.DataFrame) -> pl.DataFrame:
    """The request's totals per item over every vaccine, rounded up once (not a sum of rounded shares)."""
    return (
        supplies.filter(pl.col("scope") == "total")
        .group_by("item_code", "item_name")
        .agg(pl.col("exact").sum().round(6).ceil().cast(pl.Int64).alias("quantity"))
        .sort("item_code")
    )


def bundled_supplies(forecast: pl.LazyFrame, ratios: pl.LazyFrame) -> pl.LazyFrame:
    """Items bundled with each order line: ⌈Σ ratio × doses (or vials) ordered⌉ per item (``SUPPLIES``)."""
    base = pl.when(pl.col("per") == "vial").then(pl.col("order_vials")).otherwise(pl.col("order_doses"))
    return (
        forecast.select("scope", "facility_code", "product_code", "order_doses", "order_vials")
        .join(ratios, on="product_code", how="inner")
        .group_by("scope", "facility_code", "product_code", "item_code", maintain_order=True)
        .agg(pl.col("item_name").first(), (base * pl.col("ratio")).sum().alias("exact"))
        .with_columns(pl.col("exact").round(6).ceil().cast(pl.Int64).alias("quantity"))
        .select(SUPPLIES.names())
        .cast(dict(SUPPLIES))
    )
