"""Examples of this app's URL parameters for an organisation (the isolation test fills routes with them)."""

from levier.core.tenancy import register_url_param

from .models import ScreeningRun


def example_run(org) -> ScreeningRun:
    from levier.plans.url_params import example_plan

    found = ScreeningRun.objects.filter(organisation=org).order_by("pk").first()
    if found is None:
        found = ScreeningRun.objects.create(organisation=org, plan=example_plan(org))
    return found


register_url_param("screening_run", lambda org: example_run(org).pk)
