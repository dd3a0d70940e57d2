"""The Atom feed of what is coming (Django's syndication framework), national or for one organisation.

Like the public pages, it reads `selectors.public_purchases` only; an entry says what a structure needs to
get ready: object, organisation, reservation or clause, planned launch, place, amount band, lots.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from . import selectors
from .publication import amount_band, measures, organisation_or_404, public_route
from .templatetags.plan_format import approx_date

FEED_SIZE = 200


class UpcomingPurchasesFeed(Feed):
    feed_type = Atom1Feed
    language = "fr"

    def get_object(self, request, org=None):
        return None if org is None else organisation_or_404(org)

    def title(self, obj):
        who = obj.name if obj else "toutes les organisations"
        return f"Levier — achats à venir ouverts aux structures inclusives ({who})"

    def subtitle(self, obj):
        return (
            "Marchés prévus, réservés aux structures inclusives (ESAT, EA, SIAE) ou portant une clause "
            "d'insertion, publiés par les acheteurs avant la consultation."
        )

    def link(self, obj):
        if obj is None:
            return reverse("publications:list")
        return reverse("publications:org", kwargs={"org": obj.slug})

    def items(self, obj):
        return selectors.public_purchases(obj).order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.object} — {item.plan.organisation.name}"

    def item_description(self, item):
        parts = [", ".join(measures(item))]
        if item.launch_date:
            parts.append(f"Lancement prévu : {approx_date(item.launch_date, item.launch_precision)}")
        if item.get_nature_display():
            parts.append(f"Nature : {item.get_nature_display()}")
        if item.cpv:
            parts.append(f"CPV : {item.cpv}")
        if item.place:
            parts.append(f"Lieu : {item.place}")
        if item.duration_months:
            parts.append(f"Durée : {item.duration_months} mois")
        parts.append(f"Montant : {amount_band(item)}")
        lots = list(item.lots.all())
        if lots:
            parts.append("Lots : " + " ; ".join(f"{lot.number} {lot.title}".strip() for lot in lots))
        return ". ".join(parts) + "."

    def item_link(self, item):
        path = reverse("publications:org", kwargs={"org": item.plan.organisation.slug})
        return f"{path}#achat-{item.pk}"

    def item_guid(self, item):
        return f"tag:levier,{item.published_at:%Y-%m-%d}:achat-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.plan.organisation.name

    def item_categories(self, item):
        return measures(item)


feed = public_route(UpcomingPurchasesFeed())
