"""Forms of the steering pages. Numbers are typed the French way ("60 000", "12,5", "15 %"); the services
check the rules again (scope, baseline before the target's year) and their refusals show on the form."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import forms

from levier.core.column_mapping import ColumnMappingForm
from levier.ingest.spend.reader import FIELD_CHOICES, REQUIRED_GROUPS

from .models import Indicator, ObjectiveIndicator
from .services import PERCENT_INDICATORS

UPLOAD_EXTENSIONS = {".xlsx", ".ods", ".csv"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
YEAR_MIN, YEAR_MAX = 2000, 2100
REPORT_FORMATS = [("pdf", "PDF"), ("docx", "DOCX (traitement de texte)"), ("xlsx", "XLSX (données)")]


def parse_french_number(raw: str) -> Decimal:
    """ "60 000", "60 000 €", "12,5", "15 %" -> Decimal; ValueError with a French message otherwise."""
    text = re.sub(r"[\s\u00a0\u202f€%]", "", str(raw)).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"« {raw} » n'est pas un nombre : écrivez par exemple 60 000 ou 12,5.") from None
    if not number.is_finite():
        raise ValueError(f"« {raw} » n'est pas un nombre : écrivez par exemple 60 000 ou 12,5.")
    if number < 0:
        raise ValueError("Un nombre positif ou nul est attendu.")
    return number


class FrenchNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_french_number(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


def _year_field(label: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "Saisissez une année sur quatre chiffres, par exemple 2026.",
            "min_value": f"L'année doit être postérieure ou égale à {YEAR_MIN}.",
            "max_value": f"L'année doit être antérieure ou égale à {YEAR_MAX}.",
        },
        **kwargs,
    )


class _ScopeMixin:
    """Service and buyer choices limited to the organisation (ids of others are refused as invalid)."""

    def _scope_fields(self, services, buyers, *, with_buyer: bool = True) -> None:
        self.fields["service"] = forms.ModelChoiceField(
            label="Service",
            queryset=services,
            required=False,
            empty_label="Toute l'organisation",
            error_messages={"invalid_choice": "Ce service n'existe pas dans l'organisation."},
        )
        if with_buyer:
            self.buyers = {str(u.pk): u for u in buyers}
            self.fields["buyer"] = forms.ChoiceField(
                label="Acheteur",
                choices=[("", "Tous les acheteurs"), *((k, u.display_name) for k, u in self.buyers.items())],
                required=False,
                error_messages={"invalid_choice": "Cet acheteur n'est pas membre de l'organisation."},
            )

    def clean_buyer(self):
        key = self.cleaned_data.get("buyer")
        return self.buyers.get(key) if key else None


class TargetForm(_ScopeMixin, forms.Form):
    year = _year_field("Année de la cible")
    indicator = forms.ChoiceField(label="Indicateur", choices=Indicator.choices)
    value = FrenchNumberField(
        label="Cible",
        help_text="En euros HT pour les montants, en nombre pour les marchés et les heures, "
        "en % pour les parts.",
    )
    baseline_year = _year_field(
        "Année de référence", required=False, help_text="Le point de départ de la trajectoire (facultatif)."
    )
    baseline_value = FrenchNumberField(label="Valeur de référence", required=False)
    note = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, services, buyers, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope_fields(services, buyers)
        self.order_fields(
            ["year", "indicator", "service", "buyer", "value", "baseline_year", "baseline_value"]
        )

    def clean(self):
        data = super().clean()
        value, indicator = data.get("value"), data.get("indicator")
        if value is not None and indicator in PERCENT_INDICATORS and value > 100:
            self.add_error("value", "Pour une part, saisissez un pourcentage entre 0 et 100.")
        baseline_year, baseline_value = data.get("baseline_year"), data.get("baseline_value")
        if (baseline_year is None) != (baseline_value is None) and not self.has_error("baseline_year"):
            self.add_error(
                "baseline_value" if baseline_value is None else "baseline_year",
                "Indiquez l'année et la valeur de référence, ou aucune des deux.",
            )
        year = data.get("year")
        if baseline_year is not None and year is not None and baseline_year >= year:
            self.add_error("baseline_year", "L'année de référence doit précéder l'année de la cible.")
        return data


class BuyerObjectiveForm(_ScopeMixin, forms.Form):
    year = _year_field("Année")
    indicator = forms.ChoiceField(label="Ce qui est compté", choices=ObjectiveIndicator.choices)
    minimum = FrenchNumberField(label="Minimum par acheteur")
    label = forms.CharField(
        label="Objectif (phrase montrée aux acheteurs)",
        max_length=300,
        help_text="Par exemple : « Chaque acheteur passe au moins un marché réservé dans l'année ».",
        error_messages={"required": "Écrivez la phrase de l'objectif que verront les acheteurs."},
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self._scope_fields(services, [], with_buyer=False)
        self.fields["service"].empty_label = "Tous les acheteurs de l'organisation"
        self.fields["service"].label = "Acheteurs concernés"
        self.order_fields(["year", "indicator", "minimum", "service", "label"])


class DashboardFilterForm(_ScopeMixin, forms.Form):
    year = forms.TypedChoiceField(label="Année", coerce=int, choices=())

    def __init__(self, *args, years, services, buyers, with_buyer: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = "Aucune donnée pour cette année."
        self._scope_fields(services, buyers, with_buyer=with_buyer)


class SpendUploadForm(forms.Form):
    file = forms.FileField(
        label="Export comptable des dépenses",
        help_text="Classeur Excel (.xlsx), LibreOffice (.ods) ou CSV : fournisseur (SIRET ou nom), montant, "
        "date, imputation ou catégorie, service. 20 Mo au plus.",
        error_messages={"required": "Choisissez le fichier de l'export comptable."},
    )
    year = _year_field("Année des dépenses")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(
                f"« {upload.name} » n'est ni un classeur .xlsx ou .ods ni un fichier .csv."
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("Le fichier dépasse 20 Mo : découpez-le par période ou par service.")
        if upload.size == 0:
            raise forms.ValidationError("Le fichier est vide.")
        return upload


def spend_mapping_form(data, report: dict) -> ColumnMappingForm:
    """The mapping screen of a spend export, from its preview's report: its columns, their values, the
    columns used now as the initial answers."""
    return ColumnMappingForm(
        data,
        headers=report.get("headers") or [],
        fields=FIELD_CHOICES,
        samples=report.get("samples") or {},
        current=report.get("mapping") or {},
        required=REQUIRED_GROUPS,
    )


class MatchDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirmer"), ("reject", "Rejeter")],
        error_messages={"required": "Choisissez de confirmer ou de rejeter ce rapprochement."},
    )


class SettingsForm(forms.Form):
    departements = forms.CharField(
        label="Départements du territoire",
        required=False,
        help_text="Codes séparés par des virgules (25, 39, 2A). Vide : les départements des achats du plan.",
    )
    radius_km = forms.IntegerField(
        label="Rayon (km)",
        min_value=1,
        max_value=500,
        error_messages={
            "min_value": "Le rayon doit être d'au moins 1 km.",
            "max_value": "Le rayon ne peut dépasser 500 km.",
        },
    )

    def clean_departements(self):
        return [
            code.strip() for code in re.split(r"[,;\s]+", self.cleaned_data["departements"]) if code.strip()
        ]


class ReportForm(forms.Form):
    year = forms.TypedChoiceField(label="Année", coerce=int, choices=())
    format = forms.ChoiceField(label="Format", choices=REPORT_FORMATS)

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = "Aucune donnée pour cette année."
