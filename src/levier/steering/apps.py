from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "levier.steering"
    label = "steering"
    verbose_name = "Pilotage"

    def ready(self):
        from . import url_params  # noqa: F401  (registers the URL parameters of this app)
