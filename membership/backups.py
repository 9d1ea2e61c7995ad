"""PostgreSQL backups of the whole portal: pg_dump -Fc / pg_restore on DATABASE_URL.

CVs are rows of experts.StoredFile when CV_STORAGE=database (the default), so they travel with
the dump. With CV_STORAGE=s3 the bucket holds them and needs a backup of its own (versioning or
replication); with CV_STORAGE=filesystem, PRIVATE_MEDIA_ROOT does.

A backup also writes `<file>.counts.json`: the counts the restore drill checks, read in the
same snapshot that pg_dump dumps (pg_export_snapshot), so they match the dump exactly.
"""

import glob
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

# What a restore must bring back: (label, SQL on the portal's tables).
CHECKS = {
    "members": "SELECT count(*) FROM membership_member",
    "invoices": "SELECT count(*) FROM billing_invoice",
    "payments": "SELECT count(*) FROM billing_payment",
    "terms": "SELECT count(*) FROM membership_membershipterm",
    "cvs": "SELECT count(*) FROM experts_storedfile",
    "cv_bytes": "SELECT coalesce(sum(length(content)), 0) FROM experts_storedfile",
    "confirmed_payment_cents": (
        "SELECT coalesce(sum(amount_cents), 0) FROM billing_payment WHERE state = 'confirmed'"
    ),
}


def database_url() -> str:
    """DATABASE_URL of the default database, which must be PostgreSQL."""
    if connection.vendor != "postgresql":
        raise CommandError(
            "Backups need PostgreSQL (DATABASE_URL=postgres://…); this database is "
            f"{connection.vendor}."
        )
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = f"{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}"
    return f"postgresql://{auth + '@' if auth else ''}{host}/{s['NAME']}"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")


def storage_warning() -> str:
    kind = getattr(settings, "CV_STORAGE", "database")
    if kind == "s3":
        return (
            "CV_STORAGE=s3: the CVs are in the bucket "
            f"{getattr(settings, 'AWS_STORAGE_BUCKET_NAME', '?')!r}, not in this dump. "
            "Back the bucket up on its own (versioning or replication)."
        )
    if kind == "filesystem":
        return (
            f"CV_STORAGE=filesystem: the CVs are in {settings.PRIVATE_MEDIA_ROOT}, not in this "
            "dump. Copy that folder as well."
        )
    return ""


def counts(cursor) -> dict[str, int]:
    result = {}
    for label, sql in CHECKS.items():
        cursor.execute(sql)
        result[label] = int(cursor.fetchone()[0])
    return result


def counts_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".counts.json")


def backup(target: Path) -> dict[str, int]:
    """Dump the database to `target` (custom format) and write the snapshot's counts."""
    import psycopg

    url = database_url()
    target.parent.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            found = counts(cursor)
        # The snapshot lives as long as this transaction: pg_dump reads exactly what we counted.
        subprocess.run(  # noqa: S603 - our own arguments, no shell
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={url}",
            ],
            check=True,
        )
        conn.rollback()
    counts_path(target).write_text(json.dumps(found, indent=2) + "\n")
    return found


def restore(dump: Path, url: str, *, clean: bool) -> None:
    """pg_restore `dump` into the database at `url`, in one transaction."""
    if not dump.is_file():
        raise CommandError(f"No backup file at {dump}")
    command = [
        pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url}",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    subprocess.run([*command, str(dump)], check=True)  # noqa: S603 - no shell


def counts_at(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        return counts(cursor)
