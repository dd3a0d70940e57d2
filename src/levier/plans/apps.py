from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "levier.plans"
    label = "plans"
    verbose_name = "Plans des achats"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
