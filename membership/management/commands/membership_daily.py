import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from membership.services.daily import membership_daily


class Command(BaseCommand):
    help = "Run the day's membership work: statuses, reminders, installments, stale invoices."

    def add_arguments(self, parser):
        parser.add_argument("--on", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args, on=None, **options):
        try:
            day = dt.date.fromisoformat(on) if on else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--on must be a date like 2026-11-27, not {on!r}.") from exc
        summary = membership_daily(on=day)
        self.stdout.write(f"Membership daily work for {day.isoformat()}:")
        for key, value in summary.items():
            if key == "failed_parts":
                continue
            self.stdout.write(f"  {key.replace('_', ' ')}: {value}")
        failed = summary.get("failed_parts")
        if failed:
            raise CommandError(
                f"These parts failed and should be run again: {', '.join(failed)} "
                "(the others ran; see the log for the errors)."
            )
