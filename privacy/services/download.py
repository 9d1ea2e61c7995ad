"""Build the ZIP of everything the portal holds about one member, and record that it left."""

import csv
import io
import json
import tempfile
import zipfile

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from privacy.models import DataDownload
from privacy.registry import SECTIONS

# Members have little data; past this size the ZIP spills from memory to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024


class _Encoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as Django writes them; anything else (a country) as text."""

    def default(self, o):
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _json(value) -> str:
    return json.dumps(value, cls=_Encoder, ensure_ascii=False, indent=2)


def _csv(table: list[dict]) -> str:
    columns: list[str] = []
    for row in table:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in table:
        writer.writerow(
            {
                key: _json(value) if isinstance(value, dict | list) else value
                for key, value in row.items()
            }
        )
    # A BOM, so spreadsheet programs read the file as UTF-8.
    return "\ufeff" + out.getvalue()


def data_download_build(*, member, actor, reason: str = "", by_staff: bool = False):
    """The member's data as a ZIP (a file object at position 0) and its file name.

    One JSON file per section, a CSV beside each table, and `manifest.json` listing them. The
    download is recorded (who, when, why) in the same transaction that reads the data."""
    # Handed to the response, which closes it once sent.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    manifest = {
        "member_number": member.member_number,
        "generated_at": timezone.now(),
        "by_staff": by_staff,
        "sections": [],
    }
    try:
        record = _write(
            spool, manifest, member=member, actor=actor, reason=reason, by_staff=by_staff
        )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    stamp = record.downloaded_at.strftime("%Y%m%d-%H%M%S")
    return spool, f"icma-data-{member.member_number}-{stamp}.zip"


def _write(spool, manifest, *, member, actor, reason, by_staff) -> DataDownload:
    with transaction.atomic():
        record = DataDownload.objects.create(
            member=member,
            downloaded_by=actor,
            by_staff=by_staff,
            reason=reason,
            sections=sorted(SECTIONS),
        )
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for section in SECTIONS.values():
                data = section.build(member)
                files = [f"{section.name}.json"]
                archive.writestr(files[0], _json(data))
                if isinstance(data, list):
                    files.append(f"{section.name}.csv")
                    archive.writestr(files[1], _csv(data))
                manifest["sections"].append(
                    {
                        "name": section.name,
                        "title": str(section.title),
                        "files": files,
                        "records": len(data) if isinstance(data, list) else int(bool(data)),
                    }
                )
            archive.writestr("manifest.json", _json(manifest))
    return record
