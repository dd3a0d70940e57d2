"""The fictional organisations, services and users that `levier demo` loads.

Everything here is invented (names, SIRETs built to pass the checksum, addresses under .invalid) so that a
newcomer sees a realistic set-up at once. Loading is idempotent: each object is found by its natural key.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import import_string

from levier.organisations.models import Membership, Organisation, OrganisationGroup, Service
from levier.organisations.roles import Role

DEMO_DOMAIN = "demo.levier.invalid"

ORGANISATIONS = [
    # slug, name, kind, siret
    ("ville-de-valmont", "Ville de Valmont-sur-Loue", "commune", "21999000100014"),
    ("departement-du-val-fictif", "Département du Val-Fictif", "departement", "22899000200013"),
    (
        "centrale-achats-solidaires",
        "Centrale d'achats publics solidaires (CAPS)",
        "centrale_achat",
        "13099000300019",
    ),
]

# The city's five directions, with a few services under some of them.
SERVICES = {
    "ville-de-valmont": [
        (
            "Direction des espaces verts et de l'environnement",
            "DEVE",
            ["Service des parcs et jardins", "Propreté urbaine"],
        ),
        ("Direction de l'éducation et de la restauration", "DERE", ["Restauration scolaire"]),
        ("Direction des bâtiments et de la voirie", "DBV", ["Travaux neufs", "Entretien du patrimoine"]),
        ("Direction des systèmes d'information", "DSI", []),
        ("Direction de la communication", "DCOM", ["Imprimerie municipale"]),
    ],
    "departement-du-val-fictif": [
        ("Direction de l'insertion et de l'emploi", "DIE", []),
        ("Direction des routes", "DR", ["Centre d'exploitation Nord", "Centre d'exploitation Sud"]),
        ("Direction des collèges", "DC", []),
    ],
    "centrale-achats-solidaires": [
        ("Pôle fournitures et services généraux", "FSG", []),
        ("Pôle prestations intellectuelles", "PI", []),
    ],
}

# Each capability seeds its own fictional data after the organisations and users exist: a dotted path to a
# `seed(orgs: dict[str, Organisation]) -> dict[str, int]` that is idempotent and returns counts to print.
DEMO_STEPS: list[str] = [
    "levier.plans.demo.seed",
    "levier.directory.demo.seed",
    "levier.clauses.demo.seed",
    "levier.steering.demo.seed",
    "levier.sourcing.demo.seed",
    "levier.benchmark.demo.seed",
    "levier.recommendations.demo.seed",
]

GROUP = (
    "groupement-valmont-val-fictif",
    "Groupement de commandes Valmont – Val-Fictif",
    "Achats mutualisés d'entretien des locaux, de fournitures de bureau et de restauration collective.",
    "departement-du-val-fictif",
    ["ville-de-valmont", "departement-du-val-fictif"],
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    memberships: dict  # organisation slug -> roles


USERS = [
    DemoUser(
        f"acheteuse@{DEMO_DOMAIN}",
        "Camille",
        "Achard",
        {
            "ville-de-valmont": [Role.BUYER],
            "departement-du-val-fictif": [Role.BUYER],
        },
    ),
    DemoUser(f"prescripteur@{DEMO_DOMAIN}", "Louis", "Prévost", {"ville-de-valmont": [Role.PRESCRIBER]}),
    DemoUser(
        f"facilitatrice@{DEMO_DOMAIN}",
        "Nadia",
        "Fauvel",
        {
            "ville-de-valmont": [Role.FACILITATOR],
            "departement-du-val-fictif": [Role.FACILITATOR],
        },
    ),
    DemoUser(f"referente@{DEMO_DOMAIN}", "Sophie", "Renaud", {"ville-de-valmont": [Role.STEWARD]}),
    DemoUser(
        f"admin@{DEMO_DOMAIN}",
        "Alain",
        "Dumont",
        {
            "ville-de-valmont": [Role.ADMIN],
            "departement-du-val-fictif": [Role.ADMIN],
            "centrale-achats-solidaires": [Role.ADMIN],
        },
    ),
    DemoUser(f"elu@{DEMO_DOMAIN}", "Élise", "Lecomte", {"ville-de-valmont": [Role.READER]}),
    DemoUser(
        f"acheteur.caps@{DEMO_DOMAIN}",
        "Bruno",
        "Carré",
        {"centrale-achats-solidaires": [Role.BUYER, Role.STEWARD]},
    ),
]

# The prescriber belongs to one direction: their validations concern its purchases.
USER_SERVICE = {
    f"prescripteur@{DEMO_DOMAIN}": ("ville-de-valmont", "Direction des espaces verts et de l'environnement")
}


@transaction.atomic
def load_demo() -> dict:
    """Create or update the demo set-up; return what exists afterwards."""
    orgs = {}
    for slug, name, kind, siret in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "siret": siret}
        )
        orgs[slug] = org
    for slug, directions in SERVICES.items():
        for name, code, children in directions:
            direction, _ = Service.objects.update_or_create(
                organisation=orgs[slug], parent=None, name=name, defaults={"code": code}
            )
            for child in children:
                Service.objects.get_or_create(organisation=orgs[slug], parent=direction, name=child)
    slug, name, description, coordinator, members = GROUP
    group, _ = OrganisationGroup.objects.update_or_create(
        slug=slug, defaults={"name": name, "description": description, "coordinator": orgs[coordinator]}
    )
    group.members.set([orgs[m] for m in members])

    user_model = get_user_model()
    for demo in USERS:
        user = user_model.objects.filter(email=demo.email).first()
        if user is None:
            user = user_model.objects.create_user(
                email=demo.email,
                password=settings.LEVIER_DEMO_PASSWORD,
                first_name=demo.first_name,
                last_name=demo.last_name,
            )
        for org_slug, roles in demo.memberships.items():
            service = None
            if demo.email in USER_SERVICE and USER_SERVICE[demo.email][0] == org_slug:
                service = Service.objects.get(organisation=orgs[org_slug], name=USER_SERVICE[demo.email][1])
            Membership.objects.update_or_create(
                user=user,
                organisation=orgs[org_slug],
                defaults={"roles": sorted(str(r) for r in roles), "is_active": True, "service": service},
            )
    counts = {"organisations": len(orgs), "users": len(USERS)}
    for step in DEMO_STEPS:
        counts.update(import_string(step)(orgs))
    return counts


def demo_logins() -> list[tuple[str, str, str]]:
    """(email, roles by organisation, password) for the terminal."""
    org_names = {slug: name for slug, name, _kind, _siret in ORGANISATIONS}
    rows = []
    for demo in USERS:
        roles = "; ".join(
            f"{org_names[slug]} : {', '.join(Role(r).label for r in roles)}"
            for slug, roles in demo.memberships.items()
        )
        rows.append((demo.email, roles, settings.LEVIER_DEMO_PASSWORD))
    return rows
