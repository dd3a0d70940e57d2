"""What the screening engine (`levier.screening`) said about each planned purchase, and the organisation's
policy it weighed.

- `ScreeningPolicy`: one per organisation; defaults are the engine's own (`levier.screening` Policy).
  `version` goes up at every change, so that a stored result computed under an older policy is known stale.
- `PurchaseScreening`: the engine's answer for one purchase, kept as JSON (`result`) with the recommended
  option, its score and candidates pulled out for the plan's badges and filters. `directory_version` and
  `policy_version` say what it was computed against (see `services.directory_version`).
- `LabourShare`: the organisation's own labour share for a sector, replacing the sectors table's reference
  share in the insertion hours of its screenings and clauses (the trade varies: a cleaning contract of one
  buyer is 80 % labour, another's 60 %).
- `ScreeningOverride`: a facilitator set the recommendation aside, with a reason.
- `ScreeningRun`: one screening of a whole plan by the task worker, with its progress for the page.

URL parameters (registered in url_params.py): `screening_run` (ScreeningRun pk).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from .defaults import default_policy_value


def _default(name: str):
    # Named module-level callables: migrations serialise them by path, and the value stays the engine's.
    return default_policy_value(name)


def default_min_candidates() -> int:
    return _default("min_candidates_to_reserve")


def default_max_turnover_share() -> Decimal:
    return Decimal(str(_default("max_turnover_share")))


def default_radius_on_site() -> int:
    return int(_default("radius_on_site_km"))


def default_radius_delivered() -> int:
    return int(_default("radius_delivered_km"))


class ScreeningPolicy(models.Model):
    organisation = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="screening_policy",
        verbose_name="organisation",
    )
    min_candidates_to_reserve = models.PositiveSmallIntegerField(
        "structures capables au minimum pour réserver", default=default_min_candidates
    )
    max_turnover_share = models.DecimalField(
        "part maximale du chiffre d'affaires d'une structure",
        max_digits=4,
        decimal_places=2,
        default=default_max_turnover_share,
        help_text="Entre 0 et 1 : 0,30 signifie qu'un marché ne dépasse pas 30 % du chiffre d'affaires.",
    )
    # Empty: the dated defaults of the rules core (levier.rules.hours.defaults) apply.
    insertion_rate = models.DecimalField(
        "taux d'insertion par défaut",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Part du montant consacrée à la main-d'œuvre en insertion, entre 0 et 1 ; "
        "vide : la valeur de référence en vigueur.",
    )
    hourly_cost = models.DecimalField(
        "coût horaire par défaut (€)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Vide : la valeur de référence en vigueur.",
    )
    radius_on_site_km = models.PositiveIntegerField(
        "rayon par défaut, prestations sur site (km)", default=default_radius_on_site
    )
    radius_delivered_km = models.PositiveIntegerField(
        "rayon par défaut, fournitures livrées (km)", default=default_radius_delivered
    )
    # Whether a reserved contract meets the duty of L2112-2-1 is a legal reading each organisation makes.
    reserved_meets_obligation = models.BooleanField(
        "un marché réservé satisfait l'obligation de l'article L2112-2-1",
        default=True,
        help_text="Le code ne dit pas si un marché réservé (L2113-12 à L2113-15) vaut considération "
        "sociale au sens de L2112-2-1 : c'est une lecture juridique propre à chaque organisation. Si non, "
        "le criblage demande une clause ou un critère en plus de la réservation quand l'obligation "
        "s'applique.",
    )
    central_government = models.BooleanField(
        "appliquer les seuils européens de l'État",
        null=True,
        blank=True,
        help_text="Oui : les seuils européens des autorités publiques centrales "
        "(État et ses établissements) ; non : ceux des autres acheteurs ; vide : déduit de la nature de "
        "l'organisation.",
    )
    version = models.PositiveIntegerField("version", default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "politique de criblage"
        verbose_name_plural = "politiques de criblage"

    def __str__(self):
        return f"Politique de criblage de {self.organisation}"


class LabourShare(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="labour_shares",
        verbose_name="organisation",
    )
    sector = models.CharField("secteur", max_length=60)
    share = models.DecimalField(
        "part de main-d'œuvre",
        max_digits=4,
        decimal_places=3,
        help_text="Entre 0 et 1 : 0,60 signifie que la main-d'œuvre représente 60 % du montant.",
    )
    reason = models.TextField("justification", max_length=2000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "part de main-d'œuvre propre"
        verbose_name_plural = "parts de main-d'œuvre propres"
        ordering = ["sector"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sector"], name="labour_share_once_per_sector")
        ]

    def __str__(self):
        return f"{self.sector} : {self.share}"


class PurchaseScreening(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name="organisation"
    )
    purchase = models.OneToOneField(
        "plans.PlannedPurchase",
        on_delete=models.CASCADE,
        related_name="screening",
        verbose_name="achat prévu",
    )
    option = models.CharField("option recommandée", max_length=40)
    option_label = models.CharField("libellé de l'option", max_length=200)
    score = models.FloatField("score")
    compulsory = models.BooleanField("considération sociale obligatoire", default=False)
    candidate_ids = models.JSONField("structures candidates", default=list, blank=True)
    hours = models.PositiveIntegerField("heures d'insertion", null=True, blank=True)
    # Each lot's recommended option ({key, title, option, option_label, risky}), for the plan line's badges.
    lot_options = models.JSONField("option recommandée par lot", default=list, blank=True)
    # The engine's whole answer (options with factors, legal frame, lots, splits), as the panel shows it.
    result = models.JSONField("résultat", default=dict, encoder=DjangoJSONEncoder)
    computed_at = models.DateTimeField("calculé le", default=timezone.now)
    directory_version = models.CharField("version de l'annuaire", max_length=80)
    policy_version = models.PositiveIntegerField("version de la politique")

    class Meta:
        verbose_name = "criblage d'un achat"
        verbose_name_plural = "criblages des achats"
        indexes = [models.Index(fields=["organisation", "option"])]

    def __str__(self):
        return f"{self.purchase} : {self.option_label}"


class ScreeningOverride(models.Model):
    """The facilitator set the recommended option aside; the latest one is the one in force."""

    purchase = models.ForeignKey(
        "plans.PlannedPurchase",
        on_delete=models.CASCADE,
        related_name="screening_overrides",
        verbose_name="achat prévu",
    )
    option = models.CharField("option écartée", max_length=40)
    option_label = models.CharField("libellé de l'option écartée", max_length=200)
    reason = models.TextField("motif")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "recommandation écartée"
        verbose_name_plural = "recommandations écartées"
        ordering = ["purchase_id", "-at", "-pk"]

    def __str__(self):
        return f"{self.option_label} écartée : {self.reason[:60]}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class ScreeningRun(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name="organisation"
    )
    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="+", verbose_name="plan")
    status = models.CharField("état", max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveIntegerField("achats criblés", default=0)
    total = models.PositiveIntegerField("achats à cribler", default=0)
    reason = models.CharField("motif", max_length=200, blank=True)
    failure = models.TextField("motif de l'échec", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("demandé le", default=timezone.now)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)

    class Meta:
        verbose_name = "criblage d'un plan"
        verbose_name_plural = "criblages des plans"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Criblage du {self.plan} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return round(100 * self.progress / self.total) if self.total else 0
