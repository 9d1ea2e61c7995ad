"""The pool is offered to members in good standing only; anyone else is told their own next
step (join, pay, rejoin), never a generic "renew"."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, activate_membership, issue_invoice

pytestmark = pytest.mark.django_db


def _volunteer_page(client, member):
    client.force_login(member.user)
    response = client.get(reverse("experts:volunteer"))
    return response.status_code, response.content.decode()


def test_someone_who_never_joined_is_told_to_join_first(client):
    status, page = _volunteer_page(client, MemberFactory())
    assert status == 403
    assert "open to ICMA members in good standing" in page
    assert f'href="{reverse("billing:join")}"' in page
    assert "Join ICMA" in page
    assert "Renew" not in page and "renew" not in page


def test_a_member_with_an_unpaid_join_invoice_is_sent_to_pay_it(client):
    member = MemberFactory()
    invoice = issue_invoice(member)
    status, page = _volunteer_page(client, member)
    assert status == 403
    assert f"Pay invoice {invoice.number}" in page
    assert f'href="{reverse("billing:invoice", args=[invoice.number])}"' in page


def test_a_lapsed_member_is_asked_to_rejoin(client):
    member = activate_membership(MemberFactory(), end_on=dt.date.today() - dt.timedelta(days=400))
    status, page = _volunteer_page(client, member)
    assert status == 403
    assert "lapsed: rejoin" in page


def test_the_profile_page_offers_the_pool_only_to_members_in_good_standing(client):
    newcomer = MemberFactory()
    client.force_login(newcomer.user)
    page = client.get(reverse("membership:profile")).content.decode()
    assert reverse("experts:volunteer") not in page
    assert "Once your membership is active you can volunteer here" in page

    member = activate_membership(MemberFactory())
    client.force_login(member.user)
    page = client.get(reverse("membership:profile")).content.decode()
    assert f'href="{reverse("experts:volunteer")}"' in page
