from django.urls import path

from . import views

app_name = "directory"

urlpatterns = [
    path("", views.search, name="search"),
    path("<int:structure>/", views.detail, name="detail"),
    path("<int:structure>/modifier/", views.edit, name="edit"),
    path("<int:structure>/notes/", views.note_add, name="note_add"),
    path("notes/<int:note>/modifier/", views.note_edit, name="note_edit"),
    path("import/", views.import_start, name="import"),
    path("import/<int:import_run>/", views.import_status, name="import_status"),
]
