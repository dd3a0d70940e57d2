from django import forms

from .roles import Role


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Role.choices)
        kwargs.setdefault("label", "Rôles")
        super().__init__(**kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Adresse électronique de la personne invitée")
    roles = RolesField()


class MemberRolesForm(forms.Form):
    roles = RolesField()
    service = forms.ModelChoiceField(
        queryset=None, required=False, label="Service de rattachement", empty_label="Aucun"
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = organisation.services.order_by("name")


class ServiceForm(forms.Form):
    name = forms.CharField(label="Nom du service ou de la direction", max_length=200)
    code = forms.CharField(label="Code (facultatif)", max_length=30, required=False)
    parent = forms.ModelChoiceField(
        queryset=None, required=False, label="Rattaché à", empty_label="Aucun (direction de premier niveau)"
    )

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = organisation.services.order_by("name")


class AcceptInvitationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    password1 = forms.CharField(
        label="Mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Confirmation du mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        from django.contrib.auth import password_validation

        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", "Les deux mots de passe ne correspondent pas.")
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
