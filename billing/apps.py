from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from membership.events import daily_work, demo_loaded

        daily_work.connect(_billing_daily, dispatch_uid="billing_daily")
        demo_loaded.connect(_demo_membership, dispatch_uid="billing_demo_membership")
        daily_work.connect(_stripe_daily, dispatch_uid="billing_stripe_daily")


def _billing_daily(sender, on, **kwargs):
    from billing.services.daily import billing_daily

    return billing_daily(on=on)


def _demo_membership(sender, member, staff_user, **kwargs):
    from billing.services.demo import demo_membership_paid

    return demo_membership_paid(member=member, staff_user=staff_user)


def _stripe_daily(sender, on, **kwargs):
    from billing.services.stripe_charges import stripe_daily

    return stripe_daily(on=on)
