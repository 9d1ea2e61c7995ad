"""The portal's allauth adapter: where people land after signing in, and how account e-mails
(verification, password reset, "you already have an account") are sent."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse

from communications.services.outbox import message_queue_text
from membership.models import Member
from membership.permissions import user_is_international_staff, user_is_membership_staff


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Staff land on their work queue, members on the home page."""
        user = request.user
        if user_is_membership_staff(user) or user_is_international_staff(user):
            return reverse("reports:staff_home")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        """Through the outbox, so an account e-mail is a row first and is retried when the mail
        server is away, like every other message the portal sends."""
        user = context.get("user")
        context = {
            **context,
            "greeting_name": account_greeting_name(user),
            "portal_url": settings.SITE_URL + "/",
        }
        message = self.render_mail(template_prefix, email, context)
        message_queue_text(
            to=email,
            template=template_prefix,
            subject=message.subject,
            body=message.body,
            user=user if getattr(user, "pk", None) else None,
        )


def account_greeting_name(user) -> str:
    """The name an account e-mail greets: the member's full name, else the user's own name,
    else none (the mail then says "Hello,"); never the e-mail address or the host."""
    if not getattr(user, "pk", None):
        return ""
    full_name = Member.objects.filter(user_id=user.pk).values_list("full_name", flat=True).first()
    return (full_name or user.get_full_name() or "").strip()
