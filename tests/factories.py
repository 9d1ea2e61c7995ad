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
