"""Publishing what is coming: the public page, the Atom feed and the CSV show exactly the purchases marked
for publication, reserved or with a clause, in a publishable status, and nothing else, to anybody."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from levier.organisations.roles import Role
from levier.plans import services
from levier.plans.models import PlannedPurchase
from levier.plans.workflow import Status
from tests.plans import pages_world
from tests.plans.pages_world import walk_to

world = pages_world.world  # the fixture, under the name the tests ask for
pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(world):
    """One purchase of each kind that must or must not appear, with markers in their objects."""
    buyer = world.user(Role.BUYER)
    mk = lambda marker, **values: services.create_purchase(  # noqa: E731
        buyer, world.plan, object=f"Achat {marker}", service=world.directions["green"], nature="services",
        estimated_amount=Decimal("80000"), amount_basis="whole_duration", **values,
    )  # fmt: skip
    shown = {
        "reserved": walk_to(
            mk("PUB-RESERVE", reservation="L2113-12", place="Valmont"), Status.VALIDATED, world
        ),
        "clause": walk_to(mk("PUB-CLAUSE", insertion_clause=True), Status.REVIEWED, world),
        "consulting": walk_to(mk("PUB-CONSULT", reservation="L2113-13"), Status.IN_CONSULTATION, world),
    }
    hidden = {
        "unmarked": walk_to(mk("CACHE-NON-MARQUE", reservation="L2113-12"), Status.VALIDATED, world),
        "proposed": walk_to(mk("CACHE-PROPOSE", reservation="L2113-12"), Status.PROPOSED, world),
        "to_screen": mk("CACHE-A-CRIBLER", reservation="L2113-12"),
        "awarded": walk_to(mk("CACHE-ATTRIBUE", reservation="L2113-12"), Status.AWARDED, world),
        "no_measure": walk_to(mk("CACHE-SANS-MESURE"), Status.VALIDATED, world),
        "unpublished_again": walk_to(mk("CACHE-RETIRE", insertion_clause=True), Status.VALIDATED, world),
    }
    for purchase in [*shown.values(), *(p for k, p in hidden.items() if k != "unmarked")]:
        services.set_published(buyer, purchase, True)
    services.set_published(buyer, hidden["unpublished_again"], False)
    refused = walk_to(mk("CACHE-REFUSE", reservation="L2113-12"), Status.PROPOSED, world)
    services.set_published(buyer, refused, True)
    services.transition(world.user(Role.PRESCRIBER), refused, "refuse", reason="Pas cette année")
    hidden["refused"] = refused
    services.create_lot(buyer, shown["reserved"], number="2", title="Lot PUB-LOT", reservation="L2113-12")
    # The neighbour's confidential purchase is reserved but never marked; the workflow comments are private.
    return shown, hidden


HIDDEN_MARKERS = ("CACHE-", "QX9-VOISINE", "étape validate", "Pas cette année", "80000", "80 000", "Camille")


def assert_only_shown(text: str, shown) -> None:
    for purchase in shown.values():
        assert purchase.object in text, purchase.object
    for marker in HIDDEN_MARKERS:
        assert marker not in text, marker


def test_public_pages_need_no_login_and_show_only_what_is_published(client, world, published):
    shown, _hidden = published
    for path in (reverse("publications:list"), reverse("publications:org", kwargs={"org": world.org.slug})):
        response = client.get(path)
        assert response.status_code == 200
        body = response.content.decode()
        assert_only_shown(body, shown)
        assert "Lot PUB-LOT" in body and "Réservé aux EA et ESAT (L2113-12)" in body
        # The amount is given as a band, never as the estimate itself.
        assert "De 50 000 à 200 000 €" in body
    # Another organisation's page shows none of these.
    other = client.get(reverse("publications:org", kwargs={"org": world.other.slug})).content.decode()
    assert "PUB-" not in other and "QX9-VOISINE" not in other
    assert client.get(reverse("publications:org", kwargs={"org": "inconnue"})).status_code == 404


def test_members_of_other_organisations_see_the_same_public_page(client, world, published):
    shown, _hidden = published
    client.force_login(world.secret.plan.organisation.memberships.first().user)
    assert_only_shown(client.get(reverse("publications:list")).content.decode(), shown)


def test_public_filters(client, world, published):
    shown, _hidden = published
    body = client.get(reverse("publications:list"), {"mesure": "clause"}).content.decode()
    assert shown["clause"].object in body and shown["reserved"].object not in body
    body = client.get(reverse("publications:list"), {"mesure": "reserve"}).content.decode()
    assert shown["reserved"].object in body and shown["clause"].object not in body


def test_atom_feed_parses_and_lists_only_what_is_published(client, world, published):
    shown, _hidden = published
    for path in (
        reverse("publications:feed"),
        reverse("publications:org_feed", kwargs={"org": world.org.slug}),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        root = ET.fromstring(response.content)
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        titles = {entry.find(f"{ATOM}title").text for entry in entries}
        assert titles == {f"{p.object} — {world.org.name}" for p in shown.values()}
        for entry in entries:
            link = entry.find(f"{ATOM}link").get("href")
            assert link.startswith("http://testserver/publications/ville-plan/#achat-")
            assert entry.find(f"{ATOM}updated").text
            assert entry.find(f"{ATOM}author/{ATOM}name").text == world.org.name
        reserved = next(e for e in entries if "PUB-RESERVE" in e.find(f"{ATOM}title").text)
        summary = reserved.find(f"{ATOM}summary").text
        assert "L2113-12" in summary and "De 50 000 à 200 000 €" in summary and "PUB-LOT" in summary
        assert {c.get("term") for c in reserved.findall(f"{ATOM}category")} == {
            "Réservé aux EA et ESAT (L2113-12)"
        }
        assert_only_shown(response.content.decode(), shown)


def test_csv_lists_only_what_is_published(client, world, published):
    shown, _hidden = published
    response = client.get(reverse("publications:org_csv", kwargs={"org": world.org.slug}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert {row["objet"] for row in rows} == {p.object for p in shown.values()}
    reserved = next(row for row in rows if row["objet"] == shown["reserved"].object)
    assert reserved["organisation"] == world.org.name
    assert reserved["reservation"] == "Réservé aux EA et ESAT (L2113-12)"
    assert reserved["clause_insertion"] == "non"
    assert reserved["tranche_montant_ht"] == "De 50 000 à 200 000 €"
    assert reserved["lots"] == "Lot 2 : Lot PUB-LOT (Réservé aux EA et ESAT (L2113-12))"
    assert reserved["lien"].endswith(f"#achat-{shown['reserved'].pk}")
    assert_only_shown(text, shown)
    national = client.get(reverse("publications:csv")).content.decode("utf-8-sig")
    assert_only_shown(national, shown)


def test_a_purchase_leaves_the_public_feed_once_awarded_or_unmarked(client, world, published):
    shown, _hidden = published
    buyer = world.user(Role.BUYER)
    services.transition(buyer, shown["consulting"], "award")
    services.set_published(buyer, shown["clause"], False)
    body = client.get(reverse("publications:list")).content.decode()
    assert shown["reserved"].object in body
    assert shown["consulting"].object not in body and shown["clause"].object not in body


@pytest.mark.parametrize("role", [Role.READER, Role.PRESCRIBER, Role.FACILITATOR, Role.ADMIN])
def test_only_buyers_and_stewards_mark_for_publication(client, world, role):
    purchase = world.purchases["mowing"]
    client.force_login(world.user(role))
    path = reverse("plans:purchase_publish", kwargs={"org": world.org.slug, "purchase": purchase.pk})
    assert client.post(path, {"published": "1"}).status_code == 403
    assert not PlannedPurchase.objects.filter(published_at__isnull=False).exists()


def test_buyer_marks_a_purchase_from_its_page(client, world):
    purchase = walk_to(world.purchases["mowing"], Status.VALIDATED, world)
    services.update_purchase(world.user(Role.FACILITATOR), purchase, reservation="L2113-12")
    client.force_login(world.user(Role.BUYER))
    path = reverse("plans:purchase_publish", kwargs={"org": world.org.slug, "purchase": purchase.pk})
    assert client.post(path, {"published": "1"}).status_code == 302
    client.logout()
    assert purchase.object in client.get(reverse("publications:list")).content.decode()
    client.force_login(world.user(Role.BUYER))
    client.post(path, {"published": "0"})
    client.logout()
    assert purchase.object not in client.get(reverse("publications:list")).content.decode()
