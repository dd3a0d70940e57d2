from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("politique/", views.policy, name="policy"),
    path("politique/main-d-oeuvre/", views.labour_shares, name="labour_shares"),
    path("achats/<int:purchase>/", views.panel, name="panel"),
    path("achats/<int:purchase>/proposer/", views.propose, name="propose"),
    path("achats/<int:purchase>/ecarter/", views.override, name="override"),
    path("achats/<int:purchase>/allotir/", views.apply_split, name="apply_split"),
    path("achats/<int:purchase>/sourcing/", views.to_sourcing, name="to_sourcing"),
    path("plans/<int:plan>/recribler/", views.rescreen_plan, name="rescreen_plan"),
    path("criblages/<int:screening_run>/", views.run_status, name="run"),
]
