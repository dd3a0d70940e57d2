"""The life of a planned purchase: its statuses, the steps between them and who may take each one.

    to_screen --propose (facilitator)--> proposed
    proposed --validate / refuse (prescriber)--> validated | refused
    refused --propose again (facilitator)--> proposed
    proposed --withdraw (facilitator)--> to_screen
    validated --review (steward: the anticipation commission)--> reviewed
    reviewed --launch (buyer)--> in_consultation --award (buyer)--> awarded
    awarded --start (buyer)--> in_execution --close (buyer)--> closed

A prescriber attached to a service (Membership.service) decides only for the purchases of that service
and of the services below it; a prescriber without a service decides for the whole organisation.
Refusing needs a reason. The table is data: the pages show the buttons `available_steps` returns and
`services.transition` enforces the same table, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from levier.organisations.roles import Role


class Status(models.TextChoices):
    TO_SCREEN = "to_screen", "À cribler"
    PROPOSED = "proposed", "Proposé"
    VALIDATED = "validated", "Validé"
    REFUSED = "refused", "Refusé"
    REVIEWED = "reviewed", "Examiné en commission d'anticipation"
    IN_CONSULTATION = "in_consultation", "En consultation"
    AWARDED = "awarded", "Attribué"
    IN_EXECUTION = "in_execution", "En exécution"
    CLOSED = "closed", "Clos"


# Statuses in which a purchase marked for publication appears in the public feed: decided, not yet awarded.
PUBLISHABLE_STATUSES = (Status.VALIDATED, Status.REVIEWED, Status.IN_CONSULTATION)


class WorkflowError(Exception):
    """A step that is not allowed from the current status, or that lacks its reason (French message)."""


@dataclass(frozen=True)
class Step:
    code: str
    label_fr: str
    source: str
    target: str
    roles: tuple[str, ...]
    requires_reason: bool = False

    @property
    def roles_fr(self) -> str:
        return ", ".join(Role(role).label for role in self.roles)


STEPS: tuple[Step, ...] = (
    Step("propose", "Proposer", Status.TO_SCREEN, Status.PROPOSED, (Role.FACILITATOR,)),
    Step("withdraw", "Retirer la proposition", Status.PROPOSED, Status.TO_SCREEN, (Role.FACILITATOR,)),
    Step("validate", "Valider", Status.PROPOSED, Status.VALIDATED, (Role.PRESCRIBER,)),
    Step("refuse", "Refuser", Status.PROPOSED, Status.REFUSED, (Role.PRESCRIBER,), requires_reason=True),
    Step("propose_again", "Proposer à nouveau", Status.REFUSED, Status.PROPOSED, (Role.FACILITATOR,)),
    Step("review", "Examiner en commission", Status.VALIDATED, Status.REVIEWED, (Role.STEWARD,)),
    Step("launch", "Lancer la consultation", Status.REVIEWED, Status.IN_CONSULTATION, (Role.BUYER,)),
    Step("award", "Enregistrer l'attribution", Status.IN_CONSULTATION, Status.AWARDED, (Role.BUYER,)),
    Step("start", "Démarrer l'exécution", Status.AWARDED, Status.IN_EXECUTION, (Role.BUYER,)),
    Step("close", "Clore", Status.IN_EXECUTION, Status.CLOSED, (Role.BUYER,)),
)
STEPS_BY_CODE = {step.code: step for step in STEPS}

# Roles whose decision is limited to the purchases of their own service.
SERVICE_BOUND_ROLES = frozenset({Role.PRESCRIBER})


def steps_from(status: str) -> list[Step]:
    return [step for step in STEPS if step.source == status]


def step_between(source: str, target: str) -> Step | None:
    return next((step for step in STEPS if step.source == source and step.target == target), None)


def service_allows(step: Step, roles, member_service_id: int | None, purchase_service_ids) -> bool:
    """Whether the service rule lets these roles take `step`.

    `purchase_service_ids` are the ids of the purchase's service and its ancestors. A role not bound to a
    service, or a service-bound role of a member without a service, is not limited.
    """
    allowed = [role for role in step.roles if role in roles]
    if any(role not in SERVICE_BOUND_ROLES for role in allowed):
        return True
    if member_service_id is None:
        return bool(allowed)
    return member_service_id in set(purchase_service_ids)


def check_step(step_code: str, status: str, roles, *, reason: str = "", service_ok: bool = True) -> Step:
    """The step to take, or WorkflowError / PermissionError with the French reason it is refused."""
    step = STEPS_BY_CODE.get(step_code)
    if step is None:
        raise WorkflowError(f"Étape inconnue : « {step_code} ».")
    if step.source != status:
        possible = ", ".join(f"« {s.label_fr} »" for s in steps_from(status)) or "aucune"
        raise WorkflowError(
            f"« {step.label_fr} » est impossible depuis le statut « {Status(status).label} » "
            f"(étapes possibles : {possible})."
        )
    if not any(role in roles for role in step.roles):
        raise PermissionError(
            f"« {step.label_fr} » est réservé au rôle : {step.roles_fr}. Votre rôle ne le permet pas."
        )
    if not service_ok:
        raise PermissionError(
            f"« {step.label_fr} » : ce marché ne relève pas de votre service ; seul un prescripteur "
            "du service concerné (ou sans service de rattachement) peut décider."
        )
    if step.requires_reason and not reason.strip():
        raise WorkflowError(f"« {step.label_fr} » demande un motif : indiquez pourquoi.")
    return step
