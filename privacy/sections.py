"""The download's sections for the data the portal's apps hold about a member."""

from django.utils.translation import gettext_lazy as _

from privacy.registry import row_dict, rows, section_register


def _profile(member):
    user = member.user
    return {
        "member_number": member.member_number,
        **row_dict(member),
        "account": {
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
    }


def _email_addresses(member):
    from allauth.account.models import EmailAddress

    return rows(EmailAddress.objects.filter(user=member.user).order_by("pk"))


def _memberships(member):
    from membership.models import Membership

    return rows(Membership.objects.filter(member=member).order_by("pk"))


def _terms(member):
    from membership.models import MembershipTerm

    return rows(MembershipTerm.objects.filter(membership__member=member).order_by("pk"))


def _reminders(member):
    from membership.models import Reminder

    return rows(Reminder.objects.filter(term__membership__member=member).order_by("pk"))


def _waivers(member):
    from membership.models import WaiverRequest

    return rows(WaiverRequest.objects.filter(member=member).order_by("pk"))


def _audit(member):
    from membership.models import AuditEntry

    return rows(
        AuditEntry.objects.filter(
            object_type="membership.member", object_id=str(member.pk)
        ).order_by("pk"),
        exclude=("actor",),
    )


def _invoices(member):
    from billing.models import Invoice

    return rows(Invoice.objects.filter(member=member).order_by("pk"), exclude=("closed_by",))


def _invoice_lines(member):
    from billing.models import InvoiceLine

    qs = InvoiceLine.objects.filter(invoice__member=member).select_related("invoice")
    return [
        {"invoice_number": line.invoice.number, **row_dict(line)}
        for line in qs.order_by("invoice_id", "position")
    ]


def _installments(member):
    from billing.models import Installment

    return rows(Installment.objects.filter(invoice__member=member).order_by("pk"))


def _payments(member):
    from billing.models import Payment

    return rows(
        Payment.objects.filter(invoice__member=member).order_by("pk"),
        exclude=("raw", "recorded_by"),
    )


def _refunds(member):
    from billing.models import Refund

    return rows(
        Refund.objects.filter(payment__invoice__member=member).order_by("pk"),
        exclude=("created_by",),
    )


def _card(member):
    from billing.models import StripeCustomer

    return rows(StripeCustomer.objects.filter(member=member))


def _messages(member):
    from communications.models import OutgoingMessage

    return rows(
        OutgoingMessage.objects.filter(user=member.user).order_by("pk"),
        exclude=("last_error",),
    )


def _expert_profile(member):
    from experts.models import ExpertProfile

    profile = ExpertProfile.objects.filter(member=member).first()
    if profile is None:
        return {}
    return {
        **row_dict(profile),
        "areas": [str(area) for area in profile.areas.all()],
        "languages": [
            {"language": lang.language, "proficiency": lang.proficiency}
            for lang in profile.languages.all()
        ],
        "availability": rows(profile.availability.all()),
        "cv_file": profile.cv.name or "",
    }


def _consents(member):
    from experts.models import ExpertConsent

    return [
        {
            "version": consent.consent_text.version,
            "consented_at": consent.consented_at,
            "text": consent.consent_text.body,
            "text_zh": consent.consent_text.body_zh,
            "texts_shown": consent.texts_shown,
        }
        for consent in ExpertConsent.objects.filter(profile__member=member)
        .select_related("consent_text")
        .order_by("consented_at")
    ]


def _cv_downloads(member):
    from experts.models import CVDownload

    return [
        {"downloaded_at": row.downloaded_at, "by_staff": row.downloaded_by_id != member.user_id}
        for row in CVDownload.objects.filter(profile__member=member).order_by("downloaded_at")
    ]


def _profile_exports(member):
    from experts.models import DossierExport

    return [
        {
            "exported_at": export.exported_at,
            "format": export.format,
            "language": export.language,
            "request": export.request.title,
            "partner": str(export.request.partner),
            "fields_sent": export.fields,
        }
        for export in DossierExport.objects.filter(experts__member=member)
        .select_related("request__partner")
        .order_by("exported_at")
    ]


def _engagements(member):
    from experts.models import Engagement

    return [
        {"request": engagement.request.title, **row_dict(engagement)}
        for engagement in Engagement.objects.filter(profile__member=member)
        .select_related("request")
        .order_by("pk")
    ]


def _bulk_mail(member):
    """Whether bulk mail reaches the member (the suppression list's entry for them)."""
    from communications.services.suppressions import suppression_for

    entry = suppression_for(user=member.user)
    return {
        "receives_bulk_mail": entry is None,
        "suppressed_because": entry.reason if entry else "",
        "suppressed_since": entry.created_at if entry else None,
    }


def _downloads(member):
    from privacy.models import DataDownload

    return [
        {"downloaded_at": row.downloaded_at, "by_staff": row.by_staff, "reason": row.reason}
        for row in DataDownload.objects.filter(member=member).order_by("pk")
    ]


def _imported_payments(member):
    from membership.models import ImportedPayment

    return rows(
        ImportedPayment.objects.filter(member=member).order_by("pk"), exclude=("member_import",)
    )


section_register("profile", _("Your profile and account"), _profile)
section_register("email_addresses", _("E-mail addresses"), _email_addresses)
section_register("memberships", _("Membership"), _memberships)
section_register("terms", _("Membership terms"), _terms)
section_register("reminders", _("Renewal reminders"), _reminders)
section_register("waivers", _("Dues waiver requests"), _waivers)
section_register("profile_changes", _("Changes to your profile"), _audit)
section_register("invoices", _("Invoices"), _invoices)
section_register("invoice_lines", _("Invoice lines"), _invoice_lines)
section_register("installments", _("Installments"), _installments)
section_register("payments", _("Payments"), _payments)
section_register("refunds", _("Refunds"), _refunds)
section_register("saved_card", _("Saved card"), _card)
section_register("messages", _("E-mails sent to you"), _messages)
section_register("bulk_mail", _("News and announcements"), _bulk_mail)
section_register("expert_profile", _("Expert profile"), _expert_profile)
section_register("consents", _("Consents"), _consents)
section_register("cv_downloads", _("Downloads of your CV"), _cv_downloads)
section_register("profile_exports", _("Exports of your expert profile"), _profile_exports)
section_register("engagements", _("Expert engagements"), _engagements)
section_register("data_downloads", _("Downloads of this data"), _downloads)
section_register(
    "imported_payments", _("Payments recorded by the previous system"), _imported_payments
)
