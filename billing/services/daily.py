"""Billing's share of the daily job: installment notices, overdue installments, stale invoices."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Installment, Invoice, InvoiceKind, InvoiceStatus
from billing.services import notices
from billing.services.invoices import invoice_cancel
from membership.models import MembershipRules
from membership.services.lifecycle import term_end_early


def billing_daily_part(*, name: str, on: dt.date) -> dict[str, int]:
    """One of billing's parts of the daily job, by the name it is registered under."""
    rules = MembershipRules.current()
    if name == "installment_notices":
        return {"installment_notices": installment_notices_send(on=on, rules=rules)}
    if name == "installments_overdue":
        return {"installments_overdue": installments_overdue_handle(on=on, rules=rules)}
    if name == "join_invoices_expire":
        return {"join_invoices_closed": join_invoices_expire(on=on, rules=rules)}
    raise KeyError(name)


def installment_notices_send(*, on: dt.date, rules: MembershipRules) -> int:
    """Invoice each later installment `installment_notice_days` before it is due, once: the
    claim and its outbox messages commit together."""
    with transaction.atomic():
        due = list(
            Installment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("invoice__member__user")
            .filter(
                paid_at__isnull=True,
                notice_sent_at__isnull=True,
                number__gt=1,
                invoice__status=InvoiceStatus.OPEN,
                due_on__lte=on + dt.timedelta(days=rules.installment_notice_days),
            )
        )
        if not due:
            return 0
        Installment.objects.filter(pk__in=[i.pk for i in due]).update(notice_sent_at=timezone.now())
        for installment in due:
            notices.installment_notice_queue(installment=installment)
    return len(due)


def installments_overdue_handle(*, on: dt.date, rules: MembershipRules) -> int:
    """An installment unpaid `installment_overdue_days` after its due date ends the term early;
    the membership then follows the normal grace → lapsed path."""
    overdue = list(
        Installment.objects.select_related("invoice__term").filter(
            paid_at__isnull=True,
            overdue_handled_at__isnull=True,
            invoice__status=InvoiceStatus.OPEN,
            due_on__lte=on - dt.timedelta(days=rules.installment_overdue_days),
        )
    )
    for installment in overdue:
        with transaction.atomic():
            claimed = Installment.objects.filter(
                pk=installment.pk, overdue_handled_at__isnull=True
            ).update(overdue_handled_at=timezone.now())
            if claimed:
                term_end_early(
                    term=installment.invoice.term,
                    on=on,
                    reason=_("Installment %(n)s of %(number)s unpaid since %(due)s")
                    % {
                        "n": installment.number,
                        "number": installment.invoice.number,
                        "due": installment.due_on.isoformat(),
                    },
                )
    return len(overdue)


def join_invoices_expire(*, on: dt.date, rules: MembershipRules) -> int:
    """Close join invoices left unpaid for `join_invoice_expiry_days`, telling the member."""
    stale = list(
        Invoice.objects.select_related("member__user", "term__membership__member").filter(
            status=InvoiceStatus.OPEN,
            kind=InvoiceKind.JOIN,
            paid_cents=0,
            issued_on__lte=on - dt.timedelta(days=rules.join_invoice_expiry_days),
        )
    )
    closed = 0
    for invoice in stale:
        try:
            with transaction.atomic():
                invoice_cancel(
                    invoice=invoice,
                    by=None,
                    expired=True,
                    reason=_("Unpaid %(days)s days after it was issued.")
                    % {"days": rules.join_invoice_expiry_days},
                )
                notices.invoice_expired_queue(invoice=invoice)
        except ValidationError:  # paid or closed meanwhile by another run
            continue
        closed += 1
    return closed
