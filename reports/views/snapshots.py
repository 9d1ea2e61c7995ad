"""The Refresh button of a report page served from a snapshot."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from membership.permissions import membership_staff_required
from reports.models import ReportSnapshot
from reports.views.pages import report_pages


@membership_staff_required
@require_POST
def refresh_report(request):
    """Ask for a page's figures to be computed again now rather than at the next sweep. The
    request is a row first (`refresh_requested_at`, which the sweep also picks up), then a
    task; every snapshotted page is a membership staff page."""
    try:
        snapshot = ReportSnapshot.objects.get(pk=int(request.POST.get("snapshot", "")))
    except (ValueError, ReportSnapshot.DoesNotExist) as error:
        raise Http404 from error
    if snapshot.page not in report_pages():
        raise Http404
    ReportSnapshot.objects.filter(pk=snapshot.pk).update(refresh_requested_at=timezone.now())

    def enqueue(pk=snapshot.pk):
        from reports.tasks import refresh_report_snapshot

        refresh_report_snapshot.delay(pk)

    transaction.on_commit(enqueue, robust=True)
    messages.info(
        request,
        _("The figures are being computed again from the records; reload in a minute."),
    )
    url = reverse(f"reports:{snapshot.page}")
    return redirect(f"{url}?{snapshot.query}" if snapshot.query else url)
