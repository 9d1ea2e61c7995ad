"""The outbox: every e-mail the portal sends is a row before it is an SMTP conversation.

A message is written in the same transaction as the change that causes it, then sent by a
task. Its state says where it is; a sweep picks up rows that nobody is working on.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutgoingMessage(models.Model):
    # A caller-chosen key (`reminder-42`, `receipt-17`) makes queueing the same message twice
    # return the first row instead of sending a second e-mail.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    template = models.CharField(max_length=120)
    to = models.CharField(max_length=254)
    # Whose message history it belongs to (the member's account), when there is one.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outgoing_messages",
    )
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    # The HTML alternative of a staff-written template; empty means plain text only.
    body_html = models.TextField(blank=True, default="")
    # Small JSON-safe facts the message was rendered from (ids, numbers), for staff.
    context = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        max_length=10, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Extra headers of the message (List-Unsubscribe on bulk mail).
    headers = models.JSONField(default=dict, blank=True)
    # The bulk message this row is one recipient's copy of.
    campaign = models.ForeignKey(
        "communications.Campaign",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One copy of a bulk message per member, however often a chunk is redone.
            models.UniqueConstraint(
                fields=["campaign", "user"],
                condition=Q(campaign__isnull=False),
                name="outbox_one_per_campaign_member",
            )
        ]
        indexes = [
            models.Index(
                fields=["campaign", "state"],
                name="outbox_campaign_state",
                condition=Q(campaign__isnull=False),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_queued_due",
                condition=Q(state="queued"),
            ),
            models.Index(
                fields=["sending_started_at"],
                name="outbox_sending_since",
                condition=Q(state="sending"),
            ),
            models.Index(fields=["user", "-created_at"], name="outbox_user_history"),
        ]

    def __str__(self):
        return f"{self.template} to {self.to} ({self.state})"


class OutgoingAttachment(models.Model):
    message = models.ForeignKey(
        OutgoingMessage, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    mimetype = models.CharField(max_length=100)
    # The bytes, given when queued or made by `renderer` when the message is first sent.
    content = models.BinaryField(blank=True, default=b"")
    # What makes the content at send time, outside the transaction that queued the message
    # (communications/services/attachments.py): a registered renderer and its JSON arguments.
    renderer = models.CharField(max_length=60, blank=True, default="")
    spec = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return self.filename


class TemplateVersion(models.Model):
    """A staff-written version of one e-mail template (see communications/templating/registry.py
    for the keys). At most one version of a key is active; with none, the file template is
    used. Versions are never edited: a change or a revert writes a new one."""

    key = models.CharField(max_length=60)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(active=True), name="one_active_template_version"
            )
        ]

    def __str__(self):
        return f"{self.key} v{self.pk}"


class CampaignState(models.TextChoices):
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")
    CANCELLED = "cancelled", _("Stopped")


class Campaign(models.Model):
    """A bulk message to a segment of members (the member search's filters), sent in the
    background in chunks at a rate staff chose. Each recipient's copy is an outbox row."""

    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    # The member search's filters, as saved when staff confirmed (see billing MemberFilters).
    filters = models.JSONField(default=dict)
    rate_per_minute = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.SENDING
    )
    # Members in the segment and not suppressed when staff confirmed; the final number of
    # copies once the whole segment has been read.
    total = models.PositiveIntegerField(default=0)
    # The segment is read in member-id order; everything up to here has its outbox rows.
    cursor = models.BigIntegerField(default=0)
    segment_done = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last time a sending step ran: a campaign idle for long is resumed by the sweep.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} ({self.state})"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Address bounced")


class Suppression(models.Model):
    """An address that bulk mail skips: the member unsubscribed, or mail to it failed
    permanently (an SMTP 5xx). Messages about the member's own account or money ignore it."""

    # Lower-cased.
    email = models.CharField(max_length=254, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suppressions",
    )
    reason = models.CharField(max_length=16, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.email} ({self.reason})"
