import secrets
from datetime import timedelta

from django.utils import timezone

from levier.accounts.models import hash_token

from .navigation import SECTIONS
from .tenancy import register_url_param


def _invitation_key(org):
    """A live invitation of `org`: the clear key is only known at creation, so make one."""
    from levier.organisations.models import Invitation

    raw = secrets.token_urlsafe(16)
    Invitation.objects.create(
        organisation=org,
        email=f"invite-{raw[:6].lower()}@exemple.invalid",
        roles=["reader"],
        token_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return raw


def _api_token(org):
    from levier.accounts.models import ApiToken

    return ApiToken.objects.filter(user__memberships__organisation=org).values_list("pk", flat=True).first()


def _section(org):
    """A section still showing its placeholder page, when one is left (the others redirect)."""
    return next((s.key for s in SECTIONS if not s.available), SECTIONS[0].key)


register_url_param("section", _section, tenant_object=False)
register_url_param("invitation_key", _invitation_key)
register_url_param("api_token", _api_token)
