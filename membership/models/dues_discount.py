from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .dues_rate import BP_PER_WHOLE
from .dues_schedule import DuesSchedule


class DuesDiscount(models.Model):
    """A reduction that applies when every condition set on it holds.

    An empty condition does not restrict. A population or budget condition needs the fact:
    a member who did not give it does not get the discount.
    """

    schedule = models.ForeignKey(DuesSchedule, on_delete=models.CASCADE, related_name="discounts")
    label = models.CharField(_("label"), max_length=120)
    max_population = models.PositiveIntegerField(_("population at most"), null=True, blank=True)
    max_budget_cents = models.BigIntegerField(
        _("general fund budget at most (cents)"), null=True, blank=True
    )
    categories = models.JSONField(_("categories"), default=list, blank=True)
    positions = models.JSONField(_("positions"), default=list, blank=True)
    percent_off_bp = models.PositiveIntegerField(_("percent off (basis points)"), default=0)
    replacement_cap_cents = models.BigIntegerField(
        _("replacement cap (cents)"), null=True, blank=True
    )
    # Lower numbers apply first.
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_off_bp__gte=0, percent_off_bp__lte=BP_PER_WHOLE),
                name="dues_discount_percent_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(max_budget_cents__isnull=True) | Q(max_budget_cents__gte=0),
                name="dues_discount_budget_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(replacement_cap_cents__isnull=True) | Q(replacement_cap_cents__gte=0),
                name="dues_discount_cap_gte_0",
            ),
        ]

    def __str__(self):
        return f"{self.label} in {self.schedule.name}"
