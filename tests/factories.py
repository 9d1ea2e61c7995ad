import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from membership.models import Member, Position

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.LazyAttribute(lambda o: o.email)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class MemberFactory(factory.Factory):
    """The member row is made by the account's signal; this fills in its facts."""

    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    full_name = factory.Faker("name")
    position = Position.CAO
    job_title = "City Manager"
    employer = factory.Sequence(lambda n: f"City of Example {n}")
    country = "US"
    state_province = "VA"
    population = 250_000
    general_fund_budget_cents = 300_000_000_00
    annual_salary_cents = 150_000_00

    @classmethod
    def _create(cls, model_class, user, **facts):
        member = user.member
        for field, value in facts.items():
            setattr(member, field, value)
        member.save()
        return member


def staff_user(*, groups: list[str], with_totp: bool = True, is_staff: bool = True):
    user = UserFactory(is_staff=is_staff)
    user.groups.add(*Group.objects.filter(name__in=groups))
    if with_totp:
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "not-used-in-tests"}
        )
    return user


def issue_invoice(member, *, category="full", kind="join", on=None, installments=1, **facts):
    """An invoice for `member` at today's (or `on`'s) dues, with the member's own facts."""
    import datetime as dt

    from billing.services.invoices import DuesFacts, membership_invoice_issue
    from membership.models import MembershipCategory

    on = on or dt.date.today()
    dues_facts = DuesFacts(
        position=facts.get("position", member.position),
        salary_cents=facts.get("salary_cents", member.annual_salary_cents),
        population=facts.get("population", member.population),
        budget_cents=facts.get("budget_cents", member.general_fund_budget_cents),
        small_community_attested=facts.get("attested", True),
    )
    return membership_invoice_issue(
        member=member,
        category=MembershipCategory.objects.get(code=category),
        facts=dues_facts,
        kind=kind,
        on=on,
        installment_count=installments,
    )


def pay_invoice(invoice, *, on=None, amount_cents=None, reference="CHQ-1", by=None):
    import datetime as dt

    from billing.services.invoices import invoice_amount_due
    from billing.services.payments import payment_record_offline

    invoice.refresh_from_db()
    due, _installment = invoice_amount_due(invoice)
    return payment_record_offline(
        invoice=invoice,
        amount_cents=due if amount_cents is None else amount_cents,
        reference=reference,
        received_on=on or dt.date.today(),
        recorded_by=by,
    )


def activate_membership(member, *, category=None, end_on=None):
    """Give `member` a paid term (ending in `end_on`, default a year from today) directly."""
    import datetime as dt

    from membership.dates import add_months
    from membership.models import Membership, MembershipCategory, MembershipTerm
    from membership.selectors import category_codes_by_position

    by_position, any_position = category_codes_by_position()
    code = category or by_position.get(member.position, any_position) or "affiliate"
    end_on = end_on or add_months(dt.date.today(), 12)
    membership, _created = Membership.objects.update_or_create(
        member=member,
        defaults={
            "category": MembershipCategory.objects.get(code=code),
            "paid_through_on": end_on,
            "member_since_on": add_months(end_on, -12),
            "status": "active",
        },
    )
    MembershipTerm.objects.create(
        membership=membership,
        category=membership.category,
        kind="join",
        status="active",
        start_on=add_months(end_on, -12),
        end_on=end_on,
    )
    return member
