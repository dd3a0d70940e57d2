"""The steering pages per role: the dashboard and its charts with their tables, targets and their
trajectory, buyer objectives, the yearly report; French errors of the forms."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

from levier.core.audit import AuditEvent
from levier.organisations.roles import Role
from levier.steering import services
from levier.steering.models import BuyerObjective, Indicator, ObjectiveIndicator, Target

from .conftest import YEAR

pytestmark = pytest.mark.django_db

EVERY_ROLE = list(Role)


def status_of(client, url):
    return client.get(url).status_code


# (url name, roles that reach it); everyone else gets 403.
READS = [
    ("dashboard", EVERY_ROLE),
    ("targets", EVERY_ROLE),
    ("objectives", [Role.STEWARD, Role.READER, Role.ADMIN]),
    ("my_objectives", [Role.BUYER]),
    ("report", [Role.STEWARD, Role.READER, Role.ADMIN]),
    ("spend", [Role.STEWARD, Role.READER, Role.ADMIN]),
    ("segments", [Role.STEWARD, Role.READER, Role.ADMIN]),
    ("import_upload", [Role.STEWARD, Role.ADMIN]),
    ("matches", [Role.STEWARD, Role.ADMIN]),
    ("target_create", [Role.STEWARD]),
    ("objective_create", [Role.STEWARD]),
]


@pytest.mark.parametrize(("name", "allowed"), READS, ids=[name for name, _ in READS])
def test_each_page_lets_in_exactly_its_roles(client, scene, name, allowed):
    for role in EVERY_ROLE:
        client.force_login(scene.people[role])
        expected = 200 if role in allowed else 403
        assert status_of(client, scene.url(name)) == expected, (name, role)
    client.logout()
    assert status_of(client, scene.url(name)) == 302  # to the login page


def test_steward_home_card_leads_to_the_dashboard(client, scene):
    client.force_login(scene.steward)
    home = client.get(f"/o/{scene.org.slug}/").content.decode()
    assert f'href="{scene.url("dashboard")}"' in home
    # The old placeholder address still works.
    assert client.get(f"/o/{scene.org.slug}/rubrique/pilotage/")["Location"] == scene.url("dashboard")


def chart_and_table(page: str, chart_id: str, table_id: str) -> tuple[str, str]:
    chart = re.search(rf'<svg class="levier-chart" id="{chart_id}".*?</svg>', page, re.S)
    table = re.search(rf'<table id="{table_id}">.*?</table>', page, re.S)
    assert chart and table, (chart_id, table_id)
    assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in chart.group(0)
    return chart.group(0), table.group(0)


def test_dashboard_shows_progress_trajectory_months_services_buyers_and_compliance(client, scene):
    steward = scene.steward
    services.set_target(
        steward,
        scene.org,
        year=YEAR,
        indicator=Indicator.RESERVED_COUNT,
        value=4,
        baseline_year=YEAR - 1,
        baseline_value=1,
    )
    services.set_target(steward, scene.org, year=YEAR + 1, indicator=Indicator.RESERVED_COUNT, value=6)
    services.set_target(steward, scene.org, year=YEAR, indicator=Indicator.SOCIAL_SHARE_COUNT, value=50)
    client.force_login(scene.people[Role.READER])
    page = client.get(scene.url("dashboard"), {"year": YEAR}).content.decode()

    chart, table = chart_and_table(page, "graphique-avancement", "tableau-avancement")
    # 1 reserved contract out of 4; 2 of the 3 passed contracts carry a social consideration (66,67 %).
    assert "Marchés et lots réservés (nombre)" in table and "25,0 %" in table
    assert "66,67 %" in table and "133,3 %" in table and "cible atteinte" in table
    assert "1 en 2025" in table  # the baseline
    assert "<title>cible</title>" in chart and "<title>attendu</title>" in chart

    chart, trajectory = chart_and_table(
        page, "graphique-trajectoire-reserved_count", "tableau-trajectoire-reserved_count"
    )
    rows = re.findall(
        r'<th scope="row">(.*?)</th><td class="levier-num">(.*?)</td><td class="levier-num">(.*?)</td>',
        trajectory,
    )
    assert rows[:2] == [("2025 (référence)", "—", "1"), ("2026", "4", "1")]
    assert rows[2][:2] == ("2027", "6")  # measured once 2027 has begun
    assert "Cible, 2026 : 4" in chart and "Réalisé, 2026 : 1" in chart

    _chart, months = chart_and_table(page, "graphique-mois-reserves", "tableau-mois")
    march = re.search(r"<th scope=\"row\">mars</th><td class=\"levier-num\">(\d+)</td>", months)
    assert march.group(1) == "1"
    _chart, by_service = chart_and_table(page, "graphique-services", "tableau-services")
    assert "Parcs et jardins" in by_service and "Informatique" in by_service
    _chart, by_buyer = chart_and_table(page, "graphique-acheteurs", "tableau-acheteurs")
    assert "Aline Acheteuse" in by_buyer and "Bruno Bâtisseur" in by_buyer
    _chart, compliance = chart_and_table(page, "graphique-conformite", "tableau-conformite")
    assert "Maintenance des serveurs" in compliance and "Nettoyage des bâtiments" in compliance
    assert compliance.index("Maintenance des serveurs") < compliance.index("Nettoyage des bâtiments")
    assert "1 sur 2 marchés" in page


def test_dashboard_filters_by_service_and_buyer(client, scene):
    client.force_login(scene.steward)
    page = client.get(scene.url("dashboard"), {"year": YEAR, "service": scene.parks.pk}).content.decode()
    assert "Tableau de bord 2026 — Parcs et jardins" in page
    assert "1 marché passé sur 1 au plan" in page
    page = client.get(scene.url("dashboard"), {"year": YEAR, "buyer": scene.second_buyer.pk}).content.decode()
    assert "2 marchés passés sur 2 au plan" in page
    # Another organisation's service is refused by the filter, in French.
    from levier.organisations.models import Service

    theirs = Service.objects.create(organisation=scene.other, name="Service voisin")
    page = client.get(scene.url("dashboard"), {"year": YEAR, "service": theirs.pk}).content.decode()
    assert "Ce service n&#x27;existe pas dans l&#x27;organisation." in page


def test_a_buyer_sees_the_dashboard_of_their_own_purchases(client, scene):
    client.force_login(scene.buyer)
    page = client.get(scene.url("dashboard"), {"year": YEAR, "buyer": scene.second_buyer.pk}).content.decode()
    assert "Vos achats" in page
    assert "1 marché passé sur 1 au plan" in page  # Aline's own, whatever the address asks
    assert 'id="tableau-acheteurs"' not in page and "Bruno" not in page


# --- Targets --------------------------------------------------------------------------------------------


def test_steward_sets_a_target_with_its_baseline_and_sees_the_trajectory(client, scene):
    client.force_login(scene.steward)
    response = client.post(
        scene.url("target_create"),
        {
            "year": YEAR,
            "indicator": Indicator.SPEND_ESAT_EA,
            "value": "60 000 €",
            "baseline_year": YEAR - 1,
            "baseline_value": "40 000",
            "note": "Délibération du 12 janvier",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get(organisation=scene.org, indicator=Indicator.SPEND_ESAT_EA)
    assert (target.value, target.baseline_value, target.updated_by) == (
        Decimal(60_000),
        Decimal(40_000),
        scene.steward,
    )
    assert AuditEvent.objects.filter(action="steering.target_set").count() == 1
    # Prolonging the trajectory: next year's form comes prefilled with the indicator.
    page = client.get(response["Location"]).content.decode()
    assert "40 000 € en 2025" in page
    assert f"indicator={Indicator.SPEND_ESAT_EA}&amp;year={YEAR + 1}" in page
    client.post(
        scene.url("target_create"), {"year": YEAR + 1, "indicator": Indicator.SPEND_ESAT_EA, "value": "80000"}
    )
    page = client.get(scene.url("targets")).content.decode()
    assert 'data-cible="spend_esat_ea-2027">80 000 €' in page

    # Editing a target changes its value; deleting it leaves an audit trace.
    client.post(
        scene.url("target_edit", target=target.pk),
        {
            "year": YEAR,
            "indicator": Indicator.SPEND_ESAT_EA,
            "value": "65000",
            "baseline_year": YEAR - 1,
            "baseline_value": "40000",
        },
    )
    target.refresh_from_db()
    assert target.value == Decimal(65_000)
    client.post(scene.url("target_delete", target=target.pk))
    assert not Target.objects.filter(pk=target.pk).exists()
    assert AuditEvent.objects.filter(action="steering.target_deleted").count() == 1


def test_moving_a_target_to_another_year_replaces_it_there(client, scene):
    target = services.set_target(
        scene.steward, scene.org, year=YEAR, indicator=Indicator.INSERTION_HOURS, value=100
    )
    client.force_login(scene.steward)
    client.post(
        scene.url("target_edit", target=target.pk),
        {"year": YEAR + 1, "indicator": Indicator.INSERTION_HOURS, "value": "150"},
    )
    assert list(Target.objects.values_list("year", "value")) == [(YEAR + 1, Decimal(150))]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"value": "beaucoup"}, "value", "« beaucoup » n&#x27;est pas un nombre"),
        ({"value": "-5"}, "value", "Un nombre positif ou nul est attendu."),
        (
            {"indicator": Indicator.SOCIAL_SHARE_COUNT, "value": "120"},
            "value",
            "un pourcentage entre 0 et 100",
        ),
        ({"baseline_year": YEAR - 1}, "baseline_value", "Indiquez l&#x27;année et la valeur de référence"),
        ({"baseline_year": YEAR, "baseline_value": "3"}, "baseline_year", "doit précéder l&#x27;année"),
        ({"year": "20x6"}, "year", "Saisissez une année sur quatre chiffres"),
        ({"value": ""}, "value", "Ce champ est obligatoire."),
    ],
)
def test_target_form_errors_are_in_french(client, scene, data, field, message):
    client.force_login(scene.steward)
    posted = {"year": YEAR, "indicator": Indicator.RESERVED_COUNT, "value": "3", **data}
    response = client.post(scene.url("target_create"), posted)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and f'id="id_{field}-error"' in page
    assert not Target.objects.exists()


def test_only_the_steward_writes_targets(client, scene):
    target = services.set_target(
        scene.steward, scene.org, year=YEAR, indicator=Indicator.RESERVED_COUNT, value=3
    )
    for role in (Role.READER, Role.ADMIN, Role.BUYER):
        client.force_login(scene.people[role])
        assert (
            client.post(
                scene.url("target_create"), {"year": YEAR, "indicator": "reserved_count", "value": "9"}
            ).status_code
            == 403
        )
        assert client.post(scene.url("target_edit", target=target.pk), {"value": "9"}).status_code == 403
        assert client.post(scene.url("target_delete", target=target.pk)).status_code == 403
        page = client.get(scene.url("targets")).content.decode()
        assert "Fixer une cible" not in page and 'data-cible="reserved_count-2026">3<' in page
    target.refresh_from_db()
    assert target.value == 3


# --- Buyer objectives -----------------------------------------------------------------------------------


def test_steward_defines_objectives_and_each_buyer_sees_theirs(client, scene):
    client.force_login(scene.steward)
    response = client.post(
        scene.url("objective_create"),
        {
            "year": YEAR,
            "indicator": ObjectiveIndicator.RESERVED_COUNT,
            "minimum": "1",
            "label": "Chaque acheteur passe au moins un marché réservé dans l'année.",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?year={YEAR}")
    client.post(
        scene.url("objective_create"),
        {
            "year": YEAR,
            "indicator": ObjectiveIndicator.SOCIAL_COUNT,
            "minimum": "1",
            "label": "Une clause au moins.",
        },
    )
    assert BuyerObjective.objects.filter(organisation=scene.org).count() == 2

    page = client.get(scene.url("objectives"), {"year": YEAR}).content.decode()
    _chart, table = chart_and_table(page, "graphique-objectifs", "tableau-acheteurs")
    aline = re.search(r"Aline Acheteuse</th>.*?</tr>", table, re.S).group(0)
    bruno = re.search(r"Bruno Bâtisseur</th>.*?</tr>", table, re.S).group(0)
    # Aline passed a reserved contract but none with a clause; Bruno the opposite.
    assert re.findall(r"(?:non )?atteint", aline)[:2] == ["atteint", "non atteint"]
    assert re.findall(r"(?:non )?atteint", bruno)[:2] == ["non atteint", "atteint"]
    assert "Acheteurs ayant atteint tous leurs objectifs : <strong>0 sur 2</strong>" in page

    client.force_login(scene.buyer)
    mine = client.get(scene.url("my_objectives"), {"year": YEAR}).content.decode()
    assert "Chaque acheteur passe au moins un marché réservé" in mine
    assert mine.count("objectif atteint") == 1 and mine.count("pas encore atteint") == 1
    assert "Bruno" not in mine


def test_objective_form_errors_and_edit(client, scene):
    client.force_login(scene.steward)
    page = client.post(
        scene.url("objective_create"),
        {"year": YEAR, "indicator": "reserved_count", "minimum": "un", "label": ""},
    ).content.decode()
    assert "Écrivez la phrase de l&#x27;objectif" in page and "n&#x27;est pas un nombre" in page
    objective = services.set_buyer_objective(
        scene.steward, scene.org, year=YEAR, indicator="reserved_count", minimum=1, label="Un marché réservé."
    )
    client.post(
        scene.url("objective_edit", objective=objective.pk),
        {
            "year": YEAR,
            "indicator": "reserved_count",
            "minimum": "2",
            "label": "Deux marchés réservés.",
            "service": scene.parks.pk,
        },
    )
    objective.refresh_from_db()
    assert (objective.minimum, objective.label, objective.service) == (
        2,
        "Deux marchés réservés.",
        scene.parks,
    )
    client.force_login(scene.people[Role.READER])
    assert client.post(scene.url("objective_delete", objective=objective.pk)).status_code == 403
    client.force_login(scene.steward)
    client.post(scene.url("objective_delete", objective=objective.pk))
    assert not BuyerObjective.objects.exists()


# --- Yearly report --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["pdf", "docx", "xlsx"])
def test_the_yearly_report_downloads_in_each_format(client, scene, fmt):
    services.set_target(scene.steward, scene.org, year=YEAR, indicator=Indicator.RESERVED_COUNT, value=4)
    client.force_login(scene.people[Role.READER])
    page = client.get(scene.url("report"), {"year": YEAR}).content.decode()
    assert f"?year={YEAR}&amp;format={fmt}" in page
    response = client.get(scene.url("report_download"), {"year": YEAR, "format": fmt})
    assert response.status_code == 200
    assert f'filename="bilan-spaser-{scene.org.slug}-{YEAR}.{fmt}"' in response["Content-Disposition"]
    content = response.content
    if fmt == "pdf":
        from pypdf import PdfReader

        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    elif fmt == "docx":
        from docx import Document

        text = "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)
        text += "\n".join(
            c.text for t in Document(io.BytesIO(content)).tables for r in t.rows for c in r.cells
        )
    else:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content))
        text = "\n".join(
            str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v
        )
    assert "Entretien des espaces verts" in text


def test_report_refuses_a_bad_format_in_french(client, scene):
    client.force_login(scene.steward)
    response = client.get(scene.url("report_download"), {"year": YEAR, "format": "odt"}, follow=True)
    assert "Sélectionnez un choix valide" in response.content.decode()
