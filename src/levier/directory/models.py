"""The directory of inclusive structures: who could bid, where, for what, and how much they can carry.

How URLs name a structure: by its integer primary key, `<int:structure>` (registered in url_params.py).
Neither the SIRET nor the FINESS number can identify a row: ESAT establishments share their association's
SIRET or have none, and le marché de l'inclusion lists antennas under their head office's SIRET. A page
may accept a SIRET in a search box and redirect to the pk (`Structure.objects.filter(siret=...)`).

The directory is shared by every organisation (structures are public data); only `SourcingNote`s belong to
one buyer organisation.

Search (selectors written elsewhere) relies on these indexes, all usable on SQLite and PostgreSQL:

- kind and family: `StructureKind(kind, structure)`, `StructureKind(family, structure)`;
- sector and sector group: `StructureSector(sector, structure)`, `StructureSector(group, structure)`;
- place: `Structure(departement)`, `Structure(lat, lon)` for a bounding box before the exact distance,
  `AreaDepartement(departement, structure)` for the départements a structure says it serves;
- capacity: `Structure(max_contract_amount)`, `Structure(headcount)`, `Structure(turnover)`;
- free text: `Structure.search_text`, the folded (`levier.rules.text.fold`) name, brand, operator and
  city, SIRET, kinds and sector labels, kept up to date by every write path
  (`Structure.refresh_search_text()` or `search_text()` for bulk writes).

Provenance: `Structure.provenance` maps each stored field to where its value came from,
`{"source": "siae", "date": "2019-07-01", "run": 12}` for an import, `{"source": "manual", "user": 3,
"at": "2026-11-23T15:00:00+00:00"}` for an edit. An import never overwrites a field whose source is
"manual" (see importing.py for the order between sources).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from levier.rules.sectors import PROVISION_KINDS, STRUCTURE_KINDS, load_taxonomy
from levier.rules.text import fold


class Family(models.TextChoices):
    INSERTION = "insertion", "Insertion par l'activité économique"
    DISABILITY = "handicap", "Handicap"
    ESS = "ess", "Économie sociale et solidaire"
    PRISON = "penitentiaire", "Travail pénitentiaire"


class Kind(models.TextChoices):
    """Kinds of structures (DESIGN.md §3); labels from the rules core's taxonomy."""

    ACI = "ACI", STRUCTURE_KINDS["ACI"]
    AI = "AI", STRUCTURE_KINDS["AI"]
    EI = "EI", STRUCTURE_KINDS["EI"]
    ETTI = "ETTI", STRUCTURE_KINDS["ETTI"]
    EITI = "EITI", STRUCTURE_KINDS["EITI"]
    GEIQ = "GEIQ", STRUCTURE_KINDS["GEIQ"]
    EA = "EA", STRUCTURE_KINDS["EA"]
    EATT = "EATT", STRUCTURE_KINDS["EATT"]
    ESAT = "ESAT", STRUCTURE_KINDS["ESAT"]
    SEP = "SEP", STRUCTURE_KINDS["SEP"]
    ESS = "ESS", STRUCTURE_KINDS["ESS"]


KIND_FAMILY: dict[str, str] = {
    Kind.ACI: Family.INSERTION,
    Kind.AI: Family.INSERTION,
    Kind.EI: Family.INSERTION,
    Kind.ETTI: Family.INSERTION,
    Kind.EITI: Family.INSERTION,
    Kind.GEIQ: Family.INSERTION,
    Kind.EA: Family.DISABILITY,
    Kind.EATT: Family.DISABILITY,
    Kind.ESAT: Family.DISABILITY,
    Kind.SEP: Family.PRISON,
    Kind.ESS: Family.ESS,
}


class ProvisionKind(models.TextChoices):
    """How a structure works (the rules core's PROVISION_KINDS, which the sectors also use)."""

    ON_SITE = "prestation_sur_site", PROVISION_KINDS["prestation_sur_site"]
    WORKSHOP = "prestation_en_atelier", PROVISION_KINDS["prestation_en_atelier"]
    GOODS = "fourniture_biens_produits", PROVISION_KINDS["fourniture_biens_produits"]
    STAFF = "mise_a_disposition_personnel", PROVISION_KINDS["mise_a_disposition_personnel"]
    TRADING = "negoce", PROVISION_KINDS["negoce"]


