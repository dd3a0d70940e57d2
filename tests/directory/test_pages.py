"""The directory's pages: search with count, pages and map, a structure's page, notes, edits, permissions."""

import datetime as dt

import pytest
from django.urls import reverse

from levier.core.models import AuditEvent
from levier.directory.models import SourcingNote
from levier.organisations.roles import Role

from .search_support import make_structure, use_idf_geography

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(monkeypatch, make_org, make_user, member):
    use_idf_geography(monkeypatch)
    org = make_org("ville-a", "Ville A")
    other = make_org("ville-b", "Ville B")
    users = {}
    for role in (Role.BUYER, Role.READER, Role.ADMIN, Role.PRESCRIBER):
        users[role] = make_user(f"{role}@exemple.invalid")
        member(users[role], org, role)
    esat = make_structure(
        "ESAT des Lilas",
        48.79,
        2.46,
        "94",
        kinds=["ESAT"],
        sectors=["nettoyage-locaux", ("espaces-verts-entretien", True)],
        city="Créteil",
        esat_capacity=80,
        esat_capacity_basis="declared",
        max_contract_amount=250_000,
        max_contract_amount_basis="estimated",
        provenance={"name": {"source": "esat", "date": "2025-01-15"}},
    )
    ei = make_structure(
        "Vitres Nettes", 48.91, 2.44, "93", kinds=["EI"], sectors=["nettoyage-vitres"], city="Bobigny"
    )
    return {"org": org, "other": other, "users": users, "esat": esat, "ei": ei}


def url(name, org, **kwargs):
    return reverse(name, kwargs={"org": org.slug, **kwargs})


