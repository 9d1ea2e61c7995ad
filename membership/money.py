"""Money helpers: integer cents everywhere; dollars only at the edges (forms, text)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def dollars_to_cents(amount: Decimal | str | int) -> int:
    """Convert a dollar amount to whole cents, a fractional cent rounding half up."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"{amount!r} is not an amount of money") from exc
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount of money")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_dollars(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_cents(cents: int | None) -> str:
    """`123456` → `$1,234.56`; negative amounts as `−$12.00`."""
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{frac:02d}"
