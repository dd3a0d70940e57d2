from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "levier.directory"
    label = "directory"
    verbose_name = "Annuaire des structures inclusives"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
