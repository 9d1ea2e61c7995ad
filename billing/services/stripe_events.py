"""Stripe events: stored once by Stripe's id, then processed by state-based handlers.

Handlers look at what the event is about and at our rows, never at the order events came in:
money is applied only through `card_payment_confirm` (idempotent), refunds are brought up to
what Stripe says, and a confirmed payment is never downgraded by a late event.
"""

import datetime as dt
import json
import logging
import re
import time

import structlog
from django.conf import settings
from django.core.cache import cache
from django.db import DataError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import EventState, Payment, PaymentState, StripeEvent
from billing.services.stripe_checkout import (
    card_payment_close,
    card_payment_confirm,
    checkout_fulfil,
    payment_for_metadata,
    stripe_id_of,
)
from billing.services.stripe_refunds import card_refunds_reconcile

logger = logging.getLogger(__name__)
log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 5
# Stripe ids are short ASCII; anything else is not an event we can file.
_EVENT_ID = re.compile(r"^[A-Za-z0-9_\-]{1,255}$")


class MalformedEvent(ValueError):
    """A signed event we cannot store as it is: answered 400, nothing stored."""


def _contains_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _created_at(value) -> dt.datetime | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    try:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def stripe_event_validate(event, *, body: bytes | None = None) -> None:
    """Refuse what cannot be stored: an event that is not an object, an id that is not a Stripe
    id, a type that is not a short string, or text with NUL characters (PostgreSQL's JSON
    cannot hold them); `body` is the JSON text it was parsed from, if there is one. Other
    oddities are stored and flagged when processed."""
    if not isinstance(event, dict):
        raise MalformedEvent(_("The event is not a JSON object."))
    if not isinstance(event.get("id"), str) or not _EVENT_ID.match(event["id"]):
        raise MalformedEvent(_("The event id is missing or not a Stripe id."))
    if not isinstance(event.get("type"), str) or not 0 < len(event["type"]) <= 100:
        raise MalformedEvent(_("The event type is missing or too long."))
    # In JSON text a NUL can only be written `\u0000`: when the body it was parsed from has no
    # such sequence, the walk through every string is not needed.
    if (body is None or b"\\u0000" in body) and _contains_nul(event):
        raise MalformedEvent(_("The event contains NUL characters."))


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once (see `stripe_event_store`) and return the stored row and
    whether it was new: for reconciliation, staff tools and tests, which want the row."""
    pk = stripe_event_store(event=event)
    if pk is None:
        return StripeEvent.objects.get(stripe_id=event["id"]), False
    return StripeEvent.objects.get(pk=pk), True


def _insert_sql(vendor: str) -> str:
    table = StripeEvent._meta.db_table
    payload = "%s::jsonb" if vendor == "postgresql" else "%s"
    # The table is the model's and every value a parameter.
    columns = "stripe_id, type, payload, state, error, attempts, stripe_created_at, received_at"
    values = f"%s, %s, {payload}, %s, '', 0, %s, %s"
    return (
        f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608
        "ON CONFLICT (stripe_id) DO NOTHING RETURNING id"
    )


def _insert(connection, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        return cursor.fetchone()


def stripe_event_store(*, event: dict, body: bytes | None = None) -> int | None:
    """Store a verified event once, by Stripe's id: one INSERT ... ON CONFLICT DO NOTHING,
    which commits on its own outside a transaction. Returns the new row's id, or None for a
    duplicate delivery (acknowledged, nothing changed). `body`, the bytes Stripe signed, is
    stored as it came instead of encoding `event` again.

    Nothing is published per event: beat drains `received` events every second or two
    (STRIPE_EVENT_DRAIN_EVERY_SECONDS), and a burst's first event may wake a worker sooner
    (`doorbell_maybe_ring`, at most once per interval per process). If the broker is away the event
    is stored all the same: Stripe is answered 2xx and never redelivers into a "duplicate"."""
    stripe_event_validate(event, body=body)
    text = None
    if body is not None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    connection = transaction.get_connection()
    params = [
        event["id"],
        event["type"],
        text if text is not None else json.dumps(event),
        EventState.RECEIVED,
        _created_at(event.get("created")),
        timezone.now(),
    ]
    try:
        if connection.in_atomic_block:  # a savepoint, so a refusal leaves the caller's work
            with transaction.atomic():
                row = _insert(connection, params)
        else:  # autocommit: the statement is its own transaction, one round trip
            row = _insert(connection, params)
    except DataError as error:  # e.g. a lone surrogate escape PostgreSQL's JSON refuses
        raise MalformedEvent(_("The event is not JSON the database can store.")) from error
    if row is None:
        return None
    # robust: the event is stored; if the broker cannot take the task, the sweep drains it.
    transaction.on_commit(doorbell_maybe_ring, robust=True)
    return row[0]


DOORBELL_KEY = "stripe-events:doorbell"


# When this process last rang, to ring at most once per interval: a hint that saves a cache
# round trip per event, never state (an event it does not announce is drained by the beat).
_rung_at = [float("-inf")]


def doorbell_maybe_ring() -> bool:
    """Ring the doorbell unless this process rang it less than STRIPE_EVENT_RING_EVERY_SECONDS
    ago: a burst costs each web process one cache write per interval, not one per event. An
    event stored after a drain's last look that finds the interval not over waits for the
    periodic drain (STRIPE_EVENT_DRAIN_EVERY_SECONDS)."""
    now = time.monotonic()
    if now - _rung_at[0] < settings.STRIPE_EVENT_RING_EVERY_SECONDS:
        return False
    _rung_at[0] = now
    return doorbell_ring()


def doorbell_ring() -> bool:
    """Wake a worker to drain stored events, at most once per burst: the first event after the
    bell is reset publishes one task, the rest of the burst finds the bell rung (one cache
    write each, no broker round trip). The draining worker resets the bell before its last look,
    so an event stored while it finishes is either seen by that look or rings again. Returns
    whether a task was published. A lost task (a worker killed, the broker away) is covered by
    the bell's expiry and by the sweep."""
    from billing.tasks import drain_stripe_events

    if not cache.add(DOORBELL_KEY, 1, timeout=settings.STRIPE_EVENT_DOORBELL_SECONDS):
        return False
    try:
        drain_stripe_events.delay()
    except Exception:
        cache.delete(DOORBELL_KEY)  # let the next event try the broker again
        raise
    return True


