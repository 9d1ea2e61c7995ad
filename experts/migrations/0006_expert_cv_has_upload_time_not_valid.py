# expertprofile already holds rows: the constraint is added NOT VALID (a brief lock, no scan of
# the table); 0007 fixes old rows and validates it (docs/operations/migrations.md).

from django.db import migrations, models

from config.migration_operations import AddConstraintNotValidOnPostgres


class Migration(migrations.Migration):
    dependencies = [("experts", "0005_copy_cvs_into_database")]

    operations = [
        AddConstraintNotValidOnPostgres(
            model_name="expertprofile",
            constraint=models.CheckConstraint(
                condition=models.Q(("cv", "")) | models.Q(("cv_uploaded_at__isnull", False)),
                name="expert_cv_has_upload_time",
            ),
        ),
    ]
