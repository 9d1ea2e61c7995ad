"""An SMTP server on a loopback port for processes started with EMAIL_URL=smtp://…: it keeps
what it accepts, and can be switched to refuse every message with 421 (a mail relay that is
overloaded or going down) and back, or stopped and started again on the same port."""

import asyncio
import threading
from email import message_from_bytes

from aiosmtpd.controller import Controller

from tests.stack.services import free_port

REFUSAL = "421 4.3.2 Service not available, closing transmission channel"


class _Handler:
    def __init__(self, server: "SmtpServer"):
        self.server = server

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.server.refusing:
            self.server.refused += 1
            return REFUSAL
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.stalling:
            # Hold the sender mid-conversation, before any message text: a slow relay.
            self.server.stalled_peers.append(session.peer)
            self.server.stalled.set()
            while address in self.server.stalling:
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.server._lock:
            self.server.messages.append(
                {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "message": message_from_bytes(envelope.content),
                }
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.messages: list[dict] = []
        self.refusing = False
        self.refused = 0
        self.stalling: set[str] = set()
        self.stalled_peers: list[tuple] = []
        self.stalled = threading.Event()
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def refuse(self, on: bool = True) -> None:
        """From now on answer every MAIL FROM with 421 (or accept again with on=False)."""
        self.refusing = on

    def stall(self, address: str, on: bool = True) -> None:
        """Hold every conversation to `address` at RCPT TO until `stall(address, False)`."""
        if on:
            self.stalling.add(address)
        else:
            self.stalling.discard(address)

    def __enter__(self) -> "SmtpServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
