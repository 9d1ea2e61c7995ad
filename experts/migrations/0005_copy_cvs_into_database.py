"""Copy the CVs already on disk (PRIVATE_MEDIA_ROOT/expert-cvs) into experts.StoredFile.

Runs only when CVs are kept in the database (CV_STORAGE=database, the default). The files on
disk are left in place: remove them once the copies are checked. Safe to run again: a CV whose
name is already stored is skipped, and one whose file is missing is reported and skipped.
"""

from pathlib import Path

from django.conf import settings
from django.db import migrations

BATCH = 200


def copy_cvs(apps, schema_editor):
    if getattr(settings, "CV_STORAGE", "database") != "database":
        return
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "expert-cvs"
    if not folder.is_dir():
        return
    ExpertProfile = apps.get_model("experts", "ExpertProfile")
    StoredFile = apps.get_model("experts", "StoredFile")
    names = ExpertProfile.objects.exclude(cv="").values_list("cv", flat=True).order_by("pk")
    stored = set(StoredFile.objects.values_list("name", flat=True))
    copied, missing = 0, []
    for name in names.iterator(chunk_size=BATCH):
        if name in stored:
            continue
        path = folder / name
        if not path.is_file():
            missing.append(name)
            continue
        data = path.read_bytes()
        StoredFile.objects.create(
            name=name, content=data, size=len(data), content_type="application/pdf"
        )
        stored.add(name)
        copied += 1
    if copied or missing:
        print(f"\n  Copied {copied} CV(s) from {folder} into the database.")
    if missing:
        print(f"  {len(missing)} CV file(s) were not on disk: {', '.join(missing[:20])}")


class Migration(migrations.Migration):
    dependencies = [("experts", "0004_stored_file")]

    operations = [migrations.RunPython(copy_cvs, migrations.RunPython.noop, elidable=True)]
