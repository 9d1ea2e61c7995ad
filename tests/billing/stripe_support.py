"""Test helpers for Stripe: payloads from Stripe's own example objects, webhooks signed exactly
as Stripe signs them, a fake Stripe client for Checkout calls, and localstripe."""

import copy
import hashlib
import hmac
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from itertools import count
from pathlib import Path

import pytest

from tests.conftest import service_missing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe" / "fixtures3.json"
WEBHOOK_SECRET = "whsec_test_portal_secret"
_ids = count(1)


@cache
def _resources() -> dict:
    return json.loads(FIXTURES.read_text())["resources"]


def stripe_object(resource: str, **overrides) -> dict:
    """Stripe's example `resource` with only the fields a test cares about changed."""
    obj = copy.deepcopy(_resources()[resource])
    obj.update(overrides)
    return obj


def new_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):08d}{os.getpid()}"


def event_for(event_type: str, obj: dict, *, event_id: str | None = None, created=None) -> dict:
    return stripe_object(
        "event",
        id=event_id or new_id("evt"),
        type=event_type,
        created=int(created if created is not None else time.time()),
        data={"object": obj},
    )


def paid_session(payment, *, amount_cents=None, currency="usd", payment_status="paid") -> dict:
    """A completed Checkout Session for one of our payment rows."""
    invoice = payment.invoice
    metadata = {
        "payment_id": str(payment.pk),
        "invoice_id": str(invoice.pk),
        "invoice_number": invoice.number,
        "member_id": str(invoice.member_id),
    }
    intent = stripe_object(
        "payment_intent",
        id=f"pi_for_payment_{payment.pk}",
        amount=payment.amount_cents if amount_cents is None else amount_cents,
        amount_received=payment.amount_cents if amount_cents is None else amount_cents,
        currency=currency,
        status="succeeded",
        metadata=metadata,
        payment_method=f"pm_for_payment_{payment.pk}",
        latest_charge=f"ch_for_payment_{payment.pk}",
    )
    return stripe_object(
        "checkout.session",
        id=payment.gateway_ids.get("checkout_session") or new_id("cs"),
        mode="payment",
        status="complete",
        payment_status=payment_status,
        amount_total=payment.amount_cents if amount_cents is None else amount_cents,
        amount_subtotal=payment.amount_cents if amount_cents is None else amount_cents,
        currency=currency,
        customer=payment.gateway_ids.get("customer"),
        client_reference_id=f"member-{invoice.member_id}-invoice-{invoice.pk}",
        metadata=metadata,
        payment_intent=intent,
    )


def refunded_charge(
    payment, *, refunds: list[tuple[str, int]], metadata: dict[str, dict] | None = None
) -> dict:
    """The `charge.refunded` object for a payment, listing the refunds made so far (with the
    metadata of each refund id given in `metadata`)."""
    total = sum(amount for _id, amount in refunds)
    return stripe_object(
        "charge",
        id=f"ch_for_payment_{payment.pk}",
        amount=payment.amount_cents,
        amount_captured=payment.amount_cents,
        amount_refunded=total,
        refunded=total >= payment.amount_cents,
        captured=True,
        currency="usd",
        payment_intent=f"pi_for_payment_{payment.pk}",
        metadata={"payment_id": str(payment.pk)},
        refunds={
            "object": "list",
            "has_more": False,
            "url": f"/v1/charges/ch_for_payment_{payment.pk}/refunds",
            "data": [
                stripe_object(
                    "refund",
                    id=refund_id,
                    amount=amount,
                    charge=f"ch_for_payment_{payment.pk}",
                    payment_intent=f"pi_for_payment_{payment.pk}",
                    status="succeeded",
                    created=1_790_000_000 + n,
                    metadata=(metadata or {}).get(refund_id, {}),
                )
                for n, (refund_id, amount) in enumerate(refunds)
            ],
        },
    )


