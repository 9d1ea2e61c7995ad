from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .dues_schedule import DuesSchedule

BP_PER_WHOLE = 10_000  # 10,000 basis points = 100 %


class DuesRate(models.Model):
    """The price of a category, for some positions (none listed: every other position)."""

    class Method(models.TextChoices):
        FLAT = "flat", _("Flat amount")
        SALARY_PERCENT = "salary_percent", _("Percent of salary")

    schedule = models.ForeignKey(DuesSchedule, on_delete=models.CASCADE, related_name="rates")
    category = models.ForeignKey(
        "membership.MembershipCategory", on_delete=models.PROTECT, related_name="dues_rates"
    )
    # Position codes this rate is for; an empty list means any position without its own rate.
    positions = models.JSONField(_("positions"), default=list, blank=True)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    amount_cents = models.BigIntegerField(_("flat amount (cents)"), default=0)
    percent_bp = models.PositiveIntegerField(_("percent of salary (basis points)"), default=0)
    minimum_cents = models.BigIntegerField(_("minimum (cents)"), null=True, blank=True)
    cap_cents = models.BigIntegerField(_("cap (cents)"), null=True, blank=True)

    class Meta:
        ordering = ["category__sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["flat", "salary_percent"]), name="dues_rate_method_known"
            ),
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="dues_rate_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(percent_bp__gte=0, percent_bp__lte=BP_PER_WHOLE),
                name="dues_rate_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(minimum_cents__isnull=True) | Q(minimum_cents__gte=0),
                name="dues_rate_minimum_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(cap_cents__isnull=True) | Q(cap_cents__gte=0),
                name="dues_rate_cap_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(cap_cents__isnull=True)
                | Q(minimum_cents__isnull=True)
                | Q(cap_cents__gte=F("minimum_cents")),
                name="dues_rate_cap_gte_minimum",
            ),
        ]

    def __str__(self):
        positions = ", ".join(self.positions) if self.positions else "other positions"
        return f"{self.category.name} ({positions}) in {self.schedule.name}"
