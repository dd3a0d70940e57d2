"""Insertion clauses and reservations from the decision to the final report (DESIGN §2 steps 4 to 6, §4).

- `Clause`: one clause on a planned purchase, or on one of its lots (`lot` set). `kind` says whether it is an
  execution condition (insertion clause, CCP L2112-2), a social award criterion (R2152-7) or a reservation
  (`article` then holds L2113-12 / -13 / -14 / -15, the article the notice must cite). The required hours are
  computed by the rules core (`hours_computed`, `hours_explanation`) from the amount and the parameters kept
  on the clause; `hours_required` is what the contract demands: equal to the computed figure unless a person
  overrode it, in which case `hours_override_reason` says why (services refuse an override without one).
- `Award`: who won the purchase (or lot) of a clause, with `AwardHolder` rows (holder, co-contractor,
  subcontractor); a holder matched by SIRET to the directory carries its `structure` and `inclusive`.
- `Participant`: a person whose hours count, pseudonymous (a `code` unique in the organisation); names only
  when `ClauseSettings.names_allowed`. Participant rows are personal data: read and written only through
  `personal_data.py`, which checks the role and records an `AuditEvent` for every access.
- `Declaration`: the hours of one period on one clause, entered or imported (`DeclarationImport`), made of
  `DeclarationLine`s, one per participant and way of meeting the clause. Re-importing a period replaces the
  lines of the same participant code, period and way, never adds to them.
- `ClauseSettings`: per organisation: names allowed, retention of participant data, whether admins may see
  participants, the alert threshold. `DocumentTemplate`: the organisation's text of each document, with
  `{placeholders}`; the shipped defaults are in data/document_templates.json.

How URLs identify each object (parameters registered in url_params.py), always under `/o/<org>/` and
resolved through querysets scoped to the organisation:
`clause` (Clause pk), `award` (Award pk), `declaration` (Declaration pk), `participant` (Participant pk,
never its code, so that a URL does not carry even the pseudonym), `template` (DocumentTemplate pk),
`declaration_import` (DeclarationImport pk), `document_kind` (a key of `DocumentKind`, not an object).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class ClauseKind(models.TextChoices):
    EXECUTION_CONDITION = "execution_condition", "Condition d'exécution (clause d'insertion)"
    AWARD_CRITERION = "award_criterion", "Critère social d'attribution"
    RESERVED = "reserved", "Marché ou lot réservé"


class ReservedArticle(models.TextChoices):
    # Article numbers of rules/data/articles.json; their texts are read from there.
    NONE = "", "Sans objet"
    DISABILITY = "L2113-12", "EA et ESAT (L2113-12)"
    INSERTION = "L2113-13", "SIAE (L2113-13)"
    BOTH = "L2113-14", "EA, ESAT et SIAE (L2113-14)"
    ESS = "L2113-15", "Entreprises de l'ESS (L2113-15)"


class ClauseStatus(models.TextChoices):
    DRAFT = "draft", "En préparation"
    ACTIVE = "active", "En exécution"
    CLOSED = "closed", "Clôturée"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Mensuelle"
    QUARTERLY = "quarterly", "Trimestrielle"
    SEMIANNUAL = "semiannual", "Semestrielle"
    ANNUAL = "annual", "Annuelle"


FREQUENCY_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


class Eligibility(models.TextChoices):
    LONG_TERM_JOBSEEKER = "long_term_jobseeker", "Demandeur d'emploi de longue durée (plus de 12 mois)"
    RSA = "rsa", "Bénéficiaire du RSA"
    DISABILITY = "disability", "Travailleur handicapé (RQTH, AAH)"
    ASS = "ass", "Bénéficiaire de l'ASS"
    YOUTH = "youth", "Jeune de moins de 26 ans sorti du système scolaire depuis 6 mois"
    SIAE_FOLLOWED = "siae_followed", "Personne suivie par une SIAE, l'EPIDE ou une E2C"
    FACILITATOR_DECISION = "facilitator_decision", "Autre public, sur décision motivée du facilitateur"


class Way(models.TextChoices):
    DIRECT_HIRE = "direct_hire", "Embauche directe"
    ETTI = "etti", "Intérim d'insertion (ETTI)"
    AI_PROVISION = "ai_provision", "Mise à disposition par une AI"
    GEIQ_PROVISION = "geiq_provision", "Mise à disposition par un GEIQ"
    SUBCONTRACTING = "subcontracting", "Sous-traitance à une SIAE ou une structure du handicap"
    COCONTRACTING = "cocontracting", "Cotraitance avec une SIAE ou une structure du handicap"


class AgeBand(models.TextChoices):
    UNDER_26 = "under_26", "Moins de 26 ans"
    FROM_26_TO_49 = "26_49", "26 à 49 ans"
    FROM_50 = "50_plus", "50 ans et plus"


class Sex(models.TextChoices):
    FEMALE = "F", "Femme"
    MALE = "M", "Homme"


class Qualification(models.TextChoices):
    NONE = "none", "Sans qualification (infra niveau 3)"
    LEVEL_3 = "3", "Niveau 3 (CAP, BEP)"
    LEVEL_4 = "4", "Niveau 4 (baccalauréat)"
    LEVEL_5_PLUS = "5_plus", "Niveau 5 et plus (bac + 2 et plus)"


class ContractType(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    CDDI = "cddi", "CDDI (structure d'insertion)"
    CTTI = "ctti", "Contrat de travail temporaire d'insertion"
    TEMPORARY = "interim", "Mission d'intérim"
    PROVISION = "mise_a_disposition", "Mise à disposition"
    PROFESSIONALISATION = "professionnalisation", "Contrat de professionnalisation"
    APPRENTICESHIP = "apprentissage", "Contrat d'apprentissage"
    OTHER = "autre", "Autre"


class ReferringBody(models.TextChoices):
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    PLIE = "plie", "PLIE"
    DEPARTEMENT = "departement", "Conseil départemental"
    SIAE = "siae", "Structure d'insertion (SIAE)"
    OTHER = "autre", "Autre"


class HolderRole(models.TextChoices):
    HOLDER = "holder", "Titulaire"
    COCONTRACTOR = "cocontractor", "Cotraitant"
    SUBCONTRACTOR = "subcontractor", "Sous-traitant"


class DeclarationSource(models.TextChoices):
    ENTERED = "entered", "Saisie par le facilitateur"
    IMPORTED = "imported", "Importée d'un fichier xlsx"


class DocumentKind(models.TextChoices):
    CCAP_ARTICLE = "ccap_article", "Article du CCAP (clause d'insertion)"
    RESERVATION_NOTICE = "reservation_notice", "Mention de réservation pour l'avis"
    COMMITMENT_FORM = "commitment_form", "Formulaire d'engagement du soumissionnaire"
    AWARD_CRITERION = "award_criterion", "Critère social d'attribution"


class ClauseSettings(models.Model):
    """What each organisation decides about its clauses and the personal data they hold."""

    organisation = models.OneToOneField(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="clause_settings",
        verbose_name="organisation",
    )
    names_allowed = models.BooleanField(
        "noms des participants autorisés",
        default=False,
        help_text="Par défaut les participants ne sont connus que par un code.",
    )
    admins_see_participants = models.BooleanField(
        "les administrateurs voient les participants",
        default=False,
        help_text="Par défaut seuls les facilitateurs voient les lignes des participants.",
    )
    retention_months = models.PositiveSmallIntegerField(
        "durée de conservation (mois après la fin de la clause)", default=36
    )
    alert_threshold = models.DecimalField(
        "seuil d'alerte (retard toléré sur le rythme attendu)",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        help_text="Retard toléré, en part des heures attendues à date, avant de signaler une clause.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "réglages des clauses"
        verbose_name_plural = "réglages des clauses"

    def __str__(self):
        return f"Réglages des clauses — {self.organisation}"


class DocumentTemplate(models.Model):
    """The organisation's text of one document; `{placeholders}` are filled by documents.py."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="clause_templates",
        verbose_name="organisation",
    )
    kind = models.CharField("document", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "modèle de document"
        verbose_name_plural = "modèles de documents"
        ordering = ["organisation_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="unique_clause_template_kind")
        ]

    def __str__(self):
        return self.title


class Clause(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="clauses",
        verbose_name="organisation",
    )
    purchase = models.ForeignKey(
        "plans.PlannedPurchase", on_delete=models.CASCADE, related_name="clauses", verbose_name="achat"
    )
    lot = models.ForeignKey(
        "plans.Lot",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="clauses",
        verbose_name="lot",
    )
    kind = models.CharField("nature", max_length=24, choices=ClauseKind.choices)
    article = models.CharField(
        "article de réservation", max_length=10, choices=ReservedArticle.choices, blank=True, default=""
    )
    status = models.CharField(
        "statut", max_length=10, choices=ClauseStatus.choices, default=ClauseStatus.DRAFT, db_index=True
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="clauses_followed",
        verbose_name="facilitateur",
    )
    # Inputs of the rules core's hours computation, kept so the explanation can be recomputed and shown.
    amount_ht = models.DecimalField(
        "montant HT retenu", max_digits=18, decimal_places=2, null=True, blank=True
    )
    labour_share = models.DecimalField(
        "part de main-d'œuvre", max_digits=5, decimal_places=4, null=True, blank=True
    )
    insertion_rate = models.DecimalField(
        "taux d'insertion", max_digits=5, decimal_places=4, null=True, blank=True
    )
    hourly_cost = models.DecimalField(
        "coût horaire chargé", max_digits=8, decimal_places=2, null=True, blank=True
    )
    taken_over_share = models.DecimalField(
        "part du personnel repris", max_digits=5, decimal_places=4, default=Decimal(0)
    )
    hours_computed = models.PositiveIntegerField("heures calculées", null=True, blank=True)
    hours_explanation = models.TextField("calcul des heures", blank=True)
    hours_required = models.PositiveIntegerField("heures exigées", null=True, blank=True)
    hours_override_reason = models.TextField("motif de la modification des heures", blank=True)
    eligible_publics = models.JSONField("publics éligibles", default=list, blank=True)
    accepted_ways = models.JSONField("modalités de réalisation acceptées", default=list, blank=True)
    reporting_frequency = models.CharField(
        "fréquence des déclarations", max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    penalty_per_hour = models.DecimalField(
        "pénalité par heure non réalisée (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    penalty_late_report = models.DecimalField(
        "pénalité par déclaration en retard (€)", max_digits=8, decimal_places=2, null=True, blank=True
    )
    criterion_weight = models.DecimalField(
        "pondération du critère (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    start_date = models.DateField("début d'exécution", null=True, blank=True)
    end_date = models.DateField("fin d'exécution", null=True, blank=True)
    closed_at = models.DateTimeField("clôturée le", null=True, blank=True)
    final_report = models.JSONField("bilan final", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clause"
        verbose_name_plural = "clauses"
        ordering = ["organisation_id", "purchase_id", "lot_id", "pk"]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["end_date"])]

    def __str__(self):
        target = f"{self.purchase.reference or self.purchase.object[:60]}"
        if self.lot_id:
            target += f" — lot {self.lot.number}"
        return f"{ClauseKind(self.kind).label} — {target}"

    @property
    def hours_overridden(self) -> bool:
        return self.hours_required is not None and self.hours_required != self.hours_computed

    @property
    def is_insertion(self) -> bool:
        """A clause whose execution is followed in hours (not a reservation)."""
        return self.kind in (ClauseKind.EXECUTION_CONDITION, ClauseKind.AWARD_CRITERION)


class Award(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="awards",
        verbose_name="organisation",
    )
    clause = models.OneToOneField(
        Clause, on_delete=models.CASCADE, related_name="award", verbose_name="clause"
    )
    amount_ht = models.DecimalField(
        "montant attribué HT", max_digits=18, decimal_places=2, null=True, blank=True
    )
    awarded_on = models.DateField("date d'attribution", null=True, blank=True)
    bids = models.PositiveIntegerField("offres reçues", null=True, blank=True)
    inclusive_bids = models.PositiveIntegerField("offres de structures inclusives", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "attribution"
        verbose_name_plural = "attributions"
        ordering = ["organisation_id", "-awarded_on", "pk"]

    def __str__(self):
        return f"Attribution — {self.clause}"


class AwardHolder(models.Model):
    award = models.ForeignKey(
        Award, on_delete=models.CASCADE, related_name="holders", verbose_name="attribution"
    )
    role = models.CharField("rôle", max_length=14, choices=HolderRole.choices, default=HolderRole.HOLDER)
    name = models.CharField("raison sociale", max_length=200)
    siret = models.CharField("SIRET", max_length=14, blank=True, db_index=True)
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="award_holdings",
        verbose_name="structure de l'annuaire",
    )
    inclusive = models.BooleanField("structure inclusive", default=False)
    kinds = models.JSONField("types de structure", default=list, blank=True)
    amount_ht = models.DecimalField("part HT", max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "titulaire"
        verbose_name_plural = "titulaires"
        ordering = ["award_id", "role", "pk"]

    def __str__(self):
        return f"{self.name} ({HolderRole(self.role).label})"


class Participant(models.Model):
    """A person whose hours count; pseudonymous unless the organisation allows names."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="clause_participants",
        verbose_name="organisation",
    )
    code = models.CharField("code", max_length=40)
    age_band = models.CharField("tranche d'âge", max_length=10, choices=AgeBand.choices)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    eligibility = models.CharField("public", max_length=24, choices=Eligibility.choices)
    qualification = models.CharField(
        "niveau de qualification", max_length=8, choices=Qualification.choices, blank=True
    )
    qpv = models.BooleanField("réside en QPV", default=False)
    contract_type = models.CharField("type de contrat", max_length=24, choices=ContractType.choices)
    contract_months = models.PositiveSmallIntegerField("durée du contrat (mois)", null=True, blank=True)
    referring_body = models.CharField(
        "prescripteur", max_length=16, choices=ReferringBody.choices, blank=True
    )
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    last_activity = models.DateField("dernière période déclarée", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "participant"
        verbose_name_plural = "participants"
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="unique_participant_code")
        ]

    def __str__(self):
        return self.code


class DeclarationImport(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", "Aperçu"
        COMMITTED = "committed", "Enregistré"
        REJECTED = "rejected", "Refusé"

    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="declaration_imports",
        verbose_name="organisation",
    )
    clause = models.ForeignKey(
        Clause, on_delete=models.CASCADE, related_name="imports", verbose_name="clause"
    )
    file_name = models.CharField("fichier", max_length=255)
    file_sha256 = models.CharField("empreinte", max_length=64)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PREVIEW)
    report = models.JSONField("compte rendu", default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "import de déclarations"
        verbose_name_plural = "imports de déclarations"
        ordering = ["organisation_id", "-created_at", "pk"]

    def __str__(self):
        return self.file_name


class Declaration(models.Model):
    clause = models.ForeignKey(
        Clause, on_delete=models.CASCADE, related_name="declarations", verbose_name="clause"
    )
    period_start = models.DateField("début de période")
    period_end = models.DateField("fin de période")
    source = models.CharField(
        "origine", max_length=10, choices=DeclarationSource.choices, default=DeclarationSource.ENTERED
    )
    source_import = models.ForeignKey(
        DeclarationImport,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name="import",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField("commentaire", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "déclaration"
        verbose_name_plural = "déclarations"
        ordering = ["clause_id", "period_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clause", "period_start", "period_end"], name="unique_declaration_period"
            )
        ]

    def __str__(self):
        return f"Déclaration du {self.period_start:%d/%m/%Y} au {self.period_end:%d/%m/%Y}"


class DeclarationLine(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="lines", verbose_name="déclaration"
    )
    # Purging a participant past retention keeps the hours (they are the clause's record) and drops the
    # person: the line then has no participant.
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name="participant",
    )
    way = models.CharField("modalité", max_length=16, choices=Way.choices)
    hours = models.DecimalField("heures", max_digits=9, decimal_places=2)
    structure_name = models.CharField("structure intervenante", max_length=200, blank=True)
    structure_siret = models.CharField("SIRET de la structure", max_length=14, blank=True)

    class Meta:
        verbose_name = "ligne de déclaration"
        verbose_name_plural = "lignes de déclaration"
        ordering = ["declaration_id", "participant_id", "way"]
        constraints = [
            models.UniqueConstraint(
                fields=["declaration", "participant", "way"], name="unique_declaration_line"
            )
        ]

    def __str__(self):
        return f"{self.participant_id} — {Way(self.way).label} : {self.hours} h"
