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

from membership.imports.columns import COLUMNS, OPTIONAL, REQUIRED
from membership.imports.reader import ENCODING_LABELS
from membership.imports.services import (
    ImportRefused,
    claim_counts,
    import_max_bytes,
    member_import_commit,
    member_import_header,
    member_import_ignored_columns,
    member_import_map,
    member_import_mapping_offered,
    member_import_upload,
)
from membership.models import ImportSource, ImportState, MemberImport
from membership.permissions import membership_staff_required
from membership.tasks import member_import_claims_task

IMPORTS_PER_PAGE = 20
PROBLEMS_PER_PAGE = 100


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Export of the old system (CSV) or Excel workbook (XLSX)"),
        help_text=gettext_lazy(
            "CSV in UTF-8 (with or without byte-order mark), Windows-1252 or Latin-1; or the "
            "first sheet of an .xlsx workbook."
        ),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "Which system the file comes from, e.g. “iMIS export”: its column mapping is kept "
            "for the next file from the same source."
        ),
        widget=forms.TextInput(attrs={"list": "import-sources", "autocomplete": "off"}),
    )


class ImportColumnsForm(forms.Form):
    """One select per expected column, choosing the file's header that holds it."""

    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=100,
        help_text=gettext_lazy("The mapping is saved under this name for the next file."),
        widget=forms.TextInput(attrs={"list": "import-sources", "autocomplete": "off"}),
    )

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in header if h]
        for column in COLUMNS:
            label = f"{column} ({_('required')})" if column in REQUIRED else column
            self.fields[f"col_{column}"] = forms.ChoiceField(
                label=label, choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        return {c: self.cleaned_data.get(f"col_{c}", "") for c in COLUMNS}


def _list_context(form):
    imports = MemberImport.objects.defer("content", "problems").select_related("uploaded_by")
    return {
        "form": form,
        "imports": Paginator(imports, IMPORTS_PER_PAGE).get_page(1),
        "required": REQUIRED,
        "optional": OPTIONAL,
        "max_bytes": import_max_bytes(),
        "sources": ImportSource.objects.values_list("name", flat=True),
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
                    filename=upload.name,
                    data=upload.read(),
                    user=request.user,
                    source_name=form.cleaned_data["source"],
                )
            except ImportRefused as refused:
                form.add_error("file", str(refused))
                return render(
                    request, "membership/staff/import_list.html", _list_context(form), status=status
                )
            if member_import.state == ImportState.MAPPING:
                return redirect("membership:staff_import_columns", pk=member_import.pk)
            messages.success(request, _("Dry run done: nothing has been imported yet."))
            return redirect("membership:staff_import_detail", pk=member_import.pk)
        return render(request, "membership/staff/import_list.html", _list_context(form), status=400)
    return render(request, "membership/staff/import_list.html", _list_context(ImportUploadForm()))


@membership_staff_required
@require_GET
def import_detail(request, pk: int):
    member_import = get_object_or_404(MemberImport.objects.defer("content"), pk=pk)
    if member_import.state == ImportState.MAPPING:
        return redirect("membership:staff_import_columns", pk=pk)
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
@require_http_methods(["GET", "POST"])
def import_columns(request, pk: int):
    """The column-mapping step: each expected column to one of the file's headers."""
    member_import = get_object_or_404(MemberImport.objects.defer("problems"), pk=pk)
    if member_import.state != ImportState.MAPPING:
        return redirect("membership:staff_import_detail", pk=pk)
    header = member_import_header(member_import)
    status = 200
    if request.method == "POST":
        form = ImportColumnsForm(request.POST, header=header)
        if form.is_valid():
            problems = member_import_map(
                member_import=member_import,
                mapping=form.mapping(),
                source_name=form.cleaned_data["source"],
            )
            if not problems:
                messages.success(request, _("Dry run done: nothing has been imported yet."))
                return redirect("membership:staff_import_detail", pk=pk)
            for problem in problems:
                form.add_error(None, problem)
        status = 400
    else:
        offered = member_import_mapping_offered(member_import, header)
        initial = {f"col_{c}": h for c, h in offered.items()}
        initial["source"] = member_import.source_name
        form = ImportColumnsForm(initial=initial, header=header)
    context = {
        "imp": member_import,
        "form": form,
        "column_fields": [form[f"col_{c}"] for c in COLUMNS],
        "sources": ImportSource.objects.values_list("name", flat=True),
    }
    return render(request, "membership/staff/import_columns.html", context, status=status)


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
    if member_import.state == ImportState.MAPPING:
        messages.error(request, _("Map the file's columns before importing it."))
        return redirect("membership:staff_import_columns", pk=pk)
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
