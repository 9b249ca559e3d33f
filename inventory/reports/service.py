"""Monthly reports: vaccine usage and wastage, stock movement (nhập – xuất – tồn), immunization results;
submission of a frozen copy. Counts are summed set-based (SQL, then polars); rates come from the counts as
exact fractions and are rounded once (reports.domain)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forecasting import needs
from forecasting.periods import SupplyPeriod, month_period, parse_period, quarter_period, year_period
from forecasting.schedule import schedule_in_force
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Product
from inventory.errors import NotFound, UnknownReference, ValidationFailed
from inventory.forecast.inputs import TARGET_GROUPS
from inventory.forecast.models import ForecastSetting
from inventory.i18n import translate
from inventory.register.reads import RegisterReads
from inventory.reports import documents, domain, repository
from inventory.reports.models import ReportSetting, ReportSubmission
from inventory.timeutil import today_vn, utcnow

KINDS = ("usage", "results", "stock")
WASTED = tuple(f"wasted_{r}" for r in domain.CLOSED_VIAL_REASONS)
COUNTS = (
    "opening",
    "received",
    "issued",
    "doses_used",
    "administered",
    *WASTED,
    "closed_vial_wastage",
    "open_vial_wastage",
    "open_vial_wastage_ytd",
    "adjustments",
    "closing",
)
"""The count columns of the usage report, in the order of the form."""
RATES = ("usage_rate", "wastage_rate", "wastage_factor", "open_vial_wastage_rate", "closed_vial_wastage_rate")
DTP1, DTP3, MCV1 = ("DTP", 1), ("DTP", 3), ("MEASLES", 1)


@dataclass(frozen=True)
class Report:
    """One report: its kind, period, root facility and tables (polars frames, one per sheet)."""

    kind: str
    period: SupplyPeriod
    facility: str
    facility_name: str
    tables: dict[str, pl.DataFrame]
    settings: dict[str, int] = field(default_factory=dict)
    submitted: dict[str, Any] | None = None
    """For a submitted copy: version, who and when."""


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first(day: date) -> date:
    return day.replace(day=1)


def _months_back(day: date, months: int) -> date:
    index = _month_index(day) - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


def _category() -> pl.Expr:
    kind, reason = pl.col("kind"), pl.col("reason")
    expr = (
        pl.when(kind == "opening")
        .then(pl.lit("opening"))
        .when(kind.is_in(["receipt", "direct_receipt", "shipment_receipt"]))
        .then(pl.lit("received"))
        .when(kind.is_in(["issue", "peer_transfer", "return"]))
        .then(pl.lit("issued"))
        .when(kind == "usage")
        .then(pl.lit("doses_used"))
    )
    for r in domain.CLOSED_VIAL_REASONS:
        expr = expr.when((kind == "adjustment") & (reason == r)).then(pl.lit(f"wasted_{r}"))
    return expr.otherwise(pl.lit("adjustments")).alias("category")


OUTFLOWS = ("issued", "doses_used", *WASTED)
"""Categories shown as positive doses though they leave the stock."""


def _signed() -> pl.Expr:
    return pl.when(pl.col("category").is_in(OUTFLOWS)).then(-pl.col("doses")).otherwise(pl.col("doses"))


def half_up(numerator: pl.Expr, denominator: pl.Expr, *, places: int, times: int = 100) -> pl.Expr:
    """numerator × times ÷ denominator rounded half away from zero to ``places`` decimals, in integer
    arithmetic (so exact, like domain.round_half_up on the fraction); null when the denominator is 0."""
    scale = 10**places
    n = numerator.cast(pl.Int64) * (times * scale)
    d = denominator.cast(pl.Int64)
    quotient = n.abs() // d.abs()
    rest = n.abs() % d.abs()
    rounded = quotient + (2 * rest >= d.abs()).cast(pl.Int64)
    # divide by a column, not a literal: polars turns "/ literal" into "× reciprocal" (33.300000000000004)
    divisor = (d * 0 + scale).cast(pl.Float64)
    return pl.when(d == 0).then(None).otherwise((n.sign() * d.sign() * rounded).cast(pl.Float64) / divisor)


def _rate_columns() -> list[pl.Expr]:
    """The usage report's rates from its counts: doses used = opened + closed-vial wastage (S31, S33)."""
    given, opened, closed = pl.col("administered"), pl.col("doses_used"), pl.col("closed_vial_wastage")
    used = opened + closed
    return [
        half_up(given, used, places=domain.PERCENT_DECIMALS).alias("usage_rate"),
        half_up(used - given, used, places=domain.PERCENT_DECIMALS).alias("wastage_rate"),
        half_up(used, given, places=domain.FACTOR_DECIMALS, times=1).alias("wastage_factor"),
        half_up(opened - given, opened, places=domain.PERCENT_DECIMALS).alias("open_vial_wastage_rate"),
        half_up(closed, used, places=domain.PERCENT_DECIMALS).alias("closed_vial_wastage_rate"),
    ]


