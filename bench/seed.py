"""A fast, set-based seeder for benchmarks: N members with several years of history, written
by PostgreSQL itself (generate_series, a recursive CTE and INSERT ... SELECT), so a million
members take minutes, not hours.

    from bench.seed import seed_history
    seed_history(100_000, today=dt.date(2026, 12, 3))

Each member joined on a day in the five years before `today` (a few before that) and then,
term by term (twelve months each): renewed on time (paid up to a month early), renewed within
grace (paid after the end date, the term still starting on it), took a six-month dues waiver,
lapsed and came back later with a reinstatement, or lapsed for good. Three terms a member on
average. Every paid term but a waiver has a paid invoice and a confirmed payment (Stripe or
offline); about one payment in a hundred was partly refunded. Members whose latest term ends in
the next sixty days or who are in grace have an open renewal invoice for a pending term (a
tenth half paid); members who lapsed without renewing have the renewal invoice closed unpaid.

The random choices come from a hash of the member's number and the step, so the same N gives
the same data on every run. The audit triggers are switched off while seeding (the history of
seeded rows is not what a benchmark measures); the Django ORM is not used for the rows.
"""

import datetime as dt
import time

from django.db import connection, transaction

# u(id, salt): a number in [0, 1) from a hash, the same on every run.
RANDOM_SQL = """
CREATE OR REPLACE FUNCTION pg_temp.u(bigint, integer) RETURNS double precision
LANGUAGE sql IMMUTABLE AS
$$ SELECT (hashint8($1 * 1000 + $2) & 2147483647)::double precision / 2147483648 $$
"""

FIRST = ["Alex", "Jordan", "Maria", "Wei", "Priya", "Sam", "Chris", "Dana", "Lee", "Pat"]
LAST = ["Smith", "Johnson", "Garcia", "Chen", "Patel", "Nguyen", "Brown", "Davis", "Kim"]
PLACES = ["Riverton", "Oak Grove", "Fairview", "Springfield", "Salem", "Madison", "Dover"]
STATES = ["VA", "TX", "CA", "NC", "FL", "OH", "MI", "CO", "AZ", "WA", "IL", "GA", "MN", "KS"]
OTHER_COUNTRIES = ["CA", "AU", "GB", "NZ", "IE", "NL", "ZA", "IN", "JP", "MX"]
# (position, category code, share of members up to this one, salary range in dollars)
POSITIONS = [
    ("cao", "full", 0.30, (70_000, 320_000)),
    ("acao", "full", 0.50, (60_000, 240_000)),
    ("senior_staff", "full", 0.60, (55_000, 200_000)),
    ("department_head", "full", 0.75, (50_000, 180_000)),
    ("other_local_government", "affiliate", 0.85, (35_000, 120_000)),
    ("non_local_government", "affiliate", 0.90, (40_000, 200_000)),
    ("faculty", "academic", 0.93, (50_000, 160_000)),
    ("student", "student", 0.97, None),
    ("retired", "retired", 1.00, None),
]
# Annual dues by category, in cents, before the salary-based part of a full member's dues.
DUES = {"full": 45_000, "affiliate": 30_000, "academic": 25_000, "student": 5_000, "retired": 9_000}


def _array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(array: str, salt: int, alias: str = "g") -> str:
    """An element of a literal array, chosen by hash."""
    return f"({array})[1 + floor(pg_temp.u({alias}.n, {salt}) * array_length({array}, 1))::int]"


def _position_case(alias: str = "g") -> tuple[str, str, str]:
    r = f"pg_temp.u({alias}.n, 3)"
    position = " ".join(f"WHEN {r} < {share} THEN '{p}'" for p, _c, share, _s in POSITIONS)
    salary = " ".join(
        f"WHEN {r} < {share} THEN "
        + (
            f"(({low} + floor(pg_temp.u({alias}.n, 4) * {high - low}))::bigint * 100)"
            if sal
            else "NULL"
        )
        for p, _c, share, sal in POSITIONS
        for low, high in [sal or (0, 0)]
    )
    category = " ".join(f"WHEN {r} < {share} THEN '{c}'" for _p, c, share, _s in POSITIONS)
    return (
        f"CASE {position} END",
        f"CASE {salary} END",
        f"CASE {category} END",
    )


