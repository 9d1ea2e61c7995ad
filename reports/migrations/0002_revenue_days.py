"""Revenue per day, kept in step with the invoices, payments and refunds by PostgreSQL row
triggers (reports.models.RevenueDay). On SQLite (the demo) there are no triggers and the
revenue report reads the rows as before.

A payment's or refund's day without a date of its own is its timestamp's date in TIME_ZONE,
as Django's TruncDate gives it: the zone is written into the functions when they are made."""

from django.conf import settings
from django.db import migrations, models

COLUMNS = "(measure, day, category_name, method, cents, source_rows)"

# What one row brings, as (measure, day, category, method, cents, rows), with `r` the row:
# one expression each, shared by the triggers (r is OLD or NEW) and the rebuild (r a table).
INVOICE = (
    "SELECT 'invoiced', r.issued_on, r.category_name, '', "
    "CASE WHEN r.status IN ('open', 'paid') THEN r.total_cents ELSE 0 END, 1 {source} "
    "UNION ALL SELECT 'outstanding', r.issued_on, r.category_name, '', "
    "CASE WHEN r.status = 'open' THEN r.total_cents - r.paid_cents ELSE 0 END, 1 {source}"
)
PAYMENT = (
    "SELECT 'collected', COALESCE(r.received_on, (r.confirmed_at AT TIME ZONE '{tz}')::date, "
    "(r.created_at AT TIME ZONE '{tz}')::date), i.category_name, r.gateway, r.amount_cents, 1 "
    "{source} JOIN billing_invoice i ON i.id = r.invoice_id "
    "WHERE r.state IN ('confirmed', 'refunded') AND NOT r.is_overpayment AND r.gateway <> 'none'"
)
REFUND = (
    "SELECT 'refunded', (r.created_at AT TIME ZONE '{tz}')::date, i.category_name, p.gateway, "
    "r.amount_cents, 1 {source} JOIN billing_payment p ON p.id = r.payment_id "
    "JOIN billing_invoice i ON i.id = p.invoice_id WHERE r.state = 'succeeded'"
)


def _row(template: str, record: str, sign: int, tz: str) -> str:
    """Append the rows of one trigger record (OLD or NEW), with `sign` -1 to take them back."""
    source = f"FROM (SELECT ({record}).*) r"
    body = template.format(source=source, tz=tz)
    return (
        f"INSERT INTO reports_revenueday {COLUMNS} SELECT m, d, c, g, {sign} * v, {sign} * n "
        f"FROM ({body}) x(m, d, c, g, v, n);"
    )


def _trigger_function(name: str, template: str, tz: str, columns: str, extra: str = "") -> str:
    """The trigger appends a row's old figures taken back and its new ones; an update that
    leaves every column the figures read as it was appends nothing."""
    old = ", ".join(f"OLD.{c}" for c in columns.split())
    new = ", ".join(f"NEW.{c}" for c in columns.split())
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'UPDATE' AND ROW({old}) IS NOT DISTINCT FROM ROW({new}) THEN "
        "RETURN NULL; END IF; "
        f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {_row(template, 'OLD', -1, tz)} END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_row(template, 'NEW', 1, tz)} END IF; "
        f"{extra} RETURN NULL; END $$"
    )


