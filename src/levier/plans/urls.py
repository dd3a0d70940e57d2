from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("actions/", views.bulk_action, name="bulk_action"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("export/", views.export_status, name="export_status"),
    path("export/fichier.xlsx", views.export_download, name="export_download"),
    path("commission/", views.commission, name="commission"),
    path("a-venir/", views.coming_up, name="coming_up"),
    path("achats/nouveau/", views.purchase_create, name="purchase_create"),
    path("achats/<int:purchase>/", views.purchase_detail, name="purchase"),
    path("achats/<int:purchase>/modifier/", views.purchase_edit, name="purchase_edit"),
    path("achats/<int:purchase>/ligne/", views.purchase_row, name="purchase_row"),
    path("achats/<int:purchase>/etape/", views.purchase_step, name="purchase_step"),
    path("achats/<int:purchase>/publication/", views.purchase_publish, name="purchase_publish"),
    path("achats/<int:purchase>/lots/nouveau/", views.lot_create, name="lot_create"),
    path("lots/<int:lot>/modifier/", views.lot_edit, name="lot_edit"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:plan_import>/", views.import_detail, name="import"),
    path("import/<int:plan_import>/etat/", views.import_status, name="import_status"),
    path("import/<int:plan_import>/colonnes/", views.import_mapping, name="import_mapping"),
    path("import/<int:plan_import>/confirmer/", views.import_commit, name="import_commit"),
]
