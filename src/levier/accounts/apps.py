from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "levier.accounts"
    label = "accounts"
    verbose_name = "Comptes"
