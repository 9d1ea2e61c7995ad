"""Migration operations for tables that already hold many rows (docs/operations/migrations.md).

On PostgreSQL they build an index without blocking writes (CREATE INDEX CONCURRENTLY) and add a
check constraint in two steps (NOT VALID, then VALIDATE, which takes only a light lock). On any
other database (SQLite for `make run`) they fall back to the plain operation.
"""

from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    ValidateConstraint,
)
from django.db.migrations.operations import AddConstraint, AddIndex


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """AddIndexConcurrently; the migration that uses it must say `atomic = False`."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddConstraintNotValidOnPostgres(AddConstraintNotValid):
    """Adds a check constraint that new and changed rows must meet at once, without reading the
    existing rows; follow it with ValidateConstraintOnPostgres in a later migration."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddConstraint.database_forwards(self, app_label, schema_editor, from_state, to_state)


class ValidateConstraintOnPostgres(ValidateConstraint):
    """Checks the existing rows against a NOT VALID constraint (elsewhere it is already valid)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgres(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return None
