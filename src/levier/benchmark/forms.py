from django import forms

from .stats import StatsError, cpv_scope


class BenchmarkForm(forms.Form):
    cpv = forms.CharField(
        label="Code CPV",
        required=False,
        max_length=20,
        help_text="Une division (45), un groupe (453) ou un code complet (45261000-4).",
    )
    objet = forms.CharField(
        label="Objet de l'achat prévu",
        required=False,
        max_length=300,
        help_text="Pour trouver des marchés semblables attribués ailleurs.",
    )

    def clean_cpv(self) -> str:
        value = self.cleaned_data["cpv"].strip()
        try:
            cpv_scope(value or None)
        except StatsError as error:
            raise forms.ValidationError(str(error)) from error
        return value
