"""A tiny Stripe API on a loopback port for processes started with STRIPE_API_BASE.

It creates Customers and Checkout Sessions (so seeding goes through the project's own services)
and answers `GET /v1/checkout/sessions/<id>` with whatever the test says Stripe has now (a paid
session once the member has paid). Each answer takes `latency` seconds, as a real API call does.
"""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from urllib.parse import parse_qsl, urlsplit

from tests.stack.services import free_port

SESSION_PATH = re.compile(r"^/v1/checkout/sessions/([A-Za-z0-9_]+)$")
LINE_AMOUNT = re.compile(r"^line_items\[(\d+)\]\[price_data\]\[unit_amount\]$")


class FakeStripe:
    def __init__(self, *, latency: float = 0.0):
        self.latency = latency
        self.sessions: dict[str, dict] = {}
        self.charges: list[dict] = []
        # Client ports of the calls being answered right now (a worker mid-task holds one).
        self.in_flight: set[int] = set()
        self.requests: list[tuple[str, str]] = []
        self._ids = count(1)
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeStripe":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def set_session(self, session: dict) -> None:
        """What Stripe says about this session from now on."""
        with self._lock:
            self.sessions[session["id"]] = session

    def _wait(self, port: int) -> None:
        """The call's latency, during which the caller's port is listed as in flight."""
        with self._lock:
            self.in_flight.add(port)
        try:
            time.sleep(self.latency)
        finally:
            with self._lock:
                self.in_flight.discard(port)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_stack{next(self._ids):06d}"

    def _create_session(self, params: dict) -> dict:
        metadata = {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}
        amount = sum(int(v) for k, v in params.items() if LINE_AMOUNT.match(k))
        session_id = self._new_id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode", "payment"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": params.get("currency", "usd"),
            "customer": params.get("customer"),
            "metadata": metadata,
            "payment_intent": None,
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.set_session(session)
        return session

    def _charge_saved_card(self, params: dict) -> dict:
        """An off-session charge of a saved card that goes through."""
        metadata = {k[9:-1]: v for k, v in params.items() if k.startswith("metadata[")}
        intent = {
            "id": self._new_id("pi"),
            "object": "payment_intent",
            "status": "succeeded",
            "amount": int(params.get("amount", 0)),
            "amount_received": int(params.get("amount", 0)),
            "currency": params.get("currency", "usd"),
            "customer": params.get("customer"),
            "latest_charge": self._new_id("ch"),
            "metadata": metadata,
        }
        with self._lock:
            self.charges.append(intent)
        return intent

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", fake._new_id("req"))
                self.end_headers()
                self.wfile.write(data)

            def _missing(self) -> None:
                self._answer(
                    404,
                    {
                        "error": {
                            "type": "invalid_request_error",
                            "code": "resource_missing",
                            "message": f"No such resource: {self.path}",
                        }
                    },
                )

            def do_GET(self):
                path = urlsplit(self.path).path
                fake.requests.append(("GET", path))
                fake._wait(self.client_address[1])
                match = SESSION_PATH.match(path)
                with fake._lock:
                    session = fake.sessions.get(match.group(1)) if match else None
                if session is None:
                    return self._missing()
                return self._answer(200, session)

            def do_POST(self):
                path = urlsplit(self.path).path
                fake.requests.append(("POST", path))
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode()))
                fake._wait(self.client_address[1])
                if path == "/v1/customers":
                    return self._answer(
                        200, {"id": fake._new_id("cus"), "object": "customer", "email": None}
                    )
                if path == "/v1/checkout/sessions":
                    return self._answer(200, fake._create_session(params))
                if path == "/v1/payment_intents":
                    return self._answer(200, fake._charge_saved_card(params))
                return self._missing()

        return Handler
