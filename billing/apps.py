from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self):
        from membership.events import daily_work

        daily_work.connect(_billing_daily, dispatch_uid="billing_daily")
        daily_work.connect(_stripe_daily, dispatch_uid="billing_stripe_daily")


def _billing_daily(sender, on, **kwargs):
    from billing.services.daily import billing_daily

    return billing_daily(on=on)


def _stripe_daily(sender, on, **kwargs):
    from billing.services.stripe_charges import stripe_daily

    return stripe_daily(on=on)
