"""`ExpertProfile.member_paid_through_on`: the member's paid-through date on the profile's own
row, kept in step by the database (docs/decisions/003-expert-ranking.md).

Triggers, on PostgreSQL and on SQLite (the demo):
- a membership inserted, its paid-through date or member changed, or deleted: the member's
  profile gets the new date (or none);
- a profile inserted or updated: its date is read again from the membership, so a save from
  the portal, which writes every column, cannot leave a stale copy behind.
Existing profiles are filled once, at the end."""

from django.db import migrations, models

POSTGRESQL = [
    (
        """
CREATE FUNCTION experts_membership_paid_through() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE experts_expertprofile SET member_paid_through_on = NULL
        WHERE member_id = OLD.member_id AND member_paid_through_on IS NOT NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE experts_expertprofile SET member_paid_through_on = NEW.paid_through_on
        WHERE member_id = NEW.member_id
        AND member_paid_through_on IS DISTINCT FROM NEW.paid_through_on;
    END IF;
    RETURN NULL;
END $$""",
        "DROP FUNCTION IF EXISTS experts_membership_paid_through()",
    ),
    (
        "CREATE TRIGGER experts_membership_paid_through"
        " AFTER INSERT OR DELETE OR UPDATE OF paid_through_on, member_id"
        " ON membership_membership FOR EACH ROW"
        " EXECUTE FUNCTION experts_membership_paid_through()",
        "DROP TRIGGER IF EXISTS experts_membership_paid_through ON membership_membership",
    ),
    (
        """
CREATE FUNCTION experts_profile_paid_through() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.member_paid_through_on := (
        SELECT paid_through_on FROM membership_membership WHERE member_id = NEW.member_id
    );
    RETURN NEW;
END $$""",
        "DROP FUNCTION IF EXISTS experts_profile_paid_through()",
    ),
    (
        "CREATE TRIGGER experts_profile_paid_through"
        " BEFORE INSERT OR UPDATE ON experts_expertprofile FOR EACH ROW"
        " EXECUTE FUNCTION experts_profile_paid_through()",
        "DROP TRIGGER IF EXISTS experts_profile_paid_through ON experts_expertprofile",
    ),
]

_FROM_MEMBERSHIP = (
    "(SELECT paid_through_on FROM membership_membership WHERE member_id = NEW.member_id)"
)
SQLITE = [
    (
        "CREATE TRIGGER experts_membership_paid_through_insert AFTER INSERT"
        " ON membership_membership BEGIN"
        " UPDATE experts_expertprofile SET member_paid_through_on = NEW.paid_through_on"
        " WHERE member_id = NEW.member_id; END",
        "DROP TRIGGER IF EXISTS experts_membership_paid_through_insert",
    ),
    (
        "CREATE TRIGGER experts_membership_paid_through_update"
        " AFTER UPDATE OF paid_through_on, member_id ON membership_membership BEGIN"
        " UPDATE experts_expertprofile SET member_paid_through_on = NULL"
        " WHERE member_id = OLD.member_id;"
        " UPDATE experts_expertprofile SET member_paid_through_on = NEW.paid_through_on"
        " WHERE member_id = NEW.member_id; END",
        "DROP TRIGGER IF EXISTS experts_membership_paid_through_update",
    ),
    (
        "CREATE TRIGGER experts_membership_paid_through_delete AFTER DELETE"
        " ON membership_membership BEGIN"
        " UPDATE experts_expertprofile SET member_paid_through_on = NULL"
        " WHERE member_id = OLD.member_id; END",
        "DROP TRIGGER IF EXISTS experts_membership_paid_through_delete",
    ),
    (
        "CREATE TRIGGER experts_profile_paid_through_insert AFTER INSERT"
        " ON experts_expertprofile BEGIN"
        f" UPDATE experts_expertprofile SET member_paid_through_on = {_FROM_MEMBERSHIP}"
        " WHERE id = NEW.id; END",
        "DROP TRIGGER IF EXISTS experts_profile_paid_through_insert",
    ),
    (
        # SQLite does not run triggers from a trigger's own statement (recursive_triggers is
        # off), so this update does not fire itself.
        "CREATE TRIGGER experts_profile_paid_through_update AFTER UPDATE"
        " ON experts_expertprofile BEGIN"
        f" UPDATE experts_expertprofile SET member_paid_through_on = {_FROM_MEMBERSHIP}"
        " WHERE id = NEW.id; END",
        "DROP TRIGGER IF EXISTS experts_profile_paid_through_update",
    ),
]

FILL = (
    "UPDATE experts_expertprofile SET member_paid_through_on = ("
    "SELECT paid_through_on FROM membership_membership"
    " WHERE membership_membership.member_id = experts_expertprofile.member_id)"
)


def _statements(schema_editor, forwards: bool) -> list[str]:
    pairs = {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(schema_editor.connection.vendor, [])
    if forwards:
        return [create for create, _drop in pairs] + ([FILL] if pairs else [])
    return [drop for _create, drop in reversed(pairs)]


def create(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=True):
        schema_editor.execute(statement, params=None)


def drop(apps, schema_editor):
    for statement in _statements(schema_editor, forwards=False):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("experts", "0011_fill_chinese_names"),
        ("membership", "0018_member_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="expertprofile",
            name="member_paid_through_on",
            field=models.DateField(editable=False, null=True),
        ),
        # Schema, not data: tests/conftest.py reseeds reference data without it.
        migrations.RunPython(create, drop, hints={"ddl": True}),
    ]
