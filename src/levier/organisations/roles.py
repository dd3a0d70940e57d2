"""The roles of DESIGN §1 and what each may do. One membership holds one or more of them."""

from django.db import models


class Role(models.TextChoices):
    BUYER = "buyer", "Acheteur"
    PRESCRIBER = "prescriber", "Service prescripteur"
    FACILITATOR = "facilitator", "Facilitateur de clauses sociales"
    STEWARD = "steward", "Référent achats responsables"
    ADMIN = "admin", "Administrateur"
    READER = "reader", "Lecteur (élu, commission)"


ROLE_DESCRIPTIONS = {
    Role.BUYER: "Tient le plan des achats, prépare les consultations, enregistre les attributions.",
    Role.PRESCRIBER: "Exprime le besoin, valide ou refuse les propositions pour ses achats.",
    Role.FACILITATOR: (
        "Propose les clauses, calcule les heures, suit l'exécution, connaît les structures locales."
    ),
    Role.STEWARD: "Fixe les objectifs, anime la commission d'anticipation, publie le bilan annuel (SPASER).",
    Role.ADMIN: "Gère l'organisation, ses services et ses utilisateurs.",
    Role.READER: "Consulte les plans, les décisions et les tableaux de bord.",
}


def role_labels(roles) -> list[str]:
    return [Role(r).label for r in roles if r in Role.values]