class Source(models.TextChoices):
    """Where a value came from. The first five are the importers' sources (levier.ingest.structures)."""

    ESAT = "esat", "Liste FINESS des ESAT"
    SIAE = "siae", "Liste des SIAE de l'ASP"
    GEIQ = "geiq", "Liste des GEIQ"
    EA = "ea", "Liste des entreprises adaptées"
    LEMARCHE = "lemarche", "Le marché de l'inclusion"
    INFERRED = "inferred", "Déduit par Levier"
    MANUAL = "manual", "Saisie manuelle"
    DEMO = "demo", "Démonstration"


class PositionPrecision(models.TextChoices):
    SOURCE = "source", "Coordonnées de la source"
    COMMUNE = "commune", "Centre de la commune"
    DEPARTEMENT = "departement", "Chef-lieu du département"
    MANUAL = "manual", "Saisie manuelle"


class AreaKind(models.TextChoices):
    UNKNOWN = "", "Non renseignée"
    RADIUS = "radius", "Rayon autour de la structure"
    DEPARTEMENTS = "departements", "Départements"
    NATIONAL = "national", "France entière"


class Basis(models.TextChoices):
    """How a capacity figure is known."""

    ENTERED = "entered", "Saisi"
    DECLARED = "declared", "Déclaré par la structure"
    ESTIMATED = "estimated", "Estimé"


class ImportRun(models.Model):
    """One import of one file (or its preview): what it read and what it changed."""

    class Status(models.TextChoices):
        PREVIEW = "preview", "Aperçu"
        DONE = "done", "Importé"
        FAILED = "failed", "Échoué"

    source = models.CharField("source", max_length=20, choices=Source.choices)
    file_name = models.CharField("fichier", max_length=255)
    file_sha256 = models.CharField("empreinte du fichier", max_length=64, blank=True)
    # The date of the data (the list's publication or the file's date): provenance carries it.
    source_date = models.DateField("date des données")
    status = models.CharField("état", max_length=10, choices=Status.choices)
    started_at = models.DateTimeField("début", auto_now_add=True)
    finished_at = models.DateTimeField("fin", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancé par",
    )
    # created / updated / unchanged / rejected counts, and rejected rows with their French reasons.
    report = models.JSONField("compte rendu", default=dict, blank=True)

    class Meta:
        verbose_name = "import de structures"
        verbose_name_plural = "imports de structures"
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_source_display()} {self.file_name} ({self.source_date})"


