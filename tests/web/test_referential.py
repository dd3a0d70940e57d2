import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_referential_page_says_when_only_departements_are_known(client, make_user):
    client.force_login(make_user())
    body = client.get(reverse("referential:status")).content.decode()
    assert "Géographie au niveau du département seulement" in body
