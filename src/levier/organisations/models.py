from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from levier.rules.siret import normalize_siret

from .roles import Role


def validate_siret(value: str) -> None:
    check = normalize_siret(value)
    if check.status != "valid":
        raise ValidationError(check.message_fr)


class OrganisationKind(models.TextChoices):
    COMMUNE = "commune", "Commune"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    EPT_EPCI = "ept_epci", "EPT / EPCI"
    CENTRALE_ACHAT = "centrale_achat", "Centrale d'achat"
    HOPITAL = "hopital", "Hôpital"
    ETAT = "etat", "État"
    GIP = "gip", "GIP"
    AUTRE = "autre", "Autre"


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "organisation"
        verbose_name_plural = "organisations"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        check = normalize_siret(self.siret)
        if check.value:
            self.siret = check.value
        super().save(*args, **kwargs)


class Service(models.Model):
    """A direction or service of an organisation; services nest (direction > service > bureau)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="parent",
    )
    name = models.CharField("nom", max_length=200)
    code = models.CharField("code", max_length=30, blank=True)

    class Meta:
        verbose_name = "service"
        verbose_name_plural = "services"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "parent", "name"], name="unique_service_name"),
            # NULL parents never compare equal in SQL: top-level names need their own constraint.
            models.UniqueConstraint(
                fields=["organisation", "name"],
                condition=models.Q(parent__isnull=True),
                name="unique_top_level_service_name",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.parent_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError({"parent": "Le service parent doit appartenir à la même organisation."})
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": "Un service ne peut pas être son propre ancêtre."})
            node = node.parent

    @property
    def path(self) -> str:
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " › ".join(reversed(names))


class OrganisationGroup(models.Model):
    """Organisations that pool purchases (groupement de commandes)."""

    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    description = models.TextField("objet du groupement", blank=True)
    coordinator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="coordinated_groups",
        verbose_name="coordonnateur",
    )
    members = models.ManyToManyField(Organisation, related_name="organisation_groups", verbose_name="membres")

    class Meta:
        verbose_name = "groupement"
        verbose_name_plural = "groupements"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    roles = models.JSONField("rôles", default=list)
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="service de rattachement",
    )
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "appartenance"
        verbose_name_plural = "appartenances"
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership"),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation}"

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in self.roles if r in Role.values]


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("adresse électronique")
    roles = models.JSONField("rôles", default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"
