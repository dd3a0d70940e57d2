from django.urls import path

from . import views

app_name = "clauses"

urlpatterns = [
    path("", views.clause_list, name="list"),
    path("nouvelle/", views.clause_create, name="create"),
    path("<int:clause>/", views.clause_detail, name="clause"),
    path("<int:clause>/modifier/", views.clause_edit, name="edit"),
    path("<int:clause>/statut/", views.clause_status, name="status"),
    path(
        "<int:clause>/documents/<slug:document_kind>.docx", views.clause_document_docx, name="document_docx"
    ),
    path("<int:clause>/documents/<slug:document_kind>.pdf", views.clause_document_pdf, name="document_pdf"),
    path("<int:clause>/attribution/", views.award_edit, name="award"),
    path("<int:clause>/declarations/nouvelle/", views.declaration_create, name="declaration_create"),
    path("<int:clause>/import/", views.import_upload, name="import_upload"),
    path("<int:clause>/import/<int:declaration_import>/", views.import_detail, name="import"),
    path("reglages/", views.settings_edit, name="settings"),
    path("participants/<int:participant>/donnees.json", views.participant_export, name="participant_export"),
    path("modeles/", views.template_list, name="templates"),
    path("modeles/<int:template>/", views.template_edit, name="template"),
]
