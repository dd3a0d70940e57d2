from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema, Status

from levier.api.auth import tenant_for

from . import selectors, services
from .roles import Role

router = Router(tags=["Organisations"])


class MembershipOut(Schema):
    organisation: str
    organisation_name: str
    roles: list[str]


class MeOut(Schema):
    email: str
    first_name: str
    last_name: str
    memberships: list[MembershipOut]


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    siret: str


class ServiceOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    path: str


class ServiceIn(Schema):
    name: str
    code: str = ""
    parent_id: int | None = None


class MemberOut(Schema):
    id: int
    email: str
    roles: list[str]
    is_active: bool


@router.get("/me", response=MeOut, summary="L'utilisateur courant et ses organisations")
def me(request):
    user = request.user
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "memberships": [
            {"organisation": m.organisation.slug, "organisation_name": m.organisation.name, "roles": m.roles}
            for m in selectors.memberships_of(user)
        ],
    }


@router.get("/organisations", response=list[OrganisationOut], summary="Mes organisations")
def organisation_list(request):
    return selectors.organisations_of(request.user)


@router.get("/organisations/{org}", response=OrganisationOut, summary="Une organisation")
def organisation_detail(request, org: str):
    return tenant_for(request, org).organisation


@router.get("/organisations/{org}/services", response=list[ServiceOut], summary="Services et directions")
def service_list(request, org: str):
    return [s for _depth, s in selectors.service_tree(tenant_for(request, org).organisation)]


@router.post("/organisations/{org}/services", response={201: ServiceOut}, summary="Ajouter un service")
def service_create(request, org: str, payload: ServiceIn):
    organisation = tenant_for(request, org).organisation
    parent = None
    if payload.parent_id is not None:
        parent = selectors.service_of(organisation, payload.parent_id)
        if parent is None:
            raise Http404("Service parent introuvable.")
    return Status(
        201, services.create_service(request.user, organisation, payload.name, parent, payload.code)
    )


@router.get("/organisations/{org}/services/{service}", response=ServiceOut, summary="Un service")
def service_detail(request, org: str, service: int):
    found = selectors.service_of(tenant_for(request, org).organisation, service)
    if found is None:
        raise Http404("Service introuvable.")
    return found


@router.get("/organisations/{org}/members", response=list[MemberOut], summary="Membres (administrateurs)")
def member_list(request, org: str):
    tenant = tenant_for(request, org)
    if not tenant.has_role(Role.ADMIN):
        raise PermissionDenied("Réservé aux administrateurs de l'organisation.")
    return [
        {"id": m.pk, "email": m.user.email, "roles": m.roles, "is_active": m.is_active}
        for m in selectors.members_of(tenant.organisation)
    ]
