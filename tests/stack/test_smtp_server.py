"""The stack's SMTP server accepts mail, refuses it with 421 when told, and accepts again."""

import smtplib
from email.message import EmailMessage

import pytest

pytestmark = pytest.mark.stack


def send(server, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "membership@icma.org"
    message["To"] = "member@example.org"
    message["Subject"] = subject
    message.set_content("Hello")
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        client.send_message(message)


def test_smtp_server_refuses_with_421_while_switched_and_accepts_again(smtp_server):
    send(smtp_server, "first")
    smtp_server.refuse()
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(smtp_server, "refused")
    smtp_server.refuse(False)
    send(smtp_server, "second")

    assert refused.value.smtp_code == 421
    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["first", "second"]
    assert smtp_server.refused == 1


def test_smtp_server_restarts_on_the_same_port(smtp_server):
    smtp_server.stop()
    with pytest.raises(OSError):
        send(smtp_server, "while down")
    smtp_server.start()
    send(smtp_server, "after restart")

    assert [m["message"]["Subject"] for m in smtp_server.messages] == ["after restart"]
