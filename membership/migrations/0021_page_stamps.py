"""Page stamps: a row per committed write that changes a member's own pages, added by
statement-level triggers on PostgreSQL (membership/page_cache.py reads them). Elsewhere (SQLite
for `make run`) no trigger is made and the member pages are not cached."""

from django.db import migrations, models

# Each table whose rows a member's own pages show, and how a statement's rows (`r`, its
# transition table) name the members they belong to. `0` is every member (shared data).
# Frozen here: a later change to the list is a new migration.
STAMPED_TABLES = {
    "membership_member": "SELECT r.id FROM {rows} r",
    "auth_user": "SELECT m.id FROM {rows} r JOIN membership_member m ON m.user_id = r.id",
    "auth_user_groups": (
        "SELECT m.id FROM {rows} r JOIN membership_member m ON m.user_id = r.user_id"
    ),
    "mfa_authenticator": (
        "SELECT m.id FROM {rows} r JOIN membership_member m ON m.user_id = r.user_id"
    ),
    "communications_outgoingmessage": (
        "SELECT m.id FROM {rows} r JOIN membership_member m ON m.user_id = r.user_id"
    ),
    "membership_membership": "SELECT r.member_id FROM {rows} r",
    "membership_membershipterm": (
        "SELECT ms.member_id FROM {rows} r"
        " JOIN membership_membership ms ON ms.id = r.membership_id"
    ),
    "membership_waiverrequest": "SELECT r.member_id FROM {rows} r",
    "membership_importedpayment": "SELECT r.member_id FROM {rows} r",
    "membership_auditentry": (
        "SELECT r.object_id::bigint FROM {rows} r"
        " WHERE r.object_type = 'membership.member' AND r.object_id ~ '^[0-9]+$'"
    ),
    "billing_invoice": "SELECT r.member_id FROM {rows} r",
    "billing_installment": (
        "SELECT i.member_id FROM {rows} r JOIN billing_invoice i ON i.id = r.invoice_id"
    ),
    "billing_payment": (
        "SELECT i.member_id FROM {rows} r JOIN billing_invoice i ON i.id = r.invoice_id"
    ),
    "billing_stripecustomer": "SELECT r.member_id FROM {rows} r",
    "experts_expertprofile": "SELECT r.member_id FROM {rows} r",
    "experts_engagement": (
        "SELECT p.member_id FROM {rows} r JOIN experts_expertprofile p ON p.id = r.profile_id"
    ),
    # A request and its partner appear on the pages of the experts invited to it.
    "experts_assistancerequest": (
        "SELECT p.member_id FROM {rows} r JOIN experts_engagement e ON e.request_id = r.id"
        " JOIN experts_expertprofile p ON p.id = e.profile_id"
    ),
    "experts_partnerorganization": (
        "SELECT p.member_id FROM {rows} r JOIN experts_assistancerequest q ON q.partner_id = r.id"
        " JOIN experts_engagement e ON e.request_id = q.id"
        " JOIN experts_expertprofile p ON p.id = e.profile_id"
    ),
    "membership_membershiprules": "SELECT 0 FROM {rows} r",
    "membership_membershipcategory": "SELECT 0 FROM {rows} r",
    "experts_consenttext": "SELECT 0 FROM {rows} r",
    "auth_group": "SELECT 0 FROM {rows} r",
}


# A statement that writes more rows than this stamps member 0 (every member's pages) once,
# instead of each member: a bulk job costs one row, not one per member it touched.
BULK_ROWS = 1000


def _insert(select: str, rows: str) -> str:
    return f"""
        IF (SELECT count(*) FROM {rows}) > {BULK_ROWS} THEN
            INSERT INTO membership_pagestamp (member_id) VALUES (0);
        ELSE
            INSERT INTO membership_pagestamp (member_id)
            SELECT DISTINCT x FROM ({select}) s(x) WHERE x IS NOT NULL;
        END IF;"""


def _function_sql(table: str, members: str) -> str:
    new, old = members.format(rows="new_rows"), members.format(rows="old_rows")
    return f"""
CREATE OR REPLACE FUNCTION page_stamp_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_insert(new, "new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_insert(old, "old_rows")}
    ELSE
        {_insert(f"{new} UNION {old}", "new_rows")}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER page_stamp_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION page_stamp_{table}();
CREATE TRIGGER page_stamp_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION page_stamp_{table}();
CREATE TRIGGER page_stamp_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION page_stamp_{table}();
"""


def _drop_sql(table: str) -> str:
    return "".join(
        f"DROP TRIGGER IF EXISTS page_stamp_{event} ON {table};"
        for event in ("insert", "update", "delete")
    ) + f"DROP FUNCTION IF EXISTS page_stamp_{table}();"


# Sent e-mails are rewritten often while they are sent (claimed, rendered, sent) and their rows
# are wide: a statement trigger would copy every old and new row. The member's pages show only
# their subject, date and state, so a change of those stamps, row by row.
MESSAGE_UPDATE_SQL = """
DROP TRIGGER page_stamp_update ON communications_outgoingmessage;
CREATE OR REPLACE FUNCTION page_stamp_outgoingmessage_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO membership_pagestamp (member_id)
    SELECT DISTINCT m.id FROM membership_member m WHERE m.user_id IN (OLD.user_id, NEW.user_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER page_stamp_update AFTER UPDATE ON communications_outgoingmessage
    FOR EACH ROW WHEN (
        OLD.state IS DISTINCT FROM NEW.state
        OR OLD.subject IS DISTINCT FROM NEW.subject
        OR OLD.user_id IS DISTINCT FROM NEW.user_id
        OR OLD.created_at IS DISTINCT FROM NEW.created_at
    )
    EXECUTE FUNCTION page_stamp_outgoingmessage_row();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, members in STAMPED_TABLES.items():
        schema_editor.execute(_function_sql(table, members))
    schema_editor.execute(MESSAGE_UPDATE_SQL)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION IF EXISTS page_stamp_outgoingmessage_row() CASCADE;")
    for table in STAMPED_TABLES:
        schema_editor.execute(_drop_sql(table))


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0020_dues_impact_runs"),
        ("billing", "0012_stripe_event_partial_fk_indexes"),
        ("experts", "0012_profile_paid_through"),
        ("communications", "0004_attachments_rendered_at_send"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("member_id", models.BigIntegerField(db_index=True)),
            ],
            options={"verbose_name": "page stamp"},
        ),
        migrations.CreateModel(
            name="PageStampTally",
            fields=[
                ("member_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("stamps", models.BigIntegerField()),
            ],
            options={"verbose_name": "page stamp tally"},
        ),
        # DDL: a flushed test database keeps it (tests/conftest.py reseeds data only).
        migrations.RunPython(create_triggers, drop_triggers, hints={"ddl": True}),
    ]
