"""Reading the outbox: a person's message history."""

from communications.models import OutgoingMessage


def messages_for_user(*, user_id: int, limit: int = 25) -> list[OutgoingMessage]:
    """The latest messages to this account, newest first, in one query (no bodies)."""
    return list(
        OutgoingMessage.objects.filter(user_id=user_id)
        .defer("body_text", "context")
        .order_by("-created_at", "-id")[:limit]
    )


def message_for_user(*, user_id: int, message_id: int) -> OutgoingMessage | None:
    if not 0 < message_id < 2**63:
        return None
    return OutgoingMessage.objects.filter(user_id=user_id, pk=message_id).first()
