"""Forms of the clause pages. They only parse what a person typed (French decimals, percentages); the
services decide what is allowed and say why in French."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from levier.plans.forms import FrenchAmountField
from levier.rules.siret import is_valid_siret

from .models import (
    AgeBand,
    ClauseKind,
    ContractType,
    Eligibility,
    Frequency,
    HolderRole,
    Qualification,
    ReferringBody,
    ReservedArticle,
    Sex,
    Way,
)
from .personal_data import PROFILE_FIELDS

HUNDRED = Decimal(100)


def _decimal(label, *, places=2, help_text="", min_value=0, max_value=None):
    return forms.DecimalField(
        label=label,
        required=False,
        localize=True,
        decimal_places=places,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


def _euros(label, help_text=""):
    return FrenchAmountField(label=label, required=False, help_text=help_text)


def _date(label, required=False):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


class ServiceErrorsMixin:
    def add_service_error(self, error) -> None:
        """A `ClauseError` (or any error with `.field`) shown beside its field, else at the top."""
        field = getattr(error, "field", None)
        message = getattr(error, "message", str(error))
        self.add_error(field if field in self.fields else None, message)


# Shares are typed as percentages (what buyers write) and kept as fractions (what the rules core takes).
PERCENT_FIELDS = ("labour_share", "insertion_rate", "taken_over_share")


class ClauseForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=ClauseKind.choices)
    lot = forms.TypedChoiceField(label="Lot", required=False, coerce=int, empty_value=None)
    article = forms.ChoiceField(
        label="Article de réservation",
        choices=ReservedArticle.choices,
        required=False,
        help_text="Pour un marché ou un lot réservé seulement.",
    )
    facilitator = forms.TypedChoiceField(label="Facilitateur", required=False, coerce=int, empty_value=None)
    amount_ht = _euros("Montant HT retenu (€)", help_text="Vide : le montant total de l'achat ou du lot.")
    labour_share = _decimal(
        "Part de main-d'œuvre (%)", max_value=100, help_text="Vide : la part du secteur de l'achat (CPV)."
    )
    insertion_rate = _decimal("Taux d'insertion (%)", max_value=100, help_text="Vide : le taux par défaut.")
    hourly_cost = _euros("Coût horaire chargé (€)", help_text="Vide : le coût par défaut.")
    taken_over_share = _decimal(
        "Part du personnel repris (%)",
        max_value=100,
        help_text="Nettoyage : le personnel repris ne compte pas.",
    )
    hours_required = forms.IntegerField(
        label="Heures exigées",
        required=False,
        min_value=0,
        help_text="Vide : les heures calculées. Un autre chiffre demande un motif.",
    )
    hours_override_reason = forms.CharField(
        label="Motif de la modification des heures", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    eligible_publics = forms.MultipleChoiceField(
        label="Publics éligibles",
        choices=Eligibility.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    accepted_ways = forms.MultipleChoiceField(
        label="Modalités de réalisation acceptées",
        choices=Way.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reporting_frequency = forms.ChoiceField(label="Fréquence des déclarations", choices=Frequency.choices)
    penalty_per_hour = _euros("Pénalité par heure non réalisée (€)")
    penalty_late_report = _euros("Pénalité par déclaration en retard (€)")
    criterion_weight = _decimal("Pondération du critère social (%)", max_value=100)
    start_date = _date("Début d'exécution")
    end_date = _date("Fin d'exécution")

    def __init__(self, *args, lots=(), facilitators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "L'achat entier")] + [
            (lot.pk, f"Lot {lot.number} — {lot.title}") for lot in lots
        ]
        self.fields["facilitator"].choices = [("", "—")] + [(u.pk, u.display_name) for u in facilitators]
        self._lots = {lot.pk: lot for lot in lots}
        self._facilitators = {u.pk: u for u in facilitators}

    GROUPS = (
        (
            "La clause",
            ("kind", "lot", "article", "facilitator", "reporting_frequency", "start_date", "end_date"),
        ),
        (
            "Heures d'insertion",
            (
                "amount_ht",
                "labour_share",
                "insertion_rate",
                "hourly_cost",
                "taken_over_share",
                "hours_required",
                "hours_override_reason",
            ),
        ),
        ("Publics et modalités", ("eligible_publics", "accepted_ways")),
        ("Pénalités et critère", ("penalty_per_hour", "penalty_late_report", "criterion_weight")),
    )

    def groups(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    @classmethod
    def initial_from(cls, clause) -> dict:
        initial = {name: getattr(clause, name) for name in cls.base_fields if hasattr(clause, name)}
        for name in PERCENT_FIELDS:
            if initial.get(name) is not None:
                initial[name] = (initial[name] * HUNDRED).normalize()
        initial["lot"] = clause.lot_id
        initial["facilitator"] = clause.facilitator_id
        # An overridden figure shows as typed; otherwise the field stays empty and follows the computation.
        initial["hours_required"] = clause.hours_required if clause.hours_overridden else None
        return initial

    def values(self) -> dict:
        """The cleaned data as service keyword arguments."""
        data = dict(self.cleaned_data)
        for name in PERCENT_FIELDS:
            if data.get(name) is not None:
                data[name] = data[name] / HUNDRED
        data["taken_over_share"] = data.get("taken_over_share") or Decimal(0)
        data["lot"] = self._lots.get(data.get("lot"))
        data["facilitator"] = self._facilitators.get(data.get("facilitator"))
        data["article"] = data.get("article") or ""
        return data


class AwardForm(ServiceErrorsMixin, forms.Form):
    amount_ht = _euros("Montant attribué HT (€)")
    awarded_on = _date("Date d'attribution")
    bids = forms.IntegerField(label="Offres reçues", required=False, min_value=0)
    inclusive_bids = forms.IntegerField(label="Offres de structures inclusives", required=False, min_value=0)


class HolderForm(forms.Form):
    name = forms.CharField(label="Raison sociale", max_length=200, required=False)
    siret = forms.CharField(label="SIRET", max_length=20, required=False)
    role = forms.ChoiceField(label="Rôle", choices=HolderRole.choices, initial=HolderRole.HOLDER)
    amount_ht = _euros("Part HT (€)")

    def clean_siret(self):
        siret = "".join(self.cleaned_data.get("siret", "").split())
        if siret and not is_valid_siret(siret):
            raise forms.ValidationError("SIRET invalide : 14 chiffres dont la clé de contrôle est juste.")
        return siret

    def clean(self):
        data = super().clean()
        if (data.get("siret") or data.get("amount_ht") is not None) and not data.get("name"):
            self.add_error("name", "Raison sociale : indiquez le nom de l'entreprise.")
        return data


HolderFormSet = forms.formset_factory(HolderForm, extra=2)


class DeclarationForm(ServiceErrorsMixin, forms.Form):
    period_start = _date("Début de la période", required=True)
    period_end = _date("Fin de la période", required=True)
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "La fin de la période précède son début.")
        return data


class LineForm(forms.Form):
    """One participant's hours in one way; the participant's fields create or update the pseudonym."""

    code = forms.CharField(label="Code du participant", max_length=40, required=False)
    way = forms.ChoiceField(label="Modalité", choices=Way.choices)
    hours = _decimal("Heures")
    structure_name = forms.CharField(label="Structure intervenante", max_length=200, required=False)
    structure_siret = forms.CharField(label="SIRET de la structure", max_length=20, required=False)
    age_band = forms.ChoiceField(label="Tranche d'âge", choices=[("", "—"), *AgeBand.choices], required=False)
    sex = forms.ChoiceField(label="Sexe", choices=[("", "—"), *Sex.choices], required=False)
    eligibility = forms.ChoiceField(label="Public", choices=[("", "—"), *Eligibility.choices], required=False)
    qualification = forms.ChoiceField(
        label="Qualification", choices=[("", "—"), *Qualification.choices], required=False
    )
    qpv = forms.BooleanField(label="Réside en QPV", required=False)
    contract_type = forms.ChoiceField(
        label="Type de contrat", choices=[("", "—"), *ContractType.choices], required=False
    )
    contract_months = forms.IntegerField(label="Durée du contrat (mois)", required=False, min_value=0)
    referring_body = forms.ChoiceField(
        label="Prescripteur", choices=[("", "—"), *ReferringBody.choices], required=False
    )

    PARTICIPANT_FIELDS = PROFILE_FIELDS

    def clean(self):
        data = super().clean()
        if data.get("code") and data.get("hours") is None:
            self.add_error("hours", "Heures : indiquez le nombre d'heures de la période.")
        if data.get("hours") is not None and not data.get("code"):
            self.add_error("code", "Code du participant : indiquez le code (pseudonyme) de la personne.")
        return data

    def line(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("code"):
            return None
        line = {name: data[name] for name in ("code", "way", "hours", "structure_name", "structure_siret")}
        # Participant fields are sent only when typed: an existing code keeps what it already has.
        line.update(
            {name: data[name] for name in self.PARTICIPANT_FIELDS if data.get(name) not in ("", None)}
        )
        return line


LineFormSet = forms.formset_factory(LineForm, extra=3)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Fichier des déclarations (xlsx)", help_text="Une ligne par participant et modalité."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Fichier : un classeur .xlsx est attendu.")
        return upload


class TemplateForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    body = forms.CharField(
        label="Texte",
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text="Paragraphes séparés par une ligne vide ; « - » en début de ligne pour une liste.",
    )


class ClauseFilterForm(forms.Form):
    status = forms.ChoiceField(label="Statut", required=False)
    pace = forms.ChoiceField(label="Avancement", required=False)
    facilitator = forms.ChoiceField(label="Facilitateur", required=False)

    def __init__(self, *args, statuses=(), paces=(), facilitators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Tous"), *list(statuses)]
        self.fields["pace"].choices = [("", "Tous"), *list(paces)]
        self.fields["facilitator"].choices = [("", "Tous")] + [(u.pk, u.display_name) for u in facilitators]


class SettingsForm(ServiceErrorsMixin, forms.Form):
    names_allowed = forms.BooleanField(
        label="Autoriser les noms des participants (sinon un code seul)", required=False
    )
    admins_see_participants = forms.BooleanField(
        label="Les administrateurs voient les lignes des participants", required=False
    )
    retention_months = forms.IntegerField(
        label="Durée de conservation des données des participants (mois après la fin de la clause)",
        min_value=1,
    )
    alert_threshold = _decimal(
        "Seuil d'alerte (%)",
        max_value=99,
        help_text="Retard toléré sur le rythme attendu avant qu'une clause soit signalée en retard.",
    )

    @classmethod
    def initial_from(cls, settings) -> dict:
        initial = {name: getattr(settings, name) for name in cls.base_fields}
        initial["alert_threshold"] = (settings.alert_threshold * HUNDRED).normalize()
        return initial

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["alert_threshold"] = (data.get("alert_threshold") or Decimal(0)) / HUNDRED
        return data
