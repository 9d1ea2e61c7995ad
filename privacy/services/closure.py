"""Closing a member's account: personal data erased at once, financial records kept.

What is erased, anonymised and kept, and for how long, is set out in
docs/decisions/012-member-data-rights.md. Everything happens in one transaction, labelled
"account closure" in the history (membership/history.py), and ends with an `AccountClosure`
row and an entry in the audit trail.
"""

import datetime as dt

import pghistory
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.history import SOURCE_ACCOUNT_CLOSURE, history_context, history_is_recorded
from membership.models import Member, Membership, MembershipRules
from membership.services.audit import audit_record
from privacy.models import AccountClosure
from privacy.services.scrub import ERASED, Needles, scrub_rows

# Member fields that stay: they are not about the person, or the row needs them.
MEMBER_KEPT_FIELDS = frozenset({"id", "user", "country", "created_at", "updated_at"})
# Bill-to snapshot fields on an invoice: the organisation and purchase order stay (they name
# the paying body, which the books need); a postal address and an e-mail may be a person's.
INVOICE_ERASED_FIELDS = ("bill_to_address", "bill_to_email", "bill_to_name")


class ClosureError(Exception):
    pass


def closed_email(member) -> str:
    """A unique address that can never be delivered (`.invalid` is reserved, RFC 2606)."""
    return f"closed-{member.member_number.lower()}@invalid"


def account_is_closed(member) -> bool:
    return AccountClosure.objects.filter(member=member).exists()


def retention_end(closed_on: dt.date, years: int) -> dt.date:
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:  # 29 February
        return closed_on.replace(year=closed_on.year + years, day=28)


def _needles(member, user) -> Needles:
    from allauth.account.models import EmailAddress

    strings = [user.email, user.username, user.first_name, user.last_name]
    strings += list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    name = member.full_name or ""
    strings += [name, *[part for part in name.split() if len(part) >= 4]]
    for field in Member._meta.concrete_fields:
        if field.name in MEMBER_KEPT_FIELDS or field.get_internal_type() not in (
            "CharField",
            "TextField",
        ):
            continue
        if field.choices:
            continue
        strings.append(getattr(member, field.attname) or "")
    return Needles(strings, member.annual_salary_cents)


def _erase_expert(member, counts) -> list[dict]:
    from experts.models import ExpertConsent, ExpertProfile
    from experts.storage import DatabaseStorage, cv_backend

    facts = [
        {"version": version, "consented_at": at.isoformat()}
        for version, at in ExpertConsent.objects.filter(profile__member=member)
        .order_by("consented_at")
        .values_list("consent_text__version", "consented_at")
    ]
    profile = ExpertProfile.objects.filter(member=member).first()
    if profile is None:
        return facts
    if profile.cv.name:
        name = profile.cv.name
        backend = cv_backend()
        if isinstance(backend, DatabaseStorage):
            backend.delete(name)  # a row: gone with this transaction
        else:
            transaction.on_commit(lambda: backend.delete(name))
        counts["cv_files"] = 1
    profile.delete()
    counts["expert_profile"] = 1
    return facts


def _erase_messages(user, emails, placeholder, counts) -> None:
    from communications.models import (
        MessageState,
        OutgoingAttachment,
        OutgoingMessage,
        Suppression,
    )

    q = Q(user=user)
    for email in emails:
        q |= Q(to__iexact=email)
    messages = OutgoingMessage.objects.filter(q)
    OutgoingAttachment.objects.filter(message__in=messages).delete()
    # Bulk-mail copies are outbox rows too: their address, text and headers go with the rest.
    counts["messages"] = messages.update(
        to=placeholder,
        subject=ERASED,
        body_text="",
        body_html="",
        context={},
        headers={},
        last_error="",
    )
    # The suppression list holds the address itself: a closed account needs no entry.
    suppressed = Q(user=user)
    for email in emails:
        suppressed |= Q(email__iexact=email)
    counts["suppressions"] = Suppression.objects.filter(suppressed).delete()[0]
    # Nothing more goes out to a closed account.
    OutgoingMessage.objects.filter(
        user=user, state__in=[MessageState.QUEUED, MessageState.SENDING]
    ).update(state=MessageState.FAILED, last_error="account closed")


def _erase_billing(member, needles, counts) -> None:
    from billing.models import (
        ChargeState,
        Invoice,
        InvoiceLine,
        Payment,
        Refund,
        ScheduledCharge,
        StripeCustomer,
        StripeEvent,
    )

    invoices = Invoice.objects.filter(member=member)
    invoice_fields = {f.name for f in Invoice._meta.concrete_fields}
    for invoice in invoices.select_for_update():
        facts = dict(invoice.facts or {})
        facts = {k: (None if "salary" in k else v) for k, v in facts.items()}
        invoice.facts = facts
        invoice.close_reason = needles.text(invoice.close_reason)
        update = ["facts", "close_reason"]
        for name in INVOICE_ERASED_FIELDS:
            if name in invoice_fields:
                setattr(invoice, name, "")
                update.append(name)
        invoice.save(update_fields=update)
    counts["invoices_kept"] = invoices.count()
    scrub_rows(InvoiceLine.objects.filter(invoice__member=member), needles)
    payments = Payment.objects.filter(invoice__member=member)
    payments.update(raw={})
    scrub_rows(payments, needles, skip=("raw",))
    scrub_rows(Refund.objects.filter(payment__invoice__member=member), needles)
    StripeCustomer.objects.filter(member=member).update(
        card_label="", payment_method_id="", auto_renew=False
    )
    # No card is charged for a closed account.
    counts["charges_cancelled"] = ScheduledCharge.objects.filter(
        member=member,
        state__in=[
            ChargeState.SCHEDULED,
            ChargeState.NOTICED,
            ChargeState.RETRYING,
            ChargeState.ACTION_REQUIRED,
        ],
    ).update(state=ChargeState.CANCELLED)
    scrub_rows(StripeEvent.objects.filter(payment__invoice__member=member), needles)


