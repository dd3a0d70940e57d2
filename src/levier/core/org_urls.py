from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.org_home, name="home"),
    path("rubrique/<slug:section>/", views.section, name="section"),
]
