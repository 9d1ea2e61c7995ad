"""Charging a saved card on a date: automatic renewals and later card installments.

Each charge is a `ScheduledCharge` row, unique by its key, so the daily job may run any number
of times. A notice goes out `card_notice_days` (a staff-edited `MembershipRules` number) before
the charge; on the day a Celery task charges the card off-session. A declined card is tried
again `card_retry_days` after the charge date (three retries within a week by default), telling
the member each time; then we stop and the membership follows
the normal grace → lapsed path. A card that needs the member's authentication gets them a link
to pay through Checkout.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import stripe as gateway
from billing.models import (
    ChargeKind,
    ChargeState,
    Installment,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentState,
    ScheduledCharge,
    StripeCustomer,
)
from billing.services import notices
from billing.services.invoices import DuesFacts, membership_invoice_issue
from billing.services.stripe_checkout import card_payment_close, card_payment_confirm
from membership.models import Membership, MembershipCategory, MembershipRules, Status

logger = logging.getLogger(__name__)

WAITING = (ChargeState.SCHEDULED, ChargeState.NOTICED)


def stripe_daily(*, on: dt.date) -> dict[str, int]:
    """Billing's card share of the daily job (its `card_charges` part)."""
    if not gateway.stripe_configured():
        return {}
    return {
        "card_renewals_scheduled": renewals_schedule(on=on),
        "card_installments_scheduled": installments_schedule(on=on),
        "card_charge_notices": charge_notices_send(on=on),
        "card_charges_started": charges_start(on=on),
    }


def renewals_schedule(*, on: dt.date) -> int:
    """Members with auto-renew whose membership ends within the card notice days get their renewal
    invoice now (it freezes the amount the notice names) and a charge on the end date."""
    memberships = Membership.objects.filter(
        member__stripe_customer__auto_renew=True,
        status__in=[Status.ACTIVE, Status.GRACE],
        paid_through_on__gte=on,
        paid_through_on__lte=on + dt.timedelta(days=MembershipRules.current().card_notice_days),
    ).select_related("member__user", "category")
    made = 0
    for membership in memberships:
        key = f"renewal-{membership.member_id}-{membership.paid_through_on.isoformat()}"
        if ScheduledCharge.objects.filter(key=key).exists():
            continue
        if Invoice.objects.filter(
            member_id=membership.member_id, status=InvoiceStatus.OPEN
        ).exists():
            continue  # the member is already renewing by hand
        last = (
            Invoice.objects.filter(member_id=membership.member_id, status=InvoiceStatus.PAID)
            .order_by("-paid_at")
            .first()
        )
        try:
            with transaction.atomic():
                invoice = membership_invoice_issue(
                    member=membership.member,
                    category=membership.category or MembershipCategory.objects.get(code="full"),
                    facts=renewal_facts(membership, last.facts if last else {}),
                    kind=InvoiceKind.RENEWAL,
                    on=on,
                    # Today's price: the schedule in effect on the day the card is charged.
                    quote_on=membership.paid_through_on,
                )
                ScheduledCharge.objects.create(
                    key=key,
                    kind=ChargeKind.RENEWAL,
                    member_id=membership.member_id,
                    invoice=invoice,
                    charge_on=membership.paid_through_on,
                    amount_cents=invoice.total_cents,
                )
        except ValidationError as error:  # dues can no longer be quoted: renew by hand
            logger.warning("No automatic renewal for member %s: %s", membership.member_id, error)
            continue
        made += 1
    return made


def renewal_facts(membership: Membership, last_facts: dict) -> DuesFacts:
    """The profile's current facts (the member may have changed them since the last payment);
    what the profile lacks falls back to the facts frozen on the last paid invoice."""
    member = membership.member
    current = {
        "position": member.position,
        "salary_cents": member.annual_salary_cents,
        "population": member.population,
        "budget_cents": member.general_fund_budget_cents,
        "small_community_attested": member.small_community_attested_on is not None,
    }
    merged = {
        key: value if value not in (None, "") else last_facts.get(key)
        for key, value in current.items()
    }
    merged["small_community_attested"] = bool(merged["small_community_attested"])
    return DuesFacts(**merged)


