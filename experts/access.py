"""Who may see an expert's pool data and download a CV. Staff rights count only after the
two-factor step (`membership.permissions.staff_passes`), wherever the data is shown."""

from experts.models import ExpertProfile
from membership.permissions import INTERNATIONAL_STAFF_GROUP, is_own, staff_passes


def expert_data_visible(*, user, profile: ExpertProfile | None = None) -> bool:
    """An expert's pool data (profile, matches, engagements, dossiers, export logs): the expert
    themselves, or international programs staff after the two-factor step."""
    if profile is not None and is_own(user, profile.member.user_id):
        return True
    return staff_passes(user, INTERNATIONAL_STAFF_GROUP)


def cv_downloadable(*, user, profile: ExpertProfile, current_consent_id: int | None) -> bool:
    """A CV: its owner always; international programs staff after the two-factor step, and
    only while the expert is in the pool and consents to the current consent text (a CV shared
    under an older text may not be shared again until the expert agrees to the new one)."""
    if not profile.cv:
        return False
    if is_own(user, profile.member.user_id):
        return True
    if not staff_passes(user, INTERNATIONAL_STAFF_GROUP):
        return False
    return profile.status != ExpertProfile.Status.WITHDRAWN and profile.consent_is_current(
        current_consent_id
    )
