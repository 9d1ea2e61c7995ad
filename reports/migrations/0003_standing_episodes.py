"""Standing episodes (reports.models.StandingEpisode), kept in step with the paid terms by
PostgreSQL statement triggers, and the member's place copied onto them. On SQLite (the demo)
there are no triggers and the membership report reads the terms as before.

A term counts from the day it was activated (its timestamp's date in TIME_ZONE, written into
the functions when they are made, as the revenue triggers do), the rule `known_on` states."""

from django.conf import settings
from django.db import migrations, models

EPISODES = "reports_standingepisode"
ENDS = "reports_standingend"
COLUMNS = (
    "(membership_id, active_category_id, grace_category_id, active_on, grace_on, lapsed_on, "
    "until_on, cohort_on, first, country, state_province)"
)


def episodes_select(where: str, grace: str, tz: str) -> str:
    """The episodes of the memberships whose paid terms `where` selects, with `grace` days of
    grace, as rows of COLUMNS. Per term: active from max(start, day paid) to its end, in grace
    from max(end, day paid) for `grace` days, counted from max(start, day paid). The days
    where any of these begin or end cut the time line into pieces; each piece takes the state
    its first day has (active, else in grace, else lapsed) and the highest category among the
    terms holding it; runs of pieces in one state and category are joined, and each active run
    with the grace and lapsed runs after it makes an episode."""
    return (
        "WITH t AS (SELECT membership_id, category_id AS c, start_on, "
        "GREATEST(start_on, k.on_day) AS ka, end_on AS e, GREATEST(end_on, k.on_day) AS g0, "
        f"end_on + {grace} AS ge FROM membership_membershipterm, LATERAL (SELECT "
        f"COALESCE((activated_at AT TIME ZONE '{tz}')::date, '-infinity'::date) AS on_day) k "
        f"WHERE status = 'active' AND ({where})), "
        "b AS (SELECT DISTINCT membership_id, x FROM t, LATERAL (VALUES (ka), (e), (g0), (ge)) v(x)), "
        "piece AS (SELECT membership_id, x AS lo, "
        "lead(x) OVER (PARTITION BY membership_id ORDER BY x) AS hi FROM b), "
        "st AS (SELECT p.membership_id, p.lo, p.hi, "
        "CASE WHEN bool_or(t.ka <= p.lo AND p.lo < t.e) THEN 3 "
        "WHEN bool_or(t.g0 <= p.lo AND p.lo < t.ge) THEN 2 WHEN bool_or(t.ka <= p.lo) THEN 1 "
        "END AS state, COALESCE(MAX(t.c) FILTER (WHERE t.ka <= p.lo AND p.lo < t.e), "
        "MAX(t.c) FILTER (WHERE t.g0 <= p.lo AND p.lo < t.ge)) AS cat "
        "FROM piece p JOIN t USING (membership_id) GROUP BY 1, 2, 3), "
        "cut AS (SELECT *, CASE WHEN lag(state) OVER w IS NOT DISTINCT FROM state "
        "AND lag(cat) OVER w IS NOT DISTINCT FROM cat THEN 0 ELSE 1 END AS brk "
        "FROM st WHERE state IS NOT NULL WINDOW w AS (PARTITION BY membership_id ORDER BY lo)), "
        "run AS (SELECT membership_id, state, cat, MIN(lo) AS lo, "
        "CASE WHEN bool_or(hi IS NULL) THEN NULL ELSE MAX(hi) END AS hi FROM (SELECT *, "
        "SUM(brk) OVER (PARTITION BY membership_id ORDER BY lo) AS grp FROM cut) z "
        "GROUP BY membership_id, grp, state, cat), "
        "numbered AS (SELECT *, SUM(CASE WHEN prev IS NULL OR state = 3 "
        "OR (state = 2 AND prev IN (1, 2)) THEN 1 ELSE 0 END) "
        "OVER (PARTITION BY membership_id ORDER BY lo) AS episode FROM (SELECT *, "
        "lag(state) OVER (PARTITION BY membership_id ORDER BY lo) AS prev FROM run) z), "
        "ep AS (SELECT membership_id, episode, MAX(cat) FILTER (WHERE state = 3) AS ac, "
        "MAX(cat) FILTER (WHERE state = 2) AS gc, MIN(lo) AS from_on, "
        "MIN(lo) FILTER (WHERE state = 2) AS g_on, MIN(lo) FILTER (WHERE state = 1) AS l_on, "
        "CASE WHEN bool_or(hi IS NULL) THEN NULL ELSE MAX(hi) END AS until_on "
        "FROM numbered GROUP BY 1, 2), "
        "cohort AS (SELECT membership_id, MIN(start_on) AS cohort_on FROM t GROUP BY 1) "
        "SELECT ep.membership_id, ep.ac, ep.gc, ep.from_on, "
        "COALESCE(ep.g_on, ep.l_on, ep.until_on, 'infinity'), "
        "COALESCE(ep.l_on, ep.until_on, 'infinity'), ep.until_on, cohort.cohort_on, "
        "ep.episode = 1, mb.country, mb.state_province FROM ep "
        "JOIN cohort USING (membership_id) "
        "JOIN membership_membership ms ON ms.id = ep.membership_id "
        "JOIN membership_member mb ON mb.id = ms.member_id"
    )


