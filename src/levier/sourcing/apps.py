from django.apps import AppConfig


class SourcingConfig(AppConfig):
    name = "levier.sourcing"
    label = "sourcing"
    verbose_name = "Listes de sourçage"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
