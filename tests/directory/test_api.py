"""The directory's API: the same search as the pages, a structure, the organisation's notes; tokens bound to
the organisation."""

import pytest

from levier.accounts.services import create_api_token
from levier.organisations.roles import Role

from .search_support import CRETEIL, great_circle_km, make_structure, use_idf_geography

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_world(monkeypatch, make_org, make_user, member):
    use_idf_geography(monkeypatch)
    org, other = make_org("ville-a"), make_org("ville-b")
    buyer, reader, outsider = (
        make_user("a@exemple.invalid"),
        make_user("r@exemple.invalid"),
        make_user("o@exemple.invalid"),
    )
    member(buyer, org, Role.BUYER)
    member(reader, org, Role.READER)
    member(outsider, other, Role.BUYER)
    tokens = {
        name: create_api_token(user, "test")[1]
        for name, user in (("buyer", buyer), ("reader", reader), ("outsider", outsider))
    }
    near = make_structure(
        "ESAT Proche", 48.80, 2.47, "94", kinds=["ESAT"], sectors=["nettoyage-locaux"], city="Créteil"
    )
    far = make_structure("EI Lointaine", 48.40, 2.70, "77", kinds=["EI"], sectors=["nettoyage-locaux"])
    inferred = make_structure(
        "EA Déduite", 48.85, 2.40, "94", kinds=["EA"], sectors=[("nettoyage-locaux", True)]
    )
    return {"org": org, "other": other, "tokens": tokens, "near": near, "far": far, "inferred": inferred}


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_search_filters_distance_and_sort(client, api_world):
    response = client.get(
        "/api/v1/orgs/ville-a/structures",
        {"sector": "nettoyage-locaux", "near": "94000", "radius": 20, "sort": "distance"},
        headers=auth(api_world["tokens"]["reader"]),
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["total"] == 2 and [item["name"] for item in data["items"]] == ["ESAT Proche", "EA Déduite"]
    assert data["place"]["code"] == "94028"
    for item in data["items"]:
        expected = great_circle_km(data["place"]["lat"], data["place"]["lon"], item["lat"], item["lon"])
        assert item["distance_km"] == pytest.approx(expected, abs=0.01)
    assert data["items"][1]["sectors"][0] == {
        "code": "nettoyage-locaux",
        "label": "Nettoyage de locaux",
        "group": "proprete",
        "inferred": True,
    }
    several = client.get(
        "/api/v1/orgs/ville-a/structures?kind=ESAT&kind=EI", headers=auth(api_world["tokens"]["reader"])
    ).json()
    assert sorted(item["name"] for item in several["items"]) == ["EI Lointaine", "ESAT Proche"]
    assert CRETEIL  # the fixture's reference point


def test_bad_search_parameters_get_422_in_french(client, api_world):
    response = client.get(
        "/api/v1/orgs/ville-a/structures?sector=lune&radius=5", headers=auth(api_world["tokens"]["reader"])
    )
    assert response.status_code == 422
    text = str(response.json()["detail"])
    assert "Secteur inconnu" in text and "Indiquez un lieu" in text
    response = client.get(
        "/api/v1/orgs/ville-a/structures?near=Zzzyxville", headers=auth(api_world["tokens"]["reader"])
    )
    assert response.status_code == 422 and "introuvable" in str(response.json()["detail"])


def test_detail_and_notes_are_scoped_to_the_organisation(client, api_world):
    near = api_world["near"]
    created = client.post(
        f"/api/v1/orgs/ville-a/structures/{near.pk}/notes",
        {"topic": "price", "price_level": "market", "text": "Devis conforme"},
        content_type="application/json",
        headers=auth(api_world["tokens"]["buyer"]),
    )
    assert created.status_code == 201, created.content
    detail = client.get(
        f"/api/v1/orgs/ville-a/structures/{near.pk}", headers=auth(api_world["tokens"]["reader"])
    )
    assert detail.status_code == 200
    body = detail.json()
    assert body["kinds"] == ["ESAT"] and [n["text"] for n in body["notes"]] == ["Devis conforme"]
    # The reader may read notes, not write them.
    refused = client.post(
        f"/api/v1/orgs/ville-a/structures/{near.pk}/notes",
        {"topic": "other", "text": "x"},
        content_type="application/json",
        headers=auth(api_world["tokens"]["reader"]),
    )
    assert refused.status_code == 403
    bad = client.post(
        f"/api/v1/orgs/ville-a/structures/{near.pk}/notes",
        {"topic": "incident", "text": "sans date"},
        content_type="application/json",
        headers=auth(api_world["tokens"]["buyer"]),
    )
    assert bad.status_code == 422 and "Un incident se date" in str(bad.json())
    # Another organisation: 404 on A's routes, and its own view of the structure has no note of A.
    outsider = auth(api_world["tokens"]["outsider"])
    assert client.get("/api/v1/orgs/ville-a/structures", headers=outsider).status_code == 404
    own = client.get(f"/api/v1/orgs/ville-b/structures/{near.pk}", headers=outsider).json()
    assert own["notes"] == []
    assert client.get(f"/api/v1/orgs/ville-b/structures/{near.pk}/notes", headers=outsider).json() == []
