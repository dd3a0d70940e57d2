"""Forms of the plan pages. They only check and convert what people type: the writes, and the role checks,
are the services' (`services.py`, `importing.py`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django import forms
from django.forms.models import fields_for_model

from levier.core.column_mapping import ColumnMappingForm
from levier.ingest.french_values import format_amount_fr, parse_amount
from levier.ingest.plans import FIELD_LABELS_FR
from levier.organisations.roles import Role

from .models import AmountBasis, Lot, Nature, PlannedPurchase
from .selectors import AMOUNT_BANDS, facilitators_of, members_with_role, plan_years
from .workflow import Status

PURCHASE_FORM_FIELDS = (
    "reference",
    "object",
    "service",
    "buyer",
    "nature",
    "cpv",
    "estimated_amount",
    "amount_basis",
    "amount_includes_tax",
    "duration_months",
    "launch_date",
    "notification_date",
    "place",
    "procedure",
    "current_holder_name",
    "current_holder_siret",
    "current_contract_end",
    "recurring",
    "reservation",
    "insertion_clause",
    "social_criterion",
)
# What the plan table lets a person change in place.
INLINE_FIELDS = ("object", "service", "nature", "estimated_amount", "launch_date")
SOCIAL_FORM_FIELDS = ("reservation", "insertion_clause", "social_criterion")
LOT_FORM_FIELDS = (
    "number",
    "title",
    "reservation",
    "nature",
    "cpv",
    "estimated_amount",
    "amount_basis",
    "duration_months",
    "launch_date",
    "place",
    "current_holder_name",
    "current_holder_siret",
    "current_contract_end",
)
HELP = {
    "cpv": "8 chiffres, avec ou sans la clé de contrôle (45000000-7). Laissé vide, il reste à déterminer.",
    "estimated_amount": "Montant hors taxes, en euros (12000,50).",
    "procedure": "Laissez vide pour la procédure déduite des seuils à la date de lancement.",
    "duration_months": "Durée totale, reconductions comprises.",
}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_EXTENSIONS = (".xlsx", ".ods", ".csv")


class FrenchAmountField(forms.CharField):
    """An amount as people type it in France: "12 000,50", "12 000,50 €", "1,2 M€", "150k€"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format_amount_fr(value).removesuffix(" €")
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        parsed = parse_amount(text)
        if parsed.error or parsed.value is None:
            raise forms.ValidationError(parsed.error or f"Montant illisible : « {text} ».")
        if parsed.value < 0:
            raise forms.ValidationError("Le montant doit être positif ou nul.")
        return parsed.value

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (Decimal(initial) if initial not in (None, "") else None)
        except forms.ValidationError:
            return True


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class _ModelFieldsForm(forms.Form):
    """A form made of a model's fields, whose cleaned data goes to a service as keyword arguments."""

    model: type = PlannedPurchase
    field_names: tuple[str, ...] = ()

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        made = fields_for_model(
            self.model,
            fields=self.field_names,
            widgets={
                name: DateInput()
                for name in ("launch_date", "notification_date", "current_contract_end")
                if name in self.field_names
            },
        )
        for name in self.field_names:
            field = made[name]
            if isinstance(field, forms.DecimalField):
                field = FrenchAmountField(label=field.label, required=field.required)
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 3
            if name in HELP:
                field.help_text = HELP[name]
            field.label = field.label[0].upper() + field.label[1:]
            self.fields[name] = field
        if "amount_basis" in self.fields:
            self.fields["amount_basis"].required = False
        if "service" in self.fields:
            self.fields["service"].queryset = organisation.services.order_by("name")
            self.fields["service"].empty_label = "Aucun"
        if "buyer" in self.fields:
            buyers = [u.pk for u in members_with_role(organisation, Role.BUYER)]
            self.fields["buyer"].queryset = self.fields["buyer"].queryset.filter(pk__in=buyers)
            self.fields["buyer"].label_from_instance = lambda user: user.display_name
            self.fields["buyer"].empty_label = "Non désigné"
        if "procedure" in self.fields:
            self.fields["procedure"].choices = [
                ("", "Selon les seuils"),
                *self.fields["procedure"].choices[1:],
            ]

    def clean(self):
        data = super().clean()
        if "amount_basis" in self.fields and not data.get("amount_basis"):
            # A lot without a basis takes its purchase's; a purchase without one stays "not said".
            data["amount_basis"] = AmountBasis.UNKNOWN
        return data

    def changed_values(self) -> dict:
        """Only what the person changed: a facilitator changing the social choices stays within their role."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}

    def add_service_errors(self, error: forms.ValidationError) -> None:
        """Put a service's ValidationError on the field it names, or on the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, error)


class PurchaseForm(_ModelFieldsForm):
    model = PlannedPurchase
    field_names = PURCHASE_FORM_FIELDS


class SocialChoicesForm(_ModelFieldsForm):
    """What a facilitator may set on a purchase: the reservation, the clause and the criterion."""

    model = PlannedPurchase
    field_names = SOCIAL_FORM_FIELDS