def seed_history(count: int, *, today: dt.date, grace_days: int = 60, log=print) -> None:
    """Add `count` members with their memberships, terms, invoices, payments and refunds."""
    started = time.perf_counter()
    position, salary, category = _position_case()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")  # no audit triggers
        c.execute("SET LOCAL work_mem = '256MB'")
        # Columns added after this seeder was written hold their model default for seeded rows.
        c.execute("ALTER TABLE billing_invoice ALTER COLUMN credited_cents SET DEFAULT 0")
        c.execute(RANDOM_SQL)
        c.execute("SELECT COALESCE(MAX(id), 0) FROM auth_user")
        (base,) = c.fetchone()
        c.execute("SELECT password FROM auth_user WHERE password LIKE 'pbkdf2%%' LIMIT 1")
        row = c.fetchone()
        password = row[0] if row else "!unusable"
        c.execute(
            "CREATE TEMP TABLE seed_people ON COMMIT DROP AS "
            "SELECT g.n, "
            f"{_pick(_array(FIRST), 1)} || ' ' || {_pick(_array(LAST), 2)} AS full_name, "
            f"{position} AS position, {salary} AS salary, {category} AS category, "
            f"{_pick(_array(PLACES), 5)} AS place, "
            "pg_temp.u(g.n, 6) < 0.95 AS us, "
            f"{_pick(_array(STATES), 7)} AS state, {_pick(_array(OTHER_COUNTRIES), 8)} AS country, "
            "floor(power(10, 2.7 + 3.9 * pg_temp.u(g.n, 9)))::int AS population "
            "FROM generate_series(%s::bigint, %s::bigint) AS g(n)",
            [base + 1, base + count],
        )
        c.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined) "
            "SELECT n, %s, false, 'seed-' || n, '', '', 'seed-' || n || '@example.org', false,"
            " true, now() FROM seed_people",
            [password],
        )
        c.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %s)", [base + count])
        c.execute(
            'INSERT INTO account_emailaddress (user_id, email, verified, "primary") '
            "SELECT n, 'seed-' || n || '@example.org', true, true FROM seed_people"
        )
        c.execute(
            "INSERT INTO membership_member (full_name, position, job_title, employer, country,"
            " state_province, population, general_fund_budget_cents, annual_salary_cents,"
            " created_at, updated_at, user_id) "
            "SELECT full_name, position, initcap(replace(position, '_', ' ')), 'City of ' || place,"
            " CASE WHEN us THEN 'US' ELSE country END, CASE WHEN us THEN state ELSE '' END,"
            " CASE WHEN pg_temp.u(n, 10) < 0.9 THEN population END,"
            " CASE WHEN pg_temp.u(n, 11) < 0.85"
            "  THEN population::bigint * (900 + floor(pg_temp.u(n, 12) * 900)::bigint) * 100 END,"
            " salary, now(), now(), n FROM seed_people"
        )
        log(f"  {count:,} people in {time.perf_counter() - started:.0f} s")
        # The chain of terms of each member, step by step.
        c.execute(
            "CREATE TEMP TABLE seed_terms ON COMMIT DROP AS "
            "WITH RECURSIVE chain (member_id, n, step, kind, start_on, end_on, activated_on) AS ("
            " SELECT m.id, m.user_id, 0, 'join', j.start_on,"
            "  (j.start_on + interval '12 months')::date, j.start_on"
            " FROM membership_member m"
            " CROSS JOIN LATERAL (SELECT (%(today)s::date - 30"
            "   - floor(pg_temp.u(m.user_id, 20) * 1800)::int) AS start_on) j"
            " WHERE m.user_id > %(base)s"
            " UNION ALL"
            " SELECT c.member_id, c.n, c.step + 1, x.kind, x.start_on, x.end_on, x.activated_on"
            " FROM chain c"
            " CROSS JOIN LATERAL (SELECT pg_temp.u(c.n, 30 + c.step) AS r,"
            "   pg_temp.u(c.n, 60 + c.step) AS r2) d"
            " CROSS JOIN LATERAL (SELECT"
            "   CASE WHEN d.r < 0.85 THEN"
            "     CASE WHEN d.r BETWEEN 0.82 AND 0.85 THEN 'waiver' ELSE 'renewal' END"
            "   WHEN d.r < 0.93 THEN 'reinstatement' END AS kind,"
            "   CASE WHEN d.r < 0.85 THEN c.end_on"
            "   ELSE c.end_on + %(grace)s + 1 + floor(d.r2 * 300)::int END AS start_on) k"
            " CROSS JOIN LATERAL (SELECT k.kind, k.start_on,"
            "   (k.start_on + CASE WHEN k.kind = 'waiver' THEN interval '6 months'"
            "    ELSE interval '12 months' END)::date AS end_on,"
            "   CASE WHEN d.r < 0.70 THEN k.start_on - floor(d.r2 * 30)::int"
            "   WHEN d.r < 0.82 THEN k.start_on + 1 + floor(d.r2 * (%(grace)s - 1))::int"
            "   ELSE k.start_on END AS activated_on) x"
            " WHERE c.step < 12 AND x.kind IS NOT NULL AND x.activated_on <= %(today)s"
            ") SELECT * FROM chain",
            {"today": today, "base": base, "grace": grace_days},
        )
        c.execute("SELECT COUNT(*) FROM seed_terms")
        (terms,) = c.fetchone()
        c.execute(
            "INSERT INTO membership_membership (member_id, member_since_on, paid_through_on,"
            " status, waived_months, updated_at, category_id) "
            "SELECT t.member_id, MIN(t.start_on), MAX(t.end_on),"
            " CASE WHEN MAX(t.end_on) > %(today)s THEN 'active'"
            " WHEN MAX(t.end_on) > %(today)s::date - %(grace)s THEN 'grace' ELSE 'lapsed' END,"
            " 6 * COUNT(*) FILTER (WHERE t.kind = 'waiver'), now(), cat.id "
            "FROM seed_terms t JOIN seed_people p ON p.n = t.n"
            " JOIN membership_membershipcategory cat ON cat.code = p.category "
            "GROUP BY t.member_id, cat.id",
            {"today": today, "grace": grace_days},
        )
        c.execute(
            "INSERT INTO membership_membershipterm (membership_id, category_id, kind, status,"
            " start_on, end_on, reason, created_at, activated_at) "
            "SELECT ms.id, ms.category_id, t.kind, 'active', t.start_on, t.end_on, '',"
            " t.activated_on::timestamptz, t.activated_on::timestamptz + interval '10 hours' "
            "FROM seed_terms t JOIN membership_membership ms ON ms.member_id = t.member_id "
            "ORDER BY t.start_on"
        )
        log(f"  {terms:,} paid terms in {time.perf_counter() - started:.0f} s")
        # A paid invoice and a confirmed payment for every paid term but a waiver.
        dues = " ".join(f"WHEN '{code}' THEN {cents}" for code, cents in DUES.items())
        c.execute(
            "CREATE TEMP TABLE seed_bills ON COMMIT DROP AS "
            "SELECT t.id AS term_id, ms.member_id, t.kind, t.start_on, t.end_on,"
            " t.activated_at, cat.code, cat.name,"
            f" (CASE cat.code {dues} END + CASE WHEN cat.code = 'full'"
            "  THEN COALESCE(m.annual_salary_cents / 400, 0) ELSE 0 END) / 100 * 100 AS total"
            " FROM membership_membershipterm t"
            " JOIN membership_membership ms ON ms.id = t.membership_id"
            " JOIN membership_member m ON m.id = ms.member_id"
            " JOIN membership_membershipcategory cat ON cat.id = t.category_id"
            " WHERE m.user_id > %s AND t.kind <> 'waiver'",
            [base],
        )
        invoice_columns = (
            "INSERT INTO billing_invoice (number, member_id, term_id, kind, status,"
            " category_name, schedule_id_used, schedule_name, schedule_effective_from, facts,"
            " currency, total_cents, paid_cents, credited_cents, installment_count, issued_at,"
            " issued_on,"
            " due_on, paid_at, closed_at, close_reason, bill_to_address, bill_to_email,"
            " bill_to_organisation, purchase_order_number) "
        )
        c.execute(
            invoice_columns + "SELECT 'S' || b.term_id, b.member_id, b.term_id,"
            " CASE WHEN b.kind = 'join' THEN 'join' ELSE 'renewal' END, 'paid', b.name, 1,"
            " 'Seeded schedule', '2020-07-01', '{}', 'usd', b.total, b.total, 0, 1,"
            " i.issued_on::timestamptz, i.issued_on, i.issued_on + 30, b.activated_at, NULL,"
            " '', '', '', '', '' FROM seed_bills b"
            " CROSS JOIN LATERAL (SELECT LEAST(b.activated_at::date,"
            "  CASE WHEN b.kind = 'join' THEN b.start_on ELSE b.start_on - 30 END) AS issued_on) i"
        )
        c.execute(
            "INSERT INTO billing_payment (invoice_id, gateway, state, amount_cents, currency,"
            " reference, received_on, is_overpayment, note, gateway_ids, raw, created_at,"
            " confirmed_at, card_brand, card_last4) "
            "SELECT i.id, CASE WHEN pg_temp.u(i.term_id, 70) < 0.7 THEN 'stripe' ELSE 'offline'"
            " END, 'confirmed', i.total_cents, 'usd', '', i.paid_at::date, false, '', '{}', '{}',"
            " i.paid_at, i.paid_at, '', '' FROM billing_invoice i"
            " JOIN seed_bills b ON b.term_id = i.term_id"
        )
        c.execute(
            "INSERT INTO billing_refund (payment_id, amount_cents, currency, reason, state,"
            " error, term_cancelled, cancel_term_requested, created_at, updated_at) "
            "SELECT p.id, p.amount_cents / 4, 'usd', 'Goodwill', 'succeeded', '', false, false,"
            " p.confirmed_at + interval '20 days', p.confirmed_at + interval '20 days'"
            " FROM billing_payment p JOIN billing_invoice i ON i.id = p.invoice_id"
            " JOIN seed_bills b ON b.term_id = i.term_id"
            " WHERE pg_temp.u(b.term_id, 71) < 0.01"
            " AND p.confirmed_at + interval '20 days' < %s::date",
            [today],
        )
        log(f"  paid invoices, payments, refunds in {time.perf_counter() - started:.0f} s")
        # The renewal now due (or in grace) of each member's latest term: an open invoice
        # for a pending term; lapsed members' renewal invoices were closed unpaid.
        c.execute(
            "CREATE TEMP TABLE seed_due ON COMMIT DROP AS "
            "SELECT DISTINCT ON (ms.id) ms.id AS membership_id, ms.member_id, ms.category_id,"
            " t.end_on, cat.name, m.user_id AS n,"
            f" (CASE cat.code {dues} END) AS total,"
            " CASE WHEN t.end_on > %(today)s::date - %(grace)s THEN 'open' ELSE 'expired'"
            " END AS status "
            "FROM membership_membership ms JOIN membership_member m ON m.id = ms.member_id"
            " JOIN membership_membershipterm t ON t.membership_id = ms.id"
            " JOIN membership_membershipcategory cat ON cat.id = ms.category_id"
            " WHERE m.user_id > %(base)s "
            "ORDER BY ms.id, t.end_on DESC",
            {"today": today, "grace": grace_days, "base": base},
        )
        c.execute(
            "DELETE FROM seed_due WHERE end_on > %s::date + 60 OR pg_temp.u(n, 80) < 0.3",
            [today],
        )
        c.execute(
            "INSERT INTO membership_membershipterm (membership_id, category_id, kind, status,"
            " start_on, end_on, reason, created_at) "
            "SELECT membership_id, category_id, 'renewal',"
            " CASE WHEN status = 'open' THEN 'pending' ELSE 'cancelled' END, end_on,"
            " (end_on + interval '12 months')::date, '', (end_on - 30)::timestamptz"
            " FROM seed_due"
        )
        c.execute(
            invoice_columns + "SELECT 'R' || t.id, d.member_id, t.id, 'renewal', d.status, d.name,"
            " 1, 'Seeded schedule', '2020-07-01', '{}', 'usd', d.total,"
            " CASE WHEN d.status = 'open' AND pg_temp.u(d.n, 81) < 0.1 THEN d.total / 2"
            " ELSE 0 END, 0, 1, (d.end_on - 30)::timestamptz, d.end_on - 30, d.end_on, NULL,"
            " CASE WHEN d.status = 'expired' THEN (d.end_on + %s)::timestamptz END,"
            " '', '', '', '', '' FROM seed_due d"
            " JOIN membership_membershipterm t ON t.membership_id = d.membership_id"
            " AND t.start_on = d.end_on AND t.status IN ('pending', 'cancelled')",
            [grace_days],
        )
        c.execute(
            "INSERT INTO billing_payment (invoice_id, gateway, state, amount_cents, currency,"
            " reference, received_on, is_overpayment, note, gateway_ids, raw, created_at,"
            " confirmed_at, card_brand, card_last4) "
            "SELECT i.id, 'offline', 'confirmed', i.paid_cents, 'usd', 'cheque',"
            " i.issued_on + 10, false, '', '{}', '{}', i.issued_at + interval '10 days',"
            " i.issued_at + interval '10 days', '', '' FROM billing_invoice i"
            " WHERE i.status = 'open' AND i.paid_cents > 0 AND i.number LIKE 'R%%'"
            " AND NOT EXISTS (SELECT 1 FROM billing_payment p WHERE p.invoice_id = i.id)"
        )
        c.execute("SELECT COUNT(*) FROM seed_due")
        (due,) = c.fetchone()
        log(f"  {due:,} renewal invoices due or closed in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as c:
        c.execute("ALTER TABLE billing_invoice ALTER COLUMN credited_cents DROP DEFAULT")
        c.execute("ANALYZE")
    log(f"Seeded {count:,} members, {terms:,} paid terms in {time.perf_counter() - started:.0f} s")
