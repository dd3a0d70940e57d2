"""The two legal readings an organisation makes in its screening policy: whether a reserved contract meets
the duty of L2112-2-1, and whether it applies the central government's EU thresholds."""

import pytest
from django.urls import reverse

from levier.organisations.roles import Role
from levier.recommendations import engine, services
from levier.recommendations.models import ScreeningPolicy, ScreeningRun

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_defaults_follow_the_engine_and_reach_its_policy(world):
    policy = services.policy_of(world.org)
    assert policy.reserved_meets_obligation is True and policy.central_government is None
    handed = engine.engine_policy(policy, world.org)
    assert handed.reserved_meets_obligation is True and handed.central_government is None
    policy.reserved_meets_obligation, policy.central_government = False, True
    handed = engine.engine_policy(policy, world.org)
    assert handed.reserved_meets_obligation is False and handed.central_government is True


def test_a_reservation_no_longer_meets_the_duty_when_the_organisation_reads_it_so(world):
    catering = world.purchases["catering"]
    before = services.screen_purchase(catering)
    assert before.compulsory and before.result["frame"]["reserved_meets_obligation"] is True
    reservation = next(o for o in before.result["options"] if o["code"] == "reserve_disability")
    assert any(f["code"] == "obligation_met" or "L2112-2-1" in f["text_fr"] for f in reservation["factors"])

    updated = services.update_policy(world.user(Role.ADMIN), world.org, reserved_meets_obligation=False)
    assert updated.version == 2
    after = services.current_screening(catering)
    assert after.policy_version == 2
    assert after.result["frame"]["reserved_meets_obligation"] is False
    again = next(o for o in after.result["options"] if o["code"] == "reserve_disability")
    assert again["score"] < reservation["score"]


def test_a_central_purchasing_body_may_apply_the_state_thresholds(make_org, member, world):
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from levier.plans import services as plan_services

    body = make_org("centrale", "Centrale d'achat", kind="centrale_achat")
    buyer = get_user_model().objects.create(email="acheteur@centrale.invalid")
    member(buyer, body, Role.BUYER, Role.ADMIN)
    plan = plan_services.get_or_create_plan(buyer, body, 2027)
    purchase = plan_services.create_purchase(
        buyer,
        plan,
        reference="Z-1",
        object="Nettoyage des locaux",
        cpv="90910000",
        nature="services",
        amount_basis="per_year",
        estimated_amount=Decimal("40000"),
        duration_months=48,
        launch_date=dt.date(2027, 3, 1),
        place="Rhône",
    )
    assert services.screen_purchase(purchase).result["frame"]["buyer_group"] == "other"
    services.update_policy(buyer, body, central_government=True)
    assert services.current_screening(purchase).result["frame"]["buyer_group"] == "central"


def test_unchanged_readings_leave_the_version_alone(world):
    services.update_policy(world.user(Role.ADMIN), world.org, reserved_meets_obligation=True)
    assert services.policy_of(world.org).version == 1


def test_the_policy_page_sets_both_readings_and_screens_again(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    url = reverse("recommendations:policy", kwargs={"org": world.org.slug})
    client.force_login(world.user(Role.ADMIN))
    page = client.get(url).content.decode()
    assert "satisfait l&#x27;obligation de l&#x27;article L2112-2-1" in page
    assert "Selon la nature de l&#x27;organisation" in page
    services.screen_plan(world.plan)
    form = {
        "min_candidates_to_reserve": 3,
        "max_turnover_share": "0.5",
        "radius_on_site_km": 50,
        "radius_delivered_km": 200,
        "reserved_meets_obligation": "True",
        "central_government": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        unchanged = client.post(url, form)
    assert unchanged.status_code == 302 and ScreeningPolicy.objects.get(organisation=world.org).version == 1
    assert not ScreeningRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.post(
            url, {**form, "reserved_meets_obligation": "False", "central_government": "True"}
        )
    assert changed.status_code == 302
    policy = ScreeningPolicy.objects.get(organisation=world.org)
    assert policy.version == 2
    assert policy.reserved_meets_obligation is False and policy.central_government is True
    assert ScreeningRun.objects.get().progress == 3
    stored = world.purchases["catering"].__class__.objects.get(pk=world.purchases["catering"].pk).screening
    assert stored.policy_version == 2 and stored.result["frame"]["reserved_meets_obligation"] is False
    reader = client
    reader.force_login(world.user(Role.READER))
    shown = reader.get(url).content.decode()
    assert "Seuils européens de l'État</dt><dd>oui</dd>" in shown
    assert "article L2112-2-1</dt><dd>non</dd>" in shown


def test_the_api_reads_and_patches_both_readings(client, world):
    client.force_login(world.user(Role.ADMIN))
    url = f"/api/v1/orgs/{world.org.slug}/screening-policy"
    data = client.get(url).json()
    assert data["reserved_meets_obligation"] is True and data["central_government"] is None
    patched = client.patch(url, {"central_government": False}, content_type="application/json").json()
    assert patched["central_government"] is False and patched["version"] == 2
