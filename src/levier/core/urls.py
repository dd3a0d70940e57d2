from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("changer-organisation/", views.switch_organisation, name="switch_organisation"),
    path("invitation/<str:invitation_key>/", views.accept_invitation, name="invitation_accept"),
]
