"""`manage.py restore_drill FILE`: prove a backup restores. It is restored into a fresh
database on the same server, and the counts of members, invoices, payments, terms and CVs and
the sum of confirmed payments are compared with the backup's own (FILE.counts.json, taken in
the dump's snapshot) or, without that file, with the source database now."""

import json
import uuid
from pathlib import Path

import psycopg
from django.core.management.base import BaseCommand, CommandError

from membership import backups


class Command(BaseCommand):
    help = "Restore a backup into a fresh database and check it holds what the source held."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--keep", action="store_true", help="keep the drill database")

    def handle(self, *args, file, keep=False, **options):
        dump = Path(file)
        source_url = backups.database_url()
        manifest = backups.counts_path(dump)
        if manifest.is_file():
            expected = json.loads(manifest.read_text())
            against = f"the counts taken with the backup ({manifest.name})"
        else:
            expected = backups.counts_at(source_url)
            against = "the source database now"
        name = f"icma_restore_drill_{uuid.uuid4().hex[:10]}"
        admin_url = backups.with_database(source_url, "postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        drill_url = backups.with_database(source_url, name)
        try:
            backups.restore(dump, drill_url, clean=False)
            restored = backups.counts_at(drill_url)
        finally:
            if not keep:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        width = max(len(label) for label in expected)
        self.stdout.write(f"Restored {dump.name} into {name}; compared with {against}:")
        bad = []
        for label, want in expected.items():
            got = restored.get(label)
            mark = "ok" if got == want else "MISMATCH"
            if got != want:
                bad.append(label)
            self.stdout.write(f"  {label:{width}}  source {want:>12}  restored {got!s:>12}  {mark}")
        if keep:
            self.stdout.write(f"The drill database is kept: {name}")
        if bad:
            raise CommandError(f"The restored database differs in: {', '.join(bad)}")
        self.stdout.write(self.style.SUCCESS("Restore drill passed."))
