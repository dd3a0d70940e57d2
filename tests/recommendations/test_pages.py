"""The pages: the badge on the plan, the panel, its actions by role, the policy, the re-screen and the API."""

import pytest
from django.urls import reverse

from levier.organisations.roles import Role
from levier.plans.models import PlannedPurchase
from levier.recommendations import services
from levier.recommendations.models import RunStatus, ScreeningPolicy, ScreeningRun
from levier.sourcing.models import SourcingList

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _client(client, world, role):
    client.force_login(world.user(role))
    return client


def _panel(world, key):
    return reverse(
        "recommendations:panel", kwargs={"org": world.org.slug, "purchase": world.purchases[key].pk}
    )


def test_every_plan_line_shows_its_badge_in_one_query(client, world, django_assert_max_num_queries):
    services.screen_plan(world.plan)
    page = _client(client, world, Role.READER).get(reverse("plans:plan", kwargs={"org": world.org.slug}))
    html = page.content.decode()
    assert html.count("levier-reco-badge") == 3
    assert "Réserver" in html or "réserv" in html
    # One more purchase on the page must not cost one more query for the badges.
    with django_assert_max_num_queries(40) as before:
        client.get(reverse("plans:plan", kwargs={"org": world.org.slug}))
    services.screen_purchase(world.purchases["studies"])
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("plans:plan", kwargs={"org": world.org.slug}))


def test_a_line_not_yet_screened_offers_to_screen_it(client, world):
    page = _client(client, world, Role.BUYER).get(reverse("plans:plan", kwargs={"org": world.org.slug}))
    assert page.content.decode().count("Cribler<span") == 3


def test_the_panel_shows_options_factors_frame_and_candidates(client, world):
    page = _client(client, world, Role.READER).get(_panel(world, "catering"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Options classées" in html and "Cadre juridique" in html and "L2113-12" in html
    for structure in world.structures["catering"]:
        assert structure.name in html
    assert "<svg" in html and "Score de chaque option" in html
    # A reader sees, but has no button.
    assert "Proposer" not in html and "Écarter" not in html


def test_the_facilitator_proposes_from_the_panel(client, world):
    c = _client(client, world, Role.FACILITATOR)
    assert "Proposer" in c.get(_panel(world, "catering")).content.decode()
    url = reverse(
        "recommendations:propose", kwargs={"org": world.org.slug, "purchase": world.purchases["catering"].pk}
    )
    response = c.post(url, {"option": "reserve_disability"})
    assert response.status_code == 302
    assert PlannedPurchase.objects.get(pk=world.purchases["catering"].pk).status == "proposed"


def test_a_buyer_cannot_propose_nor_override(client, world):
    c = _client(client, world, Role.BUYER)
    kwargs = {"org": world.org.slug, "purchase": world.purchases["catering"].pk}
    assert c.post(reverse("recommendations:propose", kwargs=kwargs), {"option": "clause"}).status_code == 403
    assert c.post(reverse("recommendations:override", kwargs=kwargs), {"reason": "non"}).status_code == 403
    assert PlannedPurchase.objects.get(pk=world.purchases["catering"].pk).status == "to_screen"


def test_overriding_without_a_reason_is_refused_in_french(client, world):
    c = _client(client, world, Role.FACILITATOR)
    url = reverse(
        "recommendations:override", kwargs={"org": world.org.slug, "purchase": world.purchases["parks"].pk}
    )
    response = c.post(url, {"reason": ""})
    assert response.status_code == 422 and "Ce champ est obligatoire" in response.content.decode()
    response = c.post(url, {"reason": "Les chantiers d'insertion du secteur sont complets."}, follow=True)
    assert "Recommandations écartées" in response.content.decode()


def test_candidates_to_a_sourcing_list_in_one_click(client, world):
    c = _client(client, world, Role.BUYER)
    url = reverse(
        "recommendations:to_sourcing", kwargs={"org": world.org.slug, "purchase": world.purchases["parks"].pk}
    )
    response = c.post(url, {"option": "reserve_insertion"})
    made = SourcingList.objects.get()
    assert response.status_code == 302 and str(made.pk) in response["Location"]
    assert made.entries.count() == 3


def test_the_policy_page_edits_for_admins_and_shows_for_others(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    url = reverse("recommendations:policy", kwargs={"org": world.org.slug})
    reader = _client(client, world, Role.READER)
    assert "Seuls les administrateurs" in reader.get(url).content.decode()
    assert reader.post(url, {"min_candidates_to_reserve": 9}).status_code == 404
    c = _client(client, world, Role.ADMIN)
    page = c.get(url)
    assert "Structures capables au minimum pour réserver" in page.content.decode()
    form = {
        "max_turnover_share": "0.5",
        "radius_on_site_km": 50,
        "radius_delivered_km": 200,
        "reserved_meets_obligation": "True",
        "central_government": "",
    }
    bad = c.post(url, {**form, "min_candidates_to_reserve": 0})
    assert bad.status_code == 422
    assert ScreeningPolicy.objects.get(organisation=world.org).version == 1
    services.screen_plan(world.plan)
    with django_capture_on_commit_callbacks(execute=True):
        ok = c.post(url, {**form, "min_candidates_to_reserve": 5})
    assert ok.status_code == 302
    assert ScreeningPolicy.objects.get(organisation=world.org).version == 2
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.DONE and run.progress == run.total == 3
    assert (
        not world.purchases["parks"]
        .screening.__class__.objects.get(purchase=world.purchases["parks"])
        .option.startswith("reserve_")
    )


def test_rescreen_the_plan_with_a_status_the_page_polls(
    client, world, settings, django_capture_on_commit_callbacks
):
    c = _client(client, world, Role.FACILITATOR)
    url = reverse("recommendations:rescreen_plan", kwargs={"org": world.org.slug, "plan": world.plan.pk})
    with django_capture_on_commit_callbacks(execute=False):
        response = c.post(url)
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.QUEUED
    status = c.get(response["Location"], HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in status.content.decode() and "En attente" in status.content.decode()
    from levier.recommendations.tasks import screen_plan_task

    screen_plan_task.call(run.pk)
    status = c.get(response["Location"], HTTP_HX_REQUEST="true")
    assert "Plan criblé" in status.content.decode() and "every 1s" not in status.content.decode()
    assert _client(client, world, Role.READER).post(url).status_code == 403


def test_api_screening_and_policy(client, world):
    c = _client(client, world, Role.FACILITATOR)
    url = f"/api/v1/orgs/{world.org.slug}/purchases/{world.purchases['catering'].pk}/screening"
    data = c.get(url).json()
    assert data["option"] == "reserve_disability" and data["result"]["options"]
    assert c.get(f"/api/v1/orgs/{world.org.slug}/screening-policy").json()["min_candidates_to_reserve"] == 3
    refused = c.patch(
        f"/api/v1/orgs/{world.org.slug}/screening-policy",
        {"min_candidates_to_reserve": 4},
        content_type="application/json",
    )
    assert refused.status_code == 403
    outsider = client
    outsider.force_login(world.user("outsider"))
    assert outsider.get(url).status_code == 404


def test_a_line_screened_under_an_older_policy_says_so(client, world):
    services.screen_plan(world.plan)
    url = reverse("plans:plan", kwargs={"org": world.org.slug})
    c = _client(client, world, Role.READER)
    assert "à recribler" not in c.get(url).content.decode()
    services.update_policy(world.user(Role.STEWARD), world.org, radius_on_site_km=20)
    assert c.get(url).content.decode().count("à recribler") == 3
