"""Importing a year's accounting export (50,000 lines, 3,000 suppliers) and matching its suppliers against a
directory of 20,000 structures: time and memory, each step against a baseline measured in the same run.

The directory: 20,000 structures of bench/directory_factory.py (kinds, sectors, départements and positions
in the proportions of the real ESAT, SIAE and GEIQ lists), named after the real structures of those lists
(a name used again gets its département's chef-lieu appended), 70 % of them with a checksum-valid SIRET.
Real names matter: the name matching picks its candidates by the words of the names.

The export (CSV `;`, Windows-1252, French amounts and dates, as Hélios-style exports are): 3,000 suppliers
paid along a Zipf curve (a few suppliers take many lines), 40 ordinary categories (imputations), 14
services. Suppliers: 150 inclusive structures by their SIRET, 50 by another establishment of the same
company (SIREN), 100 inclusive structures by name only, written the accountants' way (capitals, no accents,
legal form added); 2,700 ordinary companies, 60 % with a SIRET, the others by name only, whose names share
trade words with the directory ("Nettoyage", "Jardins", "Services"...), which is what makes name matching
work.

Measured, same file, same database:
(a) reading: `read_spend` against the baseline `csv.reader` walking every decoded row;
(b) preview (`importing.preview`: read + what a commit would do) against reading alone;
(c) atomic commit (`importing.commit`: the stored file read again, lines written in bulk, suppliers
    matched, one transaction) against the baseline: every line created by its own ORM `create()` in one
    transaction (no matching);
(d) the same file imported again (every line unchanged);
(e) supplier matching (`matching.match_suppliers`) on a fresh organisation, and name matching alone
    (`matching.NameIndex`) against the baseline: each name scored with difflib against every structure's
    name and brand (linear scan, measured on a sample and extrapolated); the sample also checks that the
    index finds what the linear scan finds;
peak traced Python allocations (tracemalloc) of a preview and of a commit, and the process's peak RSS.

Run: .venv/bin/python bench/bench_spend_import.py [--lines 50000] [--suppliers 3000] [--structures 20000]
     [--database-url postgresql://postgres@127.0.0.1:5432/levier_bench]   (default: a fresh SQLite file)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.bench_directory_import import FILES, setup_django  # noqa: E402
from bench.bench_plan_import import peak_rss_mib, timed  # noqa: E402

YEAR = 2026
HEADERS = ["N° mandat", "Date de mandat", "Tiers", "SIRET", "Imputation", "Service", "Montant HT"]
CATEGORIES = [
    "6042 Achats de prestations de services",
    "6042 Repas restauration scolaire",
    "60611 Eau et assainissement",
    "60612 Énergie électricité",
    "60622 Carburants",
    "60623 Alimentation",
    "60631 Fournitures d'entretien",
    "60632 Fournitures de petit équipement",
    "60636 Vêtements de travail",
    "6064 Fournitures administratives",
    "6065 Livres, disques, cassettes",
    "6067 Fournitures scolaires",
    "6068 Autres matières et fournitures",
    "611 Contrats de prestations de services",
    "611 Entretien espaces verts",
    "6132 Locations immobilières",
    "6135 Locations mobilières",
    "61521 Entretien de terrains",
    "615221 Entretien et réparations bâtiments publics",
    "615231 Entretien et réparations voiries",
    "61551 Entretien matériel roulant",
    "61558 Entretien autres biens mobiliers",
    "6156 Maintenance",
    "6161 Primes d'assurance multirisques",
    "617 Études et recherches",
    "6182 Documentation générale et technique",
    "6184 Versements à des organismes de formation",
    "6226 Honoraires",
    "6228 Divers rémunérations d'intermédiaires",
    "6231 Annonces et insertions",
    "6236 Catalogues et imprimés",
    "6237 Publications",
    "6241 Transports de biens",
    "6247 Transports collectifs",
    "6251 Voyages et déplacements",
    "6257 Réceptions",
    "6261 Frais d'affranchissement",
    "6262 Frais de télécommunications",
    "6283 Nettoyage des locaux",
    "6288 Autres services extérieurs",
]
SERVICES = [
    "DGS",
    "Finances",
    "Ressources humaines",
    "Informatique",
    "Parcs et jardins",
    "Voirie",
    "Bâtiments",
    "Éducation",
    "Restauration scolaire",
    "Culture",
    "Sports",
    "Action sociale",
    "Police municipale",
    "",
]
SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
]
TRADES = [
    "Nettoyage",
    "Propreté",
    "Bureautique",
    "Transports",
    "Restauration",
    "Informatique",
    "Espaces Verts",
    "Jardins",
    "Imprimerie",
    "Électricité",
    "Plomberie",
    "Peinture",
    "Menuiserie",
    "Fournitures",
    "Travaux Publics",
    "Signalisation",
    "Sécurité",
    "Traiteur",
    "Blanchisserie",
    "Déménagement",
    "Conseil",
    "Formation",
    "Véhicules",
    "Carburants",
    "Télécom",
    "Mobilier",
    "Papeterie",
    "Bâtiment",
    "Chauffage",
    "Location",
    "Ascenseurs",
    "Services",
    "Environnement",
    "Recyclage",
    "Paysage",
    "Multiservices",
    "Logistique",
]
PLACES = [
    "de l'Est",
    "du Doubs",
    "Comtois",
    "du Jura",
    "Bourgogne",
    "Franche-Comté",
    "Rhône-Alpes",
    "du Centre",
    "de France",
    "Atlantique",
    "Méditerranée",
    "Nord",
    "Sud-Ouest",
    "de la Vallée",
    "du Lac",
    "des Monts",
    "Alpes",
    "Lorraine",
    "Alsace",
    "Normandie",
]
FORMS = ["SARL", "SAS", "SA", "SASU", "EURL", ""]


def luhn_ok(digits: str) -> bool:
    from levier.rules.siret import luhn_ok as check

    return check(digits)


def siret_from(stem: str) -> str:
    return next(stem + str(d) for d in range(10) if luhn_ok(stem + str(d)))


def accountant_style(name: str, rng: random.Random) -> str:
    """How an accounting package writes a structure's name: capitals, no accents, a legal form."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    if rng.random() < 0.5:
        text = f"{text} {rng.choice(['ASSOCIATION', 'SAS', 'SCOP', 'ASSO'])}"
    return text