def installments_schedule(*, on: dt.date) -> int:
    """Later installments of an invoice whose first part was paid by card with the card saved
    are charged to that card on their due dates."""
    due = Installment.objects.filter(
        paid_at__isnull=True,
        number__gt=1,
        invoice__status=InvoiceStatus.OPEN,
        invoice__payments__gateway="stripe",
        invoice__payments__state=PaymentState.CONFIRMED,
        invoice__member__stripe_customer__payment_method_id__gt="",
        due_on__lte=on + dt.timedelta(days=MembershipRules.current().card_notice_days),
    ).select_related("invoice")
    made = 0
    for installment in due.distinct():
        _charge, created = ScheduledCharge.objects.get_or_create(
            key=f"installment-{installment.pk}",
            defaults={
                "kind": ChargeKind.INSTALLMENT,
                "member_id": installment.invoice.member_id,
                "invoice": installment.invoice,
                "installment": installment,
                "charge_on": installment.due_on,
                "amount_cents": installment.amount_cents,
            },
        )
        made += created
    return made


def charge_notices_send(*, on: dt.date) -> int:
    """The notice `card_notice_days` before each charge, naming amount and date, sent once."""
    with transaction.atomic():
        claimed = list(
            ScheduledCharge.objects.select_for_update(skip_locked=True)
            .filter(
                state=ChargeState.SCHEDULED,
                notice_sent_at__isnull=True,
                charge_on__lte=on + dt.timedelta(days=MembershipRules.current().card_notice_days),
            )
            .values_list("pk", flat=True)
        )
        ScheduledCharge.objects.filter(pk__in=claimed).update(
            notice_sent_at=timezone.now(), state=ChargeState.NOTICED
        )
        for charge_id in claimed:
            notices.card_charge_notice_queue(charge_id=charge_id, what="notice")
    return len(claimed)


def _charges_due(on: dt.date):
    from django.db.models import Q

    return ScheduledCharge.objects.filter(
        Q(state__in=WAITING, charge_on__lte=on)
        | Q(state=ChargeState.RETRYING, next_attempt_on__lte=on)
    )


def charges_start(*, on: dt.date) -> int:
    from billing.tasks import charge_saved_card

    ids = list(_charges_due(on).values_list("pk", flat=True))
    for charge_id in ids:
        # robust: a broker outage must not stop the rest; tomorrow's run finds it still due.
        transaction.on_commit(
            lambda pk=charge_id: charge_saved_card.delay(pk, on.isoformat()), robust=True
        )
    return len(ids)


def _attempt_claim(*, charge_id: int, on: dt.date) -> tuple[ScheduledCharge, Payment] | None:
    """Lock the charge and return the payment row for today's attempt: a pending one left by an
    interrupted run is reused, so its idempotency key makes Stripe answer the same again."""
    with transaction.atomic():
        charge = (
            _charges_due(on)
            .select_for_update(of=("self",))
            .select_related("invoice")
            .filter(pk=charge_id)
            .first()
        )
        if charge is None:
            return None
        invoice = charge.invoice
        if invoice is None or invoice.status != InvoiceStatus.OPEN:
            charge.state = ChargeState.CANCELLED
            charge.save(update_fields=["state"])
            return None
        if charge.installment_id and Installment.objects.get(pk=charge.installment_id).paid_at:
            charge.state = ChargeState.PAID
            charge.save(update_fields=["state"])
            return None
        payment = Payment.objects.filter(
            gateway="stripe", state=PaymentState.PENDING, gateway_ids__scheduled_charge=charge.pk
        ).first()
        if payment is None:
            customer = StripeCustomer.objects.get(member_id=charge.member_id)
            payment = Payment.objects.create(
                invoice=invoice,
                installment_id=charge.installment_id,
                gateway="stripe",
                state=PaymentState.PENDING,
                amount_cents=charge.amount_cents,
                gateway_ids={
                    "scheduled_charge": charge.pk,
                    "customer": customer.customer_id,
                    "payment_method": customer.payment_method_id,
                },
            )
        return charge, payment


