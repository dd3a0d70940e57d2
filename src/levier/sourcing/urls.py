from django.urls import path

from . import views

app_name = "sourcing"

urlpatterns = [
    path("", views.list_index, name="lists"),
    path("ajouter/", views.add_entry_choice, name="add_entry_choice"),
    path("<int:sourcing_list>/", views.list_detail, name="detail"),
    path("<int:sourcing_list>/modifier/", views.list_edit, name="edit"),
    path("<int:sourcing_list>/ajouter/", views.add_entry, name="add_entry"),
    path("<int:sourcing_list>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:sourcing_list>/export.csv", views.export_csv, name="export_csv"),
    path("candidats/<int:entry>/", views.entry_edit, name="entry"),
]
