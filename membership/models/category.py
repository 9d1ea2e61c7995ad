from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipCategory(models.Model):
    """A kind of membership (full, affiliate, ...). Texts and eligibility are staff-editable."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("who it is for"), blank=True)
    # Position codes a member must hold to choose this category; empty means any position.
    eligible_positions = models.JSONField(_("eligible positions"), default=list, blank=True)
    # Life membership is conferred by staff and cannot be chosen by a member.
    member_selectable = models.BooleanField(_("members may choose it"), default=True)
    voting = models.CharField(_("voting rights"), max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name_plural = _("membership categories")

    def __str__(self):
        return self.name

    def allows_position(self, position: str) -> bool:
        return not self.eligible_positions or position in self.eligible_positions