class InlinePurchaseForm(_ModelFieldsForm):
    model = PlannedPurchase
    field_names = INLINE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One line in a table row: the full page keeps the multi-line box.
        self.fields["object"].widget = forms.TextInput()


class LotForm(_ModelFieldsForm):
    model = Lot
    field_names = LOT_FORM_FIELDS


class FilterForm(forms.Form):
    """The plan's filters (GET). Values are read by `selectors.PurchaseFilters`, this form only shows them."""

    year = forms.TypedChoiceField(label="Année", coerce=int, required=False)
    service = forms.ModelChoiceField(queryset=None, label="Service", required=False, empty_label="Tous")
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous"), *Status.choices])
    nature = forms.ChoiceField(label="Nature", required=False, choices=[("", "Toutes"), *Nature.choices])
    band = forms.ChoiceField(
        label="Montant",
        required=False,
        choices=[("", "Tous"), *((code, label) for code, (label, _low, _high) in AMOUNT_BANDS.items())],
    )
    q = forms.CharField(label="Objet, référence ou CPV", required=False, max_length=200)
    facilitator = forms.ChoiceField(label="Facilitateur", required=False)
    published = forms.ChoiceField(
        label="Publication",
        required=False,
        choices=[("", "Tous"), ("1", "Marqués pour publication"), ("0", "Non marqués")],
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].choices = [
            ("", "Tous"),
            *((user.pk, user.display_name) for user in facilitators_of(organisation)),
        ]
        years = plan_years(organisation)
        self.fields["year"].choices = [(y, str(y)) for y in years] or [("", "Aucun plan")]
        self.fields["service"].queryset = organisation.services.order_by("name")


class BulkActionForm(forms.Form):
    ASSIGN = "assign"
    SEND = "send"
    action = forms.ChoiceField(
        label="Action",
        choices=[(ASSIGN, "Désigner le facilitateur"), (SEND, "Envoyer pour validation")],
    )
    purchases = forms.ModelMultipleChoiceField(queryset=None, label="Achats")
    facilitator = forms.TypedChoiceField(label="Facilitateur", required=False, coerce=int, empty_value=None)
    comment = forms.CharField(label="Commentaire (facultatif)", required=False, max_length=2000)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchases"].queryset = PlannedPurchase.objects.filter(plan__organisation=organisation)
        self.facilitators = {user.pk: user for user in facilitators_of(organisation)}
        self.fields["facilitator"].choices = [
            ("", "Aucun (retirer)"),
            *((pk, user.display_name) for pk, user in self.facilitators.items()),
        ]

    def clean(self):
        data = super().clean()
        if data.get("action") == self.ASSIGN and "facilitator" not in self.data:
            self.add_error("facilitator", "Choisissez le facilitateur à désigner.")
        return data

    @property
    def facilitator_user(self):
        return self.facilitators.get(self.cleaned_data.get("facilitator"))


class TransitionForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Commentaire", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label="Motif (obligatoire pour un refus)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier du plan des achats",
        help_text="Classeur Excel (.xlsx), LibreOffice (.ods) ou CSV (UTF-8 ou Windows, « ; » ou « , »). "
        "20 Mo au plus.",
    )
    year = forms.IntegerField(label="Année du plan", min_value=2000, max_value=2100)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(
                f"« {upload.name} » n'est ni un classeur .xlsx ou .ods ni un fichier .csv."
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "Le fichier dépasse 20 Mo : découpez-le par feuille ou par direction."
            )
        if upload.size == 0:
            raise forms.ValidationError("Le fichier est vide.")
        return upload


class MappingForm(ColumnMappingForm):
    """One choice per column the header dictionary did not recognise: the field it feeds, "not used", or
    "decide later" (the default, which remembers nothing); and what amounts cover when no column says it.

    The shared column-mapping screen (`levier.core.column_mapping`) with the plan's fields."""

    def __init__(
        self,
        *args,
        columns: list[str],
        needs_amount_basis: bool,
        samples: dict[str, list[str]] | None = None,
        **kwargs,
    ):
        super().__init__(
            *args, headers=columns, fields=FIELD_LABELS_FR, samples=samples, allow_later=True, **kwargs
        )
        if needs_amount_basis:
            self.fields["amount_basis"] = forms.ChoiceField(
                label="Les montants dont la colonne ne précise pas la base couvrent",
                choices=[
                    (AmountBasis.PER_YEAR, "une année"),
                    (AmountBasis.WHOLE_DURATION, "toute la durée du marché"),
                ],
                error_messages={
                    "required": "Dites si les montants couvrent une année ou toute la durée du marché.",
                    "invalid_choice": "Choisissez « une année » ou « toute la durée du marché ».",
                },
            )

    def answers(self) -> tuple[dict[str, str], list[str], str | None]:
        """{field: header}, the headers not used, and what amounts cover (None: not asked)."""
        mapping, ignored = super().answers()
        return mapping, ignored, self.cleaned_data.get("amount_basis") or None


class ComingUpForm(forms.Form):
    months = forms.TypedChoiceField(
        label="Horizon",
        coerce=int,
        choices=[(3, "3 mois"), (6, "6 mois"), (12, "12 mois"), (18, "18 mois")],
        initial=6,
        required=False,
    )
