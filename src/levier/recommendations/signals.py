"""A directory import that finishes screens every plan again (the capable candidates may have changed)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from levier.directory.models import ImportRun


@receiver(post_save, sender=ImportRun, dispatch_uid="recommendations.rescreen_after_import")
def rescreen_after_import(sender, instance: ImportRun, created: bool, raw: bool = False, **kwargs):
    if raw or instance.status != ImportRun.Status.DONE:
        return
    from .rescreen import rescreen_screened

    # Only organisations that have been screened at least once: the others screen on first view.
    rescreen_screened(f"Annuaire mis à jour ({instance.get_source_display()})")
