import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from billing.models import Invoice
from membership.models import Membership, Status

pytestmark = pytest.mark.django_db


def test_load_demo_is_safe_to_run_twice_and_prints_the_passwords():
    first, second = io.StringIO(), io.StringIO()
    call_command("load_demo", stdout=first)
    call_command("load_demo", stdout=second)
    users = get_user_model().objects.filter(email__endswith="@demo.icma.org")
    assert users.count() == 2
    assert "demo-member-2026" in second.getvalue() and "demo-staff-2026" in second.getvalue()
    member = users.get(email="member@demo.icma.org").member
    assert Invoice.objects.filter(member=member).count() == 1
    assert Membership.objects.get(member=member).status == Status.ACTIVE
    from experts.models import AssistanceRequest, ExpertProfile

    assert ExpertProfile.objects.filter(member=member).count() == 1
    assert AssistanceRequest.objects.count() == 1
    staff = users.get(email="staff@demo.icma.org")
    assert set(staff.groups.values_list("name", flat=True)) == {
        "Membership staff",
        "International programs staff",
    }