class Structure(models.Model):
    # Identity.
    siret = models.CharField("SIRET", max_length=14, blank=True, db_index=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True)
    # ESAT establishments are keyed by their FINESS number ("ET"); the running entity is the operator ("EJ").
    finess = models.CharField("n° FINESS", max_length=9, null=True, blank=True, unique=True)
    operator_finess = models.CharField("n° FINESS du gestionnaire", max_length=9, blank=True)
    operator_name = models.CharField("gestionnaire", max_length=255, blank=True)
    name = models.CharField("raison sociale", max_length=255)
    brand = models.CharField("enseigne", max_length=255, blank=True)
    legal_form = models.CharField("forme juridique", max_length=120, blank=True)
    naf = models.CharField("code NAF", max_length=5, blank=True)
    is_head_office = models.BooleanField("siège", null=True, blank=True)
    is_active = models.BooleanField("active", default=True)
    description = models.TextField("présentation", blank=True)
    provision_kinds = models.JSONField("modes d'intervention", default=list, blank=True)
    rome_codes = models.JSONField("codes ROME", default=list, blank=True)

    # Location.
    address = models.CharField("adresse", max_length=255, blank=True)
    address_complement = models.CharField("complément d'adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    insee_code = models.CharField("code commune INSEE", max_length=5, blank=True)
    departement = models.CharField("département", max_length=3, blank=True, db_index=True)
    region = models.CharField("région", max_length=3, blank=True)
    lat = models.FloatField("latitude", null=True, blank=True)
    lon = models.FloatField("longitude", null=True, blank=True)
    position_precision = models.CharField(
        "origine de la position", max_length=12, choices=PositionPrecision.choices, blank=True
    )

    # Where it works.
    area_kind = models.CharField(
        "zone d'intervention", max_length=12, choices=AreaKind.choices, blank=True, default=""
    )
    area_radius_km = models.PositiveIntegerField("rayon d'intervention (km)", null=True, blank=True)

    # Capacity, each figure with how it is known.
    headcount = models.PositiveIntegerField("effectif", null=True, blank=True)
    headcount_basis = models.CharField(
        "origine de l'effectif", max_length=10, choices=Basis.choices, blank=True
    )
    esat_capacity = models.PositiveIntegerField("places autorisées (ESAT)", null=True, blank=True)
    esat_capacity_basis = models.CharField(
        "origine des places autorisées", max_length=10, choices=Basis.choices, blank=True
    )
    turnover = models.PositiveBigIntegerField("chiffre d'affaires annuel (€)", null=True, blank=True)
    turnover_basis = models.CharField(
        "origine du chiffre d'affaires", max_length=10, choices=Basis.choices, blank=True
    )
    max_contract_amount = models.PositiveBigIntegerField(
        "plus gros marché annuel possible (€ HT)", null=True, blank=True
    )
    max_contract_amount_basis = models.CharField(
        "origine du plus gros marché possible", max_length=10, choices=Basis.choices, blank=True
    )

    # What it shows of itself.
    labels = models.JSONField("labels", default=list, blank=True)
    networks = models.JSONField("réseaux", default=list, blank=True)

    # Minimal contacts: generic channels only; a person appears only through a role ("service commercial").
    email = models.EmailField("courriel", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    website = models.URLField("site web", max_length=300, blank=True)
    contact_role = models.CharField("contact (fonction)", max_length=120, blank=True)

    # Bookkeeping.
    provenance = models.JSONField("origine des champs", default=dict, blank=True)
    search_text = models.TextField("texte de recherche", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["lat", "lon"], name="structure_position"),
            models.Index(fields=["max_contract_amount"], name="structure_max_contract"),
            models.Index(fields=["headcount"], name="structure_headcount"),
            models.Index(fields=["turnover"], name="structure_turnover"),
            models.Index(fields=["postcode"], name="structure_postcode"),
            # The unfiltered list sorted by name, and the map's counts per département.
            models.Index(fields=["name", "id"], name="structure_name"),
            models.Index(fields=["is_active", "departement"], name="structure_active_dep"),
        ]

    def __str__(self):
        return self.brand or self.name

    @property
    def display_name(self) -> str:
        return f"{self.brand} ({self.name})" if self.brand and self.brand != self.name else self.name

    def refresh_search_text(self, kinds: list[str] | None = None, sectors: list[str] | None = None) -> None:
        """Recompute `search_text` (and the SIREN); pass the kinds and sector codes when they changed,
        else they are read from the database (one query each, for single edits only)."""
        if kinds is None:
            kinds = list(self.kinds.values_list("kind", flat=True)) if self.pk else []
        if sectors is None:
            sectors = list(self.sectors.values_list("sector", flat=True)) if self.pk else []
        self.search_text = search_text(self, kinds, sectors)
        self.siren = self.siret[:9] if self.siret else ""

    def is_manual(self, field: str) -> bool:
        return (self.provenance.get(field) or {}).get("source") == Source.MANUAL


def search_text(structure: Structure, kinds: list[str], sectors: list[str]) -> str:
    """Folded words a free-text search matches: names, city, SIRET, kinds and sector labels."""
    taxonomy = load_taxonomy()
    sector_labels = [taxonomy.get(code).label for code in sectors if taxonomy.get(code) is not None]
    parts = [
        structure.name,
        structure.brand,
        structure.operator_name,
        structure.city,
        structure.siret,
        *kinds,
        *sector_labels,
    ]
    return fold(" ".join(part for part in parts if part))


class StructureSource(models.Model):
    """A record of one source linked to a structure: (source, key) is the idempotency key of imports.

    `data` keeps what the source says that has no column of its own (SIAE measures and conventions,
    job titles), `fingerprint` the hash of the record last imported, so that an unchanged record is
    recognised without comparing every field.
    """

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField("source", max_length=20, choices=Source.choices)
    key = models.CharField("clé dans la source", max_length=40)
    data = models.JSONField("données propres à la source", default=dict, blank=True)
    fingerprint = models.CharField("empreinte", max_length=64, blank=True)
    first_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "origine d'une structure"
        verbose_name_plural = "origines des structures"
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="unique_structure_source_key"),
        ]

    def __str__(self):
        return f"{self.source}:{self.key}"


