"""`manage.py backup`, `restore` and `restore_drill` on PostgreSQL (pg_dump -Fc / pg_restore)."""

import datetime as dt
import json
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from billing.services.cheques import cheque_record
from membership import backups
from tests.experts.factories import PDF_BYTES, make_expert, pdf_upload
from tests.factories import MemberFactory, issue_invoice

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("Backups are pg_dump / pg_restore: they need PostgreSQL")


def portal_with_data():
    paid = issue_invoice(MemberFactory())
    cheque_record(
        invoice=paid,
        amount_cents=paid.total_cents,
        reference="4512",
        received_on=dt.date.today(),
        recorded_by=None,
    )
    issue_invoice(MemberFactory())  # open, unpaid
    make_expert(cv=pdf_upload())
    return paid


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_a_backup_restores_into_a_fresh_database_with_the_same_counts(tmp_path):
    paid = portal_with_data()
    dump = tmp_path / "icma.dump"
    assert "Backup written to" in run("backup", str(dump))
    taken = json.loads(backups.counts_path(dump).read_text())
    assert taken["members"] >= 3
    assert taken["cvs"] == 1 and taken["cv_bytes"] == len(PDF_BYTES)
    assert taken["confirmed_payment_cents"] == paid.total_cents

    MemberFactory()  # after the backup: the drill compares with the backup's snapshot
    report = run("restore_drill", str(dump))
    assert "Restore drill passed." in report
    assert "MISMATCH" not in report
    for label in ("members", "invoices", "payments", "terms", "cvs", "confirmed_payment_cents"):
        assert label in report


def test_the_drill_fails_when_the_restored_data_differs(tmp_path):
    portal_with_data()
    dump = tmp_path / "icma.dump"
    run("backup", str(dump))
    path = backups.counts_path(dump)
    counts = json.loads(path.read_text())
    counts["payments"] += 1
    path.write_text(json.dumps(counts))
    with pytest.raises(CommandError, match="differs in: payments"):
        run("restore_drill", str(dump))


def test_without_the_counts_file_the_drill_compares_with_the_source(tmp_path):
    portal_with_data()
    dump = tmp_path / "icma.dump"
    run("backup", str(dump))
    backups.counts_path(dump).unlink()
    assert "compared with the source database now" in run("restore_drill", str(dump))


def test_restore_replaces_a_databases_contents_and_the_cvs_come_back(tmp_path):
    portal_with_data()
    dump = tmp_path / "icma.dump"
    run("backup", str(dump))
    source = backups.database_url()
    admin = backups.with_database(source, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "icma_restore_test" WITH (FORCE)')
        conn.execute('CREATE DATABASE "icma_restore_test"')
    target = backups.with_database(source, "icma_restore_test")
    try:
        run("restore", str(dump), "--database-url", target, "--yes")
        run("restore", str(dump), "--database-url", target, "--yes")  # again, over itself
        assert backups.counts_at(target) == backups.counts_at(source)
        with psycopg.connect(target) as conn:
            content = conn.execute("SELECT content FROM experts_storedfile").fetchone()[0]
        assert bytes(content) == PDF_BYTES
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "icma_restore_test" WITH (FORCE)')


def test_backups_say_when_cvs_are_not_in_the_dump(settings):
    settings.CV_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = "icma-cvs"
    assert "Back the bucket up on its own" in backups.storage_warning()
    settings.CV_STORAGE = "database"
    assert backups.storage_warning() == ""
