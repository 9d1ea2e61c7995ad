"""`manage.py restore FILE`: replace DATABASE_URL's contents with a backup (pg_restore)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from membership import backups


class Command(BaseCommand):
    help = "Restore a `manage.py backup` file into DATABASE_URL (or --database-url), replacing it."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--database-url", help="restore there instead of DATABASE_URL")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, file, database_url=None, yes=False, **options):
        url = database_url or backups.database_url()
        if not yes and options.get("interactive", True):
            answer = input(
                f"This replaces every table of {url.rsplit('/', 1)[-1]!r} with {file}. "
                "Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was restored.")
        backups.restore(Path(file), url, clean=True)
        self.stdout.write(self.style.SUCCESS(f"Restored {file}."))
        warning = backups.storage_warning()
        if warning:
            self.stdout.write(self.style.WARNING(warning))
