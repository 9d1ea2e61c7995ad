"""Staff screens of the member import: upload and dry run, the report, commit, claim e-mails."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from membership.imports.columns import OPTIONAL, REQUIRED
from membership.imports.reader import ENCODING_LABELS
from membership.imports.services import (
    ImportRefused,
    claim_counts,
    import_max_bytes,
    member_import_commit,
    member_import_ignored_columns,
    member_import_upload,
)
from membership.models import ImportState, MemberImport
from membership.permissions import membership_staff_required
from membership.tasks import member_import_claims_task

IMPORTS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 100


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Export of the old system (CSV)"),
        help_text=gettext_lazy("UTF-8 (with or without byte-order mark), Windows-1252 or Latin-1."),
    )


def _list_context(form):
    imports = MemberImport.objects.defer("content", "problems").select_related("uploaded_by")
    return {
        "form": form,
        "imports": Paginator(imports, IMPORTS_PER_PAGE).get_page(1),
        "required": REQUIRED,
        "optional": OPTIONAL,
        "max_bytes": import_max_bytes(),
    }


@membership_staff_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            status = 400
            try:
                if upload.size > import_max_bytes():
                    status = 413
                    raise ImportRefused(
                        _(
                            "The file is %(size)s bytes; the limit is %(limit)s. Split the "
                            "export into smaller files and import them one after the other."
                        )
                        % {"size": f"{upload.size:,}", "limit": f"{import_max_bytes():,}"}
                    )
                member_import = member_import_upload(
                    filename=upload.name, data=upload.read(), user=request.user
                )
            except ImportRefused as refused:
                form.add_error("file", str(refused))
                return render(
                    request, "membership/staff/import_list.html", _list_context(form), status=status
                )
            messages.success(request, _("Dry run done: nothing has been imported yet."))
            return redirect("membership:staff_import_detail", pk=member_import.pk)
        return render(request, "membership/staff/import_list.html", _list_context(form), status=400)
    return render(request, "membership/staff/import_list.html", _list_context(ImportUploadForm()))


@membership_staff_required
@require_GET
def import_detail(request, pk: int):
    member_import = get_object_or_404(MemberImport.objects.defer("content"), pk=pk)
    problems = Paginator(member_import.problems or [], PROBLEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "imp": member_import,
        "encoding_label": ENCODING_LABELS.get(member_import.encoding, member_import.encoding),
        "problems": problems,
        "ignored_columns": member_import_ignored_columns(member_import),
        "busy": member_import.state in (ImportState.QUEUED, ImportState.RUNNING),
        "claims": claim_counts(member_import),
        "claim_batch": settings.MEMBER_IMPORT_CLAIM_BATCH,
    }
    return render(request, "membership/staff/import_detail.html", context)


@membership_staff_required
@require_GET
def import_progress(request, pk: int):
    member_import = get_object_or_404(MemberImport.objects.defer("content", "problems"), pk=pk)
    return JsonResponse(
        {
            "state": member_import.state,
            "rows_done": member_import.rows_done,
            "rows_total": member_import.rows_total,
            "percent": member_import.progress_percent,
            "members_created": member_import.members_created,
        }
    )


@membership_staff_required
@require_POST
def import_commit(request, pk: int):
    member_import = get_object_or_404(MemberImport.objects.defer("content", "problems"), pk=pk)
    if member_import_commit(member_import=member_import, user=request.user):
        messages.success(request, _("The import has started. This page shows its progress."))
    else:
        messages.info(request, _("This import is already running."))
    return redirect("membership:staff_import_detail", pk=pk)


@membership_staff_required
@require_POST
def import_claims(request, pk: int):
    member_import = get_object_or_404(MemberImport.objects.defer("content", "problems"), pk=pk)
    if member_import.state != ImportState.DONE:
        messages.error(request, _("Send the claim e-mails once the import has finished."))
    else:
        batch = settings.MEMBER_IMPORT_CLAIM_BATCH
        member_import_claims_task.delay(member_import.pk, batch)
        messages.success(
            request,
            _("Up to %(n)s claim e-mails are being queued; send the next batch afterwards.")
            % {"n": batch},
        )
    return redirect("membership:staff_import_detail", pk=pk)