def _claim_batch(size: int) -> list[int]:
    """Take up to `size` received events, oldest first, for this worker: rows another worker is
    claiming are skipped, not waited for."""
    with transaction.atomic():
        ids = list(
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(state=EventState.RECEIVED)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if ids:
            StripeEvent.objects.filter(pk__in=ids).update(
                state=EventState.PROCESSING,
                processing_started_at=timezone.now(),
                attempts=F("attempts") + 1,
            )
    return ids


def stripe_events_drain(*, batch: int = 20, seconds: float = 60.0) -> tuple[int, bool]:
    """Process every received event, claimed in batches, until none is left; then reset the
    doorbell and look once more. Stops after `seconds` (well inside the task time limit) even
    in a storm. Returns how many events this worker processed and whether any are left."""
    done = 0
    stop_at = time.monotonic() + seconds
    while True:
        if time.monotonic() > stop_at:
            return done, True
        ids = _claim_batch(batch)
        if not ids:
            cache.delete(DOORBELL_KEY)
            ids = _claim_batch(batch)
            if not ids:
                return done, False
        for event in StripeEvent.objects.filter(pk__in=ids).order_by("pk"):
            _run_claimed(event)
            done += 1


def _seconds(name: str, default: int) -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, name, default))


def retry_delay(attempts: int) -> dt.timedelta:
    """base, 2 x base, 4 x base ... after each failed attempt."""
    return _seconds("STRIPE_EVENT_RETRY_BASE_SECONDS", 30) * 2 ** max(attempts - 1, 0)


def _claim(event_id: int, *, now_even_if_not_due: bool = False) -> StripeEvent | str:
    """Take the event for this worker: `received`, a `failed` one whose retry is due, or one
    left `processing` by a worker that died. Returns the row, or the state that says why not."""
    now = timezone.now()
    stale = now - _seconds("STRIPE_EVENT_PROCESSING_STALE_SECONDS", 300)
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.state == EventState.PROCESSING and (event.processing_started_at or now) > stale:
            return event.state  # another worker has it
        retry_on = event.next_attempt_at
        if (
            event.state == EventState.FAILED
            and retry_on
            and retry_on > now
            and not (now_even_if_not_due)
        ):
            return event.state  # not due yet
        if event.state not in (EventState.RECEIVED, EventState.FAILED, EventState.PROCESSING):
            return event.state
        event.state = EventState.PROCESSING
        event.processing_started_at = now
        event.attempts += 1
        event.save(update_fields=["state", "processing_started_at", "attempts"])
        return event


