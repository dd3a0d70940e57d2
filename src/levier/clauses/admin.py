"""Django admin for clauses. Participants and declaration lines are deliberately absent: every read of
participant data goes through personal_data.py, which checks the role and writes the audit trail."""

from django.contrib import admin

from .models import Award, AwardHolder, Clause, ClauseSettings, DeclarationImport, DocumentTemplate


class AwardHolderInline(admin.TabularInline):
    model = AwardHolder
    extra = 0
    fields = ["role", "name", "siret", "structure", "inclusive", "kinds", "amount_ht"]
    readonly_fields = ["structure", "inclusive", "kinds"]


@admin.register(Clause)
class ClauseAdmin(admin.ModelAdmin):
    list_display = [
        "purchase",
        "lot",
        "kind",
        "article",
        "status",
        "hours_required",
        "start_date",
        "end_date",
    ]
    list_filter = ["organisation", "kind", "status"]
    search_fields = ["purchase__reference", "purchase__object"]
    readonly_fields = ["hours_computed", "hours_explanation", "final_report", "closed_at"]


@admin.register(Award)
class AwardAdmin(admin.ModelAdmin):
    list_display = ["clause", "awarded_on", "amount_ht", "bids", "inclusive_bids"]
    list_filter = ["organisation"]
    inlines = [AwardHolderInline]


@admin.register(ClauseSettings)
class ClauseSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "names_allowed",
        "admins_see_participants",
        "retention_months",
        "alert_threshold",
    ]


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind", "title", "updated_at"]
    list_filter = ["organisation", "kind"]


@admin.register(DeclarationImport)
class DeclarationImportAdmin(admin.ModelAdmin):
    list_display = ["organisation", "clause", "file_name", "status", "created_at"]
    list_filter = ["organisation", "status"]
    readonly_fields = ["report", "file_sha256"]
