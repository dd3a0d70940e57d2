from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "levier.recommendations"
    label = "recommendations"
    verbose_name = "Recommandations"

    def ready(self):
        from . import signals, url_params  # noqa: F401  (URL parameters; re-screening on directory imports)
