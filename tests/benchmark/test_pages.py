"""The benchmark page and API routes: members of any organisation read the national data."""

import pytest

from levier.benchmark.store import BenchmarkStore
from levier.organisations.roles import Role
from tests.benchmark import factory


@pytest.fixture
def loaded_dir(tmp_path):
    records = factory.contracts(120)
    factory.write(tmp_path / "decp.json", records)
    BenchmarkStore(tmp_path / "benchmark").import_files([tmp_path / "decp.json"])
    return records


@pytest.fixture
def reader(client, make_org, make_user, member):
    org = make_org("ville")
    user = make_user()
    member(user, org, Role.READER)
    client.force_login(user)
    return org


def test_page_without_data_says_how_to_load_it(client, reader):
    response = client.get(f"/o/{reader.slug}/benchmark/")
    assert response.status_code == 200
    assert "levier benchmark import" in response.content.decode()


def test_page_shows_charts_tables_and_similar_contracts(client, reader, loaded_dir):
    response = client.get(f"/o/{reader.slug}/benchmark/", {"cpv": "909", "objet": "nettoyage des bureaux"})
    page = response.content.decode()
    assert response.status_code == 200
    cleaning = [r for r in loaded_dir if r["codeCPV"].startswith("909")]
    assert f"CPV 909&nbsp;: {len(cleaning)} marchés" in page
    assert '<svg class="levier-chart" id="graphique-region"' in page
    assert "<caption>Considérations sociales par région d&#x27;exécution</caption>" in page
    assert "Marchés semblables attribués ailleurs" in page and "Nettoyage des locaux" in page
    assert "Marchés gagnés par des structures inclusives" in page


def test_a_wrong_cpv_is_refused_in_french(client, reader, loaded_dir):
    response = client.get(f"/o/{reader.slug}/benchmark/", {"cpv": "99"})
    assert "la division 99 n&#x27;existe pas" in response.content.decode()


def test_navigation_links_to_the_page(client, reader, loaded_dir):
    page = client.get(f"/o/{reader.slug}/").content.decode()
    assert f'href="/o/{reader.slug}/benchmark/"' in page


def test_api_stats_and_similar(client, reader, loaded_dir):
    stats = client.get(f"/api/v1/orgs/{reader.slug}/benchmark/stats", {"cpv": "45"}).json()
    works = [r for r in loaded_dir if r["codeCPV"].startswith("45")]
    assert stats["ensemble"]["marches"] == len(works)
    assert set(stats["dimensions"]) >= {"cpv_group", "region", "amount_band", "year"}
    bad = client.get(f"/api/v1/orgs/{reader.slug}/benchmark/stats", {"cpv": "99"})
    assert bad.status_code == 422
    similar = client.get(
        f"/api/v1/orgs/{reader.slug}/benchmark/similar",
        {"texte": "nettoyage", "cpv": "90910000", "limite": 3},
    ).json()
    assert len(similar) == 3 and all(item["objet"] == "Nettoyage des locaux" for item in similar)


def test_api_refuses_other_organisations(client, reader, loaded_dir, make_org):
    other = make_org("ailleurs")
    assert client.get(f"/api/v1/orgs/{other.slug}/benchmark/stats").status_code in (403, 404)
    assert client.get(f"/o/{other.slug}/benchmark/").status_code in (403, 404)
