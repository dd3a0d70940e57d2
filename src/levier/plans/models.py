"""The purchase plan (plan d'action des achats): plans, planned purchases, lots and their history.

- `Plan`: one per organisation and year; `version` goes up by one at each change committed by an import.
- `PlannedPurchase`: one line of the plan. `stable_key` is how the next import of the same plan finds it
  (docs/formats/plans.md); a manual creation gets `man:<uuid>` unless a reference is given.
  `status` follows `workflow.STEPS`; every step is a `Transition`, every field change a `FieldChange`.
  Amounts are HT: `estimated_amount` as the buyer gave it, `amount_basis` what it covers, `annual_amount`
  and `total_amount` derived (the thresholds are judged on the total). `procedure` is derived from the
  thresholds of the rules core unless `procedure_overridden` (the buyer's choice then wins and is marked).
  `cpv_inferred` marks a CPV proposed by the classifier rather than given by the buyer.
  `published_at` set = marked for publication: it appears on the public feed while its status is in
  `workflow.PUBLISHABLE_STATUSES` (`PlannedPurchase.objects.published()`).
- `Lot`: the same fields as the purchase; an empty value means "as the purchase". Lots follow the
  workflow of their purchase (they have no status of their own).
- `ImportMapping`: the organisation's answers on the mapping screen (header -> field, or ignored),
  reused by its next import. `PlanImport`: one preview or commit of a file, with its report.

URL parameters (registered in url_params.py): `plan` (Plan pk), `purchase` (PlannedPurchase pk),
`lot` (Lot pk), `plan_import` (PlanImport pk).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from .workflow import PUBLISHABLE_STATUSES, Status

CENT = Decimal("0.01")


def cents(amount) -> Decimal | None:
    """An amount as stored (two decimals), so that what is compared is what the database keeps."""
    return None if amount is None else Decimal(amount).quantize(CENT)


class Nature(models.TextChoices):
    WORKS = "works", "Travaux"
    SUPPLIES = "supplies", "Fournitures"
    SERVICES = "services", "Services"


class AmountBasis(models.TextChoices):
    PER_YEAR = "per_year", "Montant annuel"
    WHOLE_DURATION = "whole_duration", "Montant sur toute la durée"
    UNKNOWN = "unknown", "Base non précisée"


class Procedure(models.TextChoices):
    # Codes of rules/data/articles.json "procedures"; the legal text and article come from there.
    NO_PUBLICITY = "no_publicity", "Sans publicité ni mise en concurrence"
    ADAPTED = "adapted", "Procédure adaptée (MAPA)"
    ADAPTED_SOCIAL_SERVICES = "adapted_social_services", "Procédure adaptée (services sociaux et spécifiques)"
    FORMAL = "formal", "Procédure formalisée"


class DatePrecision(models.TextChoices):
    DAY = "day", "Jour"
    MONTH = "month", "Mois"
    QUARTER = "quarter", "Trimestre"
    SEMESTER = "semester", "Semestre"
    YEAR = "year", "Année"


class Reservation(models.TextChoices):
    NONE = "", "Aucune"
    DISABILITY = "L2113-12", "Réservé aux EA et ESAT (L2113-12)"
    INSERTION = "L2113-13", "Réservé aux SIAE (L2113-13)"
    BOTH = "L2113-14", "Réservé aux EA, ESAT et SIAE (L2113-14)"
    ESS = "L2113-15", "Réservé aux entreprises de l'ESS (L2113-15)"


class PlaceLevel(models.TextChoices):
    NONE = "", "Non déterminé"
    COMMUNE = "commune", "Commune"
    DEPARTEMENT = "departement", "Département"


class Plan(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="plans",
        verbose_name="organisation",
    )
    year = models.PositiveSmallIntegerField("année")
    version = models.PositiveIntegerField("version", default=1)
    title = models.CharField("intitulé", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "plan des achats"
        verbose_name_plural = "plans des achats"
        ordering = ["organisation__name", "-year"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="unique_plan_year")]

    def __str__(self):
        return self.title or f"Plan des achats {self.year}"


class PurchaseFields(models.Model):
    """What a purchase and a lot both carry."""

    nature = models.CharField("nature", max_length=10, choices=Nature.choices, blank=True)
    cpv = models.CharField("code CPV", max_length=8, blank=True)
    cpv_inferred = models.BooleanField("CPV déduit de l'objet", default=False)
    estimated_amount = models.DecimalField(
        "montant estimé HT", max_digits=18, decimal_places=2, null=True, blank=True
    )
    amount_basis = models.CharField(
        "base du montant", max_length=16, choices=AmountBasis.choices, default=AmountBasis.UNKNOWN
    )
    annual_amount = models.DecimalField(
        "montant annuel HT", max_digits=18, decimal_places=2, null=True, blank=True, editable=False
    )
    total_amount = models.DecimalField(
        "montant total HT", max_digits=18, decimal_places=2, null=True, blank=True, editable=False
    )
    duration_months = models.PositiveIntegerField("durée (mois)", null=True, blank=True)
    launch_date = models.DateField("date de lancement", null=True, blank=True)
    launch_precision = models.CharField(
        "précision du lancement", max_length=10, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    notification_date = models.DateField("date de notification", null=True, blank=True)
    notification_precision = models.CharField(
        "précision de la notification",
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    place = models.CharField("lieu d'exécution", max_length=200, blank=True)
    place_level = models.CharField(
        "niveau du lieu", max_length=12, choices=PlaceLevel.choices, blank=True, default=PlaceLevel.NONE
    )
    place_code = models.CharField("code INSEE ou département", max_length=5, blank=True)
    place_departement = models.CharField("département", max_length=3, blank=True)
    procedure = models.CharField("procédure", max_length=30, choices=Procedure.choices, blank=True)
    procedure_derived = models.CharField(
        "procédure selon les seuils", max_length=30, choices=Procedure.choices, blank=True, editable=False
    )
    procedure_overridden = models.BooleanField("procédure choisie par l'acheteur", default=False)
    procedure_text = models.CharField("procédure (texte du plan)", max_length=200, blank=True)
    current_holder_name = models.CharField("titulaire actuel", max_length=200, blank=True)
    current_holder_siret = models.CharField("SIRET du titulaire actuel", max_length=14, blank=True)
    current_contract_end = models.DateField("échéance du marché en cours", null=True, blank=True)
    recurring = models.BooleanField("récurrent", null=True, blank=True)

    class Meta:
        abstract = True

    def compute_amounts(self, duration_months: int | None = None) -> None:
        """Annual and total amounts from the amount, its basis and the duration (a lot: its purchase's)."""
        months = self.duration_months or duration_months
        amount = self.estimated_amount
        self.annual_amount = self.total_amount = None
        if amount is None:
            return
        amount = cents(amount)
        if self.amount_basis == AmountBasis.PER_YEAR:
            self.annual_amount = amount
            if months:
                self.total_amount = (amount * max(months, 12) / 12).quantize(CENT)
        elif self.amount_basis == AmountBasis.WHOLE_DURATION:
            self.total_amount = amount
            if months:
                yearly = amount if months <= 12 else amount * 12 / months
                self.annual_amount = yearly.quantize(CENT)


class PublishedQuerySet(models.QuerySet):
    def published(self):
        """What the public page, feed and CSV may show: marked for publication and not yet awarded."""
        return self.filter(published_at__isnull=False, status__in=PUBLISHABLE_STATUSES)


class PlannedPurchase(PurchaseFields):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="purchases", verbose_name="plan")
    stable_key = models.CharField("clé de rapprochement", max_length=200)
    reference = models.CharField("référence", max_length=100, blank=True)
    object = models.TextField("objet")
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="planned_purchases",
        verbose_name="service",
    )
    service_label = models.CharField("service (texte du plan)", max_length=200, blank=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases_bought",
        verbose_name="acheteur",
    )
    buyer_label = models.CharField("acheteur (texte du plan)", max_length=200, blank=True)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases_facilitated",
        verbose_name="facilitateur",
    )
    status = models.CharField(
        "statut", max_length=20, choices=Status.choices, default=Status.TO_SCREEN, db_index=True
    )
    status_changed_at = models.DateTimeField("statut depuis le", default=timezone.now)
    reservation = models.CharField(
        "réservation", max_length=10, choices=Reservation.choices, blank=True, default=Reservation.NONE
    )
    insertion_clause = models.BooleanField("clause d'insertion", default=False)
    social_criterion = models.BooleanField("critère social d'attribution", default=False)
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    amount_includes_tax = models.BooleanField("montant saisi TTC", default=False)
    source_sheet = models.CharField("feuille d'origine", max_length=100, blank=True)
    source_row = models.PositiveIntegerField("ligne d'origine", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = "achat prévu"
        verbose_name_plural = "achats prévus"
        ordering = ["plan_id", "launch_date", "reference", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "stable_key"], name="unique_purchase_key"),
        ]
        indexes = [models.Index(fields=["plan", "status"]), models.Index(fields=["published_at"])]

    def __str__(self):
        return f"{self.reference} — {self.object}" if self.reference else self.object

    @property
    def organisation(self):
        return self.plan.organisation

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Lot(PurchaseFields):
    purchase = models.ForeignKey(
        PlannedPurchase, on_delete=models.CASCADE, related_name="lots", verbose_name="achat prévu"
    )
    number = models.CharField("numéro", max_length=20)
    title = models.CharField("intitulé", max_length=300, blank=True)
    stable_key = models.CharField("clé de rapprochement", max_length=240)
    reservation = models.CharField(
        "réservation", max_length=10, choices=Reservation.choices, blank=True, default=Reservation.NONE
    )
    source_row = models.PositiveIntegerField("ligne d'origine", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "lot"
        verbose_name_plural = "lots"
        ordering = ["purchase_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "stable_key"], name="unique_lot_key"),
        ]

    def __str__(self):
        return f"Lot {self.number}" + (f" — {self.title}" if self.title else "")


class Transition(models.Model):
    """One step of the workflow: who took it, when, why."""

    purchase = models.ForeignKey(
        PlannedPurchase, on_delete=models.CASCADE, related_name="transitions", verbose_name="achat prévu"
    )
    step = models.CharField("étape", max_length=30)
    from_status = models.CharField("statut de départ", max_length=20, choices=Status.choices)
    to_status = models.CharField("statut d'arrivée", max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    comment = models.TextField("commentaire", blank=True)
    reason = models.TextField("motif", blank=True)

    class Meta:
        verbose_name = "étape du circuit de validation"
        verbose_name_plural = "étapes du circuit de validation"
        ordering = ["purchase_id", "at", "pk"]

    def __str__(self):
        return f"{Status(self.from_status).label} → {Status(self.to_status).label}"


class ChangeSource(models.TextChoices):
    MANUAL = "manual", "Saisie"
    IMPORT = "import", "Import"
    BULK = "bulk", "Action groupée"


class FieldChange(models.Model):
    """One field of a purchase or a lot changed: the whole history of who changed what."""

    purchase = models.ForeignKey(
        PlannedPurchase, on_delete=models.CASCADE, related_name="changes", verbose_name="achat prévu"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.CASCADE, null=True, blank=True, related_name="changes", verbose_name="lot"
    )
    field = models.CharField("champ", max_length=40)
    label = models.CharField("libellé du champ", max_length=80)
    old_value = models.TextField("ancienne valeur", blank=True)
    new_value = models.TextField("nouvelle valeur", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    source = models.CharField(
        "origine", max_length=10, choices=ChangeSource.choices, default=ChangeSource.MANUAL
    )
    plan_import = models.ForeignKey(
        "PlanImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name="import",
    )

    class Meta:
        verbose_name = "modification"
        verbose_name_plural = "modifications"
        ordering = ["purchase_id", "-at", "-pk"]

    def __str__(self):
        return f"{self.label} : {self.old_value or '∅'} → {self.new_value or '∅'}"


class ImportMapping(models.Model):
    """An answer of the mapping screen: this header of the organisation's plans feeds this field (or none).

    The row with an empty header holds the organisation's answer to "what do amounts cover" for amount
    columns whose header does not say it.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="plan_mappings"
    )
    header = models.CharField("en-tête de colonne", max_length=200)
    header_key = models.CharField("en-tête normalisé", max_length=200)
    # Empty: the organisation chose to ignore this column.
    field = models.CharField("champ", max_length=40, blank=True)
    # For an amount column whose header does not say it: what the amounts cover.
    amount_basis = models.CharField("base du montant", max_length=16, choices=AmountBasis.choices, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "correspondance de colonne"
        verbose_name_plural = "correspondances de colonnes"
        ordering = ["organisation", "header"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "header_key"], name="unique_mapping_header"),
        ]

    def __str__(self):
        return f"{self.header} → {self.field or 'ignorée'}"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    PREVIEWED = "previewed", "Aperçu"
    COMMITTED = "committed", "Importé"
    FAILED = "failed", "Échec"


class ImportPhase(models.TextChoices):
    """The step a task is at, shown with the progress while the page polls."""

    NONE = "", "—"
    READING = "reading", "Lecture du fichier"
    COMPARING = "comparing", "Comparaison avec le plan"
    WRITING = "writing", "Enregistrement dans le plan"


class PlanImport(models.Model):
    """One file read for a plan: the preview, then (once confirmed) the commit, with the report."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="plan_imports"
    )
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="imports")
    year = models.PositiveSmallIntegerField("année")
    file_name = models.CharField("fichier", max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # Kept until the commit so that the confirmed preview is exactly what gets imported.
    content = models.BinaryField("contenu", null=True, blank=True, editable=False)
    sheets = models.JSONField("feuilles retenues", default=list, blank=True)
    # Answers for this file only ({field: header}), on top of the organisation's remembered mapping.
    mapping = models.JSONField("correspondance de cet import", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    created_at = models.DateTimeField("le", auto_now_add=True)
    committed_at = models.DateTimeField("importé le", null=True, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED)
    # Lines done and expected while a task reads or commits the file (0 expected: not known yet).
    progress = models.PositiveIntegerField("lignes traitées", default=0)
    total = models.PositiveIntegerField("lignes attendues", default=0)
    phase = models.CharField("étape", max_length=10, choices=ImportPhase.choices, blank=True, default="")
    failure = models.TextField("motif de l'échec", blank=True)
    created = models.PositiveIntegerField("créés", default=0)
    updated = models.PositiveIntegerField("modifiés", default=0)
    unchanged = models.PositiveIntegerField("inchangés", default=0)
    errors = models.PositiveIntegerField("erreurs", default=0)
    warnings = models.PositiveIntegerField("avertissements", default=0)
    report = models.JSONField("rapport", default=dict, blank=True)

    class Meta:
        verbose_name = "import de plan"
        verbose_name_plural = "imports de plans"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"
