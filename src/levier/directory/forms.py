"""Forms of the directory's pages. The search form only renders and carries choices: the checking is
`StructureQuery.from_params`, shared with the API and the terminal."""

from django import forms

from levier.rules.sectors import load_taxonomy

from .editing import EDITABLE_FIELDS
from .models import Family, Kind, SourcingNote
from .search import SORTS


def sector_choices():
    taxonomy = load_taxonomy()
    grouped = [
        (group.label, [(s.code, s.label) for s in taxonomy.sectors_in_group(group.code)])
        for group in taxonomy.groups
    ]
    return [("", "Tous les secteurs"), *grouped]


def group_choices():
    return [("", "Tous les groupes"), *[(g.code, g.label) for g in load_taxonomy().groups]]


class SearchForm(forms.Form):
    text = forms.CharField(
        label="Nom, enseigne, activité, SIRET",
        required=False,
        max_length=200,
        help_text="Sans tenir compte des accents ni des majuscules.",
    )
    sector = forms.ChoiceField(label="Secteur", required=False)
    group = forms.ChoiceField(label="Groupe de secteurs", required=False)
    family = forms.ChoiceField(
        label="Famille", required=False, choices=[("", "Toutes les familles"), *Family.choices]
    )
    kind = forms.ChoiceField(
        label="Type de structure", required=False, choices=[("", "Tous les types"), *Kind.choices]
    )
    near = forms.CharField(
        label="Autour de",
        required=False,
        max_length=120,
        help_text="Commune, code postal ou département (ex. « Créteil », « 94000 », « 94 »).",
    )
    radius = forms.CharField(label="Rayon (km)", required=False, max_length=6)
    min_amount = forms.CharField(
        label="Marché annuel d'au moins (€ HT)",
        required=False,
        max_length=15,
        help_text="Plus gros marché annuel que la structure peut porter.",
    )
    sort = forms.ChoiceField(label="Trier par", required=False, choices=list(SORTS.items()))
    departement = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = sector_choices()
        self.fields["group"].choices = group_choices()
        self.fields["radius"].widget.attrs.update(inputmode="numeric")
        self.fields["min_amount"].widget.attrs.update(inputmode="numeric")


class NoteForm(forms.ModelForm):
    capacity_confirmed = forms.TypedChoiceField(
        label="Capacité confirmée",
        required=False,
        choices=[("", "—"), ("true", "Oui"), ("false", "Non")],
        coerce=lambda value: value == "true",
        empty_value=None,
    )

    class Meta:
        model = SourcingNote
        fields = ["topic", "occurred_on", "text", "capacity_confirmed", "confirmed_amount", "price_level"]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "occurred_on": "Date de l'incident ou de la prestation réussie.",
            "confirmed_amount": "Note de capacité : montant annuel que la structure confirme pouvoir porter.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.capacity_confirmed is not None:
            self.initial["capacity_confirmed"] = "true" if self.instance.capacity_confirmed else "false"


class ImportForm(forms.Form):
    FORMATS = [
        ("esat", "ESAT — extraction FINESS"),
        ("siae", "SIAE — liste de l'ASP"),
        ("geiq", "GEIQ — liste des groupements"),
        ("ea", "Entreprises adaptées — CSV ou XLSX (correspondance des colonnes)"),
        ("lemarche", "Le marché de l'inclusion — réponse JSON de l'API"),
    ]
    source = forms.ChoiceField(label="Format du fichier", choices=FORMATS)
    file = forms.FileField(label="Fichier", help_text="CSV, XLSX ou JSON selon le format.")
    source_date = forms.DateField(
        label="Date des données",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Date de publication de la liste (par défaut : aujourd'hui).",
    )
    mapping = forms.CharField(
        label="Correspondance des colonnes (entreprises adaptées)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text='Facultatif, en JSON : {"siret": "N° SIRET", "name": "Raison sociale"}. '
        "Sans correspondance, Levier la devine d'après les en-têtes et la montre dans l'aperçu.",
    )


# Every field the edit service accepts, but those edited as lists below or only by imports.
EDIT_FIELDS = [
    name
    for name in EDITABLE_FIELDS
    if name not in ("is_active", "provision_kinds", "labels", "networks", "insee_code", "address_complement")
]


class StructureEditForm(forms.ModelForm):
    """A person's correction of a structure's card; `edit_structure` records it as manual provenance."""

    kinds = forms.MultipleChoiceField(
        label="Types", required=False, choices=Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    sectors = forms.MultipleChoiceField(
        label="Secteurs",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Les secteurs choisis ici sont marqués comme saisis, non déduits.",
    )
    area_departements = forms.CharField(
        label="Départements d'intervention",
        required=False,
        max_length=400,
        help_text="Codes séparés par des virgules (ex. « 94, 93, 77 »).",
    )
    website = forms.URLField(label="Site web", required=False, max_length=300, assume_scheme="https")
    labels = forms.CharField(
        label="Labels", required=False, max_length=400, help_text="Séparés par des virgules."
    )
    networks = forms.CharField(
        label="Réseaux", required=False, max_length=400, help_text="Séparés par des virgules."
    )

    class Meta:
        from .models import Structure

        model = Structure
        fields = EDIT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sectors"].choices = sector_choices()[1:]
        structure = self.instance
        if structure.pk and not self.is_bound:
            self.initial["kinds"] = [k.kind for k in structure.kinds.all()]
            self.initial["sectors"] = [s.sector for s in structure.sectors.all()]
            self.initial["area_departements"] = ", ".join(
                d.departement for d in structure.area_departements.all()
            )
            self.initial["labels"] = ", ".join(structure.labels or [])
            self.initial["networks"] = ", ".join(structure.networks or [])

    @staticmethod
    def _split(value: str) -> list[str]:
        return [part.strip() for part in (value or "").split(",") if part.strip()]

    def changes(self) -> dict:
        """Only what the person changed, in the shape `edit_structure` takes."""
        changed = {}
        for name in EDIT_FIELDS:
            if name in self.changed_data:
                changed[name] = self.cleaned_data[name]
        if "kinds" in self.changed_data:
            changed["kinds"] = list(self.cleaned_data["kinds"])
        if "sectors" in self.changed_data:
            changed["sectors"] = list(self.cleaned_data["sectors"])
        for name in ("area_departements", "labels", "networks"):
            if self._split(self.cleaned_data.get(name, "")) != self._split(str(self.initial.get(name, ""))):
                changed[name] = self._split(self.cleaned_data.get(name, ""))
        return changed
