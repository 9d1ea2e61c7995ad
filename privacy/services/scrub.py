"""Replacing a member's personal values wherever copies of them are kept."""

import re

ERASED = "[erased]"
# JSON keys whose values are personal wherever they appear (Stripe payloads, snapshots).
PERSONAL_KEYS = frozenset(
    {"email", "name", "phone", "address", "customer_email", "customer_name", "receipt_email"}
)


class Needles:
    """The personal strings of one member, found before they are erased, longest first so a
    full name is replaced before its parts."""

    def __init__(self, strings, salary_cents: int | None):
        found = {s.strip() for s in strings if s and len(s.strip()) >= 3}
        self.strings = sorted(found, key=len, reverse=True)
        self.salary_strings = []
        if salary_cents:
            whole, frac = divmod(int(salary_cents), 100)
            self.salary_strings = [
                f"${whole:,}.{frac:02d}",
                f"{whole:,}.{frac:02d}",
                f"{whole}.{frac:02d}",
                str(int(salary_cents)),
            ]
        patterns = [re.escape(s) for s in self.salary_strings + self.strings]
        self._pattern = re.compile("|".join(patterns), re.IGNORECASE) if patterns else None

    def text(self, value):
        if not isinstance(value, str) or self._pattern is None:
            return value
        return self._pattern.sub(ERASED, value)

    def json(self, value, key: str = ""):
        """A JSON value with personal strings replaced and salary or personal keys emptied."""
        if "salary" in key.lower() or key.lower() in PERSONAL_KEYS:
            return None
        if isinstance(value, dict):
            return {k: self.json(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        is_number = isinstance(value, int) and not isinstance(value, bool)
        if is_number and self.salary_strings and str(value) == self.salary_strings[-1]:
            return None
        return value


TEXT_TYPES = frozenset({"CharField", "TextField", "EmailField", "SlugField"})


def scrub_rows(queryset, needles: Needles, *, skip=()) -> int:
    """Scrub every text and JSON column of the rows (except `skip` and pghistory's own), saving
    only the rows that changed. Returns how many changed."""
    model = queryset.model
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.name not in skip
        and not f.name.startswith("pgh_")
        and (f.get_internal_type() in TEXT_TYPES or f.get_internal_type() == "JSONField")
        and not f.primary_key
    ]
    salary_fields = [
        f
        for f in model._meta.concrete_fields
        if "salary" in f.name and f.get_internal_type() != "JSONField"
    ]
    changed = []
    for row in queryset.iterator(chunk_size=500):
        dirty = False
        for field in fields:
            old = getattr(row, field.attname)
            if field.get_internal_type() == "JSONField":
                new = needles.json(old)
            else:
                new = needles.text(old)
            if new != old:
                setattr(row, field.attname, new)
                dirty = True
        for field in salary_fields:
            if getattr(row, field.attname) is not None:
                setattr(row, field.attname, None)
                dirty = True
        if dirty:
            changed.append(row)
    names = [f.name for f in fields] + [f.name for f in salary_fields]
    if changed and names:
        model.objects.bulk_update(changed, names, batch_size=500)
    return len(changed)