class StructureKind(models.Model):
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="kinds")
    kind = models.CharField("type", max_length=5, choices=Kind.choices)
    # Denormalised from KIND_FAMILY so that "family = handicap" is one indexed lookup.
    family = models.CharField("famille", max_length=15, choices=Family.choices)
    source = models.CharField("source", max_length=20, choices=Source.choices)

    class Meta:
        verbose_name = "type de structure"
        verbose_name_plural = "types de structure"
        constraints = [models.UniqueConstraint(fields=["structure", "kind"], name="unique_structure_kind")]
        indexes = [
            models.Index(fields=["kind", "structure"], name="structurekind_kind"),
            models.Index(fields=["family", "structure"], name="structurekind_family"),
        ]

    def __str__(self):
        return self.kind

    def save(self, *args, **kwargs):
        self.family = KIND_FAMILY[self.kind]
        super().save(*args, **kwargs)

    @classmethod
    def of(cls, structure: Structure, kind: str, source: str) -> StructureKind:
        """An unsaved row with its family filled in (for bulk_create, which skips save())."""
        return cls(structure=structure, kind=kind, family=KIND_FAMILY[kind], source=source)


class StructureSector(models.Model):
    """A sector of the rules core's taxonomy (`levier.rules.sectors`) the structure works in."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField("secteur", max_length=80)
    # The sector's group, denormalised for "every sector of a group" in one indexed lookup.
    group = models.CharField("groupe de secteurs", max_length=80)
    # True when Levier deduced the sector (from the NAF code or the name), not the source or a person.
    inferred = models.BooleanField("déduit", default=False)
    source = models.CharField("source", max_length=20, choices=Source.choices)

    class Meta:
        verbose_name = "secteur d'une structure"
        verbose_name_plural = "secteurs des structures"
        constraints = [
            models.UniqueConstraint(fields=["structure", "sector"], name="unique_structure_sector")
        ]
        indexes = [
            models.Index(fields=["sector", "structure"], name="structuresector_sector"),
            models.Index(fields=["group", "structure"], name="structuresector_group"),
        ]

    def __str__(self):
        return self.sector

    @classmethod
    def of(cls, structure: Structure, code: str, source: str, *, inferred: bool = False) -> StructureSector:
        """An unsaved row with the sector's group filled in from the taxonomy."""
        group = load_taxonomy().get(code).group
        return cls(structure=structure, sector=code, group=group, inferred=inferred, source=source)


class AreaDepartement(models.Model):
    """A département a structure says it works in (intervention area of kind "departements")."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="area_departements")
    departement = models.CharField("département", max_length=3)

    class Meta:
        verbose_name = "département d'intervention"
        verbose_name_plural = "départements d'intervention"
        constraints = [
            models.UniqueConstraint(fields=["structure", "departement"], name="unique_area_departement")
        ]
        indexes = [models.Index(fields=["departement", "structure"], name="areadepartement_dep")]

    def __str__(self):
        return self.departement


class StructureReference(models.Model):
    """A contract the structure won (a reference it can show)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="references")
    buyer = models.CharField("acheteur", max_length=255)
    title = models.CharField("objet", max_length=500)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    amount = models.PositiveBigIntegerField("montant HT (€)", null=True, blank=True)
    cpv = models.CharField("code CPV", max_length=8, blank=True)
    source = models.CharField("source", max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = "référence"
        verbose_name_plural = "références"
        ordering = ["-year", "pk"]

    def __str__(self):
        return f"{self.title} ({self.buyer}, {self.year or 's. d.'})"


class SourcingNote(models.Model):
    """What one buyer organisation learnt about a structure: confidential to that organisation."""

    class Topic(models.TextChoices):
        CAPACITY = "capacity", "Capacité"
        PRICE = "price", "Niveau de prix"
        INCIDENT = "incident", "Incident d'exécution"
        GOOD_EXAMPLE = "good_example", "Bon exemple"
        OTHER = "other", "Autre"

    class PriceLevel(models.TextChoices):
        LOW = "low", "Inférieur au marché"
        MARKET = "market", "Dans le marché"
        HIGH = "high", "Supérieur au marché"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="sourcing_notes"
    )
    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="sourcing_notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.CharField("sujet", max_length=15, choices=Topic.choices)
    text = models.TextField("note", blank=True)
    # When it happened (the incident's date, the delivery that went well); None when not dated.
    occurred_on = models.DateField("date des faits", null=True, blank=True)
    # Capacity confirmed by the structure (topic "capacity"): True/False, and the yearly amount it confirmed.
    capacity_confirmed = models.BooleanField("capacité confirmée", null=True, blank=True)
    confirmed_amount = models.PositiveBigIntegerField("montant annuel confirmé (€ HT)", null=True, blank=True)
    price_level = models.CharField("niveau de prix", max_length=10, choices=PriceLevel.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "note de sourcing"
        verbose_name_plural = "notes de sourcing"
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["organisation", "structure"], name="sourcingnote_org_structure")]

    def __str__(self):
        return f"{self.get_topic_display()} — {self.structure}"
