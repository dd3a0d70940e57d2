from django.urls import path

from . import workspace

app_name = "facilitation"

urlpatterns = [
    path("", workspace.workspace, name="workspace"),
    path("bilan.xlsx", workspace.workspace_export, name="export"),
]
