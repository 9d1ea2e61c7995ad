"""A hand-built history across fiscal years FY2025-FY2027 (July starts), seen on 2026-09-15.

Members (grace 60 days, 12-month terms):
- A: joins 2024-07-01 (July 1: FY2025), renews early 2025-07-01 and 2026-07-01. Full, VA.
- B: joins 2024-06-30 (June 30: FY2024), lapses on 2025-08-29, reinstated 2026-01-10.
  Affiliate (department head), TX.
- C: joins 2024-09-01; renews on 2025-10-30, the last day of grace; in grace today. Full,
  Canada, salary $220,000.
- D: joins 2025-03-15; a 6-month waiver from 2026-03-15; in grace today (it ends today). VA.
- E: joins 2025-08-01, refunded in full: the term never counts.
- F: joins 2025-01-10, never renews: grace from 2026-01-10, lapsed on 2026-03-11. Affiliate.
"""

import datetime as dt

from django.utils import timezone

from billing.models import Invoice, Payment, Refund
from membership.models import Membership, MembershipCategory, MembershipTerm, Position
from tests.factories import MemberFactory

TODAY = dt.date(2026, 9, 15)
NOW = "2026-09-15 12:00:00-04:00"


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Builder:
    def __init__(self, prefix="T"):
        self.categories = {c.code: c for c in MembershipCategory.objects.all()}
        self.numbers = 0
        self.prefix = prefix

    def member(self, name, *, category, position=Position.CAO, salary=150_000_00, **facts):
        member = MemberFactory(
            full_name=name, position=position, annual_salary_cents=salary, **facts
        )
        membership = Membership.objects.create(
            member=member, category=self.categories[category], status="active"
        )
        return membership

    def term(self, membership, kind, start, end, *, status="active", activated=None, category=None):
        if status == "active" and (membership.paid_through_on or d(end)) <= d(end):
            membership.paid_through_on = d(end)
            membership.save(update_fields=["paid_through_on"])
        return MembershipTerm.objects.create(
            membership=membership,
            category=category or membership.category,
            kind=kind,
            status=status,
            start_on=d(start),
            end_on=d(end),
            activated_at=at(d(activated)) if activated else None,
        )

    def invoice(
        self, term, *, issued, total, status="paid", paid=None, closed=None, paid_cents=None
    ):
        self.numbers += 1
        category = term.category
        return Invoice.objects.create(
            number=f"{self.prefix}-{self.numbers:04d}",
            member=term.membership.member,
            term=term,
            kind="join" if term.kind == "join" else "renewal",
            status=status,
            category_name=category.name,
            schedule_id_used=1,
            schedule_name="Seed",
            schedule_effective_from=d("2022-10-01"),
            total_cents=total,
            paid_cents=total if paid_cents is None and status == "paid" else (paid_cents or 0),
            issued_at=at(d(issued)),
            issued_on=d(issued),
            due_on=d(issued) + dt.timedelta(days=30),
            paid_at=at(d(paid)) if paid else None,
            closed_at=at(d(closed)) if closed else None,
        )

    def payment(self, invoice, *, amount, received, gateway="offline", overpayment=False):
        return Payment.objects.create(
            invoice=invoice,
            gateway=gateway,
            state="confirmed",
            amount_cents=amount,
            received_on=d(received),
            confirmed_at=at(d(received)),
            is_overpayment=overpayment,
        )

    def refund(self, payment, *, amount, on, state="succeeded"):
        refund = Refund.objects.create(
            payment=payment, amount_cents=amount, reason="test", state=state
        )
        Refund.objects.filter(pk=refund.pk).update(created_at=at(d(on)))
        return refund


def earlier_schedule():
    """The seeded schedule starts 2026-07-01; before it, one at 0.60 % capped at $1,100."""
    from membership.models import DuesRate, DuesSchedule
    from membership.services.dues_schedules import schedule_clone

    seeded = DuesSchedule.objects.get(status="published", effective_from=d("2026-07-01"))
    earlier = schedule_clone(schedule_id=seeded.pk, actor=None)
    DuesSchedule.objects.filter(pk=earlier.pk).update(
        name="Dues from October 2022",
        status="published",
        effective_from=d("2022-10-01"),
        effective_to=d("2026-07-01"),
        published_at=at(d("2022-09-01")),
    )
    DuesRate.objects.filter(schedule=earlier, method="salary_percent").update(
        percent_bp=60, cap_cents=1_100_00
    )
    return earlier