def signature_header(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp=None) -> str:
    """`t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`, as Stripe signs its webhooks."""
    timestamp = int(time.time() if timestamp is None else timestamp)
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post_event(client, event: dict | bytes, *, secret=WEBHOOK_SECRET, timestamp=None, header=None):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    return client.post(
        "/billing/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header or signature_header(body, secret=secret, timestamp=timestamp),
    )


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a signed event to the webhook and run what it queued after commit (the Celery
    task, eager in tests), as a real request followed by a worker would."""

    def post(event, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_event(client, event, **kwargs)

    return post


class _Recorder:
    def __init__(self, fake, name):
        self.fake, self.name = fake, name

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.fake.calls.append((f"{self.name}.{method}", args, kwargs))
            return getattr(self.fake, f"{self.name.replace('.', '_')}_{method}")(*args, **kwargs)

        return call


class FakeStripeClient:
    """Stands in for `stripe.StripeClient` at the gateway: records each call with its
    parameters and options, and keeps Checkout Sessions so `retrieve` answers like Stripe."""

    def __init__(self):
        self.calls: list = []
        self.sessions: dict[str, dict] = {}
        self.v1 = type("V1", (), {})()
        self.v1.customers = _Recorder(self, "customers")
        self.v1.checkout = type("Checkout", (), {})()
        self.v1.checkout.sessions = _Recorder(self, "checkout.sessions")

    def customers_create(self, params=None, options=None):
        return type("Customer", (), {"id": new_id("cus")})()

    def checkout_sessions_create(self, params=None, options=None):
        session_id = new_id("cs_test")
        self.sessions[session_id] = {
            "id": session_id,
            "payment_status": "unpaid",
            "metadata": params["metadata"],
        }
        url = f"https://checkout.stripe.com/c/pay/{session_id}"
        return type("Session", (), {"id": session_id, "url": url})()

    def checkout_sessions_retrieve(self, session_id, params=None, options=None):
        return copy.deepcopy(self.sessions[session_id])

    def checkout_sessions_expire(self, session_id, params=None, options=None):
        import stripe

        session = self.sessions[session_id]
        if session.get("status", "open") != "open" or session.get("payment_status") == "paid":
            raise stripe.InvalidRequestError("Only open sessions can be expired.", "session")
        session["status"] = "expired"
        return type("Session", (), {"id": session_id, "status": "expired"})()

    def pay(self, session: dict) -> None:
        """What Stripe knows once the member has paid: `retrieve` returns this session."""
        self.sessions[session["id"]] = session

    def calls_to(self, name: str) -> list:
        return [(args, kwargs) for called, args, kwargs in self.calls if called == name]


@pytest.fixture
def stripe_keys(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return settings


@pytest.fixture
def fake_stripe(stripe_keys, monkeypatch):
    from billing.gateways import stripe as gateway

    fake = FakeStripeClient()
    monkeypatch.setattr(gateway, "_client", lambda: fake)
    return fake


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_server():
    """A real localstripe server on a free loopback port, for the whole session."""
    binary = Path(sys.executable).parent / "localstripe"
    if not binary.exists():
        service_missing("localstripe (uv sync installs it in the dev group)")
    port = _free_port()
    workdir = tempfile.mkdtemp(prefix="icma-localstripe-")
    proc = subprocess.Popen(
        [str(binary), "--port", str(port), "--from-scratch"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    service_missing("localstripe (it did not start)")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def localstripe(localstripe_server, stripe_keys):
    """Point the SDK at localstripe (real HTTP round trips); returns a raw SDK client for the
    test's own set-up calls (saving a card as Checkout would)."""
    import stripe

    stripe_keys.STRIPE_API_BASE = localstripe_server
    return stripe.StripeClient(
        stripe_keys.STRIPE_SECRET_KEY, base_addresses={"api": localstripe_server}
    )


def save_card(sdk, *, member, number: str) -> str:
    """What Checkout does with `setup_future_usage`: a card attached to the member's Customer,
    remembered for off-session charges."""
    from billing.services.stripe_checkout import stripe_customer_ensure

    customer = stripe_customer_ensure(member=member)
    card = {"number": number, "exp_month": 12, "exp_year": 2035, "cvc": "123"}
    method = sdk.v1.payment_methods.create(params={"type": "card", "card": card})
    sdk.v1.payment_methods.attach(method.id, params={"customer": customer.customer_id})
    customer.payment_method_id = method.id
    customer.save(update_fields=["payment_method_id"])
    return method.id


