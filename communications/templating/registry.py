"""Every e-mail the portal sends, by key, with the named variables its template may use.

A key maps to the file template that is its default (`billing/email/receipt`); a staff-written
version of the key replaces the file when it is active. Variables are dotted paths; `lines[]`
marks a list whose items have the fields listed after it (`lines[].label`). Only these paths
reach a staff-written template, as plain strings, numbers and dates, never model instances.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MEMBER = {
    "member.display_name": _("The member's name as shown on the portal"),
    "member.member_number": _("The member number"),
}
SITE = {"site_url": _("The portal's address, e.g. https://members.icma.org")}
INVOICE = {
    "invoice.number": _("Invoice number"),
    "invoice.total_cents": _("Invoice total in cents (use |cents)"),
}
CHARGE = {
    "lines[].label": _("Each line of the renewal quote (inside {% for line in lines %})"),
    "lines[].amount_cents": _("Each line's amount in cents"),
    "charge.amount_cents": _("Amount to charge in cents (use |cents)"),
    "charge.charge_on": _("Date of the charge"),
    "charge.kind": _("'renewal' or 'installment'"),
    "charge.installment.number": _("Installment number (installment charges)"),
    "charge.attempts": _("Attempts so far"),
    "charge.last_error": _("The card's decline reason"),
    "charge.next_attempt_on": _("Date of the next attempt"),
    "pay_link": _("Link to pay on Stripe's page"),
}
REMINDER = {
    "term.category.name": _("The membership category"),
    "term.end_on": _("The end date of the term"),
    "days_left": _("Days until the end date"),
    "in_grace": _("True once the term has ended (grace period)"),
}


@dataclass(frozen=True)
class TemplateSpec:
    key: str
    label: str
    file_template: str
    variables: dict
    # Values used in a preview where the member has no such thing (an invoice, a charge).
    sample: dict = field(default_factory=dict)
    # Bulk mail and other messages not about the member's own account or money.
    marketing: bool = False
    # Used while the key has no file template yet (subject, body).
    fallback: tuple[str, str] = ("", "")

    def names(self) -> set[str]:
        return set(self.variables) | set(SITE)


_SAMPLE_INVOICE = {"invoice": {"number": "INV-2027-000123", "total_cents": 97500}}
_SAMPLE_CHARGE = {
    "charge": {
        "amount_cents": 48750,
        "charge_on": dt.date(2027, 7, 1),
        "kind": "renewal",
        "installment": {"number": 2},
        "attempts": 2,
        "last_error": "Your card was declined.",
        "next_attempt_on": dt.date(2027, 7, 3),
    },
    "pay_link": "https://members.icma.org/billing/pay/sample/",
    "lines": [{"label": "0.65 % of $150,000.00", "amount_cents": 97500}],
}


def _reminder(window: str, label) -> TemplateSpec:
    days = 0 if window == "grace" else int(window)
    return TemplateSpec(
        key=f"reminder-{window}",
        label=label,
        file_template="membership/email/reminder",
        variables={**MEMBER, **REMINDER},
        sample={
            "term": {"category": {"name": "Full member"}, "end_on": dt.date(2027, 6, 30)},
            "days_left": days,
            "in_grace": window == "grace",
        },
    )


SPECS: tuple[TemplateSpec, ...] = (
    _reminder("60", _("Renewal reminder, 60 days before")),
    _reminder("30", _("Renewal reminder, 30 days before")),
    _reminder("7", _("Renewal reminder, 7 days before")),
    _reminder("grace", _("Renewal reminder, in grace")),
    TemplateSpec(
        key="welcome",
        label=_("Welcome after e-mail verification"),
        file_template="membership/email/welcome",
        variables=MEMBER,
    ),
    TemplateSpec(
        key="invoice",
        label=_("Invoice"),
        file_template="billing/email/invoice",
        variables={
            **MEMBER,
            **INVOICE,
            "invoice.get_kind_display": _("Kind of invoice (Join, Renewal)"),
            "invoice.category_name": _("Category invoiced"),
            "invoice.installment_count": _("Number of installments"),
            "invoice.schedule_name": _("Dues schedule used"),
            "invoice.schedule_effective_from": _("Date the schedule took effect"),
            "lines[].label": _("Each invoice line's text (inside {% for line in lines %})"),
            "lines[].amount_cents": _("Each invoice line's amount in cents"),
        },
        sample={
            "invoice": {
                **_SAMPLE_INVOICE["invoice"],
                "get_kind_display": "Renewal",
                "category_name": "Full member",
                "installment_count": 1,
                "schedule_name": "Dues 2027",
                "schedule_effective_from": dt.date(2026, 10, 1),
            },
            "lines": [{"label": "0.65 % of $150,000.00", "amount_cents": 97500}],
        },
    ),
    TemplateSpec(
        key="receipt",
        label=_("Receipt"),
        file_template="billing/email/receipt",
        variables={
            **MEMBER,
            **INVOICE,
            "invoice.status": _("'paid' once nothing is due"),
            "invoice.balance_cents": _("Balance still due in cents"),
            "payment.amount_cents": _("Amount received in cents"),
            "payment.reference": _("Cheque or payment reference"),
        },
        sample={
            "invoice": {**_SAMPLE_INVOICE["invoice"], "status": "paid", "balance_cents": 0},
            "payment": {"amount_cents": 97500, "reference": "CHQ 1042"},
        },
    ),
    TemplateSpec(
        key="installment",
        label=_("Installment notice"),
        file_template="billing/email/installment",
        variables={
            **MEMBER,
            **INVOICE,
            "invoice.installment_count": _("Number of installments"),
            "installment.number": _("This installment's number"),
            "installment.due_on": _("Due date"),
            "installment.amount_cents": _("Amount due in cents"),
        },
        sample={
            "invoice": {**_SAMPLE_INVOICE["invoice"], "installment_count": 2},
            "installment": {"number": 2, "due_on": dt.date(2027, 1, 1), "amount_cents": 48750},
        },
    ),
    *(
        TemplateSpec(
            key=f"card_{what}",
            label=label,
            file_template=f"billing/email/card_{what}",
            variables={**MEMBER, **INVOICE, **CHARGE},
            sample={**_SAMPLE_INVOICE, **_SAMPLE_CHARGE},
        )
        for what, label in (
            ("notice", _("Card charge notice")),
            ("retry", _("Card charge failed, will retry")),
            ("stopped", _("Card charge failed, stopped")),
            ("authenticate", _("Card charge needs the bank's confirmation")),
        )
    ),
    TemplateSpec(
        key="expired",
        label=_("Join invoice closed unpaid"),
        file_template="billing/email/expired",
        variables={**MEMBER, **INVOICE, "invoice.issued_on": _("Date the invoice was issued")},
        sample={"invoice": {**_SAMPLE_INVOICE["invoice"], "issued_on": dt.date(2027, 1, 5)}},
    ),
    TemplateSpec(
        key="employer_invoice",
        label=_("Invoice sent to an employer's accounts payable"),
        file_template="billing/email/employer_invoice",
        variables={
            "document.number": _("Invoice number (a member's or a consolidated invoice)"),
            "document.balance_cents": _("Amount due in cents (use |cents)"),
            "document.due_on": _("Date to pay by"),
            "document.purchase_order_number": _("The employer's purchase-order number, if any"),
            "bill_to.organisation": _("The organisation billed"),
        },
        sample={
            "document": {
                "number": "INV-2027-000123",
                "balance_cents": 240000,
                "due_on": dt.date(2027, 2, 4),
                "purchase_order_number": "4471",
            },
            "bill_to": {"organisation": "City of Riverbend"},
        },
    ),
    TemplateSpec(
        key="waiver_decision",
        label=_("Waiver decision"),
        file_template="membership/email/waiver_decision",
        variables={
            **MEMBER,
            "waiver.status": _("'approved' or 'declined'"),
            "waiver.requested_at": _("When the member asked"),
            "waiver.term.start_on": _("First day the waiver covers (approved)"),
            "waiver.term.end_on": _("Last day the waiver covers (approved)"),
            "waiver.decision_note": _("Staff's note to the member"),
        },
        sample={
            "waiver": {
                "status": "approved",
                "requested_at": dt.date(2027, 1, 4),
                "term": {"start_on": dt.date(2027, 1, 5), "end_on": dt.date(2027, 7, 4)},
                "decision_note": "",
            },
        },
    ),
    TemplateSpec(
        key="claim_account",
        label=_("Claim your account"),
        file_template="membership/email/claim_account",
        variables={**MEMBER, "claim_url": _("The one-time link to set a password")},
        sample={"claim_url": "https://members.icma.org/accounts/claim/sample/"},
        fallback=(
            "Your ICMA portal account is ready to claim",
            "Dear {{ member.display_name }},\n\nICMA has a portal account for you (member "
            "number {{ member.member_number }}). Choose your password here:\n{{ claim_url }}"
            "\n\nICMA Membership\nmembership@icma.org\n",
        ),
    ),
    TemplateSpec(
        key="dues_change",
        label=_("Your dues are changing (sent when a schedule is published)"),
        file_template="membership/email/dues_change",
        variables={
            **MEMBER,
            "effective_on": _("The date the new dues apply from"),
            "schedule_name": _("The new dues schedule"),
            "before_total_cents": _("Dues today in cents (use |cents)"),
            "after_total_cents": _("Dues from that date in cents"),
            "change_cents": _("The difference in cents (negative when less)"),
            "before_lines[].label": _("Each line of the quote today (loop over before_lines)"),
            "before_lines[].amount_cents": _("Each line's amount in cents"),
            "after_lines[].label": _("Each line of the new quote (loop over after_lines)"),
            "after_lines[].amount_cents": _("Each line's amount in cents"),
        },
        sample={
            "effective_on": dt.date(2027, 10, 1),
            "schedule_name": "Dues 2028",
            "before_total_cents": 97500,
            "after_total_cents": 105000,
            "change_cents": 7500,
            "before_lines": [{"label": "0.65% of $150,000.00", "amount_cents": 97500}],
            "after_lines": [{"label": "0.7% of $150,000.00", "amount_cents": 105000}],
        },
        fallback=(
            "Your ICMA dues change on {{ effective_on|date }}",
            "Dear {{ member.display_name }},\n\n"
            "ICMA's dues change on {{ effective_on|date }} ({{ schedule_name }}). "
            "Here is what that means for you.\n\n"
            "Your dues today:\n{% for line in before_lines %}  {{ line.label }}: "
            "{{ line.amount_cents|cents }}\n{% endfor %}  Total: {{ before_total_cents|cents }}"
            "\n\nFrom {{ effective_on|date }}:\n{% for line in after_lines %}  "
            "{{ line.label }}: {{ line.amount_cents|cents }}\n{% endfor %}  Total: "
            "{{ after_total_cents|cents }}\n\nThe new amount applies to renewals and invoices "
            "issued from that date; invoices already issued do not change.\n\n"
            "Member number: {{ member.member_number }}\n\nICMA Membership\n"
            "membership@icma.org\n",
        ),
    ),
    TemplateSpec(
        key="expert_invitation",
        label=_("Expert invitation"),
        file_template="experts/email/invitation",
        variables={
            **MEMBER,
            "request.partner.name": _("The partner asking (SAFEA, a province...)"),
            "request.title": _("The request's title"),
            "request.place": _("Where"),
            "request.starts_on": _("First day"),
            "request.ends_on": _("Last day"),
            "request.get_engagement_type_display": _("Kind of engagement"),
            "invitation_url": _("Link to accept or decline"),
        },
        sample={
            "request": {
                "partner": {"name": "CAIEP"},
                "title": "Performance management workshop",
                "place": "Yangzhou",
                "starts_on": dt.date(2027, 5, 10),
                "ends_on": dt.date(2027, 5, 11),
                "get_engagement_type_display": "Workshop",
            },
            "invitation_url": "https://members.icma.org/experts/invitations/1/",
        },
    ),
    TemplateSpec(
        key="expert_paused",
        label=_("Expert profile paused for lapse"),
        file_template="experts/email/paused_for_lapse",
        variables={**MEMBER, "pool_url": _("Link to the expert profile page")},
        sample={"pool_url": "https://members.icma.org/experts/mine/"},
    ),
    TemplateSpec(
        key="expert_resumed",
        label=_("Expert profile active again"),
        file_template="experts/email/resumed",
        variables={**MEMBER, "pool_url": _("Link to the expert profile page")},
        sample={"pool_url": "https://members.icma.org/experts/mine/"},
    ),
)

# Bulk mail staff write for a segment: the member's own facts and the unsubscribe link only.
BULK_SPEC = TemplateSpec(
    key="bulk",
    label=_("Bulk message"),
    file_template="communications/email/bulk",
    variables={
        **MEMBER,
        "unsubscribe_url": _("The member's own link to stop bulk mail (added at the end anyway)"),
    },
    sample={"unsubscribe_url": "https://members.icma.org/unsubscribe/sample/"},
    marketing=True,
)

BY_KEY = {spec.key: spec for spec in SPECS}
_BY_FILE = {}
for _spec in SPECS:
    _BY_FILE.setdefault(_spec.file_template, _spec)


def spec_get(key: str) -> TemplateSpec | None:
    return BY_KEY.get(key)


def spec_for_message(template: str, context: dict) -> TemplateSpec | None:
    """The key a message is rendered under: reminders have one key per window."""
    if template == "membership/email/reminder":
        window = context.get("reminder_window") or (
            "grace" if context.get("in_grace") else str(context.get("days_left", ""))
        )
        return BY_KEY.get(f"reminder-{window}")
    return _BY_FILE.get(template)
