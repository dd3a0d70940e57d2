"""A sourcing list belongs to one organisation; its entries point at structures of the shared directory.

A list may be tied to a planned purchase of the same organisation (the services check it) or stand on its
own, for a need not yet in the plan. Each entry carries the buyer's follow-up of one candidate.
"""

from django.conf import settings
from django.db import models


class Interest(models.TextChoices):
    UNKNOWN = "", "Pas encore de réponse"
    YES = "yes", "Intéressée"
    NO = "no", "Pas intéressée"


class SourcingList(models.Model):
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.CASCADE,
        related_name="sourcing_lists",
        verbose_name="organisation",
    )
    title = models.CharField("intitulé", max_length=200)
    purchase = models.ForeignKey(
        "plans.PlannedPurchase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sourcing_lists",
        verbose_name="achat prévu",
    )
    description = models.TextField("description du besoin", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "liste de sourçage"
        verbose_name_plural = "listes de sourçage"
        ordering = ["-updated_at", "pk"]
        indexes = [models.Index(fields=["organisation", "-updated_at"])]

    def __str__(self):
        return self.title


class SourcingEntry(models.Model):
    sourcing_list = models.ForeignKey(
        SourcingList, on_delete=models.CASCADE, related_name="entries", verbose_name="liste"
    )
    structure = models.ForeignKey(
        "directory.Structure",
        on_delete=models.CASCADE,
        related_name="sourcing_entries",
        verbose_name="structure",
    )
    contacted = models.BooleanField("contactée", default=False)
    contacted_on = models.DateField("contactée le", null=True, blank=True)
    interest = models.CharField(
        "intérêt", max_length=3, choices=Interest.choices, blank=True, default=Interest.UNKNOWN
    )
    answered_on = models.DateField("réponse le", null=True, blank=True)
    capacity_confirmed = models.BooleanField("capacité confirmée", default=False)
    comment = models.TextField("commentaire", blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "structure candidate"
        verbose_name_plural = "structures candidates"
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["sourcing_list", "structure"], name="unique_sourcing_entry")
        ]

    def __str__(self):
        return f"{self.sourcing_list} : {self.structure}"
