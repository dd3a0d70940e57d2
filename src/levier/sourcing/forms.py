from django import forms

from .models import Interest, SourcingEntry


class ListForm(forms.Form):
    title = forms.CharField(label="Intitulé", max_length=200)
    purchase = forms.ModelChoiceField(
        label="Achat prévu",
        required=False,
        queryset=None,
        empty_label="Aucun (besoin hors plan)",
        help_text="L'achat du plan pour lequel vous cherchez des candidats.",
    )
    description = forms.CharField(
        label="Besoin",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce que vous cherchez : prestation, volume, lieu, calendrier.",
    )

    def __init__(self, *args, purchases=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purchase"].queryset = purchases


class EntryForm(forms.ModelForm):
    class Meta:
        model = SourcingEntry
        fields = ["contacted", "contacted_on", "interest", "answered_on", "capacity_confirmed", "comment"]
        widgets = {
            "contacted_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "answered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "comment": forms.Textarea(attrs={"rows": 2}),
            "interest": forms.Select(choices=Interest.choices),
        }