def ends_select(where: str) -> str:
    """Each paid term (not Life) the memberships `where` selects: its end, and whether another
    paid term of the membership, not a reinstatement, starts on it."""
    return (
        "SELECT t.membership_id, t.end_on, EXISTS (SELECT 1 FROM membership_membershipterm n "
        "WHERE n.membership_id = t.membership_id AND n.start_on = t.end_on "
        "AND n.status = 'active' AND n.kind <> 'reinstatement' AND n.id <> t.id) "
        f"FROM membership_membershipterm t WHERE t.status = 'active' AND t.kind <> 'life' "
        f"AND ({where})"
    )


def functions(tz: str) -> list[str]:
    grace = "(SELECT grace_days FROM reports_standingbuild ORDER BY id LIMIT 1)"
    return [
        # The episodes of some memberships written again, under the grace period they were
        # built with; nothing while they were never built. Writers of the same membership
        # wait for each other on its row, so two transactions cannot both write its episodes.
        "CREATE OR REPLACE FUNCTION reports_standing_for(ids bigint[]) RETURNS void "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF NOT EXISTS (SELECT 1 FROM reports_standingbuild) OR ids IS NULL "
        "OR cardinality(ids) = 0 THEN RETURN; END IF; "
        "PERFORM 1 FROM membership_membership WHERE id = ANY(ids) ORDER BY id "
        "FOR NO KEY UPDATE; "
        f"DELETE FROM {EPISODES} WHERE membership_id = ANY(ids); "
        f"DELETE FROM {ENDS} WHERE membership_id = ANY(ids); "
        f"INSERT INTO {EPISODES} {COLUMNS} "
        + episodes_select("membership_id = ANY(ids)", grace, tz)
        + f"; INSERT INTO {ENDS} (membership_id, end_on, renewed) "
        + ends_select("t.membership_id = ANY(ids)")
        + "; END $$",
        # Every membership's episodes, with `grace_days`: the first fill, after staff change
        # the grace period, and after rows were written with the triggers off (the seeder).
        "CREATE OR REPLACE FUNCTION reports_standing_rebuild(grace_days integer) RETURNS void "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"LOCK TABLE {EPISODES}, {ENDS} IN SHARE ROW EXCLUSIVE MODE; "
        f"DELETE FROM {EPISODES}; DELETE FROM {ENDS}; DELETE FROM reports_standingbuild; "
        f"INSERT INTO {EPISODES} {COLUMNS} "
        + episodes_select("TRUE", "grace_days", tz)
        + f"; INSERT INTO {ENDS} (membership_id, end_on, renewed) "
        + ends_select("TRUE")
        + "; INSERT INTO reports_standingbuild (grace_days, built_at) VALUES (grace_days, now()); "
        "END $$",
        # Terms written: their memberships' episodes again (an update only when a column the
        # episodes read changed).
        "CREATE OR REPLACE FUNCTION reports_standing_terms() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN PERFORM reports_standing_for("
        "(SELECT array_agg(DISTINCT membership_id) FROM new_rows)); "
        "ELSIF TG_OP = 'DELETE' THEN PERFORM reports_standing_for("
        "(SELECT array_agg(DISTINCT membership_id) FROM old_rows)); "
        "ELSE PERFORM reports_standing_for((SELECT array_agg(DISTINCT x) FROM old_rows o "
        "JOIN new_rows n USING (id), LATERAL (VALUES (o.membership_id), (n.membership_id)) v(x) "
        "WHERE (o.membership_id, o.status, o.start_on, o.end_on, o.activated_at, o.category_id) "
        "IS DISTINCT FROM (n.membership_id, n.status, n.start_on, n.end_on, n.activated_at, "
        "n.category_id))); END IF; RETURN NULL; END $$",
        # A membership moved to another member: its episodes take the new place. Row triggers
        # with a WHEN (below), so the daily job's bulk updates of the status cost nothing.
        "CREATE OR REPLACE FUNCTION reports_standing_memberships() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN PERFORM reports_standing_for(ARRAY[NEW.id]); "
        "RETURN NULL; END $$",
        # A member moved: the episodes of their membership take the new place.
        "CREATE OR REPLACE FUNCTION reports_standing_members() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE {EPISODES} e SET country = NEW.country, state_province = NEW.state_province "
        "FROM membership_membership ms WHERE ms.member_id = NEW.id "
        "AND e.membership_id = ms.id; RETURN NULL; END $$",
    ]


