"""What the benchmarks share: a database inside the throw-away PostgreSQL cluster."""


def create_database(url: str, *, settings: dict[str, str] | None = None) -> None:
    """Create the database `url` names (in a cluster started by scripts/run_tests.py), with
    optional per-database settings such as max_parallel_workers_per_gather."""
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        for key, value in (settings or {}).items():
            conn.execute(f'ALTER DATABASE "{name}" SET {key} = {value}')
