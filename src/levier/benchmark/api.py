"""API routes of the national benchmark: statistics and similar contracts, for members of `{org}`.

The data is national open data (DECP); the organisation in the path only checks that the caller is a member,
like every route of the API.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Query, Router, Schema

from levier.api.auth import tenant_for

from .services import default_store, directory_sirets
from .similar import similar_contracts
from .stats import StatsError, benchmark_stats

router = Router(tags=["Benchmark national (DECP)"])


class StatsQuery(Schema):
    cpv: str | None = None


class SimilarQuery(Schema):
    texte: str = ""
    cpv: str | None = None
    limite: int = 10


def _store():
    store = default_store()
    if not store.loaded:
        raise Http404("Aucun fichier DECP importé (levier benchmark import FICHIER).")
    return store


@router.get(
    "/orgs/{org}/benchmark/stats", summary="Considérations sociales des marchés attribués, par dimension"
)
def stats(request, org: str, filters: Query[StatsQuery]):
    tenant_for(request, org)
    try:
        return benchmark_stats(_store(), filters.cpv or None, directory_sirets())
    except StatsError as error:
        raise ValidationError(str(error)) from error


@router.get("/orgs/{org}/benchmark/similar", summary="Marchés attribués semblables à un achat prévu")
def similar(request, org: str, filters: Query[SimilarQuery]):
    tenant_for(request, org)
    limit = max(1, min(filters.limite, 50))
    return similar_contracts(_store(), filters.cpv or None, filters.texte, limit)
