from django import forms

from .models import ScreeningPolicy
from .services import POLICY_FIELDS


class PolicyForm(forms.ModelForm):
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
