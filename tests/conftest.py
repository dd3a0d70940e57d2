"""Test-wide set-up: the database the suite runs on, and factories shared by the web tests.

The suite runs on SQLite by default. `scripts/test.sh` runs it again on PostgreSQL (required when
LEVIER_TEST_POSTGRES_URL is set) with LEVIER_TEST_DB_ONLY=1, so that only the tests touching the database
run twice.
"""

import os

import pytest

DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "client", "admin_client"}


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(DB_FIXTURES & set(item.fixturenames))


def pytest_collection_modifyitems(config, items):
    if os.environ.get("LEVIER_TEST_DB_ONLY") != "1":
        return
    kept = [item for item in items if uses_database(item)]
    config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
    items[:] = kept


def pytest_sessionstart(session):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    # PostgreSQL was asked for: if it does not answer, the run fails rather than silently skipping.
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    # The test database is created by the run itself: check the server through its maintenance database.
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        psycopg.connect(maintenance, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        raise pytest.UsageError(f"PostgreSQL demandé ({url}) mais injoignable : {error}") from error


@pytest.fixture(autouse=True)
def _data_dir(request):
    """A Django test writes its data folder (benchmark store, exports, uploaded files, demo files) into its
    own `tmp_path`, never into the developer's. A test may point `settings.DATA_DIR` elsewhere itself;
    tests without Django are left alone."""
    if not (uses_database(request.node) or "settings" in request.fixturenames):
        return
    request.getfixturevalue("settings").DATA_DIR = request.getfixturevalue("tmp_path")


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    counter = {"n": 0}

    def make(email=None, password="mot-de-passe-solide-2026", **extra):
        counter["n"] += 1
        email = email or f"personne{counter['n']}@exemple.invalid"
        return get_user_model().objects.create_user(email=email, password=password, **extra)

    return make


@pytest.fixture
def make_org(db):
    from levier.organisations.models import Organisation

    sirets = iter(["21999000100014", "22899000200013", "13099000300019", "27599000400010", "13099000500014"])

    def make(slug, name=None, kind="commune"):
        return Organisation.objects.create(
            slug=slug, name=name or slug.title(), kind=kind, siret=next(sirets)
        )

    return make


@pytest.fixture
def member(db):
    from levier.organisations.models import Membership

    def add(user, org, *roles):
        return Membership.objects.create(user=user, organisation=org, roles=sorted(str(r) for r in roles))

    return add