# (name, table, when it fires, function)
TRIGGERS = [
    (
        "reports_standing_terms_ins",
        "membership_membershipterm",
        "AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
        "reports_standing_terms",
    ),
    (
        "reports_standing_terms_upd",
        "membership_membershipterm",
        "AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT",
        "reports_standing_terms",
    ),
    (
        "reports_standing_terms_del",
        "membership_membershipterm",
        "AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
        "reports_standing_terms",
    ),
    (
        "reports_standing_memberships",
        "membership_membership",
        "AFTER UPDATE OF member_id ON {table} FOR EACH ROW "
        "WHEN (OLD.member_id IS DISTINCT FROM NEW.member_id)",
        "reports_standing_memberships",
    ),
    (
        "reports_standing_members",
        "membership_member",
        "AFTER UPDATE OF country, state_province ON {table} FOR EACH ROW "
        "WHEN (OLD.country IS DISTINCT FROM NEW.country "
        "OR OLD.state_province IS DISTINCT FROM NEW.state_province)",
        "reports_standing_members",
    ),
]
FUNCTIONS = [
    "reports_standing_for(bigint[])",
    "reports_standing_rebuild(integer)",
    "reports_standing_terms()",
    "reports_standing_memberships()",
    "reports_standing_members()",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    tz = settings.TIME_ZONE.replace("'", "")
    for sql in functions(tz):
        schema_editor.execute(sql)
    for name, table, when, function in TRIGGERS:
        schema_editor.execute(
            f"CREATE TRIGGER {name} {when.format(table=table)} EXECUTE FUNCTION {function}()"
        )
    rules_model = apps.get_model("membership", "MembershipRules")
    rules = rules_model.objects.order_by("pk").first()
    grace = rules.grace_days if rules else rules_model._meta.get_field("grace_days").default
    schema_editor.execute("SELECT reports_standing_rebuild(%s)", [grace])


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, *_rest in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for function in FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_revenue_days"),
        ("membership", "0020_dues_impact_runs"),
    ]

    operations = [
        migrations.CreateModel(
            name="StandingBuild",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("grace_days", models.PositiveSmallIntegerField()),
                ("built_at", models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name="StandingEpisode",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("membership_id", models.BigIntegerField(db_index=True)),
                ("active_category_id", models.BigIntegerField(null=True)),
                ("grace_category_id", models.BigIntegerField(null=True)),
                ("active_on", models.DateField()),
                ("grace_on", models.DateField()),
                ("lapsed_on", models.DateField()),
                ("until_on", models.DateField(null=True)),
                ("cohort_on", models.DateField()),
                ("first", models.BooleanField()),
                ("country", models.CharField(max_length=2)),
                ("state_province", models.CharField(max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="StandingEnd",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("membership_id", models.BigIntegerField(db_index=True)),
                ("end_on", models.DateField(db_index=True)),
                ("renewed", models.BooleanField()),
            ],
        ),
        migrations.RunPython(install, remove, hints={"ddl": True}),
    ]
