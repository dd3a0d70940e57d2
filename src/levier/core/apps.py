from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "levier.core"
    label = "core"
    verbose_name = "Socle"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
