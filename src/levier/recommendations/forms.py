from django import forms

from levier.rules.sectors import load_taxonomy

from .models import ScreeningPolicy
from .services import POLICY_FIELDS


def _yes(value) -> bool:
    # The stored value (a bool) and the posted one ("True") compare alike, so `changed_data` is exact.
    return str(value) == "True"


class PolicyForm(forms.ModelForm):
    # Two explicit choices rather than a checkbox: the answer is a legal reading the admin must state.
    reserved_meets_obligation = forms.TypedChoiceField(
        label="Un marché réservé satisfait l'obligation de l'article L2112-2-1",
        help_text=ScreeningPolicy._meta.get_field("reserved_meets_obligation").help_text,
        choices=[
            ("True", "Oui, une réservation suffit"),
            ("False", "Non, il faut aussi une clause ou un critère"),
        ],
        coerce=_yes,
    )
    central_government = forms.TypedChoiceField(
        label="Appliquer les seuils européens de l'État",
        help_text=ScreeningPolicy._meta.get_field("central_government").help_text,
        choices=[
            ("", "Selon la nature de l'organisation"),
            ("True", "Oui, seuils de l'État"),
            ("False", "Non, seuils des autres acheteurs"),
        ],
        coerce=_yes,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = ScreeningPolicy
        fields = POLICY_FIELDS


class OptionForm(forms.Form):
    option = forms.CharField(max_length=40, widget=forms.HiddenInput)


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label="Motif", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Obligatoire."
    )


class SplitForm(forms.Form):
    split = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def _sector_choices() -> list:
    taxonomy = load_taxonomy()
    choices: list = [("", "Choisir un secteur")]
    for group in taxonomy.groups:
        choices.append(
            (
                group.label,
                [
                    (sector.code, f"{sector.label} (référence {round(sector.labour_share * 100)} %)")
                    for sector in taxonomy.sectors_in_group(group.code)
                ],
            )
        )
    return choices


class LabourShareForm(forms.Form):
    sector = forms.ChoiceField(label="Secteur", choices=_sector_choices)
    share = forms.DecimalField(
        label="Part de main-d'œuvre de l'organisation",
        min_value=0,
        max_value=1,
        decimal_places=3,
        localize=True,
        help_text="Entre 0 et 1 : 0,60 pour 60 % du montant.",
    )
    reason = forms.CharField(
        label="Justification",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Par exemple : bilans des marchés de propreté 2024-2025 de la ville.",
    )
