"""Tenant isolation as a mechanism.

Every page about an organisation's data is under /o/<org>/ and wrapped by `org_view`: the organisation is
resolved against the user's active memberships only, so an organisation the user does not belong to is a 404
whatever the view does next, and a missing role is a 403. Objects below the organisation are then fetched
through querysets scoped to `request.tenant.organisation`.

`URL_PARAMS` maps each URL parameter name to a function giving a representative value for an organisation;
the isolation test walks every route with it, so a route with an unregistered parameter fails that test.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

URL_PARAMS: dict[str, Callable[[Any], Any]] = {}
# The subset naming an object that belongs to one organisation (not a fixed key such as a section name).
TENANT_OBJECT_PARAMS: set[str] = set()

# Parameters that are themselves the authorisation (Django's signed password-reset links): whoever holds the
# link is its addressee, so membership does not apply to the routes that carry them.
SECRET_LINK_PARAMS = {"uidb64", "token"}


def register_url_param(
    name: str, example_for_organisation: Callable[[Any], Any], *, tenant_object: bool = True
) -> None:
    URL_PARAMS[name] = example_for_organisation
    if tenant_object:
        TENANT_OBJECT_PARAMS.add(name)


@dataclass(frozen=True)
class Tenant:
    organisation: Any
    membership: Any

    @property
    def roles(self) -> list[str]:
        return list(self.membership.roles)

    def has_role(self, *roles: str) -> bool:
        return self.membership.has_role(*roles)


def resolve_tenant(user, org_slug: str) -> Tenant:
    from levier.organisations.selectors import active_membership

    membership = active_membership(user, org_slug)
    if membership is None:
        raise Http404("Organisation introuvable.")
    return Tenant(organisation=membership.organisation, membership=membership)


def org_view(roles: Iterable[str] | None = None):
    """Decorate a view taking `org`: only members (with one of `roles`, when given) reach it."""
    required = tuple(roles or ())

    def decorator(view):
        @wraps(view)
        def wrapper(request, org, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            tenant = resolve_tenant(request.user, org)
            if required and not tenant.has_role(*required):
                raise PermissionDenied("Votre rôle dans cette organisation ne permet pas cette action.")
            request.tenant = tenant
            request.session["last_org"] = tenant.organisation.slug
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
