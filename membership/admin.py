from django.contrib import admin

from membership.models import Member


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("member_number", "full_name", "position", "employer", "country")
    list_filter = ("position", "country")
    search_fields = ("full_name", "employer", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    show_full_result_count = False
