"""International programs staff keep the expertise areas and partner organizations up to date
in the admin: give their group the permissions to view, add and change both."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "International programs staff"
MODELS = ["expertisearea", "partnerorganization"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    codenames = [f"{action}_{model}" for model in MODELS for action in ("view", "add", "change")]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="experts", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0002_seed_pool_vocabularies"),
        ("membership", "0002_staff_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
