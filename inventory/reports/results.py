"""The immunization results report (báo cáo kết quả tiêm chủng): doses by antigen and dose, coverage against
the target population, dropout, fully immunized and zero-dose children, from the register's sums."""

from __future__ import annotations

import json
import math
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import select

from forecasting import needs
from forecasting.schedule import schedule_in_force
from inventory.errors import ValidationFailed
from inventory.forecast.inputs import TARGET_GROUPS
from inventory.forecast.models import ForecastSetting
from inventory.register.reads import RegisterReads
from inventory.reports import repository, result_tables
from inventory.reports.repository import month_index
from inventory.reports.scope import ReportScope
from inventory.reports.summary import Report


def _months_back(day: date, months: int) -> date:
    index = month_index(day) - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


class ResultsReport(ReportScope):
    """Báo cáo kết quả tiêm chủng of a facility and the communes it supplies."""

    async def _targets(
        self, communes: pl.DataFrame, product_of: dict[tuple[str, int], str]
    ) -> tuple[pl.DataFrame, tuple[int, int]]:
        """Annual target population per (commune facility, antigen, dose): population × the share of its
        target group (births for BCG and the HepB birth dose, surviving infants otherwise), and the coverage
        goal, from the forecast settings of that commune and product; as whole numbers over a common scale
        (the least common multiple of the settings' denominators), so their sums stay exact."""
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
        # the settings are resolved once per commune × product (the forecast's own precedence)
        exact: list[tuple[str, str, int, Fraction, Fraction]] = []
        for code, population in communes.select("facility_code", "population").iter_rows():
            for product in sorted(set(product_of.values())):
                s = parameters.settings_for(code, product)
                group = TARGET_GROUPS.get(product, "surviving_infants")
                portion = s.share_births if group == "births" else s.share_surviving_infants
                target, goal = Fraction(population or 0) * Fraction(repr(portion)), Fraction(repr(s.coverage))
                exact += [(code, a, d, target, goal) for (a, d), p in product_of.items() if p == product]
        d1 = math.lcm(1, *(t.denominator for *_k, t, _g in exact))
        d2 = math.lcm(1, *(g.denominator for *_k, g in exact))
        if d1 * d2 > 10**24:  # 128-bit sums of products: decimals beyond any real share or coverage
            raise ValidationFailed(message="error.reports.share_precision", field="share_births")
        frame = pl.DataFrame(
            [(c, a, d, int(t * d1), int(g * d2)) for c, a, d, t, g in exact],
            schema={
                "facility_code": pl.String,
                "antigen": pl.String,
                "dose_number": pl.Int64,
                "target": pl.Int128,
                "goal": pl.Int128,
            },
            orient="row",
        )
        return frame, (d1, d2)

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
        marker = (markers[0][0], int(markers[0][1])) if markers else result_tables.DTP1
        codes = communes["admin_unit_code"].to_list()
        year_start = date(period.start.year, 1, 1)
        given = await repository.doses_given(self.session, codes, year_start, period.end)
        done, zero = await repository.completed_and_zero_dose(
            self.session,
            codes,
            fic,
            marker,
            year_start,
            period.end,
            born_after=_months_back(period.end, settings["zero_dose_max_age_months"]),
            born_on_or_before=_months_back(period.end, settings["zero_dose_min_age_months"]),
        )
        targets, scale = await self._targets(communes, product_of)
        by_code = communes.select(pl.col("admin_unit_code").alias("commune_code"), "facility_code")
        found = result_tables.results_tables(
            groups=result_tables.result_groups(communes, root),
            names=dict(tree.select("facility_code", "facility_name").iter_rows()),
            doses=list(product_of),
            given=given.join(by_code, on="commune_code"),
            done=done.join(by_code, on="commune_code"),
            zero=zero.join(by_code, on="commune_code"),
            targets=targets,
            scale=scale,
            months=(month_index(period.start), month_index(period.end), month_index(year_start)),
            limits=(settings["dropout_threshold"], settings["coverage_threshold"]),
        )
        return Report(
            "results",
            period,
            root["facility_code"],
            root["facility_name"],
            found,
            settings={k: settings[k] for k in ("dropout_threshold", "coverage_threshold")},
        )
