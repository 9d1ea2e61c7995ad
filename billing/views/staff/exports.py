"""The member export: staff start it from the member search; a worker writes the file while
its page shows the progress; the file is downloaded once the job is done.

Each job belongs to the staff member who started it: another account, staff or not, gets 404
for it (the same answer as for a job that does not exist)."""

from django.contrib import messages
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.models import MemberExport
from billing.services.member_exports import (
    ExportNotReady,
    member_export_checked,
    member_export_content,
    member_export_filename,
    member_export_progress,
    member_export_start,
    member_export_stop,
)
from billing.staff_forms import MemberSearchForm
from billing.staff_selectors import MemberFilters, member_categories
from membership.permissions import membership_staff_required


def _filters_shown(export: MemberExport) -> dict:
    return {k: v for k, v in MemberFilters.from_dict(export.filters).as_dict().items() if v}


def _own_export(request, pk: int) -> MemberExport:
    return get_object_or_404(MemberExport, pk=pk, requested_by=request.user)


@membership_staff_required
@require_POST
def member_export_new(request):
    """Start an export of the members the search in the query string matches."""
    form = MemberSearchForm(request.GET or None, categories=member_categories())
    export = member_export_start(filters=form.filters(), user=request.user)
    return redirect("billing_staff:member_export_detail", export.pk)


@membership_staff_required
@require_GET
def member_export_detail(request, pk: int):
    export = _own_export(request, pk)
    context = {
        "export": export,
        "progress": member_export_progress(export),
        "filters": _filters_shown(export),
    }
    return render(request, "billing/staff/member_export.html", context)


@membership_staff_required
@require_GET
def member_export_progress_json(request, pk: int):
    return JsonResponse(member_export_progress(_own_export(request, pk)))


@membership_staff_required
@require_POST
def member_export_stop_view(request, pk: int):
    export = _own_export(request, pk)
    if member_export_stop(export=export):
        messages.success(request, _("The export was stopped; no file was kept."))
    else:
        messages.info(request, _("This export had already finished."))
    return redirect("billing_staff:member_export_detail", export.pk)


@membership_staff_required
@require_GET
def member_export_download(request, pk: int):
    """The file, only when the job is done and whole; otherwise the job's page with the
    reason, answered 409 so that no script takes it for the file."""
    export = _own_export(request, pk)
    try:
        member_export_checked(export)
    except ExportNotReady as refused:
        context = {
            "export": export,
            "progress": member_export_progress(export),
            "filters": _filters_shown(export),
            "refused": str(refused),
        }
        return render(request, "billing/staff/member_export.html", context, status=409)
    response = StreamingHttpResponse(
        member_export_content(export), content_type="text/csv; charset=utf-8"
    )
    # The length lets every client see a transfer cut short as a failed download.
    response["Content-Length"] = str(export.size_bytes)
    response["Content-Disposition"] = f'attachment; filename="{member_export_filename(export)}"'
    response["X-Export-Rows"] = str(export.rows_written)
    response["X-Export-SHA256"] = export.sha256
    return response