def build_history() -> dict:
    earlier_schedule()
    b = Builder()
    a = b.member("Avery A", category="full", country="US", state_province="VA")
    t = b.term(a, "join", "2024-07-01", "2025-07-01")
    inv = b.invoice(t, issued="2024-07-01", total=975_00, paid="2024-07-01")
    b.payment(inv, amount=975_00, received="2024-07-01")
    t = b.term(a, "renewal", "2025-07-01", "2026-07-01", activated="2025-06-20")
    inv = b.invoice(t, issued="2025-06-20", total=975_00, paid="2025-06-30")
    a_card = b.payment(inv, amount=975_00, received="2025-06-30", gateway="stripe")
    # Neither a refused nor a pending refund is money given back.
    b.refund(a_card, amount=20_00, on="2025-08-10", state="failed")
    b.refund(a_card, amount=30_00, on="2025-08-11", state="created")
    t = b.term(a, "renewal", "2026-07-01", "2027-07-01", activated="2026-06-30")
    inv = b.invoice(t, issued="2026-06-01", total=1_000_00, status="open", paid_cents=500_00)
    b.payment(inv, amount=500_00, received="2026-07-01")

    bm = b.member(
        "Blake B",
        category="affiliate",
        position=Position.DEPARTMENT_HEAD,
        country="US",
        state_province="TX",
    )
    t = b.term(bm, "join", "2024-06-30", "2025-06-30")
    inv = b.invoice(t, issued="2024-06-30", total=150_00, paid="2024-06-30")
    b.payment(inv, amount=150_00, received="2024-06-30", gateway="stripe")
    b.payment(inv, amount=150_00, received="2025-07-05", overpayment=True)
    b.term(bm, "reinstatement", "2026-01-10", "2027-01-10")

    c = b.member("Casey C", category="full", salary=220_000_00, country="CA", state_province="")
    b.term(c, "join", "2024-09-01", "2025-09-01")
    t = b.term(c, "renewal", "2025-09-01", "2026-09-01", activated="2025-10-30")
    inv = b.invoice(t, issued="2025-08-15", total=1_200_00, paid="2025-10-30")
    b.payment(inv, amount=1_200_00, received="2025-10-30", gateway="stripe")
    t_next = b.term(c, "renewal", "2026-09-01", "2027-09-01", status="pending")
    MembershipTerm.objects.filter(pk=t_next.pk).update(start_on=None, end_on=None)
    t_next.refresh_from_db()
    b.invoice(t_next, issued="2026-08-01", total=1_200_00, status="open")

    dm = b.member("Dana D", category="full", country="US", state_province="VA")
    b.term(dm, "join", "2025-03-15", "2026-03-15")
    b.term(dm, "waiver", "2026-03-15", "2026-09-15", activated="2026-03-01")

    e = b.member("Eli E", category="affiliate", position=Position.DEPARTMENT_HEAD)
    t = b.term(e, "join", "2025-08-01", "2026-08-01", status="refunded")
    inv = b.invoice(t, issued="2025-08-01", total=150_00, paid="2025-08-01")
    card = b.payment(inv, amount=150_00, received="2025-08-01", gateway="stripe")
    b.refund(card, amount=150_00, on="2025-08-10")

    f = b.member(
        "Flynn F", category="affiliate", position=Position.DEPARTMENT_HEAD, state_province="VA"
    )
    t = b.term(f, "join", "2025-01-10", "2026-01-10")
    inv = b.invoice(t, issued="2025-01-10", total=200_00, paid="2025-01-12")
    b.payment(inv, amount=200_00, received="2025-01-12")
    t = b.term(f, "renewal", "2026-01-10", "2027-01-10", status="cancelled")
    b.invoice(t, issued="2025-12-01", total=200_00, status="expired", closed="2026-01-31")
    return {"A": a, "B": bm, "C": c, "D": dm, "E": e, "F": f}
