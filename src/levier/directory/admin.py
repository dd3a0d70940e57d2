"""Django admin for the directory: read-mostly views for support; edits belong to editing.py (audited)."""

from django.contrib import admin

from .models import ImportRun, SourcingNote, Structure, StructureKind, StructureSector, StructureSource


class KindInline(admin.TabularInline):
    model = StructureKind
    extra = 0
    fields = ["kind", "family", "source"]
    readonly_fields = fields


class SectorInline(admin.TabularInline):
    model = StructureSector
    extra = 0
    fields = ["sector", "group", "inferred", "source"]
    readonly_fields = fields


class SourceInline(admin.TabularInline):
    model = StructureSource
    extra = 0
    fields = ["source", "key", "data", "last_run"]
    readonly_fields = fields


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    list_display = ["name", "siret", "finess", "departement", "city", "is_active"]
    list_filter = ["is_active", "kinds__kind", "departement"]
    search_fields = ["name", "brand", "siret", "finess", "city"]
    readonly_fields = ["provenance", "search_text", "created_at", "updated_at"]
    inlines = [KindInline, SectorInline, SourceInline]

    def has_change_permission(self, request, obj=None):
        # A change here would bypass the manual-edit marker and the audit log of editing.py.
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "source", "file_name", "source_date", "status", "user"]
    list_filter = ["source", "status"]
    readonly_fields = [f.name for f in ImportRun._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SourcingNote)
class SourcingNoteAdmin(admin.ModelAdmin):
    list_display = ["structure", "organisation", "topic", "occurred_on", "author"]
    list_filter = ["organisation", "topic"]
