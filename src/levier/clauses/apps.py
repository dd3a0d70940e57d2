from django.apps import AppConfig


class ClausesConfig(AppConfig):
    name = "levier.clauses"
    label = "clauses"
    verbose_name = "Clauses sociales"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
