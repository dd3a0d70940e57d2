from django.urls import path

from . import views, views_spend

app_name = "steering"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cibles/", views.targets, name="targets"),
    path("cibles/nouvelle/", views.target_create, name="target_create"),
    path("cibles/<int:target>/modifier/", views.target_edit, name="target_edit"),
    path("cibles/<int:target>/supprimer/", views.target_delete, name="target_delete"),
    path("objectifs/", views.objectives, name="objectives"),
    path("objectifs/nouveau/", views.objective_create, name="objective_create"),
    path("objectifs/<int:objective>/modifier/", views.objective_edit, name="objective_edit"),
    path("objectifs/<int:objective>/supprimer/", views.objective_delete, name="objective_delete"),
    path("mes-objectifs/", views.my_objectives, name="my_objectives"),
    path("bilan/", views.report_page, name="report"),
    path("bilan/telecharger/", views.report_download, name="report_download"),
    path("depenses/", views_spend.spend, name="spend"),
    path("depenses/import/", views_spend.import_upload, name="import_upload"),
    path("depenses/import/<int:spend_import>/", views_spend.import_detail, name="import"),
    path("depenses/import/<int:spend_import>/etat/", views_spend.import_status, name="import_status"),
    path("depenses/import/<int:spend_import>/colonnes/", views_spend.import_mapping, name="import_mapping"),
    path("depenses/import/<int:spend_import>/confirmer/", views_spend.import_commit, name="import_commit"),
    path("depenses/rapprochements/", views_spend.matches, name="matches"),
    path("depenses/rapprochements/<int:match>/", views_spend.match_decide, name="match_decide"),
    path("segments/", views_spend.segments, name="segments"),
]
