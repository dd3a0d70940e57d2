"""Sourcing lists: building, annotating, exporting (opened back with openpyxl and csv), permissions, audit."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from levier.accounts.services import create_api_token
from levier.core.models import AuditEvent
from levier.organisations.roles import Role
from levier.plans.models import Plan, PlannedPurchase
from levier.sourcing import services
from levier.sourcing.models import SourcingEntry, SourcingList
from tests.directory.search_support import make_structure

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_org, make_user, member):
    org, other = make_org("ville-a", "Ville A"), make_org("ville-b", "Ville B")
    buyer, reader, outsider = (
        make_user("acheteur@exemple.invalid"),
        make_user("lecteur@exemple.invalid"),
        make_user("acheteur-b@exemple.invalid"),
    )
    member(buyer, org, Role.BUYER)
    member(reader, org, Role.READER)
    member(outsider, other, Role.BUYER)
    plan = Plan.objects.create(organisation=org, year=2027)
    purchase = PlannedPurchase.objects.create(
        plan=plan, stable_key="k1", reference="2027-014", object="Nettoyage des écoles"
    )
    other_plan = Plan.objects.create(organisation=other, year=2027)
    foreign_purchase = PlannedPurchase.objects.create(plan=other_plan, stable_key="k1", object="Achat de B")
    esat = make_structure(
        "ESAT des Lilas",
        48.79,
        2.46,
        "94",
        kinds=["ESAT"],
        sectors=["nettoyage-locaux"],
        city="Créteil",
        siret="12345678200010",
        max_contract_amount=250_000,
    )
    ei = make_structure(
        "Vitres Nettes", 48.91, 2.44, "93", kinds=["EI"], sectors=[("nettoyage-vitres", True)], city="Bobigny"
    )
    return locals()


def test_services_build_annotate_and_audit(world):
    buyer, org = world["buyer"], world["org"]
    sourcing_list = services.create_list(buyer, org, "  Nettoyage des écoles  ", purchase=world["purchase"])
    assert sourcing_list.title == "Nettoyage des écoles" and sourcing_list.purchase == world["purchase"]
    entry, created = services.add_structure(buyer, sourcing_list, world["esat"])
    again, created_again = services.add_structure(buyer, sourcing_list, world["esat"])
    assert created and not created_again and again.pk == entry.pk
    services.update_entry(
        buyer, entry, contacted_on=dt.date(2026, 11, 2), interest="yes", comment=" Rappeler "
    )
    entry.refresh_from_db()
    assert entry.contacted and entry.interest == "yes" and entry.comment == "Rappeler"
    event = AuditEvent.objects.filter(action="sourcing.entry.update").get()
    assert event.details["changes"]["interest"] == ["", "yes"]
    with pytest.raises(Exception, match="dans le futur"):
        services.update_entry(buyer, entry, answered_on=dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(Exception, match="Intérêt inconnu"):
        services.update_entry(buyer, entry, interest="peut-être")
    with pytest.raises(Exception, match="n'appartient pas"):
        services.create_list(buyer, org, "Autre", purchase=world["foreign_purchase"])
    with pytest.raises(Exception, match="intitulé"):
        services.create_list(buyer, org, "   ")
    with pytest.raises(Exception, match="Seuls les acheteurs"):
        services.create_list(world["reader"], org, "Lecteur")
    assert SourcingList.objects.count() == 1


def test_pages_build_a_list_from_the_search_and_annotate(client, world):
    org = world["org"]
    client.force_login(world["buyer"])
    response = client.post(
        reverse("sourcing:lists", kwargs={"org": org.slug}),
        {"title": "Vitrerie des mairies", "purchase": world["purchase"].pk, "description": "3 sites"},
    )
    sourcing_list = SourcingList.objects.get()
    assert response.status_code == 302 and sourcing_list.organisation == org
    # One click from the search results, back to the same search.
    search_url = reverse("directory:search", kwargs={"org": org.slug}) + "?text=vitres"
    page = client.get(search_url).content.decode()
    assert "Ajouter à la liste" in page
    added = client.post(
        reverse("sourcing:add_entry", kwargs={"org": org.slug, "sourcing_list": sourcing_list.pk}),
        {"structure": world["ei"].pk, "next": search_url},
    )
    assert added.status_code == 302 and added["Location"] == search_url
    assert "Dans « Vitrerie des mairies »" in client.get(search_url).content.decode()
    # An outside "next" is ignored.
    outside = client.post(
        reverse("sourcing:add_entry_choice", kwargs={"org": org.slug}),
        {
            "structure": world["esat"].pk,
            "sourcing_list": sourcing_list.pk,
            "next": "https://ailleurs.invalid/",
        },
    )
    assert outside["Location"].startswith("/o/ville-a/sourcing/")
    entry = SourcingEntry.objects.get(structure=world["ei"])
    prefix = f"e{entry.pk}"
    client.post(
        reverse("sourcing:entry", kwargs={"org": org.slug, "entry": entry.pk}),
        {
            f"{prefix}-contacted": "on",
            f"{prefix}-contacted_on": "2026-11-05",
            f"{prefix}-interest": "yes",
            f"{prefix}-capacity_confirmed": "on",
            f"{prefix}-comment": "Deux équipes disponibles",
        },
    )
    entry.refresh_from_db()
    assert entry.capacity_confirmed and entry.contacted_on == dt.date(2026, 11, 5)
    detail = client.get(
        reverse("sourcing:detail", kwargs={"org": org.slug, "sourcing_list": sourcing_list.pk})
    )
    assert "2 candidats — 1 contacté, 1 intéressé, 1 capacité confirmée" in detail.content.decode()
    # Bad date: French message, nothing changed.
    response = client.post(
        reverse("sourcing:entry", kwargs={"org": org.slug, "entry": entry.pk}),
        {f"{prefix}-contacted_on": "32/13/2026", f"{prefix}-interest": "no"},
        follow=True,
    )
    entry.refresh_from_db()
    assert entry.interest == "yes" and "Contactée le" in response.content.decode()


def test_readers_read_but_do_not_change_and_other_organisations_see_nothing(client, world):
    sourcing_list = services.create_list(world["buyer"], world["org"], "Liste A")
    entry, _ = services.add_structure(world["buyer"], sourcing_list, world["esat"])
    client.force_login(world["reader"])
    detail = client.get(
        reverse("sourcing:detail", kwargs={"org": "ville-a", "sourcing_list": sourcing_list.pk})
    )
    assert detail.status_code == 200 and "Enregistrer le suivi" not in detail.content.decode()
    assert (
        client.post(reverse("sourcing:entry", kwargs={"org": "ville-a", "entry": entry.pk}), {}).status_code
        == 403
    )
    client.force_login(world["outsider"])
    assert (
        client.get(
            reverse("sourcing:detail", kwargs={"org": "ville-b", "sourcing_list": sourcing_list.pk})
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("sourcing:export_csv", kwargs={"org": "ville-b", "sourcing_list": sourcing_list.pk})
        ).status_code
        == 404
    )


def annotated_list(world):
    sourcing_list = services.create_list(
        world["buyer"], world["org"], "Nettoyage des écoles", purchase=world["purchase"]
    )
    first, _ = services.add_structure(world["buyer"], sourcing_list, world["esat"])
    services.update_entry(
        world["buyer"],
        first,
        contacted_on=dt.date(2026, 10, 1),
        interest="yes",
        capacity_confirmed=True,
        comment="Équipe de 12 ; « devis » reçu",
    )
    services.add_structure(world["buyer"], sourcing_list, world["ei"])
    return sourcing_list


def test_xlsx_export_opens_with_the_annotations(client, world):
    sourcing_list = annotated_list(world)
    client.force_login(world["reader"])
    response = client.get(
        reverse("sourcing:export_xlsx", kwargs={"org": "ville-a", "sourcing_list": sourcing_list.pk})
    )
    assert (
        response.status_code == 200
        and "sourcage-nettoyage-des-ecoles.xlsx" in response["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Nettoyage des écoles" and "2027-014" in values[1][0]
    header_index = next(i for i, row in enumerate(values) if row[0] == "Structure")
    header, first, second = values[header_index], values[header_index + 1], values[header_index + 2]
    record = dict(zip(header, first, strict=False))
    assert record["Structure"] == "ESAT des Lilas" and record["SIRET"] == "12345678200010"
    assert record["Types"] == "ESAT" and record["Secteurs"] == "Nettoyage de locaux"
    assert record["Contactée"] == "oui" and record["Contactée le"].date() == dt.date(2026, 10, 1)
    assert record["Intérêt"] == "Intéressée" and record["Capacité confirmée"] == "oui"
    assert record["Plus gros marché annuel possible (€ HT)"] == 250000
    assert record["Commentaire"] == "Équipe de 12 ; « devis » reçu"
    assert dict(zip(header, second, strict=False))["Secteurs"] == "Nettoyage de vitres et de façades (déduit)"


def test_csv_export_is_utf8_with_bom_and_semicolons(client, world):
    sourcing_list = annotated_list(world)
    client.force_login(world["buyer"])
    response = client.get(
        reverse("sourcing:export_csv", kwargs={"org": "ville-a", "sourcing_list": sourcing_list.pk})
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Structure", "SIRET", "Types"] and len(rows) == 3
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Contactée le"] == "01/10/2026" and first["Commentaire"] == "Équipe de 12 ; « devis » reçu"
    assert first["Réponse le"] == ""


def test_api_lists_entries_and_annotations(client, world):
    token = create_api_token(world["buyer"], "t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        "/api/v1/orgs/ville-a/sourcing-lists",
        {"title": "Via l'API", "purchase_id": world["purchase"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201, created.content
    list_id = created.json()["id"]
    added = client.post(
        "/api/v1/orgs/ville-a/sourcing-entries",
        {"sourcing_list_id": list_id, "structure_id": world["esat"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert added.status_code == 201
    again = client.post(
        "/api/v1/orgs/ville-a/sourcing-entries",
        {"sourcing_list_id": list_id, "structure_id": world["esat"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 200
    entry_id = added.json()["id"]
    patched = client.patch(
        f"/api/v1/orgs/ville-a/sourcing-entries/{entry_id}",
        {"interest": "no", "answered_on": "2026-11-10"},
        content_type="application/json",
        headers=headers,
    )
    assert patched.status_code == 200 and patched.json()["interest"] == "no"
    detail = client.get(f"/api/v1/orgs/ville-a/sourcing-lists/{list_id}", headers=headers).json()
    assert (
        detail["entries"][0]["structure"]["name"] == "ESAT des Lilas"
        and detail["entries"][0]["answered_on"] == "2026-11-10"
    )
    assert client.get("/api/v1/orgs/ville-a/sourcing-lists", headers=headers).json()[0]["entry_count"] == 1
    foreign = client.post(
        "/api/v1/orgs/ville-a/sourcing-lists",
        {"title": "x", "purchase_id": world["foreign_purchase"].pk},
        content_type="application/json",
        headers=headers,
    )
    assert foreign.status_code == 404
    outsider = {"Authorization": f"Bearer {create_api_token(world['outsider'], 't')[1]}"}
    stolen = client.post(
        "/api/v1/orgs/ville-b/sourcing-entries",
        {"sourcing_list_id": list_id, "structure_id": world["ei"].pk},
        content_type="application/json",
        headers=outsider,
    )
    assert stolen.status_code == 404
    assert client.get(f"/api/v1/orgs/ville-b/sourcing-lists/{list_id}", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/orgs/ville-a/sourcing-lists/{list_id}", headers=outsider).status_code == 404