def _malformed(event: StripeEvent) -> str:
    data = event.payload.get("data") if isinstance(event.payload, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return _("Malformed event: data.object is missing or not an object. Check it in Stripe.")
    return ""


def _finish(event: StripeEvent, state: str, error: str) -> None:
    event.state, event.error = state, error
    event.processed_at = timezone.now()
    event.next_attempt_at = None
    event.save(update_fields=["state", "error", "processed_at", "next_attempt_at", "payment"])


def stripe_event_process(*, event_id: int, now_even_if_not_due: bool = False) -> str:
    """Run the handler for a stored event. Every outcome is recorded: done (`processed`,
    `ignored`, `flagged`), or any exception as `failed` with its error and a later retry,
    then `flagged` for staff after MAX_ATTEMPTS. The handler's changes and the event's new state
    commit together, and handlers are idempotent, so a retry never applies money twice.
    `now_even_if_not_due` (staff reconciling by hand) retries a failed event before its time."""
    claimed = _claim(event_id, now_even_if_not_due=now_even_if_not_due)
    if not isinstance(claimed, StripeEvent):
        log.info("stripe_event_not_claimed", event_pk=event_id, state=claimed)
        return claimed
    return _run_claimed(claimed)


def _run_claimed(event: StripeEvent) -> str:
    """Run the handler for an event this worker has claimed and record the outcome."""
    event_id = event.pk
    try:
        with transaction.atomic():
            problem = _malformed(event)
            handler = HANDLERS.get(event.type)
            if problem:
                state, error = EventState.FLAGGED, problem
            elif handler is None:
                state, error = EventState.IGNORED, ""
            else:
                state, error = handler(event)
            _finish(event, state, error)
        log.info(
            "stripe_event_processed",
            event_pk=event.pk,
            stripe_event_id=event.stripe_id,
            event_type=event.type,
            state=state,
            payment_id=event.payment_id,
            attempts=event.attempts,
        )
        return state
    except Exception as error:  # noqa: BLE001 - every failure is recorded, whatever it is
        return _record_failure(event_id, error)


def _record_failure(event_id: int, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    logger.warning("Stripe event %s failed: %s", event_id, text)
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_id)
        if event.attempts >= MAX_ATTEMPTS:
            event.state = EventState.FLAGGED
            event.error = _("Gave up after %(n)s attempts. Last error: %(error)s") % {
                "n": event.attempts,
                "error": text,
            }
            event.next_attempt_at = None
        else:
            event.state, event.error = EventState.FAILED, text
            event.next_attempt_at = timezone.now() + retry_delay(event.attempts)
        event.processed_at = timezone.now()
        event.save(update_fields=["state", "error", "next_attempt_at", "processed_at"])
        log.warning(
            "stripe_event_failed",
            event_pk=event.pk,
            stripe_event_id=event.stripe_id,
            event_type=event.type,
            state=event.state,
            attempts=event.attempts,
            error_type=type(error).__name__,
        )
        return event.state


def stripe_events_unfinished():
    """Events that should be worked on now: forgotten `received`, stale `processing`, and
    `failed` ones whose retry is due."""
    now = timezone.now()
    return StripeEvent.objects.filter(
        Q(
            state=EventState.RECEIVED,
            received_at__lt=now - _seconds("STRIPE_EVENT_SWEEP_AFTER_SECONDS", 120),
        )
        | Q(
            state=EventState.PROCESSING,
            processing_started_at__lt=now - _seconds("STRIPE_EVENT_PROCESSING_STALE_SECONDS", 300),
        )
        | Q(state=EventState.FAILED, next_attempt_at__lte=now)
        | Q(state=EventState.FAILED, next_attempt_at__isnull=True)
    )


def stripe_events_waiting() -> dict:
    """How many events are not finished yet (received, processing, or failed and waiting for a
    retry), how many of those the sweep counts as overdue, and the oldest: one query."""
    from django.db.models import Count, Min

    unfinished = (EventState.RECEIVED, EventState.PROCESSING, EventState.FAILED)
    waiting = StripeEvent.objects.filter(state__in=unfinished).aggregate(
        total=Count("pk"), oldest=Min("received_at")
    )
    waiting["overdue"] = stripe_events_unfinished().count() if waiting["total"] else 0
    return waiting


def stripe_events_sweep(*, limit: int = 1000) -> int:
    """Queue every event that nobody is working on. Queueing twice is harmless: the claim
    lets one worker have it."""
    from billing.tasks import process_stripe_event

    ids = list(stripe_events_unfinished().order_by("id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        process_stripe_event.delay(pk)
    return len(ids)


def _done(message: str = "") -> tuple[str, str]:
    return EventState.PROCESSED, message


def _flag(message: str) -> tuple[str, str]:
    return EventState.FLAGGED, message


def _on_checkout_paid(event: StripeEvent) -> tuple[str, str]:
    session = event.data_object
    event.payment = payment_for_metadata(session.get("metadata"))
    if event.payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    if session.get("mode") not in (None, "payment"):
        return EventState.IGNORED, _("Not a one-time payment session.")
    result = checkout_fulfil(session_id=session["id"])
    event.payment = result.payment or event.payment
    if result.outcome in ("mismatch", "overpayment"):
        return _flag(result.detail)
    if result.outcome == "unknown":
        return EventState.IGNORED, result.detail
    return _done(result.outcome)


def _on_checkout_unpaid(event: StripeEvent) -> tuple[str, str]:
    session = event.data_object
    payment = event.payment = payment_for_metadata(session.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    expired = event.type == "checkout.session.expired"
    card_payment_close(
        payment_id=payment.pk,
        state=PaymentState.CANCELED if expired else PaymentState.FAILED,
        note=_("Checkout expired without payment.")
        if expired
        else _("The bank payment failed after Checkout."),
    )
    return _done()


def _on_intent_succeeded(event: StripeEvent) -> tuple[str, str]:
    intent = event.data_object
    payment = event.payment = payment_for_metadata(intent.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    session_id = payment.gateway_ids.get("checkout_session")
    if session_id:  # Checkout payments have one fulfilment path, through the session
        result = checkout_fulfil(session_id=session_id)
    else:
        result = card_payment_confirm(
            payment_id=payment.pk,
            amount_cents=intent.get("amount_received") or intent.get("amount"),
            currency=intent.get("currency") or "",
            payment_intent_id=intent["id"],
            charge_id=stripe_id_of(intent.get("latest_charge")),
        )
    if result.outcome in ("mismatch", "overpayment"):
        return _flag(result.detail)
    return _done(result.outcome)


def _on_intent_failed(event: StripeEvent) -> tuple[str, str]:
    intent = event.data_object
    payment = event.payment = payment_for_metadata(intent.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    if payment.gateway_ids.get("checkout_session"):
        # On Stripe's page the member can try another card: the session decides the outcome.
        return _done(_("Attempt on the Checkout page failed; the member can try again."))
    error = (intent.get("last_payment_error") or {}).get("message") or ""
    card_payment_close(payment_id=payment.pk, state=PaymentState.FAILED, note=error)
    return _done()


def _payment_for_charge(charge: dict) -> Payment | None:
    payment = payment_for_metadata(charge.get("metadata"))
    if payment is None and charge.get("payment_intent"):
        payment = Payment.objects.filter(
            gateway="stripe", gateway_ids__payment_intent=charge["payment_intent"]
        ).first()
    return payment


def _on_charge_refunded(event: StripeEvent) -> tuple[str, str]:
    charge = event.data_object
    payment = event.payment = _payment_for_charge(charge)
    if payment is None:
        return _flag(_("A refund in Stripe for a charge we do not know: check it in Stripe."))
    added = card_refunds_reconcile(payment=payment, charge=charge)
    return _done(_("%(n)s refund(s) recorded.") % {"n": added})


def _on_dispute(event: StripeEvent) -> tuple[str, str]:
    dispute = event.data_object
    event.payment = (
        Payment.objects.filter(
            gateway="stripe", gateway_ids__charge=dispute.get("charge") or "-"
        ).first()
        or Payment.objects.filter(
            gateway="stripe", gateway_ids__payment_intent=dispute.get("payment_intent") or "-"
        ).first()
    )
    return _flag(
        _(
            "The cardholder disputed a payment of %(amount)s (reason: %(reason)s). Answer the "
            "dispute in Stripe's dashboard before its deadline."
        )
        % {
            "amount": f"${(dispute.get('amount') or 0) / 100:,.2f}",
            "reason": dispute.get("reason") or "?",
        }
    )


HANDLERS = {
    "checkout.session.completed": _on_checkout_paid,
    "checkout.session.async_payment_succeeded": _on_checkout_paid,
    "checkout.session.async_payment_failed": _on_checkout_unpaid,
    "checkout.session.expired": _on_checkout_unpaid,
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
    "charge.dispute.created": _on_dispute,
}


@transaction.atomic
def stripe_event_resolve(*, event: StripeEvent, by) -> StripeEvent:
    """Staff mark a flagged event as dealt with."""
    event = StripeEvent.objects.select_for_update().get(pk=event.pk)
    if event.resolved_at is None:
        event.resolved_at = timezone.now()
        event.resolved_by = by
        event.save(update_fields=["resolved_at", "resolved_by"])
    return event
