from django import template

register = template.Library()
DASH = "—"


@register.filter(name="hours")
def hours(value: float | None) -> str:
    """1.5 → '1.5 h', 70 → '2.9 d'; a dash for no value."""
    if value is None:
        return DASH
    if value >= 48:
        return f"{value / 24:.1f} d"
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h"


@register.filter(name="days")
def days(value: float | None) -> str:
    if value is None:
        return DASH
    return f"{value * 24:.0f} h" if value < 1 else f"{value:.1f} d"


@register.filter(name="pct")
def pct(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


@register.filter(name="num")
def num(value: float | None, places: int = 0) -> str:
    return DASH if value is None else f"{value:,.{int(places)}f}"
