"""Deliver signed webhooks to a running portal as Stripe does: from several connections at
once, each delivery on its own schedule, and every one not answered 2xx sent again later (with
a fresh signature) until it is, up to a bounded number of tries."""

import heapq
import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from tests.billing.stripe_support import signature_header

WEBHOOK_PATH = "/billing/stripe/webhook/"


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    event: dict = field(compare=False)
    tries: int = field(default=0, compare=False)


@dataclass
class Attempt:
    event_id: str
    started: float  # time.monotonic()
    finished: float
    status: int | None  # None: no HTTP answer (connection refused or timed out)
    body: str


class WebhookSender:
    def __init__(
        self,
        port: int,
        *,
        threads: int = 3,
        redeliver_after: float = 2.0,
        max_tries: int = 40,
        timeout: float = 20,
    ):
        self.port = port
        self.threads = threads
        self.redeliver_after = redeliver_after
        self.max_tries = max_tries
        self.timeout = timeout
        self.attempts: list[Attempt] = []
        self.given_up: list[str] = []
        self._queue: list[_Due] = []
        self._seq = 0
        self._in_flight = 0
        self._cond = threading.Condition()
        self._workers: list[threading.Thread] = []
        self.started_at = time.monotonic()

    def schedule(self, event: dict, *, after: float) -> None:
        """Deliver `event` `after` seconds from when `start()` is called."""
        with self._cond:
            self._seq += 1
            heapq.heappush(self._queue, _Due(after, self._seq, event))

    def start(self) -> None:
        self.started_at = time.monotonic()
        with self._cond:
            self._queue = [
                _Due(d.at + self.started_at, d.seq, d.event, d.tries) for d in self._queue
            ]
            heapq.heapify(self._queue)
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, name=f"webhook-sender-{n}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def join(self, *, timeout: float) -> bool:
        """Wait until every delivery got a 2xx or ran out of tries; False on timeout."""
        deadline = time.monotonic() + timeout
        for thread in self._workers:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._workers)

    def stop(self) -> None:
        with self._cond:
            self._queue.clear()
            self._cond.notify_all()

    def _next(self) -> _Due | None:
        with self._cond:
            while True:
                if not self._queue:
                    if self._in_flight == 0:
                        self._cond.notify_all()
                        return None
                    self._cond.wait(timeout=0.5)
                    continue
                wait = self._queue[0].at - time.monotonic()
                if wait <= 0:
                    self._in_flight += 1
                    return heapq.heappop(self._queue)
                self._cond.wait(timeout=min(wait, 0.5))

    def _run(self) -> None:
        while (due := self._next()) is not None:
            attempt = self.post(due.event)
            with self._cond:
                self.attempts.append(attempt)
                self._in_flight -= 1
                ok = attempt.status is not None and 200 <= attempt.status < 300
                if not ok:
                    if due.tries + 1 < self.max_tries:
                        self._seq += 1
                        heapq.heappush(
                            self._queue,
                            _Due(
                                time.monotonic() + self.redeliver_after,
                                self._seq,
                                due.event,
                                due.tries + 1,
                            ),
                        )
                    else:
                        self.given_up.append(due.event["id"])
                self._cond.notify_all()

    def post(self, event: dict) -> Attempt:
        body = json.dumps(event).encode()
        headers = {
            "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "Content-Type": "application/json",
            "Stripe-Signature": signature_header(body),
        }
        started = time.monotonic()
        status, text = None, ""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request("POST", WEBHOOK_PATH, body=body, headers=headers)
            answer = connection.getresponse()
            status, text = answer.status, answer.read().decode(errors="replace")[:300]
        except (OSError, http.client.HTTPException) as error:
            text = repr(error)
        finally:
            connection.close()
        return Attempt(event["id"], started, time.monotonic(), status, text)
