"""Writes on organisations. Each checks the actor's rights and runs in a transaction."""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from levier.accounts.models import hash_token
from levier.core import audit
from levier.core.tasks import send_email

from .models import Invitation, Membership, Organisation, Service
from .roles import Role

INVITATION_VALIDITY = timedelta(days=14)


def _require_admin(actor, organisation: Organisation) -> None:
    if getattr(actor, "is_superuser", False):
        return
    membership = Membership.objects.filter(user=actor, organisation=organisation, is_active=True).first()
    if membership is None or not membership.has_role(Role.ADMIN):
        raise PermissionDenied("Seul un administrateur de l'organisation peut faire cela.")


def _clean_roles(roles) -> list[str]:
    cleaned = sorted({str(r) for r in roles})
    unknown = [r for r in cleaned if r not in Role.values]
    if unknown:
        raise ValidationError(f"Rôle inconnu : {', '.join(unknown)}.")
    if not cleaned:
        raise ValidationError("Choisissez au moins un rôle.")
    return cleaned


@transaction.atomic
def create_service(
    actor, organisation: Organisation, name: str, parent: Service | None = None, code: str = ""
):
    _require_admin(actor, organisation)
    service = Service(organisation=organisation, name=name.strip(), parent=parent, code=code.strip())
    service.full_clean()
    service.save()
    audit.record(actor, organisation, "service.create", service, f"Service créé : {service.path}")
    return service


@transaction.atomic
def invite_member(actor, organisation: Organisation, email: str, roles, *, base_url: str = "") -> Invitation:
    """Record an invitation and e-mail its link; an existing member gets the roles added instead."""
    _require_admin(actor, organisation)
    roles = _clean_roles(roles)
    email = email.strip().lower()
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        roles=roles,
        token_hash=hash_token(raw),
        invited_by=actor,
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    link = base_url + reverse("core:invitation_accept", kwargs={"invitation_key": raw})
    role_text = ", ".join(Role(r).label for r in roles)
    subject = f"Invitation à rejoindre {organisation.name} sur Levier"
    message = (
        f"Bonjour,\n\n{actor.display_name} vous invite à rejoindre {organisation.name} sur Levier "
        f"avec le ou les rôles : {role_text}.\n\nPour accepter, ouvrez ce lien (valable 14 jours) :\n{link}\n"
    )
    transaction.on_commit(lambda: send_email.enqueue(subject, message, [email]))
    audit.record(
        actor, organisation, "membership.invite", invitation, f"Invitation envoyée à {email}", roles=roles
    )
    invitation.raw_token = raw
    return invitation


def invitation_for_token(raw: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(raw), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def accept_invitation(
    invitation: Invitation, user=None, *, password: str | None = None, first_name="", last_name=""
):
    """Join the organisation: as the signed-in user, or as a new account created with `password`."""
    user_model = get_user_model()
    if user is None:
        user = user_model.objects.filter(email__iexact=invitation.email).first()
        if user is None:
            user = user_model.objects.create_user(
                email=invitation.email, password=password, first_name=first_name, last_name=last_name
            )
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied("Cette invitation est adressée à une autre adresse électronique.")
    membership, _created = Membership.objects.get_or_create(user=user, organisation=invitation.organisation)
    membership.roles = sorted(set(membership.roles) | set(invitation.roles))
    membership.is_active = True
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(
        user, invitation.organisation, "membership.join", membership, f"{user.email} a rejoint l'organisation"
    )
    return membership


@transaction.atomic
def set_member_roles(actor, membership: Membership, roles, service: Service | None = None) -> Membership:
    organisation = membership.organisation
    _require_admin(actor, organisation)
    roles = _clean_roles(roles)
    if membership.user_id == actor.pk and Role.ADMIN in membership.roles and Role.ADMIN not in roles:
        raise ValidationError("Vous ne pouvez pas retirer votre propre rôle d'administrateur.")
    if service is not None and service.organisation_id != organisation.pk:
        raise ValidationError("Ce service n'appartient pas à l'organisation.")
    before = list(membership.roles)
    membership.roles = roles
    membership.service = service
    membership.save(update_fields=["roles", "service"])
    audit.record(
        actor,
        organisation,
        "membership.roles",
        membership,
        f"Rôles de {membership.user.email} modifiés",
        before=before,
        after=roles,
    )
    return membership


@transaction.atomic
def set_member_active(actor, membership: Membership, active: bool) -> Membership:
    _require_admin(actor, membership.organisation)
    if membership.user_id == actor.pk and not active:
        raise ValidationError("Vous ne pouvez pas désactiver votre propre accès.")
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    action = "membership.activate" if active else "membership.deactivate"
    audit.record(actor, membership.organisation, action, membership, membership.user.email)
    return membership
