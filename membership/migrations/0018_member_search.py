"""The staff member search's indexes (docs/decisions/002-staff-member-search-and-export.md).

`search_text` is a stored generated column (full name, a line break, employer), written by the
database on every insert and update. On PostgreSQL it gets a pg_trgm GIN index, which serves
`search_text ILIKE '%term%'`, and the user's e-mail an index on `UPPER(email)` with
`text_pattern_ops`, which serves the exact and prefix e-mail lookups
(`UPPER(email) LIKE 'TERM%'`). SQLite (the demo) gets the column and no indexes: its tables are
small."""

import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

INDEXES = [
    (
        "CREATE INDEX IF NOT EXISTS membership_member_search_trgm"
        " ON membership_member USING gin (search_text gin_trgm_ops)",
        "DROP INDEX IF EXISTS membership_member_search_trgm",
    ),
    (
        "CREATE INDEX IF NOT EXISTS auth_user_email_upper_pattern"
        " ON auth_user (UPPER(email::text) text_pattern_ops)",
        "DROP INDEX IF EXISTS auth_user_email_upper_pattern",
    ),
]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("membership", "0017_member_import"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="member",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Concat(
                    "full_name", models.Value("\n"), "employer"
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RemoveIndex(model_name="member", name="membership__full_na_99e641_idx"),
        migrations.AddIndex(
            model_name="member",
            index=models.Index(fields=["full_name", "id"], name="member_name_number_idx"),
        ),
        migrations.RunPython(
            on_postgresql([create for create, _drop in INDEXES]),
            on_postgresql([drop for _create, drop in INDEXES]),
            # Schema, not data: tests/conftest.py reseeds reference data without it.
            hints={"ddl": True},
        ),
    ]
