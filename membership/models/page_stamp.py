from django.db import models


class PageStamp(models.Model):
    """One row per committed write that changes what a member's own pages show: PostgreSQL
    triggers (migration 0021) add a row for the member whose data a statement changed, or for
    member 0 when it changed data every member's pages show (the rules, the categories, the
    consent text). A member's cached pages are keyed by how many stamps they and member 0 have
    had (membership/page_cache.py): a count only grows, so a key never comes back once a write
    has committed, whatever order transactions commit in. The daily job folds old rows into
    `PageStampTally`, which keeps the count.

    No foreign key on purpose: adding a row must never wait on a lock held on the member."""

    member_id = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "page stamp"

    def __str__(self) -> str:
        return f"page stamp {self.pk} of member {self.member_id}"


class PageStampTally(models.Model):
    """How many of a member's page stamps were folded away (member 0: the shared ones)."""

    member_id = models.BigIntegerField(primary_key=True)
    stamps = models.BigIntegerField()

    class Meta:
        verbose_name = "page stamp tally"

    def __str__(self) -> str:
        return f"{self.stamps} page stamps of member {self.member_id}"