def ordinary_name(rng: random.Random) -> str:
    surname, other, trade = rng.choice(SURNAMES), rng.choice(SURNAMES), rng.choice(TRADES)
    pattern = rng.randrange(7)
    if pattern == 0:
        text = f"{trade} {surname}"
    elif pattern == 1:
        text = f"{surname} {trade} {rng.choice(FORMS)}"
    elif pattern == 2:
        text = f"Ets {surname} et Fils"
    elif pattern == 3:
        text = f"{trade} {rng.choice(PLACES)} {rng.choice(FORMS)}"
    elif pattern == 4:
        text = f"{surname}-{other} {rng.choice(FORMS)}"
    elif pattern == 5:
        text = f"{trade} et {rng.choice(TRADES)} {rng.choice(PLACES)}"
    else:
        text = f"Groupe {surname} {trade}"
    text = " ".join(text.split())
    return text.upper() if rng.random() < 0.4 else text


def real_names() -> list[str]:
    """The names of the real ESAT, SIAE and GEIQ of the shipped lists."""
    from levier.directory.importing import read_source

    names = []
    for source, path in FILES:
        for record in read_source(source, path)[0].records:
            if record.name:
                names.append(record.name)
    return names


def build_directory(count: int, seed: int) -> list[tuple[int, str, str]]:
    """20,000 structures with real names and SIRETs; returns (pk, name, siret) of each."""
    from bench.directory_factory import populate

    from levier.directory.models import Structure
    from levier.rules.geography import shipped_departements

    populate(count, seed=seed)
    rng = random.Random(seed)
    names = real_names()
    rng.shuffle(names)
    chefs_lieux = {code: dep.chef_lieu for code, dep in shipped_departements().items()}
    structures = list(Structure.objects.order_by("pk").only("pk", "name", "departement"))
    for index, structure in enumerate(structures):
        name = names[index % len(names)]
        if index >= len(names):
            name = f"{name} {chefs_lieux.get(structure.departement, '')}".strip()
        structure.name = name[:255]
        structure.siret = siret_from(f"3{index:08d}0001") if rng.random() < 0.7 else ""
        structure.siren = structure.siret[:9]
    Structure.objects.bulk_update(structures, ["name", "siret", "siren"], batch_size=2000)
    return [(s.pk, s.name, s.siret) for s in structures]


def suppliers_of(directory: list[tuple[int, str, str]], count: int, rng: random.Random) -> list[dict]:
    with_siret = [row for row in directory if row[2]]
    picked = rng.sample(with_siret, 200)
    suppliers = []
    for pk, name, siret in picked[:150]:
        suppliers.append({"name": name.upper(), "siret": siret, "truth": ("siret", pk)})
    for pk, name, siret in picked[150:]:
        other = next(s for s in (siret_from(f"{siret[:9]}{n:04d}") for n in range(2, 999)) if s != siret)
        suppliers.append({"name": name, "siret": other, "truth": ("siren", pk)})
    for pk, name, _siret in rng.sample(directory, 100):
        suppliers.append({"name": accountant_style(name, rng), "siret": "", "truth": ("name", pk)})
    seen = {s["name"].casefold() for s in suppliers}
    index = 0
    while len(suppliers) < count:
        name = ordinary_name(rng)
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        index += 1
        siret = siret_from(f"8{index:08d}0001") if rng.random() < 0.6 else ""
        suppliers.append({"name": name, "siret": siret, "truth": None})
    rng.shuffle(suppliers)
    return suppliers


