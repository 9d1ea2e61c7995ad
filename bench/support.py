"""What the benchmarks share: a throw-away PostgreSQL cluster (as `make test` starts), a
database in it, Django set up against it and migrated."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def create_database(url: str, *, settings: dict[str, str] | None = None) -> None:
    """Create the database `url` names (in a cluster started by scripts/run_tests.py), with
    optional per-database settings such as max_parallel_workers_per_gather."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        for key, value in (settings or {}).items():
            conn.execute(f'ALTER DATABASE "{name}" SET {key} = {value}')


def durability() -> str:
    """PostgreSQL's durability settings as the benchmark ran them, for its output."""
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in ("server_version", "fsync", "synchronous_commit", "full_page_writes"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(values)


@contextmanager
def bench_django(
    *,
    settings_module: str = "config.settings.test",
    durable: bool = True,
    database_settings: dict[str, str] | None = None,
    environ: dict[str, str] | None = None,
):
    """Start a throw-away PostgreSQL (PostgreSQL's default durability unless `durable` is
    False), create and migrate the portal's database, set Django up on it; yields its URL.
    Exits with status 2 when the PostgreSQL binaries are missing."""
    from scripts.run_tests import find_postgres_bin, postgres_cluster

    bindir = find_postgres_bin()
    if bindir is None:
        print("This benchmark needs the PostgreSQL binaries.", file=sys.stderr)
        raise SystemExit(2)
    with postgres_cluster(bindir, durable=durable) as url:
        create_database(url, settings=database_settings)
        os.environ["DATABASE_URL"] = url
        os.environ.update(environ or {})
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(durability(), flush=True)
        yield url
