"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them).

An organisation without such objects gets a small one created, so that every route is walked with a real
object of the organisation and not with an id that matches nothing.
"""

import datetime as dt
from decimal import Decimal

from levier.core.tenancy import register_url_param

from .models import (
    BuyerObjective,
    Indicator,
    MatchMethod,
    MatchStatus,
    ObjectiveIndicator,
    SpendImport,
    SupplierMatch,
    Target,
)


def example_target(org) -> Target:
    found = Target.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = Target.objects.create(
            organisation=org, year=dt.date.today().year, indicator=Indicator.RESERVED_COUNT, value=Decimal(1)
        )
    return found


def example_objective(org) -> BuyerObjective:
    found = BuyerObjective.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = BuyerObjective.objects.create(
            organisation=org,
            year=dt.date.today().year,
            indicator=ObjectiveIndicator.RESERVED_COUNT,
            minimum=Decimal(1),
            label="Chaque acheteur passe au moins un marché réservé dans l'année.",
        )
    return found


def example_spend_import(org) -> SpendImport:
    found = SpendImport.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = SpendImport.objects.create(
            organisation=org, year=dt.date.today().year, file_name="exemple.csv", file_sha256="0" * 64
        )
    return found


def example_match(org) -> SupplierMatch:
    from levier.directory.models import Structure

    found = SupplierMatch.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        structure = Structure.objects.order_by("pk").first() or Structure.objects.create(
            name="Structure d'exemple"
        )
        found = SupplierMatch.objects.create(
            organisation=org,
            supplier_key="exemple",
            supplier_name="Fournisseur d'exemple",
            structure=structure,
            method=MatchMethod.NAME,
            score=0.9,
            status=MatchStatus.PROPOSED,
        )
    return found


register_url_param("target", lambda org: example_target(org).pk)
register_url_param("objective", lambda org: example_objective(org).pk)
register_url_param("spend_import", lambda org: example_spend_import(org).pk)
register_url_param("match", lambda org: example_match(org).pk)