def french_amount(value: float) -> str:
    whole, cents = divmod(round(value * 100), 100)
    return f"{whole:,}".replace(",", " ") + f",{cents:02d}"


def write_export(path: Path, suppliers: list[dict], lines: int, rng: random.Random) -> None:
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(suppliers))]
    chosen = rng.choices(suppliers, weights=weights, k=lines)
    # Every supplier appears at least once, as in a year's export.
    chosen[: len(suppliers)] = suppliers
    rng.shuffle(chosen)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    start = dt.date(YEAR, 1, 2)
    for number, supplier in enumerate(chosen, start=1):
        amount = math.exp(rng.gauss(math.log(800), 1.3))
        if rng.random() < 0.01:
            amount = -amount  # a cancellation
        writer.writerow(
            [
                f"M-{YEAR}-{number:06d}",
                (start + dt.timedelta(days=rng.randrange(360))).strftime("%d/%m/%Y"),
                supplier["name"],
                supplier["siret"],
                rng.choice(CATEGORIES),
                rng.choice(SERVICES),
                french_amount(amount),
            ]
        )
    path.write_bytes(buffer.getvalue().encode("cp1252", errors="replace"))


def naive_commit(organisation, records) -> int:
    """Baseline: one ORM create() per line, in one transaction, no matching."""
    from django.db import transaction

    from levier.steering.importing import category_sector
    from levier.steering.models import SpendLine

    sectors: dict[str, str] = {}
    with transaction.atomic():
        for record in records:
            if record.category not in sectors:
                sectors[record.category] = category_sector(record.category)
            SpendLine.objects.create(
                organisation=organisation,
                year=YEAR,
                row_key=record.row_key,
                supplier_siret=record.supplier_siret,
                supplier_name=record.supplier_name,
                supplier_key=record.supplier_key,
                amount=record.amount,
                amount_includes_tax=record.amount_includes_tax,
                date=record.date,
                category=record.category,
                category_sector=sectors[record.category],
                service_label=record.service,
                invoice_ref=record.invoice_ref,
                source_row=record.row,
            )
    return len(records)


