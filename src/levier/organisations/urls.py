from django.urls import path

from . import views

app_name = "organisations"

urlpatterns = [
    path("services/", views.service_list, name="services"),
    path("groupements/", views.group_list, name="groups"),
    path("membres/", views.member_list, name="members"),
    path("membres/<int:membership>/", views.member_edit, name="member_edit"),
]
