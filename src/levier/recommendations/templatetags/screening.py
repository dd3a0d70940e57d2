"""The recommendation badge of a plan line: `{% attach_screenings rows %}` once per page (one query), then
`{% recommendation_badge p %}` in each row (a row rendered alone fetches its own)."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def attach_screenings(rows) -> str:
    purchases = [row[0] if isinstance(row, tuple) else row for row in rows]
    found = selectors.badges_for(purchases)
    for purchase in purchases:
        purchase.screening_badge = found.get(purchase.pk)
    return ""


@register.inclusion_tag("recommendations/badge.html", takes_context=True)
def recommendation_badge(context, purchase) -> dict:
    if not hasattr(purchase, "screening_badge"):
        purchase.screening_badge = selectors.badges_for([purchase]).get(purchase.pk)
    return {"s": purchase.screening_badge, "p": purchase, "current_org": context.get("current_org")}
