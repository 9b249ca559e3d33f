"""The polars schemas of the forecast's inputs and outputs, and the target groups."""

from __future__ import annotations

import polars as pl

PRODUCTS = pl.Schema(
    {
        "product_code": pl.String,
        "name": pl.String,
        "doses_per_vial": pl.Int64,
        "vials_per_pack": pl.Int64,
        "is_diluent": pl.Boolean,
        "diluent_code": pl.String,  # nullable: the diluent product bundled with a lyophilised vaccine
        "keep_opened_vial": pl.Boolean,  # MDVP: opened vial kept up to 28 days
        "presentation": pl.String,  # "liquid" | "lyophilised"
        "doses_in_schedule": pl.Int64,  # nullable for diluents
        "target_group": pl.String,  # "births" | "surviving_infants" | "pregnant_women" | "children_7y"
    }
)

FACILITIES = pl.Schema(
    {
        "facility_code": pl.String,
        "name": pl.String,
        "level": pl.String,  # "province" | "district" | "commune"
        "parent_code": pl.String,  # nullable for the top of the tree
        "population": pl.Int64,  # nullable: population served by the facility's own vaccination post
    }
)

CONSUMPTION = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "month": pl.Date,  # first day of the month
        "doses_used": pl.Int64,  # doses issued for vaccination (opened vials), wastage included
        "doses_administered": pl.Int64,
        "stockout_days": pl.Int64,
        "closing_stock": pl.Int64,  # nullable: doses on hand at the end of the month (for the chart)
    }
)

STOCK = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "stock_on_hand": pl.Int64,  # doses
        "stock_in_transit": pl.Int64,  # doses shipped to this facility, not yet received
    }
)

BACKLOG = pl.Schema(
    {
        "facility_code": pl.String,
        "product_code": pl.String,
        "doses": pl.Int64,  # doses needed to clear the overdue catch-up backlog (from the register)
    }
)

REGISTER_BACKLOG = pl.Schema(
    {
        "commune_code": pl.String,
        "product_code": pl.String,
        "due": pl.Int64,
        "overdue": pl.Int64,
    }
)
"""The columns read from the register's backlog by commune × antigen × dose (``forecasting.backlog.backlog``)."""

COMMUNE_FACILITIES = pl.Schema({"commune_code": pl.String, "facility_code": pl.String})

TARGETS = pl.Schema(
    {
        "facility_code": pl.String,
        "target_group": pl.String,
        "persons": pl.Int64,  # target list count for the year; replaces population × share
    }
)

BUNDLE_RATIOS = pl.Schema(
    {
        "product_code": pl.String,  # the vaccine the item is bundled with
        "item_code": pl.String,
        "item_name": pl.String,
        "per": pl.String,  # "dose" | "vial": the base the ratio multiplies
        "ratio": pl.Float64,
    }
)

FORECAST = pl.Schema(
    {
        "scope": pl.String,  # "facility" | "aggregate" | "total"
        "facility_code": pl.String,  # null on the total line
        "facility_name": pl.String,
        "level": pl.String,
        "parent_code": pl.String,
        "facilities": pl.Int64,  # facilities counted on the line
        "product_code": pl.String,
        "product_name": pl.String,
        "presentation": pl.String,
        "doses_per_vial": pl.Int64,
        "vials_per_pack": pl.Int64,
        "period": pl.String,
        "period_months": pl.Int64,
        "period_days": pl.Int64,
        "target_group": pl.String,
        "population": pl.Int64,
        "target_share": pl.Float64,
        "target_population": pl.Int64,
        "target_population_source": pl.String,  # "target_list" | "population" | null
        "doses_in_schedule": pl.Int64,
        "coverage": pl.Float64,
        "history_months": pl.Int64,
        "doses_used": pl.Int64,
        "doses_administered": pl.Int64,
        "stockout_days": pl.Int64,
        "monthly_consumption": pl.Float64,  # adjusted for stock-out days
        "consumption_growth": pl.Float64,
        "wastage_rate": pl.Float64,
        "wastage_source": pl.String,  # "setting" | "measured" | "indicative" | "none"
        "wastage_factor": pl.Float64,
        "need_target_population": pl.Int64,
        "need_consumption": pl.Int64,
        "need_method": pl.String,  # "target_population" | "consumption" | "none" | "sum"
        "need_routine": pl.Int64,
        "backlog_doses": pl.Int64,
        "catchup_months": pl.Int64,
        "need_catchup": pl.Int64,
        "need_doses": pl.Int64,  # routine + catch-up, for the period
        "reserve_share": pl.Float64,
        "reserve_doses": pl.Int64,
        "max_stock_doses": pl.Int64,
        "lead_time_days": pl.Int64,
        "reorder_level_doses": pl.Int64,
        "stock_on_hand": pl.Int64,
        "stock_in_transit": pl.Int64,
        "order_doses_net": pl.Int64,  # max(0, max − on hand − in transit)
        "order_vials_net": pl.Int64,  # ⌈net ÷ doses per vial⌉
        "order_packs": pl.Int64,  # ⌈vials ÷ vials per pack⌉
        "order_vials": pl.Int64,  # vials requested: packs × vials per pack (or the net vials)
        "order_doses": pl.Int64,  # doses requested: vials requested × doses per vial
        "workings": pl.String,
    }
)

SUPPLIES = pl.Schema(
    {
        "scope": pl.String,
        "facility_code": pl.String,
        "product_code": pl.String,
        "item_code": pl.String,
        "item_name": pl.String,
        "quantity": pl.Int64,
        "exact": pl.Float64,  # before rounding up: totals over vaccines add these, then round up once
    }
)

TARGET_GROUPS = ("births", "surviving_infants", "pregnant_women", "children_7y")
