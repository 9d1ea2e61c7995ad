"""Staff-editable lists (areas, partners) and read-mostly views of the pool for the admin.

State changes (consent, pause, withdraw, engagements) go through the pages and their
services, so the admin shows those rows read-only.
"""

from django.contrib import admin

from experts.forms import PartnerOrganizationAdminForm
from experts.models import (
    AssistanceRequest,
    ConsentText,
    DossierExport,
    Engagement,
    ExpertiseArea,
    ExpertProfile,
    PartnerOrganization,
)


@admin.register(ExpertiseArea)
class ExpertiseAreaAdmin(admin.ModelAdmin):
    list_display = ("name", "name_zh", "slug", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "name_zh")

    def has_delete_permission(self, request, obj=None):
        # Each area owns a bit of every profile's area mask; retire it (untick) instead.
        return False


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(admin.ModelAdmin):
    form = PartnerOrganizationAdminForm
    list_display = ("name", "name_zh", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "name_zh")


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("version", "published_at", "published_by")
    readonly_fields = ("version", "body", "body_zh", "published_at", "published_by")

    def has_add_permission(self, request):
        # New versions are published from the staff page, which numbers them.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "paused_for_lapse", "consent_text", "updated_at")
    list_filter = ("status", "paused_for_lapse")
    search_fields = ("member__full_name", "member__user__email", "name_zh")
    list_select_related = ("member__user", "consent_text")
    show_full_result_count = False
    exclude = ("cv",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AssistanceRequest)
class AssistanceRequestAdmin(admin.ModelAdmin):
    list_display = ("title", "title_zh", "partner", "status", "starts_on", "experts_wanted")
    list_filter = ("status", "partner")
    search_fields = ("title", "title_zh")
    list_select_related = ("partner",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ("request", "profile", "status", "shortlisted_at", "invited_at")
    list_filter = ("status",)
    list_select_related = ("request", "profile__member__user")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(DossierExport)
class DossierExportAdmin(admin.ModelAdmin):
    list_display = (
        "request",
        "exported_by",
        "exported_at",
        "format",
        "language",
        "expert_count",
    )
    list_select_related = ("request", "exported_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
