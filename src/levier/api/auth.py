"""API authentication, bound to tenancy before anything else runs.

Django-ninja checks authentication before it parses the body, so resolving the `{org}` path parameter here
means a user of another organisation gets 404 whatever the payload, exactly as `org_view` does for pages.
"""

from ninja.security import HttpBearer, SessionAuth

from levier.accounts.services import user_for_token
from levier.core.tenancy import Tenant, resolve_tenant


def _bind_tenant(request, user):
    request.user = user
    org = request.resolver_match.kwargs.get("org") if request.resolver_match else None
    if org is not None:
        request.tenant = resolve_tenant(user, org)
    return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer lev_…`: a personal token created on the user's account page."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        return _bind_tenant(request, user) if user is not None else None


class TenantSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return _bind_tenant(request, user) if user is not None else None


API_AUTH = [TokenAuth(), TenantSessionAuth()]


def tenant_for(request, org: str) -> Tenant:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.organisation.slug != org:
        tenant = resolve_tenant(request.user, org)
    return tenant
