"""Stored report figures: what a report page showed, computed once and served again until the
rows it was computed from change (docs/decisions/008-reports.md, "Snapshots").

The reports read the other apps' rows and change none of them. These two tables are their own:
`DataChange` is appended to by PostgreSQL triggers on every statement that writes the rows the
reports read; a `ReportSnapshot` remembers the last change it saw, so a page knows whether its
stored figures still hold."""

from django.db import models

# The tables whose rows the cached reports read. A statement that writes any of them appends one
# `DataChange` (PostgreSQL statement-level triggers, installed by reports/migrations/0001).
WATCHED_TABLES = (
    "membership_member",
    "membership_membership",
    "membership_membershipterm",
    "membership_membershipcategory",
    "membership_membershiprules",
    "membership_duesschedule",
    "membership_duesrate",
    "membership_duesdiscount",
    "billing_invoice",
    "billing_payment",
    "billing_refund",
)


class DataChange(models.Model):
    """One statement that wrote a watched table. Appended only (no row is ever updated, so
    concurrent writers never wait on each other); pruned by the refresh sweep."""

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(max_length=63)
    changed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.table_name} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class ReportSnapshot(models.Model):
    """A report page's figures for one set of filters, one day, one language and one set of
    lifecycle rules (all in `digest`), with the last `DataChange` seen when it was computed."""

    digest = models.CharField(max_length=64, unique=True)
    page = models.CharField(max_length=40)
    query = models.TextField(blank=True)  # the filters as the page's query string
    language = models.CharField(max_length=16)
    today = models.DateField()
    change_mark = models.BigIntegerField()
    computed_at = models.DateTimeField()
    compute_ms = models.PositiveIntegerField()
    viewed_at = models.DateTimeField()
    refresh_requested_at = models.DateTimeField(null=True, blank=True)
    payload = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["viewed_at"])]

    def __str__(self):
        return f"{self.page}?{self.query} on {self.today} ({self.computed_at:%H:%M})"


class RevenueDay(models.Model):
    """Money per (measure, day, invoice category, payment method): rows appended by PostgreSQL
    row triggers on the invoices, payments and refunds (reports/migrations/0002), each the
    change one written row made, so no writer waits on another; the refresh sweep folds them
    into one row per key. The revenue report sums these instead of every invoice and payment.

    `source_rows` counts the rows behind a key, so a category or method that has rows but no
    money (a cancelled invoice) is still listed, as when the report read the rows."""

    id = models.BigAutoField(primary_key=True)
    measure = models.CharField(max_length=16)  # invoiced, outstanding, collected, refunded
    day = models.DateField()
    category_name = models.CharField(max_length=100)
    method = models.CharField(max_length=16, blank=True)  # the payment's gateway
    cents = models.BigIntegerField()
    source_rows = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["category_name", "measure"], name="reports_rev_categor_idx")
        ]

    def __str__(self):
        return f"{self.measure} {self.day} {self.category_name} {self.method}: {self.cents}"


class StandingEpisode(models.Model):
    """A membership's standing over time, kept in step with its paid terms by PostgreSQL
    triggers (reports/migrations/0003): one row per episode, an active part
    `[active_on, grace_on)`, then a grace part `[grace_on, lapsed_on)`, then a lapsed part
    `[lapsed_on, until_on)` (each possibly empty; `until_on` NULL when nothing follows). The
    episodes of a membership follow one another without overlapping, so on any date at most
    one holds it, in one state: the membership report counts these rows instead of grouping
    every term by membership. The parts are worked out from the terms with the grace period
    of `StandingBuild`, by the rules of decision 008 (a term counts from the day it was
    paid; the category is the highest among the terms holding the day).

    The member's place and the first paid term's start (the join cohort) are copied onto each
    row, so the report reads no other table."""

    id = models.BigAutoField(primary_key=True)
    membership_id = models.BigIntegerField(db_index=True)
    active_category_id = models.BigIntegerField(null=True)
    grace_category_id = models.BigIntegerField(null=True)
    active_on = models.DateField()
    grace_on = models.DateField()
    lapsed_on = models.DateField()
    until_on = models.DateField(null=True)
    cohort_on = models.DateField()
    first = models.BooleanField()  # the membership's first episode: counts it once
    country = models.CharField(max_length=2)
    state_province = models.CharField(max_length=100)

    def __str__(self):
        return f"membership {self.membership_id} from {self.active_on}"


class StandingEnd(models.Model):
    """One row per paid term that can be renewed (not Life): the day it ends and whether it
    was renewed, that is another paid term of the membership, not a reinstatement, starts on
    that day (`renewal_chain_q`). Kept by the same triggers as the episodes, so the flows and
    the renewal rate count ends per day along an index instead of matching every ending term
    against the terms that start."""

    id = models.BigAutoField(primary_key=True)
    membership_id = models.BigIntegerField(db_index=True)
    end_on = models.DateField(db_index=True)
    renewed = models.BooleanField()

    def __str__(self):
        return f"membership {self.membership_id} ends {self.end_on}"


class StandingBuild(models.Model):
    """One row: the grace period the standing episodes were worked out with, and when they
    were all built. The report reads the episodes only while it matches the lifecycle rules;
    after staff change the grace period the refresh sweep builds them again."""

    grace_days = models.PositiveSmallIntegerField()
    built_at = models.DateTimeField()

    def __str__(self):
        return f"standing built with {self.grace_days} days of grace at {self.built_at}"
