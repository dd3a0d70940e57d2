import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from levier.accounts.models import User
from levier.organisations.models import Membership, Organisation, OrganisationGroup, Service
from levier.organisations.roles import Role


def snapshot():
    return (
        sorted(Organisation.objects.values_list("slug", "name", "siret")),
        sorted(Service.objects.values_list("organisation__slug", "name", "parent__name")),
        sorted(User.objects.values_list("email", "password")),
        sorted((m.user.email, m.organisation.slug, tuple(m.roles)) for m in Membership.objects.all()),
        sorted(OrganisationGroup.objects.values_list("slug", "members__slug")),
    )


@pytest.mark.django_db
def test_demo_covers_every_role_and_running_it_twice_changes_nothing():
    call_command("demo", "--no-serve")
    first = snapshot()
    call_command("demo", "--no-serve")
    assert snapshot() == first
    roles = {r for m in Membership.objects.all() for r in m.roles}
    assert roles == set(Role.values)
    city = Organisation.objects.get(kind="commune")
    assert city.services.filter(parent=None).count() == 5
    assert Organisation.objects.filter(kind="departement").exists()
    assert Organisation.objects.filter(kind="centrale_achat").exists()
    assert OrganisationGroup.objects.get().members.count() == 2
    facilitators = Membership.objects.filter(user__email__startswith="facilitatrice")
    assert facilitators.count() == 2


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    # The browser tests relax Django's async-safety check in this process; production never does.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        LEVIER_PRODUCTION="1",
        SECRET_KEY="k" * 64 + "-production-test-secret-key-not-for-use",
        ALLOWED_HOSTS="levier.exemple.fr",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        LEVIER_DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-m", "levier", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(LEVIER_PRODUCTION="1", LEVIER_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "levier", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
