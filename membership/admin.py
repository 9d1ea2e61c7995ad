from django import forms
from django.contrib import admin

from membership.models import Member
from membership.validators import HeaderSafeFieldsMixin


class MemberAdminForm(HeaderSafeFieldsMixin, forms.ModelForm):
    """The admin adds the model and fields; a member's name is in the welcome subject."""

    header_safe_fields = ("full_name", "job_title", "employer", "state_province")


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    form = MemberAdminForm
    list_display = ("member_number", "full_name", "position", "employer", "country")
    list_filter = ("position", "country")
    search_fields = ("full_name", "employer", "user__email")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    show_full_result_count = False
