"""The HTTP API under /api/v1/. Each capability adds its router here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI

from levier import __version__

from .auth import API_AUTH

api = NinjaAPI(
    title="API Levier",
    version="1",
    description=(
        "API de Levier. Authentification : en-tête `Authorization: Bearer <jeton>` (jeton personnel créé "
        "sur la page « Mon compte ») ou session du navigateur. Chaque route ne donne accès qu'aux "
        "organisations dont l'utilisateur est membre."
    ),
    auth=API_AUTH,
    urls_namespace="api",
)
api.app_version = __version__


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Introuvable."}, status=404)


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return api.create_response(request, {"detail": exc.messages}, status=422)


from levier.organisations.api import router as organisations_router  # noqa: E402

api.add_router("/", organisations_router)
from levier.directory.api import router as directory_router  # noqa: E402
from levier.sourcing.api import router as sourcing_router  # noqa: E402

api.add_router("/", directory_router)
api.add_router("/", sourcing_router)
from levier.benchmark.api import router as benchmark_router  # noqa: E402

api.add_router("/", benchmark_router)
from levier.plans.api import router as plans_router  # noqa: E402

api.add_router("/", plans_router)
from levier.recommendations.api import router as recommendations_router  # noqa: E402

api.add_router("/", recommendations_router)
from levier.clauses.api import router as clauses_router  # noqa: E402

api.add_router("/", clauses_router)
from levier.steering.api import router as steering_router  # noqa: E402

api.add_router("/", steering_router)