def _erase_membership_texts(member, user, needles) -> None:
    from django.contrib.admin.models import LogEntry

    from membership.models import AuditEntry, MembershipTerm, WaiverRequest

    scrub_rows(MembershipTerm.objects.filter(membership__member=member), needles)
    WaiverRequest.objects.filter(member=member).update(reason=ERASED)
    scrub_rows(WaiverRequest.objects.filter(member=member), needles)
    scrub_rows(
        AuditEntry.objects.filter(
            Q(object_type="membership.member", object_id=str(member.pk)) | Q(actor=user)
        ),
        needles,
    )
    scrub_rows(
        LogEntry.objects.filter(Q(user=user) | Q(object_id__in=[str(member.pk), str(user.pk)])),
        needles,
    )


# How each tracked model's history rows lead to the member: (event model, column, parent).
HISTORY_CHAIN = (
    ("membership.MembershipEvent", "member_id", None),
    ("membership.MembershipTermEvent", "membership_id", "membership.MembershipEvent"),
    ("billing.InvoiceEvent", "member_id", None),
    ("billing.PaymentEvent", "invoice_id", "billing.InvoiceEvent"),
    ("billing.RefundEvent", "payment_id", "billing.PaymentEvent"),
)


def member_history_rows(member) -> dict:
    """The history (pghistory event) rows of the member's memberships, terms, invoices,
    payments and refunds, deleted objects included, by event model."""
    found, obj_ids = {}, {}
    for label, column, parent in HISTORY_CHAIN:
        model = apps.get_model(label)
        if parent is None:
            rows = model.objects.filter(**{column: member.pk})
        else:
            rows = model.objects.filter(**{f"{column}__in": obj_ids[parent]})
        found[model] = rows
        obj_ids[label] = set(rows.values_list("pgh_obj_id", flat=True))
    return found


def _scrub_history(member, needles, counts) -> None:
    total = 0
    for model, rows in member_history_rows(member).items():
        fields = {f.name for f in model._meta.concrete_fields}
        erase = {name: "" for name in INVOICE_ERASED_FIELDS if name in fields}
        if erase:
            rows.update(**erase)
        total += scrub_rows(rows, needles)
    counts["history_rows_scrubbed"] = total


def _erase_account(user, placeholder, counts) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    counts["email_addresses"] = EmailAddress.objects.filter(user=user).delete()[0]
    counts["authenticators"] = Authenticator.objects.filter(user=user).delete()[0]
    stale = []
    for session in Session.objects.iterator(chunk_size=1000):
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            stale.append(session.session_key)
    counts["sessions"] = Session.objects.filter(session_key__in=stale).delete()[0]
    user.email = placeholder
    user.username = placeholder
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()


def account_close(*, member, actor, by_staff: bool, reason: str = "") -> AccountClosure:
    """Close `member`'s account at once (see the module's docstring)."""
    with transaction.atomic(), history_context(source=SOURCE_ACCOUNT_CLOSURE):
        member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
        if AccountClosure.objects.filter(member=member).exists():
            raise ClosureError(_("This account is already closed."))
        if by_staff and not reason.strip():
            raise ClosureError(_("Write why the account is being closed."))
        user = member.user
        if getattr(actor, "pk", None) == user.pk:
            actor = user  # the row erased below, not the request's copy of the old values
        needles = _needles(member, user)
        placeholder = closed_email(member)
        addresses = EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        emails = {user.email, *addresses}
        counts: dict = {}

        consent_facts = _erase_expert(member, counts)
        _erase_messages(user, emails, placeholder, counts)
        _erase_billing(member, needles, counts)
        _erase_membership_texts(member, user, needles)

        for field in Member._meta.concrete_fields:
            if field.name in MEMBER_KEPT_FIELDS:
                continue
            if field.null:
                setattr(member, field.attname, None)
            elif field.get_internal_type() in ("CharField", "TextField", "EmailField"):
                setattr(member, field.attname, "")
        member.save()
        _erase_account(user, placeholder, counts)
        _scrub_history(member, needles, counts)

        membership = Membership.objects.filter(member=member).first()
        if membership is not None and history_is_recorded():
            pghistory.create_event(membership, label="account_closure")
        years = MembershipRules.current().financial_retention_years
        closure = AccountClosure.objects.create(
            member=member,
            member_number=member.member_number,
            closed_by=actor if getattr(actor, "is_authenticated", False) else None,
            by_staff=by_staff,
            reason=reason.strip(),
            retain_until=retention_end(timezone.localdate(), years),
            erased=counts,
            consent_facts=consent_facts,
        )
        audit_record(
            actor=actor,
            action="close_account",
            obj=member,
            changes={
                "by_staff": [None, by_staff],
                "retain_until": [None, str(closure.retain_until)],
            },
        )
    return closure