def linear_best(key: str, keys: list[tuple[int, str]]):
    """Baseline: the supplier's name key scored against every structure's name and brand keys."""
    from difflib import SequenceMatcher

    from levier.steering.matching import NAME_THRESHOLD

    best = None
    for pk, other in keys:
        score = SequenceMatcher(None, key, other).ratio()
        if best is None or score > best[1]:
            best = (pk, score)
    return best if best is not None and best[1] >= NAME_THRESHOLD else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--suppliers", type=int, default=3_000)
    parser.add_argument("--structures", type=int, default=20_000)
    parser.add_argument("--linear-sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-spend-"))
    vendor = setup_django(args.database_url, workdir)
    from levier.ingest.spend import read_spend
    from levier.organisations.models import Organisation
    from levier.steering import importing
    from levier.steering.matching import NameIndex, Supplier, match_suppliers, name_key
    from levier.steering.models import SpendLine, SupplierMatch

    print(
        f"Machine : {platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}, base {vendor}"
    )
    print(f"Charge de la machine au départ (moyenne sur 1 min) : {os.getloadavg()[0]:.1f}")
    rng = random.Random(args.seed)
    started = time.perf_counter()
    directory = build_directory(args.structures, args.seed)
    suppliers = suppliers_of(directory, args.suppliers, rng)
    path = workdir / f"mandats-{YEAR}.csv"
    write_export(path, suppliers, args.lines, rng)
    by_name = sum(1 for s in suppliers if not s["siret"])
    print(
        f"Annuaire : {len(directory)} structures ({sum(1 for r in directory if r[2])} avec SIRET) ; export : "
        f"{args.lines} lignes, {len(suppliers)} fournisseurs dont {by_name} sans SIRET, "
        f"{path.stat().st_size / 1e6:.1f} Mo (préparés en {time.perf_counter() - started:.1f} s)"
    )
    content = path.read_bytes()
    orgs = [
        Organisation.objects.create(slug=f"banc-{n}", name=f"Banc d'essai {n}", kind="commune", siret=siret)
        for n, siret in enumerate(("21999000100014", "22899000200013", "13099000300019", "27599000400010"))
    ]
    rss_start = peak_rss_mib()

    def walk_csv() -> int:
        with open(path, encoding="cp1252", newline="") as handle:
            return sum(1 for _row in csv.reader(handle, delimiter=";"))

    walked, baseline_read = timed(walk_csv)
    read, reading = timed(lambda: read_spend(path, year=YEAR))
    assert not read.errors, read.errors[:3]
    print(
        f"(a) Lecture : read_spend {len(read.records)} lignes en {reading} ; référence csv.reader "
        f"({walked} lignes) {baseline_read} : {reading.ratio(baseline_read)}"
    )

    spend_import, previewing = timed(lambda: importing.preview(None, orgs[0], content, path.name, YEAR))
    print(
        f"(b) Aperçu (lecture + ce que ferait l'enregistrement) : {spend_import.created} lignes à créer en "
        f"{previewing} ; lecture seule {reading}"
    )

    committed, committing = timed(lambda: importing.commit(None, spend_import))
    matched = committed.report["matched"]
    stored = SpendLine.objects.filter(organisation=orgs[0]).count()
    print(f"(c) Enregistrement atomique : {stored} lignes en base, rapprochements {matched}, en {committing}")
    done, naive = timed(lambda: naive_commit(orgs[1], read.records))
    print(
        f"    Référence : {done} create() de l'ORM un par un, sans rapprochement : {naive} ; "
        f"Levier {naive.wall / committing.wall:.1f}× plus rapide (horloge)"
    )

    again, reimporting = timed(lambda: importing.import_file(None, orgs[0], content, path.name, YEAR))
    print(
        f"(d) Réimport du même fichier : {again.unchanged} inchangées, {again.created} créées, "
        f"{again.removed} retirées, en {reimporting} (aperçu puis enregistrement)"
    )

    unique = {}
    for record in read.records:
        unique.setdefault(
            record.supplier_key, Supplier(record.supplier_key, record.supplier_name, record.supplier_siret)
        )
    counts, matching = timed(lambda: match_suppliers(orgs[2], list(unique.values())))
    print(
        f"(e) Rapprochement des {len(unique)} fournisseurs (SIRET, SIREN, nom) sur une organisation neuve : "
        f"{ {str(k): v for k, v in counts.items()} } en {matching}"
    )
    index, indexing = timed(NameIndex)
    names = [s.name for s in unique.values() if not s.siret]
    found, scoring = timed(lambda: [index.best(name) for name in names])
    print(
        f"    Par le nom seul : index de {len(index.names)} structures construit en {indexing}, "
        f"{len(names)} noms cherchés en {scoring} ({sum(1 for f in found if f)} propositions)"
    )
    truth = {s["name"]: s["truth"] for s in suppliers}
    expected = [name for name in names if truth.get(name) and truth[name][0] == "name"]
    hit = sum(
        1
        for name, result in zip(names, found, strict=True)
        if result and truth.get(name) and truth[name] == ("name", result[0])
    )
    false = sum(1 for name, result in zip(names, found, strict=True) if result and not truth.get(name))
    print(
        f"    Qualité : {hit}/{len(expected)} structures écrites à la manière des comptables retrouvées, "
        f"{false} propositions pour des fournisseurs ordinaires (à rejeter par l'utilisateur)"
    )
    keys = [(pk, key) for pk, texts in index.names.items() for key in texts]
    sample = rng.sample(names, min(args.linear_sample, len(names)))
    linear, scanning = timed(lambda: [linear_best(name_key(name), keys) for name in sample])
    per_name = scanning.wall / len(sample)
    agree = sum(
        1
        for name, result in zip(sample, linear, strict=True)
        if (result and result[0]) == ((index.best(name) or (None,))[0])
    )
    print(
        f"    Référence : balayage linéaire de {len(keys)} noms par difflib, {per_name * 1000:.0f} ms par "
        f"fournisseur ({len(sample)} mesurés), soit ~{per_name * len(names):.0f} s pour {len(names)} noms ; "
        f"l'index donne la même réponse sur {agree}/{len(sample)}"
    )

    rss_peak = peak_rss_mib()
    SupplierMatch.objects.filter(organisation=orgs[3]).delete()
    tracemalloc.start()
    traced = importing.preview(None, orgs[3], content, path.name, YEAR)
    _current, preview_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    importing.commit(None, traced)
    _current, commit_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"Mémoire : pic des allocations Python (tracemalloc) d'un aperçu {preview_peak / 2**20:.0f} Mio, "
        f"d'un enregistrement {commit_peak / 2**20:.0f} Mio ; pic RSS du processus {rss_peak:.0f} Mio "
        f"(dont {rss_start:.0f} Mio avant l'import : Django, modules, annuaire généré)"
    )
    print(f"Charge de la machine à la fin (moyenne sur 1 min) : {os.getloadavg()[0]:.1f}")
    from django.db import connection

    connection.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
