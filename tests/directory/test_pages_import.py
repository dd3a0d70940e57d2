"""The import page: upload, preview by the task worker, confirm, status that updates itself, twice."""

import html

import pytest
from django.test import override_settings
from django.urls import reverse

from levier.directory.models import ImportRun, Structure
from levier.organisations.roles import Role
from tests.paths import GEIQ_FILE as GEIQ

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def people(make_org, make_user, member):
    org = make_org("ville-a")
    people = {}
    for role in (Role.ADMIN, Role.FACILITATOR, Role.BUYER):
        people[role] = make_user(f"{role}@exemple.invalid")
        member(people[role], org, role)
    return org, people


def upload(client, org, path, source="geiq"):
    with open(path, "rb") as handle:
        return client.post(
            reverse("directory:import", kwargs={"org": org.slug}),
            {"source": source, "file": handle, "source_date": "2019-11-01"},
        )


@override_settings(TASKS=IMMEDIATE)
def test_upload_preview_confirm_and_reimport(client, people, django_capture_on_commit_callbacks):
    org, users = people
    client.force_login(users[Role.FACILITATOR])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, org, GEIQ)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.report["state"] == "previewed" and Structure.objects.count() == 0
    status_url = response["Location"]
    page = html.unescape(client.get(status_url).content.decode())
    assert "Aperçu : rien n'est encore enregistré." in page and "Confirmer l'import" in page
    preview = run.report["preview"]
    assert preview["created"] > 100
    # Rows the reader rejected are listed with their French reason.
    for error in preview["errors"][:3]:
        assert str(error["message"]) in page
    # The page polls itself while the worker runs, and htmx gets the status fragment alone.
    fragment = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="etat-import"') and "<html" not in fragment
    with django_capture_on_commit_callbacks(execute=True):
        client.post(status_url)
    run.refresh_from_db()
    assert run.report["state"] == "done", run.report.get("failure")
    created = Structure.objects.count()
    assert created == preview["created"] and run.report["result"]["created"] == created
    assert "Import terminé" in client.get(status_url).content.decode()
    # The same file again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(client, org, GEIQ)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(second["Location"])
    last = ImportRun.objects.filter(status=ImportRun.Status.PREVIEW).order_by("-pk").first()
    assert last.report["result"]["created"] == 0 and Structure.objects.count() == created


@override_settings(TASKS=IMMEDIATE)
def test_unreadable_file_is_reported_and_cannot_be_confirmed(
    client, people, tmp_path, django_capture_on_commit_callbacks
):
    org, users = people
    garbage = tmp_path / "liste.csv"
    garbage.write_bytes(b"\x00\x01 pas un fichier de GEIQ\n;;;\n")
    client.force_login(users[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, org, garbage)
    run = ImportRun.objects.get()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert run.report["state"] == "previewed" and run.report["preview"]["ok"] is False
    assert "rien n'a été importé" in page
    assert "Confirmer l'import" not in page
    client.post(response["Location"])
    assert Structure.objects.count() == 0


def test_empty_upload_and_roles(client, people, tmp_path):
    org, users = people
    empty = tmp_path / "vide.csv"
    empty.write_bytes(b"")
    client.force_login(users[Role.ADMIN])
    body = upload(client, org, empty).content.decode()
    assert "fr-error-text" in body and ImportRun.objects.count() == 0
    client.force_login(users[Role.BUYER])
    assert upload(client, org, GEIQ).status_code == 403
    # A run is shown only to whoever started it.
    client.force_login(users[Role.FACILITATOR])
    upload(client, org, GEIQ)
    run = ImportRun.objects.get()
    client.force_login(users[Role.ADMIN])
    url = reverse("directory:import_status", kwargs={"org": org.slug, "import_run": run.pk})
    assert client.get(url).status_code == 404
