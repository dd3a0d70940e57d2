"""The demo directory: about sixty fictional structures around the demo organisations, and what their
buyers learnt about some of them.

Everything is invented: names, SIRETs (SIREN 9990xxxxx, built to pass the checksum), contacts under
.invalid. The places are real communes of the Doubs and the Jura (the Ville de Valmont-sur-Loue and the
Département du Val-Fictif are imagined there, on the Loue) and of the inner Paris suburbs (the purchasing
body's buyers), with the commune's approximate position. Kinds, sectors, capacities and intervention
areas are varied so that every filter of the search has something to show. A few cards carry manual
edits by the demo facilitator (audited like any edit), and the buyers' sourcing notes cover every topic.

Idempotent: each structure is found by its demo key (`StructureSource(source="demo")`); a structure that
exists is left as it is, and notes and edits are made only when the structure is first created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from levier.core.demo import DEMO_DOMAIN
from levier.rules.geography import shipped_departements
from levier.rules.sectors import load_taxonomy
from levier.rules.siret import luhn_ok

from .editing import edit_structure
from .inference import provision_kinds
from .models import (
    KIND_FAMILY,
    AreaDepartement,
    AreaKind,
    Basis,
    PositionPrecision,
    Source,
    SourcingNote,
    Structure,
    StructureKind,
    StructureReference,
    StructureSector,
    StructureSource,
)

# Communes: name, postcode, INSEE code, latitude, longitude (approximate centre).
PLACES = {
    "besancon": ("Besançon", "25000", "25056", 47.2378, 6.0241),
    "ornans": ("Ornans", "25290", "25434", 47.1064, 6.1436),
    "pontarlier": ("Pontarlier", "25300", "25462", 46.9035, 6.3547),
    "montbeliard": ("Montbéliard", "25200", "25388", 47.5100, 6.7986),
    "baume": ("Baume-les-Dames", "25110", "25047", 47.3525, 6.3611),
    "quingey": ("Quingey", "25440", "25475", 47.1030, 5.8884),
    "dole": ("Dole", "39100", "39198", 47.0925, 5.4897),
    "lons": ("Lons-le-Saunier", "39000", "39300", 46.6744, 5.5547),
    "champagnole": ("Champagnole", "39300", "39097", 46.7469, 5.9087),
    "salins": ("Salins-les-Bains", "39110", "39500", 46.9386, 5.8785),
    "saint-claude": ("Saint-Claude", "39200", "39478", 46.3872, 5.8636),
    "vesoul": ("Vesoul", "70000", "70550", 47.6230, 6.1556),
    "creteil": ("Créteil", "94000", "94028", 48.7904, 2.4556),
    "vitry": ("Vitry-sur-Seine", "94400", "94081", 48.7875, 2.3928),
    "ivry": ("Ivry-sur-Seine", "94200", "94041", 48.8131, 2.3872),
    "montreuil": ("Montreuil", "93100", "93048", 48.8611, 2.4437),
    "saint-denis": ("Saint-Denis", "93200", "93066", 48.9362, 2.3574),
    "nanterre": ("Nanterre", "92000", "92050", 48.8924, 2.2071),
    "evry": ("Évry-Courcouronnes", "91000", "91228", 48.6290, 2.4410),
}


@dataclass(frozen=True)
class Demo:
    key: str
    name: str
    kinds: tuple[str, ...]
    sectors: tuple[str, ...]
    place: str
    headcount: int | None = None
    esat_capacity: int | None = None
    turnover: int | None = None
    max_contract: int | None = None
    # ("radius", 30), ("departements", "25 39 70"), ("national", None), or None (not said)
    area: tuple[str, object] | None = None
    brand: str = ""
    naf: str = ""
    legal_form: str = "Association déclarée"
    networks: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    references: tuple[tuple[str, str, int, int], ...] = field(default_factory=tuple)


STRUCTURES = [
    # Disability: ESAT.
    Demo(
        "esat-loue",
        "ESAT Les Ateliers de la Loue",
        ("ESAT",),
        ("espaces-verts-entretien", "conditionnement-emballage", "blanchisserie-linge-plat"),
        "ornans",
        95,
        90,
        1_900_000,
        400_000,
        ("radius", 40),
        networks=("Réseau Gesat",),
        references=(("Ville de Valmont-sur-Loue", "Entretien des espaces verts des écoles", 2025, 62_000),),
    ),
    Demo(
        "esat-citadelle",
        "ESAT de la Citadelle",
        ("ESAT",),
        ("restauration-collective", "repas-liaison", "traiteur-evenementiel"),
        "besancon",
        120,
        110,
        2_600_000,
        500_000,
        ("departements", "25 39 70"),
        brand="Cuisine de la Citadelle",
    ),
    Demo(
        "esat-haut-doubs",
        "ESAT du Haut-Doubs",
        ("ESAT",),
        ("nettoyage-locaux", "nettoyage-vitres", "espaces-verts-entretien"),
        "pontarlier",
        70,
        65,
        1_200_000,
        250_000,
        ("radius", 35),
    ),
    Demo(
        "esat-pays-dolois",
        "ESAT du Pays Dolois",
        ("ESAT",),
        ("impression", "routage-mise-sous-pli", "numerisation-saisie"),
        "dole",
        80,
        75,
        1_500_000,
        300_000,
        ("departements", "39 25 21"),
        labels=("Imprim'Vert (fictif)",),
    ),
    Demo(
        "esat-revermont",
        "ESAT du Revermont",
        ("ESAT",),
        ("blanchisserie-linge-plat", "entretien-vetements-travail"),
        "lons",
        60,
        55,
        900_000,
        180_000,
        ("radius", 50),
    ),
    Demo(
        "esat-mont-bart",
        "ESAT du Mont-Bart",
        ("ESAT",),
        ("assemblage-montage", "conditionnement-emballage", "reparation-palettes-contenants"),
        "montbeliard",
        140,
        130,
        3_100_000,
        700_000,
        ("departements", "25 70 90"),
    ),
    Demo(
        "esat-jura-bois",
        "ESAT Jura Bois",
        ("ESAT",),
        ("travail-bois-fabrication", "mobilier-exterieur", "reparation-mobilier"),
        "champagnole",
        45,
        40,
        700_000,
        120_000,
        ("national", None),
    ),
    Demo(
        "esat-salines",
        "ESAT des Salines",
        ("ESAT",),
        ("espaces-verts-entretien", "debroussaillage-fauchage", "cimetieres-entretien"),
        "salins",
        35,
        32,
        500_000,
        90_000,
        ("radius", 25),
    ),
    Demo(
        "esat-bords-marne",
        "ESAT des Bords de Marne",
        ("ESAT",),
        ("numerisation-saisie", "archivage", "routage-mise-sous-pli"),
        "creteil",
        90,
        85,
        1_700_000,
        350_000,
        ("departements", "94 93 75 77 91"),
    ),
    Demo(
        "esat-vitry",
        "ESAT Les Ateliers de Vitry",
        ("ESAT",),
        ("conditionnement-emballage", "logistique-evenementielle"),
        "vitry",
        110,
        100,
        2_000_000,
        400_000,
        ("radius", 30),
    ),
    Demo(
        "esat-montreuil",
        "ESAT Montreuil Services",
        ("ESAT",),
        ("restauration-collective", "cafeteria-distribution"),
        "montreuil",
        75,
        70,
        1_400_000,
        280_000,
        ("departements", "93 94 75"),
    ),
    Demo(
        "esat-vesoul",
        "ESAT de la Haute-Saône",
        ("ESAT",),
        ("espaces-verts-entretien", "nettoyage-locaux"),
        "vesoul",
        65,
        60,
        1_000_000,
        200_000,
    ),
    # Disability: EA and EATT.
    Demo(
        "ea-proprete-loue",
        "Propreté Solidaire de la Loue",
        ("EA",),
        ("nettoyage-locaux", "nettoyage-vitres", "hygiene-3d"),
        "besancon",
        55,
        turnover=1_800_000,
        max_contract=500_000,
        area=("departements", "25 39"),
        legal_form="SAS",
        naf="8121Z",
    ),
    Demo(
        "ea-numerique",
        "EA Numérique Comtoise",
        ("EA",),
        ("numerisation-saisie", "reconditionnement-informatique", "support-infogerance"),
        "besancon",
        30,
        turnover=1_100_000,
        max_contract=250_000,
        area=("national", None),
        legal_form="SAS",
        naf="6202A",
        labels=("Numérique responsable (fictif)",),
    ),
    Demo(
        "ea-jardins-doubs",
        "Jardins du Doubs Entreprise Adaptée",
        ("EA",),
        ("espaces-verts-entretien", "espaces-verts-creation", "elagage-abattage"),
        "baume",
        40,
        turnover=1_300_000,
        max_contract=350_000,
        area=("radius", 45),
        legal_form="SARL",
        naf="8130Z",
    ),
    Demo(
        "ea-logistique-jura",
        "Logistique Adaptée du Jura",
        ("EA", "EATT"),
        ("manutention", "stockage-entreposage", "mad-personnel-technique"),
        "dole",
        70,
        turnover=2_400_000,
        max_contract=600_000,
        area=("departements", "39 21 71 25"),
        legal_form="SAS",
        naf="5210B",
    ),
    Demo(
        "ea-courrier-idf",
        "Courrier Adapté Île-de-France",
        ("EA",),
        ("courrier-distribution", "routage-mise-sous-pli", "accueil-physique"),
        "ivry",
        85,
        turnover=3_200_000,
        max_contract=900_000,
        area=("departements", "75 92 93 94"),
        legal_form="SAS",
        naf="5320Z",
    ),
    Demo(
        "ea-proprete-93",
        "Propreté Adaptée 93",
        ("EA",),
        ("nettoyage-locaux", "nettoyage-parties-communes"),
        "saint-denis",
        120,
        turnover=3_600_000,
        max_contract=1_000_000,
        area=("radius", 25),
        legal_form="SAS",
        naf="8121Z",
    ),
    Demo(
        "eatt-interim-adapte",
        "Intérim Adapté de l'Est",
        ("EATT",),
        ("mad-personnel-administratif", "mad-personnel-technique"),
        "montbeliard",
        25,
        turnover=1_500_000,
        max_contract=400_000,
        area=("departements", "25 70 90 39"),
        legal_form="SAS",
        naf="7820Z",
    ),
    Demo(
        "ea-textile",
        "Atelier Textile Adapté",
        ("EA",),
        ("confection-vetements", "epi-protection", "couture-retouches"),
        "saint-claude",
        28,
        turnover=800_000,
        max_contract=150_000,
        area=("national", None),
        legal_form="SCOP",
        naf="1413Z",
    ),
    # Insertion: ACI.
    Demo(
        "aci-jardins-source",
        "Les Jardins de la Source",
        ("ACI",),
        ("fruits-legumes", "espaces-verts-entretien"),
        "quingey",
        30,
        turnover=400_000,
        max_contract=60_000,
        area=("radius", 30),
        brand="Jardins de la Source",
        networks=("Réseau Cocagne (fictif)",),
    ),
    Demo(
        "aci-ressourcerie-loue",
        "Ressourcerie de la Vallée de la Loue",
        ("ACI",),
        ("reemploi-ressourcerie", "tri-recyclage", "demenagement"),
        "ornans",
        24,
        turnover=350_000,
        max_contract=50_000,
        area=("radius", 25),
        references=(
            ("Département du Val-Fictif", "Collecte et réemploi du mobilier des collèges", 2024, 38_000),
        ),
    ),
    Demo(
        "aci-chantiers-doubs",
        "Chantiers Nature du Doubs",
        ("ACI",),
        ("debroussaillage-fauchage", "foret-milieux-naturels", "clotures"),
        "baume",
        20,
        turnover=300_000,
        max_contract=45_000,
        area=("departements", "25"),
    ),
    Demo(
        "aci-patrimoine-jura",
        "Pierres et Patrimoine du Jura",
        ("ACI",),
        ("maconnerie-gros-oeuvre", "restauration-patrimoine"),
        "salins",
        18,
        turnover=280_000,
        max_contract=40_000,
        area=("radius", 40),
    ),
    Demo(
        "aci-velo",
        "Atelier Vélo Solidaire",
        ("ACI",),
        ("reparation-velos", "reemploi-ressourcerie"),
        "besancon",
        12,
        turnover=150_000,
        max_contract=25_000,
        area=("radius", 20),
    ),
    Demo(
        "aci-bois-jura",
        "Bois et Chantiers du Haut-Jura",
        ("ACI", "EI"),
        ("travail-bois-fabrication", "elagage-abattage", "charpente-bois"),
        "saint-claude",
        26,
        turnover=600_000,
        max_contract=90_000,
        area=("radius", 35),
    ),
    Demo(
        "aci-cuisine-dole",
        "Cuisine Solidaire Doloise",
        ("ACI",),
        ("repas-liaison", "portage-repas"),
        "dole",
        16,
        turnover=250_000,
        max_contract=40_000,
        area=("radius", 20),
    ),
    Demo(
        "aci-marne",
        "Chantiers de la Marne",
        ("ACI",),
        ("espaces-verts-entretien", "proprete-urbaine"),
        "creteil",
        35,
        turnover=500_000,
        max_contract=70_000,
        area=("departements", "94"),
    ),
    Demo(
        "aci-textile-93",
        "Fil Solidaire",
        ("ACI",),
        ("couture-retouches", "linge-textiles-maison"),
        "montreuil",
        20,
        turnover=200_000,
        max_contract=30_000,
        area=("radius", 15),
    ),
    Demo(
        "aci-deee-idf",
        "Recyclage Électronique Solidaire",
        ("ACI",),
        ("deee", "reconditionnement-informatique"),
        "nanterre",
        28,
        turnover=450_000,
        max_contract=80_000,
        area=("departements", "92 78 95 75"),
    ),
    Demo(
        "aci-vesoul",
        "Tremplin Vert de Haute-Saône",
        ("ACI",),
        ("espaces-verts-entretien", "debroussaillage-fauchage"),
        "vesoul",
        22,
        turnover=260_000,
        max_contract=40_000,
        area=("radius", 30),
    ),
    Demo(
        "aci-evry",
        "Régie de Quartier des Pyramides",
        ("ACI",),
        ("nettoyage-parties-communes", "petits-travaux-entretien", "mediation-prevention"),
        "evry",
        40,
        turnover=700_000,
        max_contract=100_000,
        area=("radius", 10),
    ),
    # Insertion: EI, AI, ETTI, EITI.
    Demo(
        "ei-proprete-comtoise",
        "Comtoise de Propreté",
        ("EI",),
        ("nettoyage-locaux", "nettoyage-vitres", "proprete-urbaine"),
        "besancon",
        60,
        turnover=1_600_000,
        max_contract=400_000,
        area=("departements", "25 39 70"),
        legal_form="SAS",
        naf="8121Z",
    ),
    Demo(
        "ei-second-oeuvre",
        "Bâtir Ensemble Franche-Comté",
        ("EI",),
        ("peinture-interieure", "platrerie-cloisons", "revetements-sols"),
        "besancon",
        45,
        turnover=2_100_000,
        max_contract=450_000,
        area=("radius", 60),
        legal_form="SARL",
        naf="4334Z",
    ),
    Demo(
        "ei-paysage-jura",
        "Paysages du Jura",
        ("EI",),
        ("espaces-verts-creation", "espaces-verts-entretien", "clotures"),
        "lons",
        25,
        turnover=900_000,
        max_contract=200_000,
        area=("radius", 40),
        legal_form="SARL",
        naf="8130Z",
    ),
    Demo(
        "ei-dechets-montbeliard",
        "Tri Valor Pays de Montbéliard",
        ("EI",),
        ("tri-recyclage", "collecte-papiers-bureaux", "destruction-documents"),
        "montbeliard",
        38,
        turnover=1_400_000,
        max_contract=300_000,
        area=("departements", "25 90 70"),
        legal_form="SAS",
        naf="3832Z",
    ),
    Demo(
        "ei-traiteur-idf",
        "Saveurs Partagées",
        ("EI",),
        ("traiteur-evenementiel", "restauration-collective"),
        "ivry",
        32,
        turnover=1_900_000,
        max_contract=350_000,
        area=("departements", "75 92 93 94"),
        legal_form="SAS",
        naf="5621Z",
    ),
    Demo(
        "ei-btp-93",
        "Bâtisseurs Solidaires 93",
        ("EI",),
        ("maconnerie-gros-oeuvre", "peinture-interieure", "demolition-desamiantage"),
        "saint-denis",
        55,
        turnover=4_200_000,
        max_contract=1_200_000,
        area=("departements", "93 94 95 75"),
        legal_form="SAS",
        naf="4399C",
    ),
    Demo(
        "ei-demenagement",
        "Déménageurs du Cœur",
        ("EI",),
        ("demenagement", "manutention", "livraison-transport-marchandises"),
        "vitry",
        30,
        turnover=1_300_000,
        max_contract=250_000,
        area=("national", None),
        legal_form="SAS",
        naf="4942Z",
    ),
    Demo(
        "ai-services-loue",
        "Loue Services Emploi",
        ("AI",),
        ("mad-personnel-services-personnes", "mad-personnel-technique"),
        "ornans",
        90,
        turnover=700_000,
        max_contract=120_000,
        area=("departements", "25"),
    ),
    Demo(
        "ai-jura-emploi",
        "Jura Emploi Solidaire",
        ("AI",),
        ("mad-personnel-administratif", "mad-personnel-services-personnes"),
        "champagnole",
        110,
        turnover=900_000,
        max_contract=150_000,
        area=("departements", "39"),
    ),
    Demo(
        "ai-dole",
        "Coup de Main Dolois",
        ("AI",),
        ("mad-personnel-services-personnes", "aide-domicile"),
        "dole",
        70,
        turnover=500_000,
        max_contract=80_000,
        area=("radius", 25),
    ),
    Demo(
        "ai-val-de-marne",
        "Val-de-Marne Emploi Partagé",
        ("AI",),
        ("mad-personnel-services-personnes", "mad-personnel-technique"),
        "creteil",
        150,
        turnover=1_400_000,
        max_contract=200_000,
        area=("departements", "94"),
    ),
    Demo(
        "etti-franche-comte",
        "Intérim Insertion Franche-Comté",
        ("ETTI",),
        ("mad-personnel-technique", "mad-personnel-administratif"),
        "besancon",
        200,
        turnover=3_000_000,
        max_contract=800_000,
        area=("departements", "25 39 70 90"),
        legal_form="SAS",
        naf="7820Z",
    ),
    Demo(
        "etti-btp",
        "Tremplin Intérim BTP",
        ("ETTI",),
        ("mad-personnel-technique",),
        "pontarlier",
        80,
        turnover=1_600_000,
        max_contract=350_000,
        area=("radius", 50),
        legal_form="SAS",
        naf="7820Z",
    ),
    Demo(
        "etti-idf",
        "Intérim Solidaire Grand Paris",
        ("ETTI",),
        ("mad-personnel-technique", "mad-personnel-administratif", "mad-personnel-services-personnes"),
        "montreuil",
        300,
        turnover=6_500_000,
        max_contract=1_500_000,
        area=("departements", "75 92 93 94 91 95 77 78"),
        legal_form="SAS",
        naf="7820Z",
    ),
    Demo(
        "eiti-graphistes",
        "Coopérative des Graphistes Indépendants",
        ("EITI",),
        ("conception-graphique", "communication-publicite"),
        "besancon",
        15,
        turnover=350_000,
        max_contract=60_000,
        area=("national", None),
        legal_form="SCIC",
        naf="7410Z",
    ),
    # Insertion: GEIQ.
    Demo(
        "geiq-btp-fc",
        "GEIQ BTP Franche-Comté",
        ("GEIQ",),
        ("mad-personnel-technique",),
        "besancon",
        60,
        turnover=2_000_000,
        max_contract=400_000,
        area=("departements", "25 39 70 90"),
        naf="7830Z",
    ),
    Demo(
        "geiq-proprete-idf",
        "GEIQ Propreté Île-de-France",
        ("GEIQ",),
        ("mad-personnel-services-personnes",),
        "creteil",
        90,
        turnover=2_800_000,
        max_contract=600_000,
        area=("departements", "75 92 93 94 91 95 77 78"),
        naf="7830Z",
    ),
    Demo(
        "geiq-industrie",
        "GEIQ Industrie Nord Franche-Comté",
        ("GEIQ",),
        ("mad-personnel-technique",),
        "montbeliard",
        45,
        turnover=1_500_000,
        max_contract=300_000,
        area=("departements", "25 90 70"),
        naf="7830Z",
    ),
    # ESS companies and prison work.
    Demo(
        "ess-conciergerie",
        "Conciergerie Solidaire de Besançon",
        ("ESS",),
        ("gardiens-immeubles-conciergerie", "accueil-physique"),
        "besancon",
        12,
        turnover=400_000,
        max_contract=80_000,
        area=("radius", 15),
        legal_form="SCIC",
        naf="9609Z",
    ),
    Demo(
        "ess-mobilite",
        "Mobilité Partagée du Jura",
        ("ESS",),
        ("transport-personnes",),
        "lons",
        20,
        turnover=900_000,
        max_contract=180_000,
        area=("departements", "39"),
        legal_form="SCIC",
        naf="4939A",
    ),
    Demo(
        "ess-formation",
        "Savoirs en Partage",
        ("ESS",),
        ("formation-professionnelle", "accompagnement-insertion"),
        "ivry",
        18,
        turnover=1_000_000,
        max_contract=200_000,
        area=("national", None),
        legal_form="SCOP",
        naf="8559A",
    ),
    Demo(
        "sep-atelier",
        "Atelier pénitentiaire de Besançon (service fictif)",
        ("SEP",),
        ("conditionnement-emballage", "assemblage-montage"),
        "besancon",
        40,
        area=("national", None),
        legal_form="Service de l'État",
    ),
    # A few whose size nobody has stated yet: the directory says so.
    Demo("aci-sans-chiffres", "Les Potagers de Champagnole", ("ACI",), ("fruits-legumes",), "champagnole"),
    Demo("ea-sans-chiffres", "EA Services Jurassiens", ("EA",), ("nettoyage-locaux",), "saint-claude"),
    Demo(
        "ei-sans-chiffres",
        "Vitres Claires Pontissaliennes",
        ("EI",),
        ("nettoyage-vitres",),
        "pontarlier",
        naf="8122Z",
    ),
    Demo(
        "ai-sans-chiffres", "Entraide Emploi Baumois", ("AI",), ("mad-personnel-services-personnes",), "baume"
    ),
]

FACILITATOR = f"facilitatrice@{DEMO_DOMAIN}"
# Corrections the facilitator made by hand: imports would keep them.
EDITS = {
    "esat-loue": {
        "contact_role": "Chargée de développement commercial",
        "email": "commercial@esat-loue.invalid",
    },
    "ea-proprete-loue": {"max_contract_amount": 650_000, "max_contract_amount_basis": "declared"},
    "aci-ressourcerie-loue": {"area_departements": ["25", "39"]},
}
# (organisation slug, buyer, structure key, topic, days ago, text, extra fields)
NOTES = [
    (
        "ville-de-valmont",
        "acheteuse",
        "esat-loue",
        "capacity",
        40,
        "Capacité confirmée pour deux équipes de 5 d'avril à octobre.",
        {"capacity_confirmed": True, "confirmed_amount": 120_000},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "esat-loue",
        "good_example",
        200,
        "Entretien des espaces verts des écoles : travail soigné, délais tenus.",
        {},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "aci-jardins-source",
        "price",
        90,
        "Devis 10 % sous l'estimation pour le fleurissement.",
        {"price_level": "low"},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "ei-proprete-comtoise",
        "incident",
        25,
        "Deux passages manqués au gymnase (semaine 12) ; rattrapés sous 48 h.",
        {},
    ),
    (
        "ville-de-valmont",
        "acheteuse",
        "ei-second-oeuvre",
        "capacity",
        60,
        "Ne peut pas prendre plus de 200 k€ par an en 2027.",
        {"capacity_confirmed": False, "confirmed_amount": 200_000},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "aci-ressourcerie-loue",
        "good_example",
        300,
        "Collecte du mobilier des collèges : 80 % réemployé.",
        {},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "esat-citadelle",
        "price",
        120,
        "Prix du repas dans le marché (écart de 2 % avec l'estimation).",
        {"price_level": "market"},
    ),
    (
        "departement-du-val-fictif",
        "acheteuse",
        "ea-logistique-jura",
        "incident",
        45,
        "Livraison des fournitures des collèges en retard d'une semaine (rentrée).",
        {},
    ),
    (
        "centrale-achats-solidaires",
        "acheteur.caps",
        "ea-courrier-idf",
        "capacity",
        30,
        "Capacité confirmée pour un lot régional de 800 k€ par an.",
        {"capacity_confirmed": True, "confirmed_amount": 800_000},
    ),
    (
        "centrale-achats-solidaires",
        "acheteur.caps",
        "etti-idf",
        "price",
        75,
        "Coefficient de facturation plus élevé que les agences classiques (+4 %).",
        {"price_level": "high"},
    ),
]


def siret_for(index: int) -> str:
    """A fictional SIRET: SIREN 9990xxxxx, establishment 00010, any valid check digit."""
    stem = f"9990{index:05d}0001"
    return next(stem + str(digit) for digit in range(10) if luhn_ok(stem + str(digit)))


def _create(demo: Demo, index: int, today: dt.date) -> Structure:
    taxonomy = load_taxonomy()
    city, postcode, insee, lat, lon = PLACES[demo.place]
    departement = insee[:2]
    marker = {"source": Source.DEMO.value, "date": today.isoformat()}
    provisions, _inferred = provision_kinds((), demo.kinds)
    if not provisions:
        provisions = sorted({kind for code in demo.sectors for kind in taxonomy.get(code).provision_kinds})
    values = {
        "siret": siret_for(index),
        "name": demo.name,
        "brand": demo.brand,
        "legal_form": demo.legal_form,
        "naf": demo.naf,
        "provision_kinds": provisions,
        "city": city,
        "postcode": postcode,
        "insee_code": insee,
        "departement": departement,
        "region": shipped_departements()[departement].region_code,
        "lat": lat,
        "lon": lon,
        "position_precision": PositionPrecision.COMMUNE,
        "website": f"https://{demo.key}.demo.levier.invalid",
        "networks": list(demo.networks),
        "labels": list(demo.labels),
    }
    for figure, value in (
        ("headcount", demo.headcount),
        ("esat_capacity", demo.esat_capacity),
        ("turnover", demo.turnover),
        ("max_contract_amount", demo.max_contract),
    ):
        if value is not None:
            values[figure] = value
            # ESAT places are the authorisation's; the rest is what the structure told the buyers.
            values[f"{figure}_basis"] = Basis.DECLARED if figure != "max_contract_amount" else Basis.ESTIMATED
    if demo.area is not None:
        kind, detail = demo.area
        values["area_kind"] = kind
        if kind == AreaKind.RADIUS:
            values["area_radius_km"] = detail
    structure = Structure(**values, provenance={name: marker for name in values})
    structure.save()
    StructureSource.objects.create(structure=structure, source=Source.DEMO, key=demo.key)
    StructureKind.objects.bulk_create(
        StructureKind(structure=structure, kind=kind, family=KIND_FAMILY[kind], source=Source.DEMO)
        for kind in demo.kinds
    )
    StructureSector.objects.bulk_create(
        StructureSector(structure=structure, sector=code, group=taxonomy.get(code).group, source=Source.DEMO)
        for code in demo.sectors
    )
    if demo.area is not None and demo.area[0] == AreaKind.DEPARTEMENTS:
        AreaDepartement.objects.bulk_create(
            AreaDepartement(structure=structure, departement=code) for code in str(demo.area[1]).split()
        )
    StructureReference.objects.bulk_create(
        StructureReference(
            structure=structure, buyer=buyer, title=title, year=year, amount=amount, source=Source.DEMO
        )
        for buyer, title, year, amount in demo.references
    )
    structure.refresh_search_text(list(demo.kinds), list(demo.sectors))
    structure.save(update_fields=["search_text", "siren"])
    return structure


@transaction.atomic
def seed(orgs) -> dict[str, int]:
    today = timezone.localdate()
    users = {
        user.email.split("@")[0]: user
        for user in get_user_model().objects.filter(email__endswith=DEMO_DOMAIN)
    }
    existing = set(StructureSource.objects.filter(source=Source.DEMO).values_list("key", flat=True))
    created: dict[str, Structure] = {}
    for index, demo in enumerate(STRUCTURES, start=1):
        if demo.key not in existing:
            created[demo.key] = _create(demo, index, today)
    facilitator = users.get(FACILITATOR.split("@")[0])
    for key, changes in EDITS.items():
        if key in created and facilitator is not None:
            edit_structure(facilitator, created[key], changes, organisation=orgs.get("ville-de-valmont"))
    for slug, author, key, topic, days_ago, text, extra in NOTES:
        if key in created and slug in orgs:
            SourcingNote.objects.create(
                organisation=orgs[slug],
                structure=created[key],
                author=users.get(author),
                topic=topic,
                text=text,
                occurred_on=today - dt.timedelta(days=days_ago),
                **extra,
            )
    demo_structures = Structure.objects.filter(sources__source=Source.DEMO)
    return {
        "structures de l'annuaire": demo_structures.count(),
        "notes de sourçage": SourcingNote.objects.filter(structure__in=demo_structures).count(),
    }
