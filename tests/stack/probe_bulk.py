"""A campaign's progress as its staff page shows it (run with the stack's env):

    python -m tests.stack.probe_bulk CAMPAIGN_ID

opens the campaign's progress URL and page as a membership staff member with TOTP (Django's
test client against the stack's database) and prints one JSON line."""

import json
import re
import sys

import django


def main(campaign_id: int) -> dict:
    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.urls import reverse

    from communications.models import OutgoingMessage
    from tests.factories import staff_user

    Group.objects.get_or_create(name="Membership staff")
    staff = staff_user(groups=["Membership staff"])
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    client.force_login(staff)
    progress = client.get(
        reverse("communications_staff:campaign_progress", args=[campaign_id]), secure=True
    )
    page = client.get(
        reverse("communications_staff:campaign_detail", args=[campaign_id]), secure=True
    )
    bar = re.search(rb'<progress id="campaign-bar" max="100" value="(\d+)"', page.content)
    states = dict(
        OutgoingMessage.objects.filter(campaign_id=campaign_id)
        .values_list("state")
        .annotate(n=django.db.models.Count("pk"))
        .order_by()
    )
    staff.delete()
    return {
        "progress": progress.json(),
        "page_status": page.status_code,
        "page_percent": int(bar.group(1)) if bar else None,
        "states": states,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
