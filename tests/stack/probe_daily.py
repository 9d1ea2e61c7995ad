"""What the stack's database says about the day's work and its mail (run with the stack's
env): `python -m tests.stack.probe_daily` prints one JSON line."""

import json

import django


def main() -> dict:
    django.setup()
    from billing.models import Installment, Invoice, ScheduledCharge
    from communications.models import OutgoingMessage
    from membership.models import Reminder

    return {
        "messages": {
            str(m.pk): {"state": m.state, "attempts": m.attempts, "key": m.key, "to": m.to}
            for m in OutgoingMessage.objects.all()
        },
        "reminders": [
            {"member": r.term.membership.member_id, "key": r.key, "sent": r.sent_at is not None}
            for r in Reminder.objects.select_related("term__membership")
        ],
        "invoices": {str(i.pk): i.status for i in Invoice.objects.all()},
        "installment_notices": list(
            Installment.objects.filter(notice_sent_at__isnull=False).values_list("pk", flat=True)
        ),
        "charges": [
            {"member": c.member_id, "state": c.state, "attempts": c.attempts}
            for c in ScheduledCharge.objects.all()
        ],
    }


if __name__ == "__main__":
    print(json.dumps(main()))
