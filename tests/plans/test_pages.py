"""The plan pages: who sees and may do what, filters, inline edit, bulk actions, the purchase page with its
workflow and history, manual creation, the commission and what is coming."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.models import FieldChange, Lot, PlannedPurchase, Transition
from levier.plans.workflow import Status
from tests.plans import pages_world
from tests.plans.pages_world import YEAR, walk_to

world = pages_world.world  # the fixture, under the name the tests ask for

pytestmark = pytest.mark.django_db


def url(name, w, **kwargs):
    return reverse(f"plans:{name}", kwargs={"org": w.org.slug, **kwargs})


def as_role(client, w, role):
    client.force_login(w.user(role))
    return client


def objects_listed(response) -> set[str]:
    body = response.content.decode()
    return {name for name in re.findall(r'id="achat-\d+">.*?<a href="[^"]+">([^<]+)</a>', body, re.S)}


# --- Who sees what --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role.values))
def test_every_member_reads_the_plan_pages(client, world, role):
    as_role(client, world, role)
    purchase = world.purchases["mowing"]
    for target in (
        url("plan", world),
        url("purchase", world, purchase=purchase.pk),
        url("commission", world),
        url("coming_up", world),
        url("export", world),
    ):
        response = client.get(target)
        assert response.status_code == 200, (role, target)
    page = client.get(url("plan", world)).content.decode()
    assert "Tonte et entretien des parcs municipaux" in page
    # A neighbour's purchase never shows.
    assert "QX9-VOISINE" not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.BUYER, 200), (Role.STEWARD, 200), (Role.ADMIN, 200), (Role.READER, 403), (Role.FACILITATOR, 403)],
)
def test_import_and_creation_pages_need_an_editing_role(client, world, role, status):
    as_role(client, world, role)
    assert client.get(url("import_upload", world)).status_code == status
    if status == 403:
        response = client.post(url("purchase_create", world), {"object": "Achat interdit", "year": YEAR})
        assert response.status_code == 403
        assert not PlannedPurchase.objects.filter(object="Achat interdit").exists()


def test_a_purchase_of_another_organisation_is_not_found(client, world):
    as_role(client, world, Role.BUYER)
    assert client.get(url("purchase", world, purchase=world.secret.pk)).status_code == 404
    assert client.get(url("purchase_edit", world, purchase=world.secret.pk)).status_code == 404
    response = client.post(url("purchase_row", world, purchase=world.secret.pk), {"pX-object": "volé"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    response = client.get(url("plan", world))
    assert response.status_code == 302 and "/compte/" in response["Location"]


# --- Filters and pagination -----------------------------------------------------------------------------


def test_filters_by_service_with_its_sub_services_status_nature_band_and_text(client, world):
    as_role(client, world, Role.READER)
    base = url("plan", world)
    green = world.directions["green"].pk
    assert objects_listed(client.get(base, {"year": YEAR, "service": green})) == {
        "Tonte et entretien des parcs municipaux",
        "Fournitures de papier recyclé",
    }
    assert objects_listed(client.get(base, {"year": YEAR, "nature": "works"})) == {
        "Réfection de la toiture du gymnase"
    }
    # 45 000 € a year over 36 months is 135 000 € in total: the 50-200 k€ band.
    assert objects_listed(client.get(base, {"year": YEAR, "band": "50k-200k"})) == {
        "Tonte et entretien des parcs municipaux"
    }
    assert objects_listed(client.get(base, {"year": YEAR, "band": "gte1m"})) == {
        "Réfection de la toiture du gymnase"
    }
    assert objects_listed(client.get(base, {"year": YEAR, "band": "none"})) == {"Maintenance des horodateurs"}
    assert objects_listed(client.get(base, {"year": YEAR, "q": "papier"})) == {
        "Fournitures de papier recyclé"
    }
    walk_to(world.purchases["paper"], Status.PROPOSED, world)
    assert objects_listed(client.get(base, {"year": YEAR, "status": "proposed"})) == {
        "Fournitures de papier recyclé"
    }
    assert objects_listed(client.get(base, {"year": YEAR - 1})) == set()
    services.assign_facilitator(
        world.user(Role.BUYER), [world.purchases["roof"]], world.user(Role.FACILITATOR)
    )
    services.set_published(world.user(Role.BUYER), world.purchases["undated"], True)
    facilitator = world.user(Role.FACILITATOR).pk
    assert objects_listed(client.get(base, {"year": YEAR, "facilitator": facilitator})) == {
        "Réfection de la toiture du gymnase"
    }
    assert objects_listed(client.get(base, {"year": YEAR, "published": "1"})) == {
        "Maintenance des horodateurs"
    }
    assert len(objects_listed(client.get(base, {"year": YEAR, "published": "0"}))) == 3
    page = client.get(base).content.decode()
    assert 'name="facilitator"' in page and "Nadia Fauvel" in page and 'name="published"' in page


def test_unknown_filter_values_are_explained_not_a_crash(client, world):
    as_role(client, world, Role.READER)
    response = client.get(url("plan", world), {"status": "volé", "service": "999999", "year": "deux"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Valeur inconnue pour le filtre « status »" in body
    assert "Service inconnu dans cette organisation." in body
    assert "Année illisible" in body


def test_a_service_of_another_organisation_is_not_a_filter(client, world):
    from levier.organisations.models import Service

    foreign = Service.objects.create(organisation=world.other, name="Service voisin")
    as_role(client, world, Role.READER)
    response = client.get(url("plan", world), {"year": YEAR, "service": foreign.pk})
    assert "Service inconnu dans cette organisation." in response.content.decode()
    # The filter is dropped: the whole plan shows.
    assert len(objects_listed(response)) == 4


def test_pagination_keeps_the_filters(client, world, django_assert_max_num_queries):
    buyer = world.user(Role.BUYER)
    for index in range(55):
        services.create_purchase(buyer, world.plan, object=f"Achat en série {index:02d}", nature="supplies")
    as_role(client, world, Role.BUYER)
    # A page of 50 lines costs the same few queries as a page of 5 (no query per line).
    with django_assert_max_num_queries(20):
        first = client.get(url("plan", world), {"year": YEAR, "nature": "supplies"})
    assert len(objects_listed(first)) == 50
    body = first.content.decode()
    assert "page=2" in body and "nature=supplies" in body
    second = client.get(url("plan", world), {"year": YEAR, "nature": "supplies", "page": 2})
    assert len(objects_listed(second)) == 6  # 55 + the paper supplies


# --- Inline edit ----------------------------------------------------------------------------------------


def test_inline_edit_saves_through_the_service_and_keeps_the_history(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.BUYER)
    row_url = url("purchase_row", world, purchase=purchase.pk)
    editing = client.get(row_url, {"modifier": "1"}, headers={"HX-Request": "true"})
    assert editing.status_code == 200
    body = editing.content.decode()
    assert f'name="p{purchase.pk}-object"' in body and "<html" not in body
    prefix = f"p{purchase.pk}-"
    response = client.post(
        row_url,
        {
            prefix + "object": "Tonte différenciée des parcs",
            prefix + "service": world.directions["parks"].pk,
            prefix + "nature": "services",
            prefix + "estimated_amount": "50 000,00",
            prefix + "launch_date": f"{YEAR}-03-15",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Tonte différenciée des parcs" in response.content.decode()
    purchase.refresh_from_db()
    assert purchase.object == "Tonte différenciée des parcs"
    assert purchase.estimated_amount == Decimal("50000")
    changed = set(FieldChange.objects.filter(purchase=purchase).values_list("field", flat=True))
    assert {"object", "estimated_amount"} <= changed
    assert FieldChange.objects.filter(purchase=purchase, field="object").get().actor == world.user(Role.BUYER)


def test_the_row_alone_is_not_a_page(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.BUYER)
    response = client.get(url("purchase_row", world, purchase=purchase.pk), {"modifier": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"/achats/{purchase.pk}/modifier/")


def test_inline_edit_shows_errors_in_the_row(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.BUYER)
    prefix = f"p{purchase.pk}-"
    response = client.post(
        url("purchase_row", world, purchase=purchase.pk),
        {prefix + "object": "", prefix + "estimated_amount": "beaucoup", prefix + "nature": "services"},
    )
    body = response.content.decode()
    assert "fr-error-text" in body
    purchase.refresh_from_db()
    assert purchase.object == "Tonte et entretien des parcs municipaux"


@pytest.mark.parametrize("role", [Role.READER, Role.PRESCRIBER, Role.FACILITATOR])
def test_inline_edit_is_refused_to_roles_that_do_not_keep_the_plan(client, world, role):
    purchase = world.purchases["mowing"]
    as_role(client, world, role)
    prefix = f"p{purchase.pk}-"
    response = client.post(
        url("purchase_row", world, purchase=purchase.pk),
        {prefix + "object": "Modifié sans droit", prefix + "nature": "services"},
    )
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert purchase.object == "Tonte et entretien des parcs municipaux"


# --- Bulk actions ---------------------------------------------------------------------------------------


def test_buyer_assigns_a_facilitator_then_the_facilitator_sends_for_validation(client, world):
    chosen = [world.purchases["mowing"].pk, world.purchases["paper"].pk]
    facilitator = world.user(Role.FACILITATOR)
    as_role(client, world, Role.BUYER)
    response = client.post(
        url("bulk_action", world),
        {"action": "assign", "purchases": chosen, "facilitator": facilitator.pk, "keep_year": YEAR},
    )
    assert response.status_code == 302 and f"year={YEAR}" in response["Location"]
    assert set(PlannedPurchase.objects.filter(facilitator=facilitator).values_list("pk", flat=True)) == set(
        chosen
    )

    # The buyer may not propose (a facilitator's step): every line is skipped with its reason.
    response = client.post(url("bulk_action", world), {"action": "send", "purchases": chosen}, follow=True)
    assert "laissé de côté" in response.content.decode()
    assert not Transition.objects.exists()

    as_role(client, world, Role.FACILITATOR)
    response = client.post(
        url("bulk_action", world), {"action": "send", "purchases": chosen, "comment": "Réservable ESAT"}
    )
    assert response.status_code == 302
    assert set(PlannedPurchase.objects.filter(pk__in=chosen).values_list("status", flat=True)) == {"proposed"}
    assert set(Transition.objects.values_list("comment", flat=True)) == {"Réservable ESAT"}


def test_bulk_action_cannot_reach_another_organisations_purchase(client, world):
    as_role(client, world, Role.BUYER)
    response = client.post(
        url("bulk_action", world),
        {"action": "assign", "purchases": [world.secret.pk], "facilitator": ""},
        follow=True,
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    world.secret.refresh_from_db()
    assert world.secret.facilitator is None


# --- The purchase page and its workflow -----------------------------------------------------------------


def step_buttons(response) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="step" value="(\w+)"', response.content.decode()))


def test_each_role_sees_only_the_steps_it_may_take(client, world):
    purchase = world.purchases["mowing"]
    page = url("purchase", world, purchase=purchase.pk)
    assert step_buttons(as_role(client, world, Role.FACILITATOR).get(page)) == {"propose"}
    for role in (Role.BUYER, Role.PRESCRIBER, Role.READER, Role.STEWARD):
        assert step_buttons(as_role(client, world, role).get(page)) == set(), role
    walk_to(purchase, Status.PROPOSED, world)
    assert step_buttons(as_role(client, world, Role.PRESCRIBER).get(page)) == {"validate", "refuse"}
    assert step_buttons(as_role(client, world, Role.FACILITATOR).get(page)) == {"withdraw"}


def test_a_refusal_needs_a_reason_and_the_history_keeps_it(client, world):
    purchase = walk_to(world.purchases["mowing"], Status.PROPOSED, world)
    as_role(client, world, Role.PRESCRIBER)
    step_url = url("purchase_step", world, purchase=purchase.pk)
    response = client.post(step_url, {"step": "refuse", "comment": "Non"})
    assert response.status_code == 422
    assert "demande un motif" in response.content.decode()
    purchase.refresh_from_db()
    assert purchase.status == Status.PROPOSED

    response = client.post(step_url, {"step": "refuse", "reason": "Prestation trop technique", "comment": ""})
    assert response.status_code == 302
    purchase.refresh_from_db()
    assert purchase.status == Status.REFUSED
    page = client.get(url("purchase", world, purchase=purchase.pk)).content.decode()
    assert "Motif : Prestation trop technique" in page
    assert "Proposé → <strong>Refusé</strong>" in page


def test_after_a_step_the_page_goes_back_only_within_the_site(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.FACILITATOR)
    response = client.post(
        url("purchase_step", world, purchase=purchase.pk),
        {"step": "propose", "next": "https://exemple.invalid/"},
    )
    assert response["Location"] == url("purchase", world, purchase=purchase.pk)


def test_a_step_the_role_may_not_take_is_forbidden(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.READER)
    response = client.post(url("purchase_step", world, purchase=purchase.pk), {"step": "propose"})
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert purchase.status == Status.TO_SCREEN


def test_a_prescriber_decides_only_for_their_direction(client, world):
    roof = world.purchases["roof"]  # Direction des bâtiments, not the prescriber's
    services.transition(world.user(Role.FACILITATOR), roof, "propose")
    as_role(client, world, Role.PRESCRIBER)
    assert step_buttons(client.get(url("purchase", world, purchase=roof.pk))) == set()
    response = client.post(url("purchase_step", world, purchase=roof.pk), {"step": "validate"})
    assert response.status_code == 403
    roof.refresh_from_db()
    assert roof.status == Status.PROPOSED


def test_history_shows_transitions_and_field_changes_with_who_and_when(client, world):
    purchase = world.purchases["paper"]
    services.update_purchase(world.user(Role.BUYER), purchase, estimated_amount=Decimal("18000"))
    walk_to(purchase, Status.VALIDATED, world)
    as_role(client, world, Role.READER)
    body = client.get(url("purchase", world, purchase=purchase.pk)).content.decode()
    history = body[body.index('id="historique"') :]
    assert "Montant estimé HT" in history and "12\u202f000 € → 18\u202f000 €" in history
    assert "À cribler → <strong>Proposé</strong>" in history
    assert "Proposé → <strong>Validé</strong>" in history
    assert "Nadia Fauvel" in history and "Louis Prévost" in history and "Camille Achard" in history
    # Most recent first: the validation comes before the amount change.
    assert history.index("Validé</strong>") < history.index("Montant estimé HT")


# --- Manual creation and edit of purchases and lots -----------------------------------------------------


def test_buyer_creates_and_edits_a_purchase_and_its_lots(client, world):
    as_role(client, world, Role.BUYER)
    response = client.post(
        url("purchase_create", world) + f"?year={YEAR}",
        {
            "object": "Restauration scolaire",
            "reference": "2027-010",
            "service": world.directions["green"].pk,
            "nature": "services",
            "estimated_amount": "800000",
            "amount_basis": "whole_duration",
            "duration_months": "48",
            "launch_date": f"{YEAR}-09-01",
            "reservation": "",
            "year": YEAR,
        },
    )
    assert response.status_code == 302
    created = PlannedPurchase.objects.get(reference="2027-010")
    assert created.plan == world.plan and created.total_amount == Decimal("800000")

    response = client.post(
        url("purchase_edit", world, purchase=created.pk),
        {"object": "Restauration scolaire et portage de repas", "reference": "2027-010", "nature": "services",
         "estimated_amount": "800000", "amount_basis": "whole_duration", "duration_months": "48",
         "launch_date": f"{YEAR}-09-01", "service": world.directions["green"].pk, "insertion_clause": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.object.endswith("portage de repas") and created.insertion_clause

    response = client.post(
        url("lot_create", world, purchase=created.pk),
        {
            "number": "1",
            "title": "Écoles maternelles",
            "reservation": "L2113-12",
            "estimated_amount": "300000",
        },
    )
    assert response.status_code == 302
    lot = Lot.objects.get(purchase=created, number="1")
    assert lot.reservation == "L2113-12"
    response = client.post(
        url("lot_edit", world, lot=lot.pk),
        {"number": "1", "title": "Écoles maternelles et élémentaires", "reservation": "L2113-12",
         "estimated_amount": "350000"},
    )  # fmt: skip
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.title.endswith("élémentaires") and lot.estimated_amount == Decimal("350000")
    page = client.get(url("purchase", world, purchase=created.pk)).content.decode()
    assert "Écoles maternelles et élémentaires" in page
    assert "Lot 1 — Écoles maternelles" in page  # the lot's change in the history


def test_creation_errors_are_shown_next_to_the_fields(client, world):
    as_role(client, world, Role.BUYER)
    response = client.post(
        url("purchase_create", world),
        {"object": "Achat mal saisi", "cpv": "12", "current_holder_siret": "123", "year": YEAR},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("fr-error-text") >= 2
    assert not PlannedPurchase.objects.filter(object="Achat mal saisi").exists()


def test_a_facilitator_edits_only_the_social_choices(client, world):
    purchase = world.purchases["mowing"]
    as_role(client, world, Role.FACILITATOR)
    page = client.get(url("purchase_edit", world, purchase=purchase.pk)).content.decode()
    assert 'name="reservation"' in page and 'name="object"' not in page
    response = client.post(
        url("purchase_edit", world, purchase=purchase.pk),
        {"reservation": "L2113-12", "social_criterion": "on"},
    )
    assert response.status_code == 302
    purchase.refresh_from_db()
    assert purchase.reservation == "L2113-12" and purchase.social_criterion
    # Trying to slip another field in changes nothing: the form does not have it.
    client.post(url("purchase_edit", world, purchase=purchase.pk), {"object": "Changé", "reservation": ""})
    purchase.refresh_from_db()
    assert purchase.object == "Tonte et entretien des parcs municipaux"


# --- The commission and what is coming ------------------------------------------------------------------


def test_commission_view_has_the_programme_chart_table_and_decisions_to_record(client, world):
    walk_to(world.purchases["mowing"], Status.VALIDATED, world)
    as_role(client, world, Role.STEWARD)
    response = client.get(url("commission", world), {"year": YEAR})
    body = response.content.decode()
    assert body.count('role="img"') == 2 and '<title id="graphique-nombre-title">' in body
    table = body[body.index('id="donnees-programme"') :]
    march = re.search(r"<th scope=\"row\">Mars</th><td class=\"levier-num\">(\d+)</td>", table)
    assert march and march.group(1) == "2"
    june = re.search(r"<th scope=\"row\">Juin</th><td class=\"levier-num\">(\d+)</td>", table)
    assert june and june.group(1) == "1"
    assert "Date de lancement non renseignée" in table
    # The bars' heights follow the counts: March (2 purchases) twice June (1), nothing in January.
    chart = body[body.index('id="graphique-nombre"') : body.index("</svg>")]
    heights = {
        label.split(" : ")[0]: float(height)
        for height, label in re.findall(r'height="([\d.]+)" fill="#000091"><title>([^<]+)</title>', chart)
    }
    assert heights["mars"] == pytest.approx(2 * heights["juin"]) and heights["janv."] == 0
    decisions = body[body.index('id="a-decider"') :]
    assert "Tonte et entretien des parcs municipaux" in decisions
    assert "Enregistrer l'examen en commission" in decisions

    purchase = world.purchases["mowing"]
    response = client.post(
        url("purchase_step", world, purchase=purchase.pk),
        {
            "step": "review",
            "comment": "Réserver aux ESAT",
            "next": url("commission", world) + f"?year={YEAR}",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"commission/?year={YEAR}")
    purchase.refresh_from_db()
    assert purchase.status == Status.REVIEWED
    assert Transition.objects.get(purchase=purchase, step="review").comment == "Réserver aux ESAT"


def test_commission_view_is_read_only_for_readers(client, world):
    walk_to(world.purchases["mowing"], Status.VALIDATED, world)
    body = as_role(client, world, Role.READER).get(url("commission", world), {"year": YEAR}).content.decode()
    assert "Tonte et entretien des parcs municipaux" in body
    assert "Enregistrer l'examen en commission" not in body


def test_coming_up_lists_launches_and_contracts_ending_within_the_horizon(client, world):
    from levier.plans.selectors import add_months

    today = dt.date.today()
    buyer = world.user(Role.BUYER)
    soon = services.create_purchase(
        buyer, world.plan, object="Lancement dans deux mois", launch_date=add_months(today, 2)
    )
    later = services.create_purchase(
        buyer, world.plan, object="Lancement dans un an", launch_date=add_months(today, 12)
    )
    ending = services.create_purchase(
        buyer, world.plan, object="Nettoyage des locaux", current_holder_name="Propreté Services",
        current_contract_end=add_months(today, 4),
    )  # fmt: skip
    launched = services.create_purchase(
        buyer, world.plan, object="Déjà en consultation", launch_date=add_months(today, 1)
    )
    PlannedPurchase.objects.filter(pk=launched.pk).update(status=Status.IN_CONSULTATION)
    as_role(client, world, Role.READER)
    body = client.get(url("coming_up", world), {"months": 6}).content.decode()
    launches = body[body.index('id="lancements"') : body.index('id="echeances"')]
    endings = body[body.index('id="echeances"') :]
    assert soon.object in launches and later.object not in launches and launched.object not in launches
    assert ending.object in endings and "Propreté Services" in endings
    body = client.get(url("coming_up", world), {"months": 18}).content.decode()
    assert later.object in body[body.index('id="lancements"') : body.index('id="echeances"')]
