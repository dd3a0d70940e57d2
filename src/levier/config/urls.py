from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from levier.api.router import api

# Every page about one organisation's data lives under /o/<org>/: the tenancy decorator resolves <org>
# against the user's memberships before any view code runs.
org_patterns = [
    path("", include("levier.core.org_urls")),
    path("", include("levier.organisations.urls")),
    path("plan/", include("levier.plans.urls")),
    path("structures/", include("levier.directory.urls")),
    path("sourcing/", include("levier.sourcing.urls")),
    path("benchmark/", include("levier.benchmark.urls")),
    path("criblage/", include("levier.recommendations.urls")),
    path("clauses/", include("levier.clauses.urls")),
    path("pilotage/", include("levier.steering.urls")),
]

urlpatterns = [
    path("", include("levier.core.urls")),
    path("compte/", include("levier.accounts.urls")),
    path("referentiels/", include("levier.referential.urls")),
    path("publications/", include("levier.plans.publication_urls")),
    path("facilitation/", include("levier.clauses.workspace_urls")),
    path("o/<slug:org>/", include(org_patterns)),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
