"""Staff screens for the e-mail templates: list, edit with preview and test send, history."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communications.forms import TemplateEditForm
from communications.models import TemplateVersion
from communications.services.templates import (
    TemplateRefused,
    default_sources,
    template_preview,
    template_revert,
    template_test_send,
    template_version_save,
)
from communications.templating.library import SAFE_FILTERS, SAFE_TAGS
from communications.templating.registry import SITE, SPECS, spec_get
from membership.permissions import membership_staff_required

HISTORY_SHOWN = 20


def _preview_member(request, number: str):
    """The member a preview is rendered for, as plain facts; staff see only what they may."""
    from billing.staff_selectors import member_for_staff
    from membership.models import Member

    if number:
        try:
            member = member_for_staff(member_number=number, user=request.user)
        except Http404:
            return None
    else:
        member = Member.objects.select_related("user").order_by("pk").first()
        if member is None:
            return {"display_name": "Sample Member", "member_number": "M-000000"}
    return {"display_name": member.display_name, "member_number": member.member_number}


@membership_staff_required
def template_list(request):
    active = {
        v.key: v for v in TemplateVersion.objects.filter(active=True).select_related("created_by")
    }
    rows = [{"spec": spec, "version": active.get(spec.key)} for spec in SPECS]
    return render(request, "communications/staff/template_list.html", {"rows": rows})


@membership_staff_required
@require_http_methods(["GET", "POST"])
def template_edit(request, key: str):
    spec = spec_get(key)
    if spec is None:
        raise Http404
    active = TemplateVersion.objects.filter(key=key, active=True).first()
    if active is not None:
        initial = {
            "subject": active.subject,
            "body_text": active.body_text,
            "body_html": active.body_html,
        }
    else:
        subject, body = default_sources(spec)
        initial = {"subject": subject, "body_text": body}
    form = TemplateEditForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        action = request.POST.get("action", "preview")
        draft = {
            "subject": data["subject"],
            "body_text": data["body_text"],
            "body_html": data["body_html"],
        }
        member = _preview_member(request, data["member_number"].strip())
        try:
            if member is None:
                form.add_error(
                    "member_number", _("No member has that number. Check it and try again.")
                )
            elif action == "save":
                template_version_save(key=key, user=request.user, **draft)
                messages.success(request, _("Saved. The next “%s” e-mails use it.") % spec.label)
                return redirect("communications_staff:template_edit", key)
            elif action == "test":
                template_test_send(key=key, user=request.user, member=member, **draft)
                messages.success(
                    request, _("A test is on its way to %(to)s.") % {"to": request.user.email}
                )
                preview = template_preview(key=key, member=member, **draft)
            else:
                preview = template_preview(key=key, member=member, **draft)
        except TemplateRefused as refused:
            form.add_error(None, str(refused))
    history = list(
        TemplateVersion.objects.filter(key=key).select_related("created_by")[:HISTORY_SHOWN]
    )
    variables = sorted({**spec.variables, **SITE}.items())
    return render(
        request,
        "communications/staff/template_edit.html",
        {
            "spec": spec,
            "form": form,
            "active": active,
            "preview": preview,
            "history": history,
            "variables": variables,
            "safe_filters": SAFE_FILTERS + ("cents",),
            "safe_tags": SAFE_TAGS,
        },
    )


@membership_staff_required
@require_POST
def template_revert_view(request, key: str, version_id: int):
    if not 0 < version_id < 2**63:
        raise Http404
    version = get_object_or_404(TemplateVersion, key=key, pk=version_id)
    try:
        template_revert(version=version, user=request.user)
    except TemplateRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Version %(id)s is current again.") % {"id": version.pk})
    return redirect("communications_staff:template_edit", key)
