"""Jinja set-up: the translation function, Vietnamese dates and numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from inventory.i18n import format_number, translate
from inventory.timeutil import to_vietnam
from inventory.web.assets import static_url

TEMPLATES = Path(__file__).parent / "templates"


@pass_context
def _t(context: Any, key: str, **params: Any) -> str:
    return translate(key, context.get("lang", "vi"), params)


def vn_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy (and hh:mm in Vietnam's time for instants)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_vietnam(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def vn_number(value: float | int | None, decimals: int = 0) -> str:
    """1.234.567,5: Vietnamese separators."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@pass_context
def _number(context: Any, value: Any) -> str:
    """Any number written the page's way (2.640 / 0,25 in Vietnamese); empty for none."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return format_number(value, context.get("lang", "vi"))


def _register(engine: JinjaTemplateEngine) -> None:
    engine.engine.globals["t"] = _t
    engine.engine.globals["static_url"] = static_url
    engine.engine.filters["num"] = _number
    engine.engine.filters["vn_date"] = vn_date
    engine.engine.filters["vn_number"] = vn_number


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_register)
