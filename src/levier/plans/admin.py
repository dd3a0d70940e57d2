from django.contrib import admin

from .models import FieldChange, ImportMapping, Lot, Plan, PlanImport, PlannedPurchase, Transition


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0
    fields = ["number", "title", "estimated_amount", "cpv", "reservation"]


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    fields = ["at", "step", "from_status", "to_status", "actor", "comment", "reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["organisation", "year", "version", "updated_at"]
    list_filter = ["organisation", "year"]


@admin.register(PlannedPurchase)
class PlannedPurchaseAdmin(admin.ModelAdmin):
    list_display = ["reference", "object", "plan", "status", "estimated_amount", "procedure", "published_at"]
    list_filter = ["plan__organisation", "plan__year", "status", "nature", "procedure_overridden"]
    search_fields = ["reference", "object", "service_label"]
    raw_id_fields = ["service", "buyer", "facilitator"]
    inlines = [LotInline, TransitionInline]


@admin.register(FieldChange)
class FieldChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "purchase", "label", "old_value", "new_value", "actor", "source"]
    list_filter = ["source"]
    raw_id_fields = ["purchase", "lot", "plan_import"]


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ["organisation", "header", "field", "amount_basis", "updated_at"]
    list_filter = ["organisation"]


@admin.register(PlanImport)
class PlanImportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organisation",
        "year",
        "file_name",
        "status",
        "created",
        "updated",
        "errors",
    ]
    list_filter = ["organisation", "status"]
    exclude = ["content"]