class ReportsService:
    """The reports of a facility and the facilities it supplies, as far as the principal may read them."""

    def __init__(self, session: AsyncSession, principal: Principal, *, today: date | None = None) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()

    # ---- scope ---------------------------------------------------------------------------------------------

    def _period(self, text: str) -> SupplyPeriod:
        try:
            period = parse_period(text)
        except ValueError:
            period = None
        if period is None or period.kind == "years":
            raise ValidationFailed(message="error.reports.period", params={"period": text}, field="period")
        if period.start > self.today:
            raise ValidationFailed(message="error.reports.future", params={"period": text}, field="period")
        return period

    async def _tree(self, facility: str | None, period: SupplyPeriod) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The root facility and every facility it supplies (directly or not), as far as readable."""
        tree = await repository.facilities(self.session, period.start, period.end)
        if facility is None:
            facility = self.principal.facility_code
        if facility is None:
            roots = tree.filter(pl.col("supplier_id").is_null())
            facility = roots["facility_code"][0] if roots.height else None
        root = tree.filter(pl.col("facility_code") == facility)
        if root.is_empty():
            raise UnknownReference(
                message="error.reports.facility", params={"facility": facility}, field="facility"
            )
        root_row = root.row(0, named=True)
        self.principal.require_read(root_row["facility_id"], root_row["facility_code"], field="facility")
        keep, todo = {root_row["facility_id"]}, [root_row["facility_id"]]
        children: dict[int, list[int]] = {}
        for fid, sid in tree.select("facility_id", "supplier_id").iter_rows():
            if sid is not None:
                children.setdefault(sid, []).append(fid)
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in keep:
                    keep.add(child)
                    todo.append(child)
        scoped = tree.filter(
            pl.col("facility_id").is_in(sorted(keep)),
            pl.col("facility_id").map_batches(
                lambda s: pl.Series([self.principal.can_read(i) for i in s], dtype=pl.Boolean)
            ),
        )
        levels = dict(tree.select("facility_id", "level").iter_rows())
        codes = dict(tree.select("facility_id", "facility_code").iter_rows())
        suppliers = dict(tree.select("facility_id", "supplier_id").iter_rows())

        def district_of(fid: int) -> str | None:
            if levels[fid] == "district":
                return codes[fid]
            supplier = suppliers.get(fid)
            return codes[supplier] if supplier is not None and levels.get(supplier) == "district" else None

        scoped = scoped.with_columns(
            pl.Series("district_code", [district_of(f) for f in scoped["facility_id"]], dtype=pl.String)
        )
        return scoped, root_row

    async def settings(self) -> dict[str, int]:
        """The report settings: defaults with the stored overrides."""
        stored = (await self.session.scalars(select(ReportSetting))).all()
        values = dict(domain.DEFAULT_SETTINGS)
        values.update({s.name: json.loads(s.value) for s in stored if s.name in values})
        return values

    async def set_setting(self, name: str, value: Any) -> dict[str, int]:
        """Change one report setting (administrators only); an impossible value is refused, naming it."""
        self.principal.require_role("admin", action="change_report_settings")
        try:
            value = domain.check_setting(name, value)
        except ValueError as exc:
            raise ValidationFailed(
                message=f"error.reports.setting_{exc}", params={"name": name, "value": value}, field=name
            ) from None
        row = await self.session.get(ReportSetting, name)
        before = json.loads(row.value) if row else domain.DEFAULT_SETTINGS[name]
        if row is None:
            row = ReportSetting(name=name, value="", updated_at=utcnow(), updated_by=self.principal.username)
            self.session.add(row)
        row.value, row.updated_at, row.updated_by = json.dumps(value), utcnow(), self.principal.username
        record(
            self.session,
            self.principal,
            "report.setting",
            entity=f"report_setting:{name}",
            changes={"name": name, "from": before, "to": value},
        )
        return await self.settings()

    # ---- vaccine usage and wastage ---------------------------------------------------------------------------

    async def usage(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo sử dụng vắc xin: per facility × product, with district and total roll-ups, and by month."""
        period = self._period(period_text)
        await repository.tune(self.session)
        tree, root = await self._tree(facility, period)
        ids = tree["facility_id"].to_list()
        year_start = date(period.start.year, 1, 1)
        moves = await repository.monthly_movements(self.session, ids, year_start, period.end)
        given = await repository.administered(self.session, ids, year_start, period.end)
        keys = ["facility_id", "product_code"]
        first, last = _month_index(period.start), _month_index(period.end)
        moves = moves.with_columns(
            _category(),
            pl.when(pl.col("year") == 0)
            .then(-1)
            .otherwise(pl.col("year") * 12 + pl.col("month") - 1)
            .alias("ym"),
        ).with_columns(_signed().alias("value"))
        given = given.with_columns((pl.col("year") * 12 + pl.col("month") - 1).alias("ym"))
        monthly = self._usage_by_month(moves, given)
        opening = (
            moves.filter(pl.col("ym") < first).group_by(keys).agg(pl.col("doses").sum().alias("opening"))
        )
        within = moves.filter(pl.col("ym").is_between(first, last), pl.col("category") != "opening")
        categories = ["received", "issued", "doses_used", *WASTED, "adjustments"]
        sums = within.group_by(keys).agg(
            pl.col("value").filter(pl.col("category") == c).sum().alias(c) for c in categories
        )
        administered = (
            given.filter(pl.col("ym").is_between(first, last))
            .group_by(keys)
            .agg(pl.col("administered").sum())
        )
        ytd = (
            monthly.filter(pl.col("ym") <= last)
            .group_by(keys)
            .agg(pl.col("open_vial_wastage").sum().alias("open_vial_wastage_ytd"))
        )
        rows = (
            opening.join(sums, on=keys, how="full", coalesce=True)
            .join(administered, on=keys, how="full", coalesce=True)
            .join(ytd, on=keys, how="full", coalesce=True)
            .with_columns(
                pl.col(["opening", *categories, "administered", "open_vial_wastage_ytd"]).fill_null(0)
            )
            .with_columns(pl.sum_horizontal(*WASTED).alias("closed_vial_wastage"))
            .with_columns(
                (pl.col("doses_used") - pl.col("administered")).alias("open_vial_wastage"),
                (
                    pl.col("opening")
                    + pl.col("received")
                    - pl.col("issued")
                    - pl.col("doses_used")
                    - pl.col("closed_vial_wastage")
                    + pl.col("adjustments")
                ).alias("closing"),
            )
        )
        rows = self._rolled_up(rows, tree, root, ["product_code"], COUNTS)
        rows = rows.with_columns(_rate_columns())
        diluents = list(await self.session.scalars(select(Product.code).where(Product.is_diluent)))
        monthly_rows = self._rolled_up(
            monthly.filter(pl.col("ym") <= last),
            tree,
            root,
            ["product_code", "ym"],
            ("doses_used", "administered", "closed_vial_wastage", "open_vial_wastage"),
        ).sort("scope", "facility_code", "product_code", "ym")
        monthly_rows = monthly_rows.with_columns(
            pl.col("open_vial_wastage")
            .cum_sum()
            .over("scope", "facility_code", "product_code")
            .alias("open_vial_wastage_ytd"),
            pl.date(pl.col("ym") // 12, pl.col("ym") % 12 + 1, 1).alias("month"),
        ).drop("ym")
        monthly_rows = monthly_rows.with_columns(
            half_up(
                pl.col("doses_used") + pl.col("closed_vial_wastage") - pl.col("administered"),
                pl.col("doses_used") + pl.col("closed_vial_wastage"),
                places=domain.PERCENT_DECIMALS,
            ).alias("wastage_rate")
        )
        rows = rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        monthly_rows = monthly_rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        return Report(
            "usage",
            period,
            root["facility_code"],
            root["facility_name"],
            {"usage": rows, "usage_by_month": monthly_rows},
        )

    @staticmethod
    def _usage_by_month(moves: pl.DataFrame, given: pl.DataFrame) -> pl.DataFrame:
        keys = ["facility_id", "product_code", "ym"]
        used = (
            moves.filter(pl.col("ym") >= 0)
            .group_by(keys)
            .agg(
                pl.col("value").filter(pl.col("category") == "doses_used").sum().alias("doses_used"),
                pl.col("value").filter(pl.col("category").is_in(WASTED)).sum().alias("closed_vial_wastage"),
            )
        )
        return (
            used.join(given.select(*keys, "administered"), on=keys, how="full", coalesce=True)
            .with_columns(pl.col("doses_used", "closed_vial_wastage", "administered").fill_null(0))
            .with_columns((pl.col("doses_used") - pl.col("administered")).alias("open_vial_wastage"))
            .filter(
                (pl.col("doses_used") != 0)
                | (pl.col("administered") != 0)
                | (pl.col("closed_vial_wastage") != 0)
            )
        )

    @staticmethod
    def _rolled_up(
        rows: pl.DataFrame,
        tree: pl.DataFrame,
        root: dict[str, Any],
        keys: list[str],
        counts: Sequence[str],
    ) -> pl.DataFrame:
        """Facility rows, then per district (its store and the communes it supplies) when the root is above
        the districts, then the root's total when there are several facilities."""
        named = rows.join(
            tree.select("facility_id", "facility_code", "facility_name", "level", "district_code"),
            on="facility_id",
        ).drop("facility_id")
        parts = [named.with_columns(pl.lit("facility").alias("scope"))]
        names = dict(tree.select("facility_code", "facility_name").iter_rows())
        if root["level"] == "province":
            districts = (
                named.filter(pl.col("district_code").is_not_null())
                .group_by("district_code", *keys)
                .agg(pl.col(list(counts)).sum())
                .with_columns(
                    pl.col("district_code").alias("facility_code"),
                    pl.col("district_code").replace_strict(names, default=None).alias("facility_name"),
                    pl.lit("district").alias("level"),
                    pl.lit("district").alias("scope"),
                )
            )
            parts.append(districts)
        if tree.height > 1:
            parts.append(
                named.group_by(keys)
                .agg(pl.col(list(counts)).sum())
                .with_columns(
                    pl.lit(root["facility_code"]).alias("facility_code"),
                    pl.lit(root["facility_name"]).alias("facility_name"),
                    pl.lit(root["level"]).alias("level"),
                    pl.lit(None, dtype=pl.String).alias("district_code"),
                    pl.lit("total").alias("scope"),
                )
            )
        columns = ["scope", "facility_code", "facility_name", "level", "district_code", *keys, *counts]
        order = {"facility": 0, "district": 1, "total": 2}
        return (
            pl.concat([p.select(columns) for p in parts], how="vertical_relaxed")
            .with_columns(pl.col("scope").replace_strict(order, return_dtype=pl.Int8).alias("_order"))
            .sort("_order", "facility_code", *keys)
            .drop("_order")
        )

    # ---- stock movement (nhập – xuất – tồn) ----------------------------------------------------------------

    async def stock(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo xuất – nhập – tồn of one facility: one row per product and lot."""
        period = self._period(period_text)
        await repository.tune(self.session)
        _tree, root = await self._tree(facility, period)
        moves = await repository.lot_movements(self.session, root["facility_id"], period.start, period.end)
        given = await repository.lot_administered(self.session, root["facility_id"], period.start, period.end)
        keys = ["product_code", "lot_number", "expires_on"]
        moves = moves.with_columns(_category()).with_columns(_signed().alias("value"))
        categories = ["received", "issued", "doses_used", *WASTED, "adjustments"]
        rows = (
            moves.group_by(keys)
            .agg(
                pl.col("doses").filter(pl.col("before")).sum().alias("opening"),
                *(
                    pl.col("value").filter(~pl.col("before"), pl.col("category") == c).sum().alias(c)
                    for c in categories
                ),
            )
            .join(given, on=["product_code", "lot_number"], how="left")
            .with_columns(pl.col("administered").fill_null(0))
            .with_columns(pl.sum_horizontal(*WASTED).alias("closed_vial_wastage"))
            .with_columns(
                (
                    pl.col("opening")
                    + pl.col("received")
                    - pl.col("issued")
                    - pl.col("doses_used")
                    - pl.col("closed_vial_wastage")
                    + pl.col("adjustments")
                ).alias("closing")
            )
            .filter(pl.any_horizontal(pl.col("opening", "closing", *categories, "administered") != 0))
            .select(
                *keys,
                "opening",
                "received",
                "issued",
                "doses_used",
                "administered",
                *WASTED,
                "closed_vial_wastage",
                "adjustments",
                "closing",
            )
            .sort(keys)
        )
        return Report("stock", period, root["facility_code"], root["facility_name"], {"stock": rows})

    # ---- immunization results ----------------------------------------------------------------------------

    async def _targets(self, communes: pl.DataFrame, product_of: dict[tuple[str, int], str]) -> dict:
        """Annual target population per (commune facility, antigen, dose): population × the share of its
        target group (births for BCG and the HepB birth dose, surviving infants otherwise), from the
        forecast settings of that commune and product."""
        overrides = (await self.session.scalars(select(ForecastSetting))).all()
        defaults: dict[str, Any] = {}
        by_product: dict[str, dict[str, Any]] = {}
        by_facility: dict[str, dict[str, Any]] = {}
        by_pair: dict[tuple[str, str], dict[str, Any]] = {}
        for o in overrides:
            value = json.loads(o.value)
            if o.facility_code and o.product_code:
                by_pair.setdefault((o.facility_code, o.product_code), {})[o.name] = value
            elif o.facility_code:
                by_facility.setdefault(o.facility_code, {})[o.name] = value
            elif o.product_code:
                by_product.setdefault(o.product_code, {})[o.name] = value
            else:
                defaults[o.name] = value
        parameters = needs.Parameters(
            defaults=needs.Settings(**defaults),
            by_product=by_product,
            by_facility=by_facility,
            by_facility_product=by_pair,
        )
        targets: dict[tuple[str, str, int], tuple[Fraction, Fraction]] = {}
        for code, population in communes.select("facility_code", "population").iter_rows():
            for (antigen, dose), product in product_of.items():
                s = parameters.settings_for(code, product)
                group = TARGET_GROUPS.get(product, "surviving_infants")
                portion = s.share_births if group == "births" else s.share_surviving_infants
                targets[(code, antigen, dose)] = (
                    Fraction(population or 0) * Fraction(repr(portion)),
                    Fraction(repr(s.coverage)),
                )
        return targets

    async def results(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo kết quả tiêm chủng: doses by antigen and dose, coverage, dropout, fully immunized and
        zero-dose children per commune, for the period and the year to date against the annual plan."""
        period = self._period(period_text)
        await repository.tune(self.session)
        tree, root = await self._tree(facility, period)
        settings = await self.settings()
        communes = tree.filter(
            pl.col("level") == "commune",
            pl.col("admin_unit_code").is_not_null(),
            pl.col("population").is_not_null(),
        )
        schedule = schedule_in_force(
            await RegisterReads(self.session, self.principal).schedule(), on=period.end
        )
        product_of = {
            (a, int(d)): p
            for a, d, p in schedule.select("antigen", "dose_number", "product_code").iter_rows()
        }
        fic = [
            (a, int(d))
            for a, d in schedule.filter(pl.col("fully_immunized"))
            .select("antigen", "dose_number")
            .iter_rows()
        ]
        markers = schedule.filter(pl.col("zero_dose_marker")).select("antigen", "dose_number").rows()
        marker = (markers[0][0], int(markers[0][1])) if markers else DTP1
        codes = communes["admin_unit_code"].to_list()
        year_start = date(period.start.year, 1, 1)
        given = await repository.doses_given(self.session, codes, year_start, period.end)
        done = await repository.completed(self.session, codes, fic, year_start, period.end)
        zero = await repository.zero_dose(
            self.session,
            codes,
            marker,
            period.end,
            born_after=_months_back(period.end, settings["zero_dose_max_age_months"]),
            born_on_or_before=_months_back(period.end, settings["zero_dose_min_age_months"]),
        )
        targets = await self._targets(communes, product_of)
        first, last = _month_index(period.start), _month_index(period.end)
        months = last - first + 1
        months_ytd = last - _month_index(year_start) + 1
        by_code = dict(communes.select("admin_unit_code", "facility_code").iter_rows())
        given = given.with_columns(
            pl.col("commune_code").replace_strict(by_code).alias("facility_code"),
            (pl.col("year") * 12 + pl.col("month") - 1).alias("ym"),
        )
        done = done.with_columns(
            pl.col("commune_code").replace_strict(by_code, return_dtype=pl.String).alias("facility_code"),
            (pl.col("year") * 12 + pl.col("month") - 1).alias("ym"),
        )
        zero = zero.with_columns(
            pl.col("commune_code").replace_strict(by_code, return_dtype=pl.String).alias("facility_code")
        )
        groups: list[tuple[str, str, str | None, list[str]]] = [
            ("facility", c, d, [c]) for c, d in communes.select("facility_code", "district_code").iter_rows()
        ]
        if root["level"] == "province":
            for d in sorted({d for d in communes["district_code"] if d is not None}):
                groups.append(
                    (
                        "district",
                        d,
                        d,
                        communes.filter(pl.col("district_code") == d)["facility_code"].to_list(),
                    )
                )
        if communes.height > 1 or root["level"] != "commune":
            groups.append(("total", root["facility_code"], None, communes["facility_code"].to_list()))
        names = dict(tree.select("facility_code", "facility_name").iter_rows())
        dose_rows, summary_rows, monthly_rows = [], [], []
        period_given = given.filter(pl.col("ym").is_between(first, last))
        count = {
            (f, a, d): n
            for f, a, d, n in period_given.group_by("facility_code", "antigen", "dose_number")
            .agg(pl.col("doses").sum())
            .iter_rows()
        }
        count_ytd = {
            (f, a, d): n
            for f, a, d, n in given.group_by("facility_code", "antigen", "dose_number")
            .agg(pl.col("doses").sum())
            .iter_rows()
        }
        by_month = {
            (f, a, d, ym): n
            for f, a, d, ym, n in given.group_by("facility_code", "antigen", "dose_number", "ym")
            .agg(pl.col("doses").sum())
            .iter_rows()
        }
        fic_period = {
            f: n
            for f, n in done.filter(pl.col("ym").is_between(first, last))
            .group_by("facility_code")
            .agg(pl.col("children").sum())
            .iter_rows()
        }
        fic_ytd = {f: n for f, n in done.group_by("facility_code").agg(pl.col("children").sum()).iter_rows()}
        zero_of = dict(zero.select("facility_code", "zero_dose").iter_rows())
        dropout_limit, coverage_limit = settings["dropout_threshold"], settings["coverage_threshold"]
        exact_targets: dict[tuple[str, str, str, int], tuple[Fraction, Fraction]] = {}
        for scope, code, district, members in groups:
            name = names.get(code, code)

            def total(table: dict, antigen: str, dose: int) -> int:
                return sum(table.get((m, antigen, dose), 0) for m in members)  # noqa: B023

            def annual(antigen: str, dose: int) -> Fraction:
                return sum((targets.get((m, antigen, dose), (Fraction(0),))[0] for m in members), Fraction(0))  # noqa: B023

            def goal(antigen: str, dose: int) -> Fraction:
                weights = [(targets[(m, antigen, dose)]) for m in members if (m, antigen, dose) in targets]  # noqa: B023
                whole = sum((t for t, _ in weights), Fraction(0))
                return sum((t * c for t, c in weights), Fraction(0)) / whole if whole else Fraction(0)

            for antigen, dose in sorted(product_of):
                target_year = annual(antigen, dose)
                aim = goal(antigen, dose)
                exact_targets[(scope, code, antigen, dose)] = (target_year, aim)
                doses, doses_ytd = total(count, antigen, dose), total(count_ytd, antigen, dose)
                plan_ytd = target_year * aim * months_ytd / 12
                dose_rows.append(
                    {
                        "scope": scope,
                        "facility_code": code,
                        "facility_name": name,
                        "antigen": antigen,
                        "dose_number": dose,
                        "doses": doses,
                        "target": float(domain.round_half_up(target_year * months / 12, 1)),
                        "coverage": domain.shown(domain.coverage(doses, target_year * months / 12)),
                        "doses_ytd": doses_ytd,
                        "annual_target": float(domain.round_half_up(target_year, 1)),
                        "coverage_ytd": domain.shown(domain.coverage(doses_ytd, target_year)),
                        "plan_ytd": float(domain.round_half_up(plan_ytd, 0)),
                        "plan_ytd_share": domain.shown(
                            domain.coverage(doses_ytd, plan_ytd) if plan_ytd else None
                        ),
                    }
                )
            for ym in range(_month_index(year_start), last + 1):
                row = {"scope": scope, "facility_code": code, "month": date(ym // 12, ym % 12 + 1, 1)}
                for label, (antigen, dose) in (("dtp1", DTP1), ("dtp3", DTP3), ("mcv1", MCV1)):
                    row[label] = sum(by_month.get((m, antigen, dose, ym), 0) for m in members)
                monthly_rows.append(row)
            dtp1, dtp3, mcv1 = total(count, *DTP1), total(count, *DTP3), total(count, *MCV1)
            dtp1_y, dtp3_y, mcv1_y = total(count_ytd, *DTP1), total(count_ytd, *DTP3), total(count_ytd, *MCV1)
            dtp3_target = annual(*DTP3)
            drop13, drop1m = domain.dropout(dtp1, dtp3), domain.dropout(dtp1, mcv1)
            cov3 = domain.coverage(dtp3, dtp3_target * months / 12)
            cov3_y = domain.coverage(dtp3_y, dtp3_target * months_ytd / 12)
            summary_rows.append(
                {
                    "scope": scope,
                    "facility_code": code,
                    "facility_name": name,
                    "district_code": district,
                    "dtp1": dtp1,
                    "dtp3": dtp3,
                    "mcv1": mcv1,
                    "dropout_dtp1_dtp3": domain.shown(drop13),
                    "dropout_dtp1_mcv1": domain.shown(drop1m),
                    "coverage_dtp3": domain.shown(cov3),
                    "coverage_mcv1": domain.shown(domain.coverage(mcv1, annual(*MCV1) * months / 12)),
                    "fully_immunized": sum(fic_period.get(m, 0) for m in members),
                    "zero_dose": sum(zero_of.get(m, 0) for m in members),
                    "dtp1_ytd": dtp1_y,
                    "dtp3_ytd": dtp3_y,
                    "mcv1_ytd": mcv1_y,
                    "dropout_dtp1_dtp3_ytd": domain.shown(domain.dropout(dtp1_y, dtp3_y)),
                    "dropout_dtp1_mcv1_ytd": domain.shown(domain.dropout(dtp1_y, mcv1_y)),
                    "coverage_dtp3_ytd": domain.shown(cov3_y),
                    "fully_immunized_ytd": sum(fic_ytd.get(m, 0) for m in members),
                    "high_dropout": any(x is not None and x > dropout_limit for x in (drop13, drop1m)),
                    "low_coverage": cov3 is not None and cov3 < coverage_limit,
                }
            )
        summary = pl.DataFrame(
            summary_rows, schema_overrides={"district_code": pl.String}, infer_schema_length=None
        )
        doses_frame = pl.DataFrame(dose_rows, infer_schema_length=None)
        monthly = pl.DataFrame(monthly_rows, infer_schema_length=None)
        if monthly.height:
            monthly = self._cumulative_coverage(monthly, exact_targets)
        return Report(
            "results",
            period,
            root["facility_code"],
            root["facility_name"],
            {"results": summary, "results_doses": doses_frame, "results_by_month": monthly},
            settings={k: settings[k] for k in ("dropout_threshold", "coverage_threshold")},
        )

    @staticmethod
    def _cumulative_coverage(monthly: pl.DataFrame, targets: dict) -> pl.DataFrame:
        """Cumulative DTP3 and MCV1 coverage by month against the plan line (the goal spread evenly)."""
        out = []
        for key, part in monthly.sort("month").group_by(["scope", "facility_code"], maintain_order=True):
            scope, code = key
            cum3 = cumm = 0
            target3, goal3 = targets.get((scope, code, *DTP3), (Fraction(0), Fraction(0)))
            targetm, _ = targets.get((scope, code, *MCV1), (Fraction(0), Fraction(0)))
            for i, row in enumerate(part.iter_rows(named=True), start=1):
                cum3 += row["dtp3"]
                cumm += row["mcv1"]
                out.append(
                    {
                        **row,
                        "dtp3_cumulative": cum3,
                        "mcv1_cumulative": cumm,
                        "coverage_dtp3_cumulative": domain.shown(domain.coverage(cum3, target3)),
                        "coverage_mcv1_cumulative": domain.shown(domain.coverage(cumm, targetm)),
                        "plan_cumulative": domain.shown(goal3 * 100 * i / 12) if target3 else None,
                    }
                )
        return pl.DataFrame(out, infer_schema_length=None)

    # ---- one entry for every kind ---------------------------------------------------------------------------

    async def report(self, kind: str, period_text: str, facility: str | None = None) -> Report:
        if kind == "usage":
            return await self.usage(period_text, facility)
        if kind == "results":
            return await self.results(period_text, facility)
        if kind == "stock":
            return await self.stock(period_text, facility)
        raise ValidationFailed(message="error.reports.kind", params={"kind": kind}, field="kind")

    # ---- files ---------------------------------------------------------------------------------------------

    def workbook(self, report: Report, lang: str = "vi") -> bytes:
        title = f"{translate(f'reports.title.{report.kind}', lang)} {report.period.label_vi} — {report.facility_name}"
        return documents.workbook(report.tables, title=title, lang=lang)

    def chart_pngs(self, report: Report, lang: str = "vi") -> dict[str, bytes]:
        threshold = report.settings.get("dropout_threshold", domain.DEFAULT_SETTINGS["dropout_threshold"])
        figures = documents.charts(report.tables, lang=lang, dropout_threshold=threshold)
        return {name: documents.png(fig) for name, fig in figures.items()}

    async def word(self, report: Report, lang: str = "vi", signer: str = "") -> bytes:
        """The Word report to the supplier, with a summary of what changed since the period before."""
        previous = None
        before = previous_period(report.period)
        try:
            previous = await self.report(report.kind, before.label, report.facility)
        except ValidationFailed:
            previous = None
        tree = await repository.facilities(self.session, report.period.start, report.period.end)
        names = dict(tree.select("facility_id", "facility_name").iter_rows())
        me = tree.filter(pl.col("facility_code") == report.facility).row(0, named=True)
        supplier = names.get(me["supplier_id"]) if me["supplier_id"] is not None else None
        province = tree.filter(pl.col("supplier_id").is_null(), pl.col("level") == "province")
        province_name = province["facility_name"][0] if province.height else ""
        parent = "Sở Y tế tỉnh " + province_name.split("tỉnh ", 1)[-1] if province_name else ""
        if me["level"] == "commune" and supplier:
            parent = supplier
        place = report.facility_name.split(" xã ")[-1].split(" huyện ")[-1].split(" tỉnh ")[-1]
        header = documents.ReportHeader(
            issuer_parent=parent,
            issuer=report.facility_name,
            recipient=supplier or "Sở Y tế",
            place=place,
            issued_on=self.today,
            period_vi=report.period.label_vi,
            signer_name=signer,
        )
        pictures = list(self.chart_pngs(report, lang).values())
        table = report.tables[report.kind]
        if "scope" in table.columns:
            table = table.filter(pl.col("scope") != "facility") if table.height > 60 else table
        return documents.word_report(
            kind=report.kind,
            header=header,
            table=table,
            summary=summary_text(report, previous, lang),
            pictures=pictures,
            lang=lang,
        )

    # ---- submission ----------------------------------------------------------------------------------------

    async def submit(
        self, kind: str, period_text: str, facility: str | None, note: str | None = None
    ) -> dict:
        """Freeze the report as it stands now, with who and when; a later submission is a new version."""
        report = await self.report(kind, period_text, facility)
        tree = await repository.facilities(self.session, report.period.start, report.period.end)
        fid = tree.filter(pl.col("facility_code") == report.facility)["facility_id"][0]
        if not self.principal.can_write(fid):
            raise Forbidden(
                message="error.reports.submit_forbidden",
                params={"facility": report.facility},
                field="facility",
            )
        latest = await self.session.scalar(
            select(func.max(ReportSubmission.version)).where(
                ReportSubmission.kind == kind,
                ReportSubmission.period == report.period.label,
                ReportSubmission.facility_code == report.facility,
            )
        )
        row = ReportSubmission(
            kind=kind,
            period=report.period.label,
            facility_code=report.facility,
            version=(latest or 0) + 1,
            submitted_at=utcnow(),
            submitted_by=self.principal.username,
            note=note,
            content=json.dumps(
                {name: frame.to_dicts() for name, frame in report.tables.items()}, default=str
            ),
        )
        self.session.add(row)
        await self.session.flush()
        record(
            self.session,
            self.principal,
            "report.submit",
            facility_code=row.facility_code,
            entity=f"report_submission:{row.id}",
            changes={
                "kind": kind,
                "period": row.period,
                "facility": row.facility_code,
                "version": row.version,
            },
        )
        return _submission(row)

    async def submitted(
        self, kind: str, period_text: str, facility: str, version: int | None = None
    ) -> Report:
        """A submitted report as it was frozen (the latest version unless one is asked for)."""
        period = self._period(period_text)
        await self._tree(facility, period)
        stmt = select(ReportSubmission).where(
            ReportSubmission.kind == kind,
            ReportSubmission.period == period.label,
            ReportSubmission.facility_code == facility,
        )
        stmt = (
            stmt.where(ReportSubmission.version == version)
            if version
            else stmt.order_by(ReportSubmission.version.desc())
        )
        row = (await self.session.scalars(stmt.limit(1))).first()
        if row is None:
            raise NotFound(
                message="error.reports.not_submitted", params={"facility": facility}, field="period"
            )
        content = json.loads(row.content)
        tables = {name: pl.DataFrame(rows, infer_schema_length=None) for name, rows in content.items()}
        name = (await repository.facilities(self.session, period.start, period.end)).filter(
            pl.col("facility_code") == facility
        )["facility_name"][0]
        return Report(kind, period, facility, name, tables, submitted=_submission(row))

    async def submissions(self, kind: str, period_text: str, facility: str | None = None) -> list[dict]:
        """Who in the tree has submitted this report for the period, and who has not (with the due date)."""
        period = self._period(period_text)
        tree, _root = await self._tree(facility, period)
        settings = await self.settings()
        calendar = {(d.route, d.period_kind): d for d in domain.calendar_from(settings)}
        rows = (
            await self.session.scalars(
                select(ReportSubmission)
                .where(
                    ReportSubmission.kind == kind,
                    ReportSubmission.period == period.label,
                    ReportSubmission.facility_code.in_(tree["facility_code"].to_list()),
                )
                .order_by(ReportSubmission.facility_code, ReportSubmission.version)
            )
        ).all()
        by_facility: dict[str, list[ReportSubmission]] = {}
        for r in rows:
            by_facility.setdefault(r.facility_code, []).append(r)
        out = []
        for code, name, level in tree.select("facility_code", "facility_name", "level").iter_rows():
            route = domain.route_of(level)
            if route is None:
                continue
            deadline = calendar.get((route, period.kind))
            due = domain.due_on(deadline, period.end) if deadline else None
            versions = by_facility.get(code, [])
            first = versions[0] if versions else None
            out.append(
                {
                    "facility_code": code,
                    "facility_name": name,
                    "route": route,
                    "due_on": due,
                    "submitted": bool(versions),
                    "versions": len(versions),
                    "first_submitted_at": first.submitted_at if first else None,
                    "late": (first.submitted_at.date() > due)
                    if first and due
                    else (due is not None and self.today > due and not versions),
                }
            )
        return out


def _submission(row: ReportSubmission) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "period": row.period,
        "facility": row.facility_code,
        "version": row.version,
        "submitted_at": row.submitted_at,
        "submitted_by": row.submitted_by,
        "note": row.note,
    }


# ---- documents ----------------------------------------------------------------------------------------------


def previous_period(period: SupplyPeriod) -> SupplyPeriod:
    """The month, quarter or year before."""
    if period.kind == "month":
        index = _month_index(period.start) - 1
        return month_period(index // 12, index % 12 + 1)
    if period.kind == "quarter":
        quarter = (period.start.month - 1) // 3
        return quarter_period(period.start.year - (quarter == 0), (quarter - 1) % 4 + 1)
    return year_period(period.start.year - 1)


def _headline(report: Report) -> dict[str, Any]:
    """The few figures the written summary states, from the root's total (or its only facility)."""
    if report.kind == "results":
        frame = report.tables["results"]
        top = frame.filter(pl.col("scope") == "total")
        row = (top if top.height else frame).to_dicts()
        row = row[0] if row else {}
        problems = frame.filter(
            pl.col("scope") == "facility", pl.col("high_dropout") | pl.col("low_coverage")
        ).height
        return {
            "dtp3": row.get("dtp3", 0),
            "dropout": row.get("dropout_dtp1_dtp3"),
            "zero": row.get("zero_dose", 0),
            "problems": problems,
        }
    table = report.tables[report.kind]
    if report.kind == "usage":
        top = table.filter(
            pl.col("scope") == ("total" if (table["scope"] == "total").any() else "facility"),
            ~pl.col("diluent"),
        )
        administered = int(top["administered"].sum())
        used = int(top["doses_used"].sum() + top["closed_vial_wastage"].sum())
        return {
            "administered": administered,
            "used": used,
            "wastage": domain.shown(domain.wastage_rate(administered, used)),
            "ytd": int(top["open_vial_wastage_ytd"].sum()),
        }
    return {k: int(table[k].sum()) if table.height else 0 for k in ("received", "issued", "closing")}


def summary_text(report: Report, previous: Report | None, lang: str) -> str:
    """A short written summary of the period and of what changed since the period before."""
    now = _headline(report)
    before = _headline(previous) if previous is not None else None
    compared = {"usage": "wastage", "results": "dtp3", "stock": "closing"}[report.kind]
    if before is None or before.get(compared) is None or now.get(compared) is None:
        change = translate("reports.change.none", lang)
    else:
        delta = now[compared] - before[compared]
        delta = round(delta, 1) if isinstance(delta, float) else delta
        key = "up" if delta > 0 else "down" if delta < 0 else "same"
        change = translate(f"reports.change.{key}", lang, {"value": abs(delta)})
    period = report.period.label_vi if lang == "vi" else report.period.label
    values = {k: ("–" if v is None else v) for k, v in now.items()}
    return translate(f"reports.summary.{report.kind}", lang, {**values, "period": period, "change": change})