def statements(tz: str) -> list[tuple[str, str, str]]:
    """(function, table, its CREATE FUNCTION) for each watched table."""
    # An invoice's payments and their refunds count in its category: they move with it.
    moved_with_invoice = (
        "IF TG_OP = 'UPDATE' AND OLD.category_name IS DISTINCT FROM NEW.category_name THEN "
        f"INSERT INTO reports_revenueday {COLUMNS} SELECT x.m, x.d, c.name, x.g, c.sign * x.v, "
        "c.sign * x.n FROM (" + PAYMENT.format(source="FROM billing_payment r", tz=tz)
        + " AND r.invoice_id = NEW.id UNION ALL "
        + REFUND.format(source="FROM billing_refund r", tz=tz)
        + " AND p.invoice_id = NEW.id) x(m, d, c, g, v, n) CROSS JOIN (VALUES "
        "(OLD.category_name, -1), (NEW.category_name, 1)) c(name, sign); END IF;"
    )
    # A refund counts under its payment's invoice category and method: it moves with them.
    moved_with_payment = (
        "IF TG_OP = 'UPDATE' AND (OLD.gateway IS DISTINCT FROM NEW.gateway "
        "OR OLD.invoice_id IS DISTINCT FROM NEW.invoice_id) THEN "
        f"INSERT INTO reports_revenueday {COLUMNS} SELECT 'refunded', "
        f"(r.created_at AT TIME ZONE '{tz}')::date, i.category_name, p.gateway, "
        "p.sign * r.amount_cents, p.sign FROM billing_refund r CROSS JOIN (VALUES "
        "(OLD.invoice_id, OLD.gateway, -1), (NEW.invoice_id, NEW.gateway, 1)) "
        "p(invoice_id, gateway, sign) JOIN billing_invoice i ON i.id = p.invoice_id "
        "WHERE r.payment_id = NEW.id AND r.state = 'succeeded'; END IF;"
    )
    return [
        (
            "reports_revenue_invoice",
            "billing_invoice",
            _trigger_function(
                "reports_revenue_invoice",
                INVOICE,
                tz,
                "issued_on category_name status total_cents paid_cents",
                moved_with_invoice,
            ),
        ),
        (
            "reports_revenue_payment",
            "billing_payment",
            _trigger_function(
                "reports_revenue_payment",
                PAYMENT,
                tz,
                "invoice_id gateway state amount_cents is_overpayment received_on confirmed_at "
                "created_at",
                moved_with_payment,
            ),
        ),
        (
            "reports_revenue_refund",
            "billing_refund",
            _trigger_function(
                "reports_revenue_refund", REFUND, tz, "payment_id state amount_cents created_at"
            ),
        ),
    ]


def rebuild_function(tz: str) -> str:
    """reports_revenue_rebuild(): every key's sum from the rows, for a database written with
    the triggers off (the benchmark seeder) and for this migration's first fill."""
    sources = " UNION ALL ".join(
        [
            INVOICE.format(source="FROM billing_invoice r", tz=tz),
            PAYMENT.format(source="FROM billing_payment r", tz=tz),
            REFUND.format(source="FROM billing_refund r", tz=tz),
        ]
    )
    return (
        "CREATE OR REPLACE FUNCTION reports_revenue_rebuild() RETURNS void LANGUAGE sql AS $$ "
        "DELETE FROM reports_revenueday; "
        f"INSERT INTO reports_revenueday {COLUMNS} SELECT m, d, c, g, SUM(v), SUM(n) "
        f"FROM ({sources}) x(m, d, c, g, v, n) GROUP BY m, d, c, g; $$"
    )


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    tz = settings.TIME_ZONE.replace("'", "")
    for function, table, sql in statements(tz):
        schema_editor.execute(sql)
        schema_editor.execute(
            f"CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
    schema_editor.execute(rebuild_function(tz))
    schema_editor.execute("SELECT reports_revenue_rebuild()")


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for function, table, _sql in statements(""):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
    schema_editor.execute("DROP FUNCTION IF EXISTS reports_revenue_rebuild()")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_snapshots"),
        ("billing", "0009_employer_billing"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevenueDay",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("measure", models.CharField(max_length=16)),
                ("day", models.DateField()),
                ("category_name", models.CharField(max_length=100)),
                ("method", models.CharField(blank=True, max_length=16)),
                ("cents", models.BigIntegerField()),
                ("source_rows", models.IntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["category_name", "measure"], name="reports_rev_categor_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(install, remove, hints={"ddl": True}),
    ]
