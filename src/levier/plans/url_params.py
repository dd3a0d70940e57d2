"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them).

An organisation without a plan gets a small one created, so that every route is walked with a real object
of the organisation and not with an id that matches nothing.
"""

import datetime as dt

from levier.core.tenancy import register_url_param

from .models import Lot, Plan, PlanImport, PlannedPurchase


def example_plan(org) -> Plan:
    plan = Plan.objects.filter(organisation=org).order_by("-year").first()
    if plan is None:
        plan = Plan.objects.create(organisation=org, year=dt.date.today().year + 1)
    return plan


def example_purchase(org) -> PlannedPurchase:
    plan = example_plan(org)
    purchase = plan.purchases.order_by("pk").first()
    if purchase is None:
        purchase = PlannedPurchase.objects.create(
            plan=plan, stable_key="ref:exemple", reference="EXEMPLE", object="Achat d'exemple"
        )
    return purchase


def example_lot(org) -> Lot:
    purchase = example_purchase(org)
    lot = purchase.lots.order_by("pk").first()
    if lot is None:
        lot = Lot.objects.create(
            purchase=purchase, number="1", title="Lot d'exemple", stable_key="ref:exemple/lot:1"
        )
    return lot


def example_import(org) -> PlanImport:
    found = PlanImport.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = PlanImport.objects.create(
            organisation=org, year=example_plan(org).year, file_name="exemple.csv", file_sha256="0" * 64
        )
    return found


register_url_param("plan", lambda org: example_plan(org).pk)
register_url_param("purchase", lambda org: example_purchase(org).pk)
register_url_param("lot", lambda org: example_lot(org).pk)
register_url_param("plan_import", lambda org: example_import(org).pk)
