"""Every clause page of the demo renders for the demo's facilitator and buyer (each state: on track, behind
with its alert, closed with its report, reservation), and the workspace lists them with what is late."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from levier.clauses.models import Clause, ClauseStatus
from levier.core.demo import DEMO_DOMAIN, load_demo


@pytest.mark.django_db
def test_demo_clause_pages_render_for_facilitator_and_buyer(client, monkeypatch):
    monkeypatch.setattr(
        "levier.core.demo.DEMO_STEPS",
        ["levier.plans.demo.seed", "levier.directory.demo.seed", "levier.clauses.demo.seed"],
    )
    load_demo()
    users = get_user_model().objects
    facilitator = users.get(email=f"facilitatrice@{DEMO_DOMAIN}")
    clauses = list(Clause.objects.select_related("organisation"))
    assert clauses
    for email in (f"facilitatrice@{DEMO_DOMAIN}", f"acheteuse@{DEMO_DOMAIN}"):
        client.force_login(users.get(email=email))
        for clause in clauses:
            kwargs = {"org": clause.organisation.slug, "clause": clause.pk}
            page = client.get(reverse("clauses:clause", kwargs=kwargs))
            assert page.status_code == 200, (email, clause)
            body = page.content.decode()
            if clause.status == ClauseStatus.CLOSED:
                assert "Bilan final" in body
            if clause.is_insertion and clause.declarations.exists():
                assert 'id="tableau-heures"' in body
            has_lines = clause.is_insertion and clause.declarations.filter(lines__isnull=False).exists()
            assert ('id="participants"' in body) == (email.startswith("facilitatrice") and has_lines)
        listing = client.get(reverse("clauses:list", kwargs={"org": clauses[0].organisation.slug}))
        assert listing.status_code == 200
    client.force_login(facilitator)
    workspace = client.get(reverse("facilitation:workspace")).content.decode()
    assert "En retard" in workspace
    behind = client.get(
        reverse("clauses:list", kwargs={"org": clauses[0].organisation.slug}), {"pace": "behind"}
    ).content.decode()
    assert behind.count('id="clause-') == 1
