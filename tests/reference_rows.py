"""Rows the data migrations seed, put back after a transactional test flushed them."""

import importlib

# Each of these migrations' steps is safe to run twice.
SEEDING_MIGRATIONS = ("0002_staff_groups", "0004_seed_categories", "0006_seed_dues_schedule")


def reference_rows_restore() -> None:
    """Staff groups, membership categories and the published dues schedule."""
    from django.apps import apps
    from django.db import migrations

    for name in SEEDING_MIGRATIONS:
        module = importlib.import_module(f"membership.migrations.{name}")
        for operation in module.Migration.operations:
            if isinstance(operation, migrations.RunPython):
                operation.code(apps, None)
