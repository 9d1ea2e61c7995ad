from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

# Upper bounds that reject typing mistakes (an extra zero or two), not real members.
MAX_SALARY_CENTS = 10_000_000_00
MAX_BUDGET_CENTS = 100_000_000_000_00
MAX_POPULATION = 50_000_000
SEARCH_TEXT_SEPARATOR = "\n"


class Position(models.TextChoices):
    CAO = "cao", _("Chief administrative officer (CAO)")
    ACAO = "acao", _("Assistant or deputy CAO")
    SENIOR_STAFF = "senior_staff", _("Senior staff reporting to a CAO")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    OTHER_LOCAL_GOVERNMENT = "other_local_government", _("Other local-government staff")
    NON_LOCAL_GOVERNMENT = "non_local_government", _("Outside local government")
    FACULTY = "faculty", _("Full-time faculty")
    STUDENT = "student", _("Student")
    RETIRED = "retired", _("Retired")


POSITION_CHOICES = Position.choices


class Member(models.Model):
    """One per user account: who the member is and the facts that drive their dues."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=32, choices=Position.choices, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    employer = models.CharField(_("employer or jurisdiction"), max_length=200, blank=True)
    country = CountryField(_("country"), default="US")
    state_province = models.CharField(_("state or province"), max_length=100, blank=True)
    population = models.PositiveIntegerField(_("jurisdiction population"), null=True, blank=True)
    general_fund_budget_cents = models.BigIntegerField(
        _("general fund budget (cents)"), null=True, blank=True
    )
    # Sensitive: only the member and membership staff ever see it.
    annual_salary_cents = models.BigIntegerField(_("annual salary (cents)"), null=True, blank=True)
    # The day the member last confirmed population and budget as current; the confirmation
    # earns the small-community rate and is offered again, ticked, at the next checkout.
    small_community_attested_on = models.DateField(
        _("community figures confirmed on"), null=True, blank=True
    )
    welcome_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The member's id in the system the portal replaced; the key that makes an import of the
    # same export change nothing the second time (membership/imports/).
    legacy_id = models.CharField(
        _("old system's member id"), max_length=40, null=True, blank=True, unique=True
    )
    member_import = models.ForeignKey(
        "membership.MemberImport",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    # When the "claim your account" e-mail was queued for an imported member.
    claim_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the staff search matches a name or employer against: written by the database
    # whenever either changes. On PostgreSQL a trigram index serves `ILIKE '%term%'` on it
    # (migration 0018; docs/decisions/002-staff-member-search-and-export.md). The line break
    # keeps a term from matching across the two (a search box cannot send one).
    search_text = models.GeneratedField(
        expression=Concat("full_name", Value(SEARCH_TEXT_SEPARATOR), "employer"),
        output_field=models.TextField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            # The member list's order (name, then number): a page is a walk of this index.
            models.Index(fields=["full_name", "id"], name="member_name_number_idx"),
            models.Index(fields=["employer"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(annual_salary_cents__isnull=True)
                | Q(annual_salary_cents__gte=0, annual_salary_cents__lte=MAX_SALARY_CENTS),
                name="member_salary_in_range",
            ),
            models.CheckConstraint(
                condition=Q(general_fund_budget_cents__isnull=True)
                | Q(
                    general_fund_budget_cents__gte=0,
                    general_fund_budget_cents__lte=MAX_BUDGET_CENTS,
                ),
                name="member_budget_in_range",
            ),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__lte=MAX_POPULATION),
                name="member_population_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.member_number} {self.full_name or self.user.email}"

    @property
    def member_number(self) -> str:
        """Stable and human-readable, derived from the primary key (never reused)."""
        return format_member_number(self.pk)

    @property
    def display_name(self) -> str:
        return self.full_name or self.user.email


def format_member_number(pk: int | None) -> str:
    return f"M-{pk:06d}" if pk else "M-??????"


def parse_member_number(text: str) -> int | None:
    """`M-004211`, `m4211` or `4211` → 4211; anything else → None."""
    cleaned = text.strip().upper().removeprefix("M").lstrip("-").strip()
    if cleaned.isdigit() and len(cleaned) <= 12:
        return int(cleaned)
    return None
