import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from levier.core.models import AuditEvent
from levier.organisations import selectors, services
from levier.organisations.models import Membership, Organisation, Service
from levier.organisations.roles import Role


@pytest.mark.django_db
def test_siret_is_validated(make_org):
    org = Organisation(slug="x", name="X", kind="commune", siret="21999000100015")
    with pytest.raises(ValidationError):
        org.full_clean()


@pytest.mark.django_db
def test_service_tree_is_depth_first(make_org):
    org = make_org("ville")
    d1 = Service.objects.create(organisation=org, name="Direction A")
    Service.objects.create(organisation=org, name="Bureau A1", parent=d1)
    Service.objects.create(organisation=org, name="Direction B")
    assert [(depth, s.name) for depth, s in selectors.service_tree(org)] == [
        (0, "Direction A"),
        (1, "Bureau A1"),
        (0, "Direction B"),
    ]


@pytest.mark.django_db
def test_service_cannot_be_its_own_ancestor(make_org):
    org = make_org("ville")
    parent = Service.objects.create(organisation=org, name="A")
    child = Service.objects.create(organisation=org, name="B", parent=parent)
    parent.parent = child
    with pytest.raises(ValidationError):
        parent.full_clean()


@pytest.mark.django_db
def test_only_admins_invite(make_org, make_user, member):
    org = make_org("ville")
    buyer = make_user()
    member(buyer, org, Role.BUYER)
    with pytest.raises(PermissionDenied):
        services.invite_member(buyer, org, "x@exemple.invalid", [Role.READER])


@pytest.mark.django_db(transaction=True)
def test_invitation_is_mailed_by_the_worker_and_accepted(client, make_org, make_user, member):
    org = make_org("ville", "Ville de Test")
    admin = make_user("admin@exemple.invalid")
    member(admin, org, Role.ADMIN)
    invitation = services.invite_member(admin, org, "Nouveau@Exemple.invalid", [Role.BUYER, Role.READER])
    assert mail.outbox == []  # queued, not yet sent
    call_command("worker", "--batch")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nouveau@exemple.invalid"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitation/" in line)
    path = link[link.index("/invitation/") :]
    assert path == reverse("core:invitation_accept", kwargs={"invitation_key": invitation.raw_token})
    password = "mot-de-passe-solide-2026"
    response = client.post(
        path, {"first_name": "Nina", "last_name": "Neuve", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nouveau@exemple.invalid")
    assert membership.roles == ["buyer", "reader"]
    assert client.get(reverse("org:home", kwargs={"org": org.slug})).status_code == 200
    assert AuditEvent.objects.filter(action="membership.join", organisation=org).exists()


@pytest.mark.django_db
def test_admin_assigns_roles_from_the_ui(client, make_org, make_user, member):
    org = make_org("ville")
    admin, other = make_user(), make_user()
    member(admin, org, Role.ADMIN)
    m = member(other, org, Role.READER)
    client.force_login(admin)
    url = reverse("organisations:member_edit", kwargs={"org": org.slug, "membership": m.pk})
    response = client.post(url, {"action": "roles", "roles": ["buyer", "facilitator"]})
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.roles == ["buyer", "facilitator"]
    event = AuditEvent.objects.get(action="membership.roles")
    assert event.details == {"before": ["reader"], "after": ["buyer", "facilitator"]}


@pytest.mark.django_db
def test_admin_cannot_remove_own_admin_role(make_org, make_user, member):
    org = make_org("ville")
    admin = make_user()
    m = member(admin, org, Role.ADMIN)
    with pytest.raises(ValidationError):
        services.set_member_roles(admin, m, [Role.BUYER])


@pytest.mark.django_db
def test_non_admin_gets_403_on_members_page(client, make_org, make_user, member):
    org = make_org("ville")
    buyer = make_user()
    member(buyer, org, Role.BUYER)
    client.force_login(buyer)
    assert client.get(reverse("organisations:members", kwargs={"org": org.slug})).status_code == 403


@pytest.mark.django_db
def test_facilitator_sees_only_their_organisations(client, make_org, make_user, member):
    a, b, c = make_org("a", "Org A"), make_org("b", "Org B"), make_org("c", "Org C")
    facilitator = make_user()
    member(facilitator, a, Role.FACILITATOR)
    member(facilitator, b, Role.FACILITATOR)
    assert set(selectors.organisations_of(facilitator)) == {a, b}
    client.force_login(facilitator)
    page = client.get(reverse("core:home")).content.decode()
    assert "Org A" in page and "Org B" in page and "Org C" not in page
    assert client.get(reverse("org:home", kwargs={"org": c.slug})).status_code == 404
    assert client.get(reverse("core:switch_organisation"), {"org": c.slug}).status_code == 404
    assert client.get(reverse("core:switch_organisation"), {"org": b.slug}).status_code == 302


@pytest.mark.django_db
def test_deactivated_membership_loses_access(client, make_org, make_user, member):
    org = make_org("ville")
    user = make_user()
    m = member(user, org, Role.BUYER)
    m.is_active = False
    m.save()
    client.force_login(user)
    assert client.get(reverse("org:home", kwargs={"org": org.slug})).status_code == 404


@pytest.mark.django_db
def test_home_shows_the_sections_of_each_role(client, make_org, make_user, member):
    org = make_org("ville")
    steward = make_user()
    member(steward, org, Role.STEWARD)
    client.force_login(steward)
    page = client.get(reverse("org:home", kwargs={"org": org.slug})).content.decode()
    assert "Pilotage" in page and "Référent achats responsables" in page


@pytest.mark.django_db
def test_admin_pages_render(client, make_org, make_user, member):
    org = make_org("ville")
    Service.objects.create(organisation=org, name="Direction des finances")
    admin = make_user()
    m = member(admin, org, Role.ADMIN)
    client.force_login(admin)
    members = client.get(reverse("organisations:members", kwargs={"org": org.slug})).content.decode()
    assert "Inviter une personne" in members and "Administrateur" in members
    edit = client.get(reverse("organisations:member_edit", kwargs={"org": org.slug, "membership": m.pk}))
    assert 'name="roles"' in edit.content.decode()
    services_page = client.get(reverse("organisations:services", kwargs={"org": org.slug})).content.decode()
    assert "Direction des finances" in services_page and "Ajouter un service" in services_page
    assert (
        "Groupements"
        in client.get(reverse("organisations:groups", kwargs={"org": org.slug})).content.decode()
    )
