from allauth.account.signals import email_confirmed, password_reset
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from communications.signals import message_sent
from membership.services.members import member_create


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="member_for_every_user")
def _create_member_for_user(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        member_create(user=instance)


@receiver(email_confirmed, dispatch_uid="welcome_after_verification")
def _welcome_after_verification(sender, request, email_address, **kwargs):
    from membership.models import Member
    from membership.services.members import member_send_welcome

    member_id = Member.objects.filter(user_id=email_address.user_id).values_list("pk", flat=True)
    member_id = member_id.first()
    if member_id is not None:
        # The message row is written with the confirmation; the outbox sends it after commit.
        member_send_welcome(member_id=member_id)


@receiver(message_sent, dispatch_uid="reminder_sent_with_its_message")
def _reminder_sent(sender, message, **kwargs):
    from membership.models import Reminder

    if message.key and message.key.startswith("reminder-"):
        Reminder.objects.filter(message_id=message.pk, sent_at__isnull=True).update(
            sent_at=message.sent_at
        )


@receiver(password_reset, dispatch_uid="claim_verifies_imported_address")
def _claim_verifies_address(sender, request, user, **kwargs):
    from membership.imports.claim import claim_verify_address

    claim_verify_address(user=user)