def charge_saved_card(member, sdk, *, number: str = "4242424242424242"):
    """A join invoice, a pending card payment and a real off-session PaymentIntent for it at
    localstripe. Returns the payment and the charge outcome (nothing confirmed on our side)."""
    from billing.gateways import stripe as gateway
    from billing.models import Payment, PaymentState
    from tests.factories import issue_invoice

    invoice = issue_invoice(member)
    method = save_card(sdk, member=member, number=number)
    payment = Payment.objects.create(
        invoice=invoice,
        gateway="stripe",
        state=PaymentState.PENDING,
        amount_cents=invoice.total_cents,
    )
    outcome = gateway.payment_intent_charge_off_session(
        payment_id=payment.pk,
        customer_id=member.stripe_customer.customer_id,
        payment_method_id=method,
        amount_cents=payment.amount_cents,
        metadata={"invoice_id": str(invoice.pk)},
    )
    assert outcome.status == "succeeded"
    return payment, outcome


class FlakyStripeProxy:
    """A small HTTP proxy in front of localstripe that can spoil the next request to a path.

    `cut_next("POST", "/v1/refunds")` forwards that request (so localstripe acts on it) and then
    either closes the connection unanswered (`how="drop"`) or holds it past the client's timeout
    (`how="stall"`): the outcome a client sees when Stripe did the work but the answer was lost.
    `refuse_next(...)` answers with a Stripe error instead, without forwarding anything.
    Every other request goes through untouched."""

    def __init__(self, upstream: str):
        from urllib.parse import urlsplit

        target = urlsplit(upstream)
        self.upstream_host, self.upstream_port = target.hostname, target.port
        self.plans: dict[tuple[str, str], tuple] = {}
        self.seen: list[tuple[str, str, int | None]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def cut_next(self, method: str, path: str, *, how: str = "drop", hold_seconds: float = 3):
        assert how in ("drop", "stall")
        self.plans[(method, path)] = ("cut", how, hold_seconds)

    def refuse_next(self, method: str, path: str, *, status: int, error: dict):
        self.plans[(method, path)] = ("refuse", status, error)

    def _take_plan(self, method: str, path: str):
        with self.lock:
            return self.plans.pop((method, path.split("?")[0]), None)

    def _forward(self, method: str, path: str, headers, body: bytes):
        upstream = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            skip = {"host", "connection", "content-length", "accept-encoding"}
            upstream.request(
                method,
                path,
                body=body or None,
                headers={k: v for k, v in headers.items() if k.lower() not in skip},
            )
            answer = upstream.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            upstream.close()

    def _handler(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest's output clean
                pass

            def _relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                plan = proxy._take_plan(self.command, self.path)
                if plan and plan[0] == "refuse":
                    _kind, status, error = plan
                    proxy.seen.append((self.command, self.path, status))
                    return self._answer(status, [], json.dumps({"error": error}).encode())
                status, headers, payload = proxy._forward(
                    self.command, self.path, self.headers, body
                )
                proxy.seen.append((self.command, self.path, None if plan else status))
                if plan:  # localstripe did the work; the client never hears of it
                    _kind, how, hold_seconds = plan
                    if how == "stall":
                        proxy.stop.wait(hold_seconds)
                    self.close_connection = True
                    return None
                return self._answer(status, headers, payload)

            def _answer(self, status, headers, payload):
                self.send_response(status)
                skip = {"content-length", "transfer-encoding", "connection", "content-encoding"}
                for key, value in headers:
                    if key.lower() not in skip:
                        self.send_header(key, value)
                if not any(key.lower() == "content-type" for key, _value in headers):
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = _relay

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def flaky_stripe(localstripe_server, localstripe, settings):
    """localstripe behind `FlakyStripeProxy`, with the SDK's own retries off (localstripe
    ignores idempotency keys, so a network retry there would refund a second time) and a short
    timeout so a stalled answer is given up quickly."""
    with FlakyStripeProxy(localstripe_server) as proxy:
        settings.STRIPE_API_BASE = proxy.url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_TIMEOUT_SECONDS = 1
        yield proxy