def scheduled_charge_run(*, charge_id: int, on: dt.date) -> str:
    """One attempt at a saved-card charge (the Celery task's body). Safe to run twice: the
    second run finds the charge no longer due, or reuses the same payment row and key."""
    claimed = _attempt_claim(charge_id=charge_id, on=on)
    if claimed is None:
        return "not_due"
    charge, payment = claimed
    outcome = gateway.payment_intent_charge_off_session(
        payment_id=payment.pk,
        customer_id=payment.gateway_ids["customer"],
        payment_method_id=payment.gateway_ids["payment_method"],
        amount_cents=payment.amount_cents,
        metadata={"invoice_id": str(charge.invoice_id), "member_id": str(charge.member_id)},
    )
    if outcome.status == "succeeded":
        card_payment_confirm(
            payment_id=payment.pk,
            amount_cents=payment.amount_cents,
            currency="usd",
            payment_intent_id=outcome.payment_intent_id,
            charge_id=outcome.charge_id,
            card_brand=outcome.card_brand,
            card_last4=outcome.card_last4,
        )
        return "succeeded"
    if outcome.status == "processing":
        return "processing"  # payment_intent.succeeded or .payment_failed will follow
    return _attempt_failed(charge_id=charge.pk, payment=payment, on=on, outcome=outcome)


def _attempt_failed(*, charge_id, payment, on, outcome) -> str:
    with transaction.atomic():
        charge = ScheduledCharge.objects.select_for_update().get(pk=charge_id)
        closed = card_payment_close(
            payment_id=payment.pk, state=PaymentState.FAILED, note=outcome.message
        )
        # A second run of the same attempt (same payment row) finds it closed: count it once.
        if not closed or charge.state in (
            ChargeState.PAID,
            ChargeState.STOPPED,
            ChargeState.CANCELLED,
        ):
            return charge.state
        charge.attempts += 1
        charge.last_error = outcome.message or outcome.status
        if outcome.status == gateway.AUTHENTICATION_REQUIRED:
            charge.state, message = ChargeState.ACTION_REQUIRED, "authenticate"
        elif charge.attempts > len(retry_days := MembershipRules.current().card_retry_days):
            charge.state, message = ChargeState.STOPPED, "stopped"
        else:
            charge.state, message = ChargeState.RETRYING, "retry"
            charge.next_attempt_on = charge.charge_on + dt.timedelta(
                days=retry_days[charge.attempts - 1]
            )
        charge.save(update_fields=["state", "attempts", "last_error", "next_attempt_on"])
        notices.card_charge_notice_queue(charge_id=charge.pk, what=message)
    return charge.state


def pay_link(charge: ScheduledCharge) -> str:
    from django.conf import settings

    return settings.SITE_URL + reverse("stripe:pay", args=[charge.invoice.number])


@transaction.atomic
def auto_renew_set(*, member, on: bool) -> StripeCustomer | None:
    """The member switches automatic renewal on (needs a saved card) or off. Switching off also
    cancels a renewal charge not yet made; its invoice stays open to pay another way."""
    customer = StripeCustomer.objects.select_for_update().filter(member=member).first()
    if customer is None or (on and not customer.payment_method_id):
        raise ValidationError(
            _("Pay by card once with automatic renewal ticked to save a card for it.")
        )
    customer.auto_renew = on
    customer.auto_renew_changed_at = timezone.now()
    customer.save(update_fields=["auto_renew", "auto_renew_changed_at"])
    if not on:
        ScheduledCharge.objects.filter(
            member=member,
            kind=ChargeKind.RENEWAL,
            state__in=[*WAITING, ChargeState.RETRYING, ChargeState.ACTION_REQUIRED],
        ).update(state=ChargeState.CANCELLED)
    return customer
