"""How the plan pages write amounts, dates and statuses, in French."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

from levier.ingest.french_values import format_amount_fr

from ..models import DatePrecision
from ..selectors import MONTHS_FR

register = template.Library()

STATUS_BADGES = {
    "to_screen": "",
    "proposed": "fr-badge--info",
    "validated": "fr-badge--success",
    "refused": "fr-badge--error",
    "reviewed": "fr-badge--success",
    "in_consultation": "fr-badge--new",
    "awarded": "fr-badge--purple-glycine",
    "in_execution": "fr-badge--green-emeraude",
    "closed": "",
}


@register.filter
def euros(value) -> str:
    if value is None or value == "":
        return "—"
    return format_amount_fr(Decimal(value))


@register.filter
def approx_date(value, precision: str = DatePrecision.DAY) -> str:
    """A plan date as precise as the buyer gave it: "15/03/2027", "mars 2027", "T2 2027", "2027"."""
    if value is None:
        return "—"
    if precision == DatePrecision.MONTH:
        return f"{MONTHS_FR[value.month - 1]} {value.year}"
    if precision == DatePrecision.QUARTER:
        return f"T{(value.month - 1) // 3 + 1} {value.year}"
    if precision == DatePrecision.SEMESTER:
        return f"S{(value.month - 1) // 6 + 1} {value.year}"
    if precision == DatePrecision.YEAR:
        return str(value.year)
    return value.strftime("%d/%m/%Y")


@register.simple_tag
def status_badge(purchase):
    return format_html(
        '<span class="fr-badge fr-badge--sm fr-badge--no-icon {}">{}</span>',
        STATUS_BADGES.get(purchase.status, ""),
        purchase.get_status_display(),
    )


@register.simple_tag
def social_measures(item) -> str:
    """The reservation, clause and criterion of a purchase or a lot, as short French words."""
    parts = []
    if item.reservation:
        parts.append(f"Réservé ({item.reservation})")
    if getattr(item, "insertion_clause", False):
        parts.append("Clause d'insertion")
    if getattr(item, "social_criterion", False):
        parts.append("Critère social")
    return ", ".join(parts) or "—"
