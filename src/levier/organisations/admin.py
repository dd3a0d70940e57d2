from django.contrib import admin

from .models import Invitation, Membership, Organisation, OrganisationGroup, Service


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "code", "parent"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "siret", "slug"]
    list_filter = ["kind"]
    search_fields = ["name", "siret", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceInline]


@admin.register(OrganisationGroup)
class OrganisationGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "coordinator"]
    filter_horizontal = ["members"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "roles", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["user__email"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]
