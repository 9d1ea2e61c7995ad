"""Card payments: member pages, Stripe's webhook and the staff screens for Stripe."""

from django.urls import path

from billing.views import stripe, stripe_staff

app_name = "stripe"

urlpatterns = [
    path("billing/stripe/webhook/", stripe.webhook, name="webhook"),
    path("billing/stripe/success/", stripe.success, name="success"),
    path("billing/stripe/cancel/<str:number>/", stripe.cancel, name="cancel"),
    path("billing/stripe/pay/<str:number>/", stripe.pay, name="pay"),
    path("membership/auto-renew/", stripe.auto_renew, name="auto_renew"),
    path("staff/stripe/payments/<int:pk>/", stripe_staff.payment_detail, name="staff_payment"),
    path(
        "staff/stripe/refunds/<int:pk>/retry/", stripe_staff.refund_retry, name="staff_refund_retry"
    ),
    path("staff/stripe/events/flagged/", stripe_staff.flagged_events, name="staff_flagged"),
    path("staff/stripe/events/<int:pk>/", stripe_staff.event_detail, name="staff_event"),
    path("staff/stripe/events/<int:pk>/resolve/", stripe_staff.event_resolve, name="staff_resolve"),
]
