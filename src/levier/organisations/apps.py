from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "levier.organisations"
    label = "organisations"
    verbose_name = "Organisations"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
