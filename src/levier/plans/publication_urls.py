"""Public routes (no login) of what organisations publish: mounted at /publications/ by config/urls.py."""

from django.urls import path

from . import publication
from .feeds import feed

app_name = "publications"

urlpatterns = [
    path("", publication.public_list, name="list"),
    path("flux.atom", feed, name="feed"),
    path("achats.csv", publication.public_csv, name="csv"),
    path("<slug:org>/", publication.public_org, name="org"),
    path("<slug:org>/flux.atom", feed, name="org_feed"),
    path("<slug:org>/achats.csv", publication.public_org_csv, name="org_csv"),
]
