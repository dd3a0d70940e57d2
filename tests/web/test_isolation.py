"""Tenant isolation, checked on every route the project has, including routes added later.

For each URL pattern (pages and API), the parameters are filled with objects of organisation A through the
registry `levier.core.tenancy.URL_PARAMS`; every role of organisation B must then get 403 or 404 (405 for a
method the route does not take). A route with an unregistered parameter fails here: register it in its app.
Routes without parameters must not show organisation A's confidential markers to B.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from levier.accounts.services import create_api_token
from levier.core.tenancy import SECRET_LINK_PARAMS, TENANT_OBJECT_PARAMS, URL_PARAMS
from levier.organisations.models import Service
from levier.organisations.roles import Role

# Django's own admin has its own permission system (staff only); static files carry no tenant data.
EXCLUDED_PREFIXES = ("django-admin/", "static/", "media/")
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
SECRET_SERVICE = "Direction confidentielle QX7-ISOLATION"


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route.lstrip("^").rstrip("$"), entry


def all_routes():
    return [
        (route, p)
        for route, p in walk(get_resolver().url_patterns)
        if not route.startswith(EXCLUDED_PREFIXES)
        and not {m.group("name") for m in PARAM.finditer(route)} & SECRET_LINK_PARAMS
    ]


def is_public(pattern) -> bool:
    """Views anybody may see without logging in (what organisations chose to publish): instead of a
    refusal, `test_public_routes_show_nothing_confidential` checks that they leak nothing."""
    return getattr(pattern.callback, "public_route", False)


def fill(route, values):
    return "/" + PARAM.sub(lambda m: str(values[m.group("name")]), route)


@pytest.fixture
def two_tenants(make_org, make_user, member):
    org_a, org_b = make_org("orga-a", "Organisation A"), make_org("orga-b", "Organisation B")
    Service.objects.create(organisation=org_a, name=SECRET_SERVICE)
    Service.objects.create(organisation=org_b, name="Service B")
    owner_a = make_user("owner-a@exemple.invalid")
    member(owner_a, org_a, *Role.values)
    create_api_token(owner_a, "jeton A")
    users_b = {}
    for role in Role.values:
        user = make_user(f"{role}-b@exemple.invalid")
        member(user, org_b, role)
        _token, raw = create_api_token(user, "jeton B")
        users_b[role] = (user, raw)
    return org_a, org_b, users_b


def test_every_route_parameter_is_registered():
    missing = {
        (route, m.group("name"))
        for route, _p in all_routes()
        for m in PARAM.finditer(route)
        if m.group("name") not in URL_PARAMS
    }
    assert not missing, f"Paramètres d'URL sans exemple enregistré (register_url_param) : {sorted(missing)}"


def test_the_walk_sees_pages_and_api():
    routes = [r for r, _ in all_routes()]
    assert any(r.startswith("api/v1/organisations/<org>") for r in routes)
    assert any(r.startswith("o/<slug:org>/") for r in routes)


@pytest.mark.django_db
def test_other_organisation_gets_403_or_404_everywhere(client, two_tenants):
    org_a, org_b, users_b = two_tenants
    checked = 0
    for route, pattern in all_routes():
        names = [m.group("name") for m in PARAM.finditer(route)]
        if not names or is_public(pattern):
            continue
        values_a = {name: URL_PARAMS[name](org_a) for name in names}
        variants = [values_a]
        if "org" in names and (set(names) - {"org"}) & TENANT_OBJECT_PARAMS:
            # B's own organisation in the URL with A's objects below it.
            variants.append({**values_a, "org": org_b.slug})
        for role, (user, raw_token) in users_b.items():
            client.force_login(user)
            headers = {"Authorization": f"Bearer {raw_token}"} if route.startswith("api/") else {}
            for values in variants:
                url = fill(route, values)
                statuses = {
                    "GET": client.get(url, headers=headers).status_code,
                    "POST": client.post(url, data={}, headers=headers).status_code,
                }
                assert set(statuses.values()) <= {403, 404, 405}, (route, url, role, statuses)
                assert set(statuses.values()) & {403, 404}, (route, url, role, statuses)
                checked += 1
    assert checked > 0


@pytest.mark.django_db
def test_routes_without_parameters_do_not_leak(client, two_tenants):
    _org_a, _org_b, users_b = two_tenants
    for route, _pattern in all_routes():
        if PARAM.search(route):
            continue
        for user, raw_token in users_b.values():
            client.force_login(user)
            headers = {"Authorization": f"Bearer {raw_token}"} if route.startswith("api/") else {}
            response = client.get("/" + route, headers=headers)
            body = response.content.decode(errors="replace")
            assert SECRET_SERVICE not in body, route
            assert "owner-a@exemple.invalid" not in body, route


@pytest.mark.django_db
def test_public_routes_show_nothing_confidential(client, two_tenants):
    org_a, _org_b, users_b = two_tenants
    public = [(route, p) for route, p in all_routes() if is_public(p)]
    for route, _pattern in public:
        values = {m.group("name"): URL_PARAMS[m.group("name")](org_a) for m in PARAM.finditer(route)}
        url = fill(route, values)
        for user in [None, *(u for u, _raw in users_b.values())]:
            client.logout()
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            assert response.status_code in {200, 404}, (route, url, response.status_code)
            body = response.content.decode(errors="replace")
            assert SECRET_SERVICE not in body, route
            assert "owner-a@exemple.invalid" not in body, route
