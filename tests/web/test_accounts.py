import pytest
from django.core import mail
from django.urls import reverse

from levier.accounts.services import create_api_token, revoke_api_token, user_for_token

PASSWORD = "mot-de-passe-solide-2026"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user()
    assert user.password.startswith("argon2")


@pytest.mark.django_db
def test_login_then_logout(client, make_user):
    make_user("camille@exemple.invalid")
    response = client.post(
        reverse("accounts:login"), {"username": "camille@exemple.invalid", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


@pytest.mark.django_db
def test_wrong_password_message_is_french(client, make_user):
    make_user("camille@exemple.invalid")
    response = client.post(
        reverse("accounts:login"), {"username": "camille@exemple.invalid", "password": "faux"}
    )
    assert "Adresse électronique ou mot de passe incorrect" in response.content.decode()


@pytest.mark.django_db
def test_login_is_rate_limited(client, make_user, settings):
    make_user("camille@exemple.invalid")
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "camille@exemple.invalid", "password": "faux"})
    # Even the right password is refused once locked out.
    response = client.post(url, {"username": "camille@exemple.invalid", "password": PASSWORD})
    assert response.status_code == 429
    assert "temporairement bloquée" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(client, make_user):
    make_user("camille@exemple.invalid")
    client.post(reverse("accounts:password_reset"), {"email": "camille@exemple.invalid"})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/mot-de-passe/nouveau/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    new = "un-autre-mot-de-passe-2026"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    response = client.post(
        reverse("accounts:login"), {"username": "camille@exemple.invalid", "password": new}
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_api_tokens_store_only_a_hash(make_user):
    user = make_user()
    token, raw = create_api_token(user, "export")
    assert raw not in token.key_hash and raw.startswith("lev_")
    assert user_for_token(raw) == user
    revoke_api_token(user, token.pk)
    assert user_for_token(raw) is None
