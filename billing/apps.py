from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from billing.services.notices import DOCUMENT_PDF, document_pdf_render
        from communications.services.attachments import attachment_renderer_register
        from membership.events import daily_part_register, demo_loaded

        # Invoice and receipt PDFs are laid out by the mail worker (billing/services/notices.py).
        attachment_renderer_register(DOCUMENT_PDF, document_pdf_render)

        demo_loaded.connect(_demo_membership, dispatch_uid="billing_demo_membership")
        for name in ("installment_notices", "installments_overdue", "join_invoices_expire"):
            daily_part_register(name, _billing_part(name))
        daily_part_register("card_charges", _stripe_daily)


def _billing_part(name):
    def run(*, on):
        from billing.services import daily

        return daily.billing_daily_part(name=name, on=on)

    return run


def _demo_membership(sender, member, staff_user, **kwargs):
    from billing.services.demo import demo_membership_paid

    return demo_membership_paid(member=member, staff_user=staff_user)


def _stripe_daily(*, on):
    from billing.services.stripe_charges import stripe_daily

    return stripe_daily(on=on)
