"""Read-only queries about members."""

from django.http import Http404

from membership.models import Member
from membership.models.member import parse_member_number
from membership.permissions import user_is_membership_staff


def member_for_user(*, user) -> Member:
    return Member.objects.select_related("user").get(user=user)


def member_visible_to(*, user, member_number: str) -> Member:
    """The member named by number, if `user` may see it: themselves or membership staff.

    Anyone else gets a 404, the same answer as for a number that does not exist.
    """
    pk = parse_member_number(member_number)
    if pk is None:
        raise Http404
    member = Member.objects.select_related("user").filter(pk=pk).first()
    if member is None:
        raise Http404
    if member.user_id != user.pk and not user_is_membership_staff(user):
        raise Http404
    return member


def members_in_good_standing(*, on=None):
    """Members whose membership is active or in grace on `on` (default today).

    Until the membership lifecycle exists every member with a profile counts; the lifecycle
    replaces this body, and callers keep the same signature.
    """
    return Member.objects.all()


def member_in_good_standing(*, member: Member, on=None) -> bool:
    return members_in_good_standing(on=on).filter(pk=member.pk).exists()


def members_for_dues_preview(*, chunk_size: int = 5_000):
    """Stream each member's dues facts for the impact preview, without a query per member.

    Yields `(member_id, category_code, position, salary_cents, population, budget_cents)`.
    Until memberships exist, a member's category is the first member-selectable category, in
    sort order, that admits their position (None when none does). The lifecycle replaces this
    body with the current term's category; callers keep the same signature and tuple.
    """
    from membership.models import MembershipCategory

    by_position: dict[str, str] = {}
    any_position = None
    for code, positions in MembershipCategory.objects.filter(member_selectable=True).values_list(
        "code", "eligible_positions"
    ):
        if not positions and any_position is None:
            any_position = code
        for position in positions or ():
            by_position.setdefault(position, code)
    rows = (
        members_in_good_standing()
        .order_by()
        .values_list(
            "id", "position", "annual_salary_cents", "population", "general_fund_budget_cents"
        )
        .iterator(chunk_size=chunk_size)
    )
    for member_id, position, salary, population, budget in rows:
        yield (
            member_id,
            by_position.get(position, any_position),
            position,
            salary,
            population,
            budget,
        )
