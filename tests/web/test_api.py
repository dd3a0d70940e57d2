import pytest

from levier.accounts.services import create_api_token
from levier.organisations.models import Service
from levier.organisations.roles import Role


@pytest.fixture
def api_user(make_org, make_user, member):
    org = make_org("ville", "Ville de Test")
    Service.objects.create(organisation=org, name="Direction des achats")
    user = make_user()
    member(user, org, Role.ADMIN, Role.BUYER)
    _token, raw = create_api_token(user, "test")
    return org, user, {"Authorization": f"Bearer {raw}"}


@pytest.mark.django_db
def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/me" in paths and "/api/v1/organisations/{org}/services" in paths


@pytest.mark.django_db
def test_docs_page_uses_local_assets(client):
    body = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in body.lower() and "/static/" in body


@pytest.mark.django_db
def test_token_is_required(client):
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_me_and_organisations(client, api_user):
    org, user, headers = api_user
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["email"] == user.email and me["memberships"][0]["roles"] == ["admin", "buyer"]
    orgs = client.get("/api/v1/organisations", headers=headers).json()
    assert [o["slug"] for o in orgs] == [org.slug]
    services = client.get(f"/api/v1/organisations/{org.slug}/services", headers=headers).json()
    assert [s["name"] for s in services] == ["Direction des achats"]


@pytest.mark.django_db
def test_admin_creates_a_service_through_the_api(client, api_user):
    org, _user, headers = api_user
    parent = org.services.get()
    response = client.post(
        f"/api/v1/organisations/{org.slug}/services",
        data={"name": "Bureau des marchés", "parent_id": parent.pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 201
    assert response.json()["path"] == "Direction des achats › Bureau des marchés"


@pytest.mark.django_db
def test_members_route_is_for_admins(client, make_org, make_user, member):
    org = make_org("ville")
    user = make_user()
    member(user, org, Role.BUYER)
    _token, raw = create_api_token(user, "t")
    response = client.get(
        f"/api/v1/organisations/{org.slug}/members", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 403
