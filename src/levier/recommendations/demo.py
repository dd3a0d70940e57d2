"""Demo screenings: every purchase of the demo plans is screened against the demo directory, so that each
plan line shows its badge. Runs after the plans, directory and clauses steps. Idempotent: a purchase's
screening is replaced, never duplicated."""

from levier.plans.models import Plan

from . import services


def seed(orgs) -> dict[str, int]:
    screened = 0
    for organisation in orgs.values():
        plans = list(Plan.objects.filter(organisation=organisation))
        if not plans:
            continue
        context = services.Context(organisation)
        for plan in plans:
            for purchase in plan.purchases.select_related("plan__organisation").prefetch_related("lots"):
                services.compute(purchase, list(purchase.lots.all()), context)
                screened += 1
    return {"achats criblés": screened}
