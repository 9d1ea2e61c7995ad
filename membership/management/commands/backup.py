"""`manage.py backup [FILE]`: pg_dump -Fc of DATABASE_URL, CVs included (membership/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from membership import backups


class Command(BaseCommand):
    help = "Dump the PostgreSQL database (custom format) with the counts the restore drill checks."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="default: backups/icma-<time>.dump")

    def handle(self, *args, file=None, **options):
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        target = Path(file or Path(settings.BASE_DIR) / "backups" / f"icma-{stamp}.dump")
        found = backups.backup(target)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
        self.stdout.write("  " + ", ".join(f"{label} {value}" for label, value in found.items()))
        warning = backups.storage_warning()
        if warning:
            self.stdout.write(self.style.WARNING(warning))
