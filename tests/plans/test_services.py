"""Services on purchases and lots: derived values, field history, roles, bulk actions, publication."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from levier.core.models import AuditEvent
from levier.ingest.french_values import format_amount_fr
from levier.organisations.models import Service
from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.models import FieldChange, Plan, PlannedPurchase
from levier.plans.workflow import Status


def quick_user(email):
    return get_user_model().objects.create(email=email, first_name=email.split("@")[0].title())


@pytest.fixture
def city(make_org, member):
    org = make_org("ville-services", "Ville des Services")
    service = Service.objects.create(organisation=org, name="Direction des bâtiments", code="DB")
    users = {role: quick_user(f"{role}@exemple.invalid") for role in Role.values}
    for role, user in users.items():
        member(user, org, role)
    plan = services.get_or_create_plan(users[Role.BUYER], org, 2027)
    return {"org": org, "plan": plan, "users": users, "service": service}


def test_creation_derives_amounts_and_procedure_from_the_thresholds(city):
    buyer = city["users"][Role.BUYER]
    purchase = services.create_purchase(
        buyer,
        city["plan"],
        object="Nettoyage des écoles",
        service=city["service"],
        nature="services",
        estimated_amount="120000",
        amount_basis="per_year",
        duration_months=48,
        launch_date=dt.date(2027, 3, 1),
    )
    assert purchase.annual_amount == Decimal("120000")
    assert purchase.total_amount == Decimal("480000.00")
    # 480 k€ of services for a commune is above the EU threshold in force in 2027 (rules/data).
    assert purchase.procedure == purchase.procedure_derived == "formal"
    assert not purchase.procedure_overridden
    small = services.create_purchase(
        buyer, city["plan"], object="Petites fournitures", nature="supplies",
        estimated_amount=Decimal("15000"), amount_basis="whole_duration",
    )  # fmt: skip
    assert small.procedure == "no_publicity"
    assert small.stable_key != purchase.stable_key
    assert AuditEvent.objects.filter(action="plan.purchase.create").count() == 2


def test_update_records_who_changed_what_and_overrides_are_marked(city):
    buyer = city["users"][Role.BUYER]
    purchase = services.create_purchase(
        buyer, city["plan"], object="Travaux de toiture", nature="works", estimated_amount=Decimal("300000"),
        amount_basis="whole_duration", reference="2027-001",
    )  # fmt: skip
    assert purchase.procedure == "adapted"
    rows = services.update_purchase(buyer, purchase, estimated_amount="6000000", procedure="adapted")
    by_field = {row.field: row for row in rows}
    amounts = (by_field["estimated_amount"].old_value, by_field["estimated_amount"].new_value)
    assert amounts == (format_amount_fr(Decimal("300000")), format_amount_fr(Decimal("6000000")))
    assert by_field["procedure_overridden"].new_value == "oui"
    assert by_field["procedure_derived"].new_value == "Procédure formalisée"
    assert all(row.actor == buyer for row in rows)
    purchase.refresh_from_db()
    assert purchase.procedure == "adapted" and purchase.procedure_overridden
    # Clearing the choice goes back to the thresholds.
    services.update_purchase(buyer, purchase, procedure="")
    purchase.refresh_from_db()
    assert (purchase.procedure, purchase.procedure_overridden) == ("formal", False)
    # Nothing changed: no history row.
    assert services.update_purchase(buyer, purchase, object="Travaux de toiture") == []
    assert FieldChange.objects.filter(purchase=purchase).count() == len(rows) + 2


def test_bad_values_are_refused_in_french_and_change_nothing(city, make_org):
    buyer = city["users"][Role.BUYER]
    purchase = services.create_purchase(buyer, city["plan"], object="Fournitures de bureau")
    foreign = Service.objects.create(organisation=make_org("ailleurs"), name="Service étranger")
    with pytest.raises(ValidationError) as caught:
        services.update_purchase(
            buyer, purchase, cpv="12345", current_holder_siret="123", service=foreign, estimated_amount="-5"
        )
    messages = caught.value.message_dict
    assert set(messages) == {"cpv", "current_holder_siret", "service", "estimated_amount"}
    assert not FieldChange.objects.exists()
    with pytest.raises(ValidationError):
        services.update_purchase(buyer, purchase, status="closed")


def test_roles_who_may_edit(city):
    users = city["users"]
    purchase = services.create_purchase(users[Role.BUYER], city["plan"], object="Restauration scolaire")
    for role in (Role.PRESCRIBER, Role.READER, Role.FACILITATOR):
        with pytest.raises(PermissionDenied):
            services.update_purchase(users[role], purchase, estimated_amount="1000")
    with pytest.raises(PermissionDenied):
        services.create_purchase(users[Role.READER], city["plan"], object="x")
    # The facilitator may record the social choices.
    rows = services.update_purchase(
        users[Role.FACILITATOR], purchase, reservation="L2113-12", insertion_clause=True
    )
    assert {row.field for row in rows} == {"reservation", "insertion_clause"}


def test_lots_follow_their_purchase(city):
    buyer = city["users"][Role.BUYER]
    purchase = services.create_purchase(
        buyer, city["plan"], object="Entretien des espaces verts", nature="services",
        estimated_amount="90000", amount_basis="per_year", duration_months=36,
    )  # fmt: skip
    lot = services.create_lot(buyer, purchase, number="1", title="Secteur nord", estimated_amount="30000")
    assert lot.amount_basis == "per_year" and lot.total_amount == Decimal("90000.00")
    assert lot.procedure == purchase.procedure
    with pytest.raises(ValidationError, match="existe déjà"):
        services.create_lot(buyer, purchase, number="1")
    rows = services.update_lot(buyer, lot, title="Secteur nord-est")
    assert [(row.field, row.lot_id) for row in rows] == [("title", lot.pk)]


def test_bulk_assign_and_send_for_validation_say_what_was_skipped(city, member):
    users = city["users"]
    first = services.create_purchase(users[Role.BUYER], city["plan"], object="Achat un")
    second = services.create_purchase(users[Role.BUYER], city["plan"], object="Achat deux")
    second.status = Status.VALIDATED
    second.save()
    done, skipped = services.assign_facilitator(users[Role.BUYER], [first, second], users[Role.FACILITATOR])
    assert len(done) == 2 and skipped == []
    assert FieldChange.objects.filter(field="facilitator", source="bulk").count() == 2
    _done, skipped = services.assign_facilitator(users[Role.BUYER], [first], users[Role.READER])
    assert "n'a pas le rôle de facilitateur" in skipped[0][1]

    done, skipped = services.send_for_validation(
        users[Role.FACILITATOR], [first, second], comment="À valider"
    )
    assert [t.purchase_id for t in done] == [first.pk]
    assert skipped[0][0] == second and "impossible depuis le statut" in skipped[0][1]


def test_publication_shows_only_marked_purchases_in_publishable_statuses(city):
    users = city["users"]
    purchase = services.create_purchase(users[Role.BUYER], city["plan"], object="Blanchisserie")
    with pytest.raises(PermissionDenied):
        services.set_published(users[Role.FACILITATOR], purchase, True)
    services.set_published(users[Role.BUYER], purchase, True)
    assert purchase.published_at is not None
    assert list(PlannedPurchase.objects.published()) == []  # still to screen
    for status in (Status.VALIDATED, Status.REVIEWED, Status.IN_CONSULTATION):
        PlannedPurchase.objects.filter(pk=purchase.pk).update(status=status)
        assert list(PlannedPurchase.objects.published()) == [purchase]
    PlannedPurchase.objects.filter(pk=purchase.pk).update(status=Status.AWARDED)
    assert list(PlannedPurchase.objects.published()) == []
    PlannedPurchase.objects.filter(pk=purchase.pk).update(status=Status.VALIDATED)
    services.set_published(users[Role.STEWARD], purchase, False)
    assert list(PlannedPurchase.objects.published()) == []
    assert AuditEvent.objects.filter(action="plan.purchase.unpublish").exists()


def test_plan_is_created_once_per_year(city):
    again = services.get_or_create_plan(city["users"][Role.READER], city["org"], 2027)
    assert again == city["plan"]
    with pytest.raises(PermissionDenied):
        services.get_or_create_plan(city["users"][Role.READER], city["org"], 2028)
    assert Plan.objects.filter(organisation=city["org"]).count() == 1


def test_place_of_execution_is_resolved_to_a_departement_when_the_reference_knows_it(city):
    buyer = city["users"][Role.BUYER]
    purchase = services.create_purchase(buyer, city["plan"], object="Fauchage", place="Doubs (25)")
    assert (purchase.place_level, purchase.place_code, purchase.place_departement) == (
        "departement",
        "25",
        "25",
    )
    unknown = services.create_purchase(buyer, city["plan"], object="Élagage", place="Quartier des Tilleuls")
    assert (unknown.place_level, unknown.place_code) == ("", "")
    assert unknown.place == "Quartier des Tilleuls"
