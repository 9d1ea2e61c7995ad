# Old rows with a CV but no upload time get their last change time, then the constraint added
# NOT VALID by 0006 is validated: a scan under a lock that lets reads and writes go on.

from django.db import migrations
from django.db.models import F

from config.migration_operations import ValidateConstraintOnPostgres


def date_old_cvs(apps, schema_editor):
    ExpertProfile = apps.get_model("experts", "ExpertProfile")
    ExpertProfile.objects.exclude(cv="").filter(cv_uploaded_at__isnull=True).update(
        cv_uploaded_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("experts", "0006_expert_cv_has_upload_time_not_valid")]

    operations = [
        migrations.RunPython(date_old_cvs, migrations.RunPython.noop, elidable=True),
        ValidateConstraintOnPostgres(
            model_name="expertprofile", name="expert_cv_has_upload_time"
        ),
    ]
