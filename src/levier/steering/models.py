"""Steering (pilotage): yearly targets, buyer objectives, spend with inclusive structures.

- `Target`: one yearly value of one indicator for the organisation, a service or a buyer. The trajectory
  is the set of Targets of the same (indicator, service, buyer) over several years; a target may carry the
  baseline (year and value) it starts from.
- `BuyerObjective`: a minimum each buyer (of a service, or of the organisation) should reach in a year,
  with the French sentence shown to the buyers.
- `SteeringSettings`: the territory used for transferable segments.
- `SpendImport` / `SpendLine`: an accounting export read for a year (preview, then commit) and its lines.
  `SpendLine.row_key` makes re-imports idempotent (docs/formats/spend.md).
- `SupplierMatch`: a supplier of the spend linked (or not) to a structure of the directory; decisions of
  users survive re-imports because the match is keyed by the supplier, not by the line.

Whether a reserved contract meets the L2112-2-1 obligation is read from recommendations.ScreeningPolicy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Indicator(models.TextChoices):
    SPEND_ESAT_EA = "spend_esat_ea", "Montant acheté aux ESAT et EA (€ HT)"
    SPEND_SIAE = "spend_siae", "Montant acheté aux SIAE (€ HT)"
    RESERVED_COUNT = "reserved_count", "Marchés et lots réservés (nombre)"
    SOCIAL_SHARE_COUNT = (
        "social_share_count",
        "Part des marchés avec une considération sociale (en nombre, %)",
    )
    SOCIAL_SHARE_AMOUNT = (
        "social_share_amount",
        "Part des marchés avec une considération sociale (en montant, %)",
    )
    EU_SOCIAL_SHARE = (
        "eu_social_share",
        "Part des marchés au-dessus des seuils européens avec une considération sociale (%)",
    )
    INSERTION_HOURS = "insertion_hours", "Heures d'insertion"


class ObjectiveIndicator(models.TextChoices):
    RESERVED_COUNT = "reserved_count", "Marchés et lots réservés (nombre)"
    SOCIAL_COUNT = "social_count", "Marchés avec une clause ou un critère social (nombre)"
    INSERTION_HOURS = "insertion_hours", "Heures d'insertion"


class Target(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="steering_targets"
    )
    year = models.PositiveSmallIntegerField("année")
    indicator = models.CharField("indicateur", max_length=24, choices=Indicator.choices)
    # None: the whole organisation.
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steering_targets",
        verbose_name="service",
    )
    # None: all buyers.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="steering_targets",
        verbose_name="acheteur",
    )
    value = models.DecimalField("cible", max_digits=18, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField("année de référence", null=True, blank=True)
    baseline_value = models.DecimalField(
        "valeur de référence", max_digits=18, decimal_places=2, null=True, blank=True
    )
    note = models.TextField("commentaire", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "cible"
        verbose_name_plural = "cibles"
        ordering = ["organisation", "indicator", "year", "pk"]
        constraints = [
            # NULL never equals NULL in SQL: each combination of "whole organisation" / "all buyers"
            # gets its own constraint (nulls_distinct is PostgreSQL-only).
            models.UniqueConstraint(
                fields=["organisation", "year", "indicator", "service", "buyer"],
                name="unique_target_service_buyer",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "indicator"],
                condition=models.Q(service__isnull=True, buyer__isnull=True),
                name="unique_target_organisation",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "indicator", "service"],
                condition=models.Q(service__isnull=False, buyer__isnull=True),
                name="unique_target_service",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year", "indicator", "buyer"],
                condition=models.Q(service__isnull=True, buyer__isnull=False),
                name="unique_target_buyer",
            ),
        ]

    def __str__(self):
        return f"{Indicator(self.indicator).label} {self.year} : {self.value}"


class BuyerObjective(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="buyer_objectives"
    )
    year = models.PositiveSmallIntegerField("année")
    indicator = models.CharField("indicateur", max_length=24, choices=ObjectiveIndicator.choices)
    minimum = models.DecimalField("minimum par acheteur", max_digits=18, decimal_places=2)
    # None: every buyer of the organisation; otherwise the buyers of that service.
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="buyer_objectives",
        verbose_name="service",
    )
    label = models.CharField("objectif (phrase affichée)", max_length=300)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "objectif par acheteur"
        verbose_name_plural = "objectifs par acheteur"
        ordering = ["organisation", "year", "indicator", "pk"]

    def __str__(self):
        return self.label


class SteeringSettings(models.Model):
    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="steering_settings"
    )
    # Empty: the départements of the organisation's planned purchases.
    departements = models.JSONField("départements du territoire", default=list, blank=True)
    radius_km = models.PositiveIntegerField("rayon (km)", default=50)

    class Meta:
        verbose_name = "réglages du pilotage"
        verbose_name_plural = "réglages du pilotage"

    def __str__(self):
        return f"Pilotage — {self.organisation}"


class SpendImportStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    READING = "reading", "Lecture en cours"
    PREVIEWED = "previewed", "Aperçu"
    RUNNING = "running", "En cours"
    COMMITTED = "committed", "Importé"
    FAILED = "failed", "Échec"


class SpendImport(models.Model):
    """One accounting export read for a year: the preview, then (once confirmed) the commit."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="spend_imports"
    )
    year = models.PositiveSmallIntegerField("année")
    file_name = models.CharField("fichier", max_length=255)
    file_sha256 = models.CharField(max_length=64)
    # Kept until the commit so that the confirmed preview is exactly what gets imported.
    content = models.BinaryField("contenu", null=True, blank=True, editable=False)
    status = models.CharField(
        "statut", max_length=10, choices=SpendImportStatus.choices, default=SpendImportStatus.PREVIEWED
    )
    # {field: header} as recognised in the file.
    mapping = models.JSONField("colonnes reconnues", default=dict, blank=True)
    progress = models.PositiveIntegerField("lignes traitées", default=0)
    total = models.PositiveIntegerField("lignes attendues", default=0)
    created = models.PositiveIntegerField("créées", default=0)
    updated = models.PositiveIntegerField("modifiées", default=0)
    unchanged = models.PositiveIntegerField("inchangées", default=0)
    removed = models.PositiveIntegerField("retirées", default=0)
    errors = models.PositiveIntegerField("erreurs", default=0)
    report = models.JSONField("rapport", default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    created_at = models.DateTimeField("le", auto_now_add=True)
    committed_at = models.DateTimeField("importé le", null=True, blank=True)
    failure = models.TextField("motif de l'échec", blank=True)

    class Meta:
        verbose_name = "import de dépenses"
        verbose_name_plural = "imports de dépenses"
        ordering = ["organisation", "-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name} ({self.year})"


class SpendColumnMapping(models.Model):
    """An answer of the spend mapping screen: this header of the organisation's exports feeds this field.

    Written by `services.save_spend_mapping`; read back by `importing` for every export of the organisation
    (levier.core.column_mapping describes the shape shared with the plans' mapping).
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="spend_column_mappings"
    )
    header = models.CharField("en-tête de colonne", max_length=200)
    header_key = models.CharField("en-tête normalisé", max_length=200)
    # Empty: the organisation does not use this column.
    field = models.CharField("champ", max_length=20, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "correspondance de colonne des dépenses"
        verbose_name_plural = "correspondances de colonnes des dépenses"
        ordering = ["organisation", "header"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "header_key"], name="spend_mapping_unique_header")
        ]

    def __str__(self):
        return f"{self.header} → {self.field or '(non utilisée)'}"


class SpendLine(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="spend_lines"
    )
    year = models.PositiveSmallIntegerField("année")
    spend_import = models.ForeignKey(
        SpendImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="lines"
    )
    row_key = models.CharField("empreinte de la ligne", max_length=64)
    supplier_siret = models.CharField("SIRET du fournisseur", max_length=14, blank=True)
    supplier_name = models.CharField("fournisseur", max_length=255, blank=True)
    # The SIRET when known, else the folded name: what SupplierMatch is keyed by.
    supplier_key = models.CharField("clé du fournisseur", max_length=255, db_index=True)
    amount = models.DecimalField("montant", max_digits=18, decimal_places=2)
    amount_includes_tax = models.BooleanField("montant TTC", default=False)
    date = models.DateField("date", null=True, blank=True)
    category = models.CharField("imputation / catégorie", max_length=255, blank=True)
    # Sector code inferred from the category by the rules classifier; blank when unsure.
    category_sector = models.CharField("secteur déduit", max_length=40, blank=True)
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="spend_lines",
        verbose_name="service",
    )
    service_label = models.CharField("service (texte de l'export)", max_length=255, blank=True)
    invoice_ref = models.CharField("n° de facture ou de mandat", max_length=100, blank=True)
    source_row = models.PositiveIntegerField("ligne d'origine", null=True, blank=True)

    class Meta:
        verbose_name = "ligne de dépense"
        verbose_name_plural = "lignes de dépense"
        ordering = ["organisation", "year", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "row_key"], name="unique_spend_row"),
        ]
        indexes = [models.Index(fields=["organisation", "year", "supplier_key"], name="spend_year_supplier")]

    def __str__(self):
        return f"{self.supplier_name or self.supplier_siret} — {self.amount} €"


class MatchMethod(models.TextChoices):
    SIRET = "siret", "SIRET"
    SIREN = "siren", "SIREN"
    NAME = "name", "Nom"


class MatchStatus(models.TextChoices):
    AUTOMATIC = "automatic", "Automatique"
    PROPOSED = "proposed", "À confirmer"
    CONFIRMED = "confirmed", "Confirmé"
    REJECTED = "rejected", "Rejeté"


INCLUSIVE_MATCH_STATUSES = (MatchStatus.AUTOMATIC, MatchStatus.CONFIRMED)


class SupplierMatch(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="supplier_matches"
    )
    supplier_key = models.CharField("clé du fournisseur", max_length=255)
    supplier_name = models.CharField("fournisseur", max_length=255, blank=True)
    supplier_siret = models.CharField("SIRET du fournisseur", max_length=14, blank=True)
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supplier_matches",
        verbose_name="structure",
    )
    method = models.CharField("méthode", max_length=5, choices=MatchMethod.choices)
    score = models.FloatField("score", default=1.0)
    status = models.CharField("statut", max_length=10, choices=MatchStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)

    class Meta:
        verbose_name = "rapprochement fournisseur"
        verbose_name_plural = "rapprochements fournisseurs"
        ordering = ["organisation", "supplier_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "supplier_key"], name="unique_supplier_match"),
        ]

    def __str__(self):
        return f"{self.supplier_name} → {self.structure or '∅'} ({self.get_status_display()})"