def test_search_page_counts_pages_and_map(client, world):
    client.force_login(world["users"][Role.READER])
    response = client.get(
        url("directory:search", world["org"]), {"near": "94000", "radius": "30", "sector": "nettoyage-locaux"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 structure trouvée" in body
    assert "ESAT des Lilas" in body and "Vitres Nettes" not in body
    assert "km</strong>" in body
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'data-departement="94"' in body
    assert "<caption>Structures trouvées par département</caption>" in body
    # Every search parameter and each page keep the search.
    everything = client.get(url("directory:search", world["org"]))
    assert "2 structures trouvées" in everything.content.decode()


def test_search_page_explains_bad_input(client, world):
    client.force_login(world["users"][Role.READER])
    body = client.get(
        url("directory:search", world["org"]), {"radius": "abc", "near": "Créteil"}
    ).content.decode()
    assert "Rayon : nombre attendu" in body
    body = client.get(url("directory:search", world["org"]), {"near": "Zzzyxville"}).content.decode()
    assert "introuvable" in body


def test_pagination_links_keep_the_filters(client, world):
    for index in range(25):
        make_structure(f"EI {index:02d}", 48.8, 2.45, "94", kinds=["EI"])
    client.force_login(world["users"][Role.READER])
    body = client.get(url("directory:search", world["org"]), {"kind": "EI", "sort": "name"}).content.decode()
    assert "26 structures trouvées — 1 à 20" in body
    assert "kind=EI&amp;sort=name&amp;page=2" in body
    second = client.get(url("directory:search", world["org"]), {"kind": "EI", "sort": "name", "page": 2})
    assert "21 à 26" in second.content.decode()


def test_structure_page_shows_inferred_sectors_capacity_basis_and_provenance(client, world):
    client.force_login(world["users"][Role.READER])
    body = client.get(url("directory:detail", world["org"], structure=world["esat"].pk)).content.decode()
    assert "Entretien des espaces verts" in body and "déduit</span>" in body
    assert "Nettoyage de locaux" in body
    assert "250\u202f000 € HT par an" in body and "Estimé" in body
    assert "80 places" in body and "Déclaré par la structure" in body
    assert "Liste FINESS des ESAT" in body and "2025-01-15" in body
    # A reader neither corrects the card nor writes notes.
    assert "Corriger la fiche" not in body and "Enregistrer la note" not in body


def test_notes_are_written_by_buyers_and_stay_in_their_organisation(client, world, make_user, member):
    buyer = world["users"][Role.BUYER]
    client.force_login(buyer)
    target = url("directory:note_add", world["org"], structure=world["esat"].pk)
    response = client.post(
        target, {"topic": "incident", "occurred_on": "2026-03-02", "text": "Livraison en retard de 3 jours."}
    )
    assert response.status_code == 302
    note = SourcingNote.objects.get()
    assert note.organisation == world["org"] and note.occurred_on == dt.date(2026, 3, 2)
    assert AuditEvent.objects.filter(action="directory.note.create").exists()
    # An incident without a date is refused with a French message, and nothing is written.
    body = client.post(target, {"topic": "incident", "text": "Sans date"}).content.decode()
    assert "Un incident se date" in body and SourcingNote.objects.count() == 1
    body = client.post(target, {"topic": "price", "text": ""}).content.decode()
    assert "niveau de prix" in body
    client.post(target, {"topic": "capacity", "capacity_confirmed": "true", "confirmed_amount": "120000"})
    assert SourcingNote.objects.filter(
        topic="capacity", capacity_confirmed=True, confirmed_amount=120000
    ).exists()
    page = client.get(url("directory:detail", world["org"], structure=world["esat"].pk)).content.decode()
    assert "Livraison en retard de 3 jours." in page and "02/03/2026" in page
    # Edit, then another organisation's buyer sees nothing and cannot reach it.
    edit = url("directory:note_edit", world["org"], note=note.pk)
    client.post(edit, {"topic": "incident", "occurred_on": "2026-03-02", "text": "Retard de 2 jours."})
    note.refresh_from_db()
    assert note.text == "Retard de 2 jours."
    outsider = make_user("acheteur-b@exemple.invalid")
    member(outsider, world["other"], Role.BUYER)
    client.force_login(outsider)
    page = client.get(url("directory:detail", world["other"], structure=world["esat"].pk)).content.decode()
    assert "Retard de 2 jours." not in page
    assert client.get(url("directory:note_edit", world["other"], note=note.pk)).status_code == 404
    client.force_login(world["users"][Role.READER])
    assert client.post(target, {"topic": "other", "text": "x"}).status_code == 403


def test_roles_for_edit_and_import_pages(client, world):
    for role, edit_status, import_status in (
        (Role.READER, 403, 403),
        (Role.PRESCRIBER, 403, 403),
        (Role.BUYER, 200, 403),
        (Role.ADMIN, 200, 200),
    ):
        client.force_login(world["users"][role])
        assert (
            client.get(url("directory:edit", world["org"], structure=world["ei"].pk)).status_code
            == edit_status
        )
        assert client.get(url("directory:import", world["org"])).status_code == import_status


def test_manual_edit_goes_through_the_edit_service(client, world):
    client.force_login(world["users"][Role.BUYER])
    target = url("directory:edit", world["org"], structure=world["ei"].pk)
    form = client.get(target).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(
        name="Vitres Nettes",
        brand="VN Insertion",
        max_contract_amount="90000",
        max_contract_amount_basis="declared",
        kinds=["EI", "ETTI"],
        sectors=["nettoyage-vitres", "nettoyage-locaux"],
        area_departements="93, 94",
    )
    data = {k: v for k, v in data.items() if k not in ("labels", "networks") or v}
    response = client.post(target, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    ei = world["ei"]
    ei.refresh_from_db()
    assert ei.brand == "VN Insertion" and ei.max_contract_amount == 90000
    assert ei.provenance["brand"]["source"] == "manual"
    assert sorted(ei.kinds.values_list("kind", flat=True)) == ["EI", "ETTI"]
    assert not ei.sectors.filter(inferred=True).exists()
    assert sorted(ei.area_departements.values_list("departement", flat=True)) == ["93", "94"]
    # Bad input: French message, nothing changed.
    data["max_contract_amount"] = "-5"
    body = client.post(target, data).content.decode()
    ei.refresh_from_db()
    assert ei.max_contract_amount == 90000 and "fr-error-text" in body
